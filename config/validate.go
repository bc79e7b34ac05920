package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Validate checks the whole configuration and reports every problem it
// finds, one error per problem joined with errors.Join, each reading like
// "config zoo.cfg: clientPort 70000 out of range". Run it last: after Load
// (or Default and edits in code) and FromEnv. It does not touch the disk.
func (c *Config) Validate() error {
	v := validator{prefix: "config " + sourceName(c.Source) + ": "}
	if c.Source == "" {
		v.prefix = "config: "
	}
	c.validateServer(&v)
	c.validateLimits(&v)
	c.validateAdmin(&v)
	c.validateEnsemble(&v)
	return errors.Join(v.errs...)
}

type validator struct {
	prefix string
	errs   []error
}

func (v *validator) fail(format string, args ...any) {
	v.errs = append(v.errs, errors.New(v.prefix+fmt.Sprintf(format, args...)))
}

// port checks a port number; zeroOK allows 0 (an OS-chosen port).
func (v *validator) port(name string, port int, zeroOK bool) {
	if port < 0 || port > 65535 || (port == 0 && !zeroOK) {
		v.fail("%s %d out of range", name, port)
	}
}

// validateServer checks the client-facing basics.
func (c *Config) validateServer(v *validator) {
	if c.TickTime <= 0 {
		v.fail("tickTime must be positive, not %s", millis(c.TickTime))
	}
	if c.DataDir == "" {
		v.fail("dataDir is not set")
	}
	switch {
	case c.ClientPort == 0 && c.Source != "":
		v.fail("clientPort is not set (zkd needs a plaintext client port; secureClientPort is not supported)")
	default:
		v.port("clientPort", c.ClientPort, true)
	}
	if strings.ContainsAny(c.ClientPortAddress, " \t/") {
		v.fail("clientPortAddress %q is not a host name or IP address", c.ClientPortAddress)
	}
	if c.MinSessionTimeout < 0 {
		v.fail("minSessionTimeout must not be negative, not %s", millis(c.MinSessionTimeout))
	}
	if c.MaxSessionTimeout < 0 {
		v.fail("maxSessionTimeout must not be negative, not %s", millis(c.MaxSessionTimeout))
	}
	if c.MinSessionTimeout > c.MaxSessionTimeout {
		v.fail("minSessionTimeout %s must not be larger than maxSessionTimeout %s",
			millis(c.MinSessionTimeout), millis(c.MaxSessionTimeout))
	}
	switch c.PeerType {
	case "", "participant", "observer":
	default:
		v.fail("peerType %q is neither participant nor observer", c.PeerType)
	}
}

// validateLimits checks counts, sizes and intervals.
func (c *Config) validateLimits(v *validator) {
	nonNegative := []struct {
		name string
		n    int
		hint string
	}{
		{"maxClientCnxns", c.MaxClientCnxns, " (0 means unlimited)"},
		{"maxCnxns", c.MaxCnxns, " (0 means unlimited)"},
		{"initLimit", c.InitLimit, ""},
		{"syncLimit", c.SyncLimit, ""},
	}
	for _, x := range nonNegative {
		if x.n < 0 {
			v.fail("%s %d must not be negative%s", x.name, x.n, x.hint)
		}
	}
	if c.AutopurgeSnapRetainCount < 3 {
		v.fail("autopurge.snapRetainCount %d is below the minimum of 3", c.AutopurgeSnapRetainCount)
	}
	if c.AutopurgePurgeInterval < 0 {
		v.fail("autopurge.purgeInterval %s must not be negative (0 turns purging off)", c.AutopurgePurgeInterval)
	}
	if c.JuteMaxBuffer <= 0 {
		v.fail("jute.maxbuffer %d must be positive", c.JuteMaxBuffer)
	}
	if c.SnapCount < 2 {
		v.fail("snapCount %d must be at least 2", c.SnapCount)
	}
	if c.GlobalOutstandingLimit <= 0 {
		v.fail("globalOutstandingLimit %d must be positive", c.GlobalOutstandingLimit)
	}
	if c.ContainerCheckInterval <= 0 {
		v.fail("znode.container.checkIntervalMs must be positive, not %s", millis(c.ContainerCheckInterval))
	}
	if c.ContainerMaxPerMinute <= 0 {
		v.fail("znode.container.maxPerMinute %d must be positive", c.ContainerMaxPerMinute)
	}
	if c.ContainerMaxNeverUsed < 0 {
		v.fail("znode.container.maxNeverUsedIntervalMs must not be negative, not %s", millis(c.ContainerMaxNeverUsed))
	}
}

