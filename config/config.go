package config

import (
	"net"
	"strconv"
	"time"
)

// Server is one member of the ensemble, from a server.N line:
//
//	server.N=host:quorumPort:electionPort[:participant|:observer][;[clientAddr:]clientPort]
type Server struct {
	ID           uint64
	Host         string // without IPv6 brackets
	QuorumPort   int    // the server-to-server (follower to leader) port
	ElectionPort int    // the leader-election port
	Observer     bool
	ClientAddr   string // "" when the line has no client part; "0.0.0.0" when it gives only a port
	ClientPort   int    // 0 when the line has no client part
}

// Config is zkd's whole configuration. Durations that zoo.cfg gives in
// milliseconds (or hours, for autopurge.purgeInterval) are time.Durations.
type Config struct {
	TickTime  time.Duration
	InitLimit int // ticks; required when Distributed
	SyncLimit int // ticks; required when Distributed

	DataDir    string
	DataLogDir string // "" means DataDir

	ClientPortAddress string // "0.0.0.0", "::" or "" = all interfaces
	ClientPort        int    // 0 = chosen by the OS (only for configs built in code)

	MaxClientCnxns int // per client IP; 0 = unlimited

	MinSessionTimeout time.Duration
	MaxSessionTimeout time.Duration

	AutopurgeSnapRetainCount int
	AutopurgePurgeInterval   time.Duration // 0 = never purge

	FourLetterWords map[string]bool // whitelist; nil or empty = zkd's default set
	FourLetterAll   bool            // the whitelist held "*"

	StandaloneEnabled bool
	ReconfigEnabled   bool

	AdminEnableServer  bool
	AdminServerAddress string
	AdminServerPort    int
	AdminCommandURL    string

	SuperDigest string // "super:<base64 sha1>" from DigestAuthenticationProvider.superDigest

	ExtendedTypesEnabled bool
	EnforceQuota         bool
	SkipACL              bool
	ReadOnlyMode         bool

	JuteMaxBuffer int

	ContainerCheckInterval time.Duration
	ContainerMaxPerMinute  int
	ContainerMaxNeverUsed  time.Duration // 0 = never-used containers are not reaped

	SnapCount              int
	SnapSizeLimit          int64         // bytes of log entries that trigger a snapshot; 0 = no byte trigger
	FsyncWarning           time.Duration // an fsync slower than this is logged (fsync.warningthresholdms)
	GlobalOutstandingLimit int
	MaxCnxns               int // all clients together; 0 = unlimited

	Servers           []Server // sorted by ID
	MyID              uint64   // from dataDir/myid; 0 = unset
	DynamicConfigFile string
	PeerType          string // "participant" or "observer"

	Source   string   // the file the config came from; "" for Default
	Warnings []string // keys and properties accepted but not acted on, one message each

	// fromFile holds the system properties the config file set, so that a
	// JVM flag for the same property loses, as it does in ZooKeeper (which
	// applies zoo.cfg after the JVM has read its -D flags).
	fromFile map[string]bool
}

// Default returns the configuration of a zkd started without a config file:
// a standalone server on 127.0.0.1:2181 keeping its data in ./zkd-data.
// doc.go lists where these values differ from ZooKeeper's and why.
func Default() Config {
	tick := 3000 * time.Millisecond
	return Config{
		TickTime:                 tick,
		InitLimit:                10,
		SyncLimit:                5,
		DataDir:                  "zkd-data",
		DataLogDir:               "zkd-data",
		ClientPortAddress:        "127.0.0.1",
		ClientPort:               2181,
		MaxClientCnxns:           60,
		MinSessionTimeout:        2 * tick,
		MaxSessionTimeout:        20 * tick,
		AutopurgeSnapRetainCount: 3,
		AutopurgePurgeInterval:   time.Hour,
		StandaloneEnabled:        true,
		ReconfigEnabled:          false,
		AdminEnableServer:        false,
		AdminServerAddress:       "127.0.0.1",
		AdminServerPort:          8080,
		AdminCommandURL:          "/commands",
		JuteMaxBuffer:            0xfffff,
		ContainerCheckInterval:   time.Minute,
		ContainerMaxPerMinute:    10000,
		SnapCount:                100000,
		SnapSizeLimit:            4 << 30,
		FsyncWarning:             time.Second,
		GlobalOutstandingLimit:   1000,
		PeerType:                 "participant",
	}
}

// ClientAddr is the address to pass to net.Listen for the client port. A
// wildcard ClientPortAddress ("0.0.0.0", "::" or "") becomes ":port", which
// listens on every interface of both IP families as the JVM does.
func (c *Config) ClientAddr() string {
	port := strconv.Itoa(c.ClientPort)
	if isWildcard(c.ClientPortAddress) {
		return ":" + port
	}
	return net.JoinHostPort(c.ClientPortAddress, port)
}

// FourLetterAllowed reports whether the four-letter word cmd may run.
// srvr is always allowed (zkServer.sh status depends on it) and isro is
// allowed whenever ReadOnlyMode is on, as in ZooKeeper. With "*" every
// command is allowed; the server still answers unknown ones as unknown.
func (c *Config) FourLetterAllowed(cmd string) bool {
	switch {
	case c.FourLetterAll, cmd == "srvr":
		return true
	case cmd == "isro" && c.ReadOnlyMode:
		return true
	case len(c.FourLetterWords) == 0:
		return isDefaultFourLetterWord(cmd)
	}
	return c.FourLetterWords[cmd] || c.FourLetterWords["*"]
}

// Distributed reports whether the server runs as a member of an ensemble
// (ZooKeeper's QuorumPeerConfig.isDistributed): more than one participant,
// or standaloneEnabled=false. A single server.N line with standaloneEnabled
// left on still means standalone, as in ZooKeeper.
func (c *Config) Distributed() bool {
	return !c.StandaloneEnabled || c.participants() > 1
}

// participants counts the voting members.
func (c *Config) participants() int {
	n := 0
	for _, s := range c.Servers {
		if !s.Observer {
			n++
		}
	}
	return n
}

// isDefaultFourLetterWord reports whether cmd is in zkd's default whitelist:
// the read-only commands that are cheap to answer (see doc.go).
func isDefaultFourLetterWord(cmd string) bool {
	switch cmd {
	case "ruok", "srvr", "stat", "mntr", "conf", "envi", "cons", "wchs", "dirs", "isro":
		return true
	}
	return false
}

// isWildcard reports whether host means "all interfaces".
func isWildcard(host string) bool {
	switch host {
	case "", "0.0.0.0", "::", "[::]":
		return true
	}
	return false
}
