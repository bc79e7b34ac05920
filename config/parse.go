package config

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Parse reads a zoo.cfg from r. source names it in messages and becomes
// Config.Source. It starts from Default() except where ZooKeeper's file
// semantics differ: dataDir is required, the client port is unset until
// clientPort (or this server's server.N line, see Load) gives one,
// clientPortAddress and admin.serverAddress default to all interfaces
// ("0.0.0.0"), and initLimit/syncLimit have no default.
//
// Parse checks syntax and what ZooKeeper checks while parsing; Validate
// checks the rest. It does not read myid or a dynamicConfigFile; Load does.
func Parse(r io.Reader, source string) (Config, error) {
	props, dups, err := readProperties(r)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", sourceName(source), err)
	}
	c := Default()
	c.Source = source
	c.DataDir, c.DataLogDir = "", ""
	c.ClientPortAddress, c.ClientPort = "0.0.0.0", 0
	c.AdminServerAddress = "0.0.0.0"
	c.InitLimit, c.SyncLimit = 0, 0
	c.fromFile = map[string]bool{}

	p := &parser{c: &c, source: source, servers: map[uint64]Server{}}
	p.warnDuplicates(props, dups)
	for _, prop := range props {
		if prop.key == "dynamicConfigFile" {
			p.dynamic = true
		}
	}
	for _, prop := range props {
		if err := p.apply(prop); err != nil {
			return Config{}, err
		}
	}
	if err := p.finish(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// parser holds what Parse tracks beyond the Config itself.
type parser struct {
	c       *Config
	source  string
	dynamic bool // the file names a dynamicConfigFile
	servers map[uint64]Server

	minSet, maxSet bool
	clientAddrSet  bool
}

func sourceName(source string) string {
	if source == "" {
		return "<input>"
	}
	return source
}

// at names a line of the file for messages: "zoo.cfg:12".
func (p *parser) at(line int) string {
	return fmt.Sprintf("%s:%d", sourceName(p.source), line)
}

func (p *parser) warn(line int, format string, args ...any) {
	p.c.Warnings = append(p.c.Warnings, p.at(line)+": "+fmt.Sprintf(format, args...))
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("config %s: %s", p.at(line), fmt.Sprintf(format, args...))
}

func (p *parser) warnDuplicates(props, dups []property) {
	last := map[string]int{}
	for _, prop := range props {
		last[prop.key] = prop.line
	}
	for _, d := range dups {
		p.warn(d.line, "%s is set again on line %d; the last value wins, as in ZooKeeper", d.key, last[d.key])
	}
}

// apply handles one key of a static config file.
func (p *parser) apply(prop property) error {
	c, key, value, line := p.c, prop.key, prop.value, prop.line
	var err error
	switch key {
	case "dataDir":
		c.DataDir = value
	case "dataLogDir":
		c.DataLogDir = value
	case "clientPort":
		c.ClientPort, err = parseInt(value)
	case "clientPortAddress":
		c.ClientPortAddress, p.clientAddrSet = value, true
	case "tickTime":
		c.TickTime, err = parseMillis(value)
	case "maxClientCnxns":
		c.MaxClientCnxns, err = parseInt(value)
		if err == nil && c.MaxClientCnxns < 0 {
			p.warn(line, "maxClientCnxns %d means unlimited; using 0", c.MaxClientCnxns)
			c.MaxClientCnxns = 0
		}
	case "minSessionTimeout":
		c.MinSessionTimeout, err = parseMillis(value)
		p.minSet = c.MinSessionTimeout != -time.Millisecond
	case "maxSessionTimeout":
		c.MaxSessionTimeout, err = parseMillis(value)
		p.maxSet = c.MaxSessionTimeout != -time.Millisecond
	case "initLimit":
		c.InitLimit, err = parseInt(value)
	case "syncLimit":
		c.SyncLimit, err = parseInt(value)
	case "peerType":
		switch strings.ToLower(value) {
		case "participant", "observer":
			c.PeerType = strings.ToLower(value)
		default:
			return p.errorf(line, "peerType: unrecognised peer type %q (want participant or observer)", value)
		}
	case "dynamicConfigFile":
		c.DynamicConfigFile = value
	case "autopurge.snapRetainCount":
		c.AutopurgeSnapRetainCount, err = parseInt(value)
		if err == nil && c.AutopurgeSnapRetainCount < 3 {
			p.warn(line, "autopurge.snapRetainCount %d raised to 3, the minimum, as ZooKeeper does", c.AutopurgeSnapRetainCount)
			c.AutopurgeSnapRetainCount = 3
		}
	case "autopurge.purgeInterval":
		c.AutopurgePurgeInterval, err = parsePurgeInterval(value)
	case "standaloneEnabled":
		c.StandaloneEnabled, err = parseBool(value)
	case "reconfigEnabled":
		c.ReconfigEnabled, err = parseBool(value)
	case "electionAlg":
		if n, e := parseInt(value); e != nil {
			err = e
		} else if n != 3 {
			return p.errorf(line, "electionAlg %d: only 3 is supported", n)
		}
	default:
		return p.applyOther(prop)
	}
	if err != nil {
		return p.errorf(line, "%s: %v", key, err)
	}
	return nil
}

// applyOther handles server.N lines, the keys ZooKeeper knows and zkd does
// not implement, and every other key, which ZooKeeper turns into the system
// property zookeeper.<key>.
func (p *parser) applyOther(prop property) error {
	key, value, line := prop.key, prop.value, prop.line
	isServer := strings.HasPrefix(key, "server.")
	isGroup := strings.HasPrefix(key, "group.") || strings.HasPrefix(key, "weight.")
	if (isServer || isGroup) && p.dynamic {
		return p.errorf(line, "%s must be in the dynamic config file, not next to dynamicConfigFile", key)
	}
	if isServer {
		return p.addServer(prop)
	}
	if note, known := quorumKeyNote(key, value); known {
		if note != "" {
			p.warn(line, "%s: %s", key, note)
		}
		return nil
	}
	name := "zookeeper." + key
	ok, note, err := p.c.setProperty(name, value)
	switch {
	case err != nil:
		return p.errorf(line, "%s: %v", key, err)
	case ok:
		p.c.fromFile[name] = true
		if note != "" {
			p.warn(line, "%s", note)
		}
		return nil
	}
	if isJVMOnlyProperty(key) {
		p.warn(line, "%s: ZooKeeper reads this only as the JVM flag -D%s (from zoo.cfg it becomes %s, which nothing reads); ignored", key, key, name)
		return nil
	}
	if note, known := propertyNote(name, value); known {
		if note != "" {
			p.warn(line, "%s: %s", key, note)
		}
		return nil
	}
	p.warn(line, "%s: unknown key; ignored", key)
	return nil
}

// addServer parses a server.N line into p.servers.
func (p *parser) addServer(prop property) error {
	id, err := parseServerID(prop.key)
	if err != nil {
		return p.errorf(prop.line, "%v", err)
	}
	s, warnings, err := parseServer(id, prop.value)
	if err != nil {
		return p.errorf(prop.line, "%v", err)
	}
	for _, w := range warnings {
		p.warn(prop.line, "%s", w)
	}
	if id > 255 {
		p.warn(prop.line, "server.%d: ZooKeeper documents server ids 1-255; larger ids make session ids collide", id)
	}
	p.servers[id] = s
	return nil
}

// finish applies the checks and defaults that follow the whole file.
func (p *parser) finish() error {
	c := p.c
	if c.DataDir == "" {
		return fmt.Errorf("config %s: dataDir is not set", sourceName(p.source))
	}
	if c.DataLogDir == "" {
		c.DataLogDir = c.DataDir
	}
	for _, d := range []struct{ key, dir string }{{"dataDir", c.DataDir}, {"dataLogDir", c.DataLogDir}} {
		if !filepath.IsAbs(d.dir) && (d.key == "dataDir" || d.dir != c.DataDir) {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %s %q is relative to the working directory", sourceName(p.source), d.key, d.dir))
		}
	}
	if p.clientAddrSet && c.ClientPort == 0 {
		return fmt.Errorf("config %s: clientPortAddress is set but clientPort is not set", sourceName(p.source))
	}
	if !p.minSet {
		c.MinSessionTimeout = 2 * c.TickTime
	}
	if !p.maxSet {
		c.MaxSessionTimeout = 20 * c.TickTime
	}
	if !p.dynamic {
		p.setServers()
	}
	return nil
}

// setServers moves the collected server lines into the Config, sorted by
// id, and warns about ensemble shapes that ZooKeeper warns about.
func (p *parser) setServers() {
	c := p.c
	c.Servers = c.Servers[:0:0]
	for _, s := range p.servers {
		c.Servers = append(c.Servers, s)
	}
	sort.Slice(c.Servers, func(i, j int) bool { return c.Servers[i].ID < c.Servers[j].ID })
	if len(c.Servers) == 0 {
		c.Servers = nil
		return
	}
	name := sourceName(p.source)
	switch n := c.participants(); {
	case n == 1 && c.StandaloneEnabled:
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: only one participant is configured; running standalone as ZooKeeper does (standaloneEnabled=false makes a one-member ensemble)", name))
	case n == 2:
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: an ensemble of 2 participants tolerates no server failure; use at least 3", name))
	case n > 2 && n%2 == 0:
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: an even number of participants (%d) tolerates no more failures than %d would", name, n, n-1))
	}
}