// validateAdmin checks the AdminServer settings when it is enabled.
func (c *Config) validateAdmin(v *validator) {
	if !c.AdminEnableServer {
		return
	}
	v.port("admin.serverPort", c.AdminServerPort, true)
	if c.AdminServerAddress == "" || strings.ContainsAny(c.AdminServerAddress, " \t/") {
		v.fail("admin.serverAddress %q is not a host name or IP address", c.AdminServerAddress)
	}
	if !strings.HasPrefix(c.AdminCommandURL, "/") {
		v.fail("admin.commandURL %q must start with /", c.AdminCommandURL)
	}
	if c.AdminServerPort != 0 && c.AdminServerPort == c.ClientPort {
		v.fail("admin.serverPort %d is also the clientPort", c.AdminServerPort)
	}
}

// validateEnsemble checks the server list and this server's place in it,
// with ZooKeeper's rules (QuorumPeerConfig.parseDynamicConfig and
// checkValidity) plus what raft needs.
func (c *Config) validateEnsemble(v *validator) {
	participants, observers := 0, 0
	used := map[string]uint64{} // host:port -> server id, for duplicates
	for _, s := range c.Servers {
		name := "server." + strconv.FormatUint(s.ID, 10)
		if s.Observer {
			observers++
		} else {
			participants++
		}
		if s.ID == 0 {
			v.fail("server.0: server id 0 is not supported by zkd (raft reserves it); use ids 1-255")
		}
		if s.Host == "" {
			v.fail("%s: host is empty", name)
		}
		v.port(name+" quorum port", s.QuorumPort, false)
		v.port(name+" election port", s.ElectionPort, false)
		if s.QuorumPort == s.ElectionPort {
			v.fail("%s: quorum and election ports must differ (both are %d)", name, s.QuorumPort)
		}
		if s.ClientAddr != "" || s.ClientPort != 0 {
			v.port(name+" client port", s.ClientPort, false)
		}
		if isWildcard(s.Host) {
			continue
		}
		for _, port := range []int{s.QuorumPort, s.ElectionPort} {
			addr := hostPort(s.Host, port)
			if other, dup := used[addr]; dup && other != s.ID {
				v.fail("server.%d and %s both use %s", other, name, addr)
			}
			used[addr] = s.ID
		}
	}
	switch {
	case participants == 0 && !c.StandaloneEnabled:
		v.fail("standaloneEnabled=false needs at least one participant server.N line")
	case participants == 0 && observers > 0:
		v.fail("observers without participants are not a valid ensemble")
	case participants == 1 && c.StandaloneEnabled && observers > 0:
		v.fail("observers need an ensemble: one participant with standaloneEnabled=true runs standalone")
	}
	if c.ExtendedTypesEnabled && c.MyID > 254 {
		v.fail("server id %d is above 254, which extendedTypesEnabled does not allow", c.MyID)
	}
	if !c.Distributed() {
		return
	}
	if c.InitLimit == 0 {
		v.fail("initLimit is not set")
	}
	if c.SyncLimit == 0 {
		v.fail("syncLimit is not set")
	}
	switch {
	case c.MyID == 0:
		v.fail("myid is not set: write this server's id to %s", myIDPath(c.DataDir))
	case !c.hasServer(c.MyID):
		v.fail("myid %d has no server.%d line", c.MyID, c.MyID)
	}
}

func (c *Config) hasServer(id uint64) bool {
	for _, s := range c.Servers {
		if s.ID == id {
			return true
		}
	}
	return false
}

func myIDPath(dataDir string) string {
	if dataDir == "" {
		return "<dataDir>/myid"
	}
	return strings.TrimSuffix(dataDir, "/") + "/myid"
}

// millis formats d as zoo.cfg writes it.
func millis(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}
