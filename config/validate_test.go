package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// quorum returns a valid 3-member ensemble config for server id 1.
func quorum() Config {
	c := Default()
	c.Source = "zoo.cfg"
	c.MyID = 1
	c.Servers = []Server{
		{ID: 1, Host: "zk1", QuorumPort: 2888, ElectionPort: 3888},
		{ID: 2, Host: "zk2", QuorumPort: 2888, ElectionPort: 3888},
		{ID: 3, Host: "zk3", QuorumPort: 2888, ElectionPort: 3888},
	}
	return c
}

func TestValidateAcceptsValidConfigs(t *testing.T) {
	configs := map[string]Config{
		"default":         Default(),
		"quorum":          quorum(),
		"port 0 in code":  func() Config { c := Default(); c.ClientPort = 0; return c }(),
		"admin enabled":   func() Config { c := Default(); c.AdminEnableServer = true; return c }(),
		"purge off":       func() Config { c := Default(); c.AutopurgePurgeInterval = 0; return c }(),
		"one-node quorum": func() Config { c := quorum(); c.Servers = c.Servers[:1]; c.StandaloneEnabled = false; return c }(),
		"wildcard hosts":  func() Config { c := quorum(); c.Servers[0].Host = "0.0.0.0"; c.Servers[1].Host = "0.0.0.0"; return c }(),
		"same host, different ports": func() Config {
			c := quorum()
			for i := range c.Servers {
				c.Servers[i].Host = "127.0.0.1"
				c.Servers[i].QuorumPort += 10 * i
				c.Servers[i].ElectionPort += 10 * i
			}
			return c
		}(),
	}
	for name, c := range configs {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(c *Config)
		want   string
		fromDF bool // start from Default (Source "") instead of quorum()
	}{
		{"tickTime zero", func(c *Config) { c.TickTime = 0 }, "config zoo.cfg: tickTime must be positive, not 0ms", false},
		{"tickTime negative", func(c *Config) { c.TickTime = -time.Second }, "tickTime must be positive, not -1000ms", false},
		{"dataDir", func(c *Config) { c.DataDir = "" }, "config zoo.cfg: dataDir is not set", false},
		{"clientPort range", func(c *Config) { c.ClientPort = 70000 }, "config zoo.cfg: clientPort 70000 out of range", false},
		{"clientPort negative", func(c *Config) { c.ClientPort = -1 }, "clientPort -1 out of range", false},
		{"clientPort unset in a file", func(c *Config) { c.ClientPort = 0 }, "config zoo.cfg: clientPort is not set", false},
		{"clientPort range in code", func(c *Config) { c.ClientPort = 65536 }, "config: clientPort 65536 out of range", true},
		{"clientPortAddress", func(c *Config) { c.ClientPortAddress = "10.0.0.1/24" }, `clientPortAddress "10.0.0.1/24" is not a host name or IP address`, false},
		{"min > max", func(c *Config) { c.MinSessionTimeout = 10 * time.Second; c.MaxSessionTimeout = 5 * time.Second },
			"minSessionTimeout 10000ms must not be larger than maxSessionTimeout 5000ms", false},
		{"min negative", func(c *Config) { c.MinSessionTimeout = -time.Second }, "minSessionTimeout must not be negative, not -1000ms", false},
		{"max negative", func(c *Config) { c.MinSessionTimeout = -2 * time.Second; c.MaxSessionTimeout = -time.Second }, "maxSessionTimeout must not be negative", false},
		{"peerType", func(c *Config) { c.PeerType = "leader" }, `peerType "leader" is neither participant nor observer`, false},
		{"maxClientCnxns", func(c *Config) { c.MaxClientCnxns = -1 }, "maxClientCnxns -1 must not be negative (0 means unlimited)", false},
		{"maxCnxns", func(c *Config) { c.MaxCnxns = -1 }, "maxCnxns -1 must not be negative", false},
		{"initLimit negative", func(c *Config) { c.InitLimit = -1 }, "initLimit -1 must not be negative", true},
		{"syncLimit negative", func(c *Config) { c.SyncLimit = -1 }, "syncLimit -1 must not be negative", true},
		{"snapRetainCount", func(c *Config) { c.AutopurgeSnapRetainCount = 2 }, "autopurge.snapRetainCount 2 is below the minimum of 3", false},
		{"purgeInterval", func(c *Config) { c.AutopurgePurgeInterval = -time.Hour }, "autopurge.purgeInterval -1h0m0s must not be negative", false},
		{"jute.maxbuffer", func(c *Config) { c.JuteMaxBuffer = 0 }, "jute.maxbuffer 0 must be positive", false},
		{"snapCount", func(c *Config) { c.SnapCount = 1 }, "snapCount 1 must be at least 2", false},
		{"globalOutstandingLimit", func(c *Config) { c.GlobalOutstandingLimit = 0 }, "globalOutstandingLimit 0 must be positive", false},
		{"container interval", func(c *Config) { c.ContainerCheckInterval = 0 }, "znode.container.checkIntervalMs must be positive, not 0ms", false},
		{"container rate", func(c *Config) { c.ContainerMaxPerMinute = 0 }, "znode.container.maxPerMinute 0 must be positive", false},
		{"container never used", func(c *Config) { c.ContainerMaxNeverUsed = -time.Millisecond }, "znode.container.maxNeverUsedIntervalMs must not be negative, not -1ms", false},
		{"admin port", func(c *Config) { c.AdminEnableServer = true; c.AdminServerPort = 80000 }, "admin.serverPort 80000 out of range", false},
		{"admin address", func(c *Config) { c.AdminEnableServer = true; c.AdminServerAddress = "" }, `admin.serverAddress "" is not a host name or IP address`, false},
		{"admin URL", func(c *Config) { c.AdminEnableServer = true; c.AdminCommandURL = "commands" }, `admin.commandURL "commands" must start with /`, false},
		{"admin port is client port", func(c *Config) { c.AdminEnableServer = true; c.AdminServerPort = 2181 }, "admin.serverPort 2181 is also the clientPort", false},
		{"server id 0", func(c *Config) { c.Servers[0].ID = 0; c.MyID = 2 }, "server.0: server id 0 is not supported by zkd", false},
		{"server host", func(c *Config) { c.Servers[1].Host = "" }, "server.2: host is empty", false},
		{"quorum port range", func(c *Config) { c.Servers[1].QuorumPort = 0 }, "server.2 quorum port 0 out of range", false},
		{"election port range", func(c *Config) { c.Servers[1].ElectionPort = 65536 }, "server.2 election port 65536 out of range", false},
		{"client port range", func(c *Config) { c.Servers[1].ClientAddr = "0.0.0.0"; c.Servers[1].ClientPort = 99999 }, "server.2 client port 99999 out of range", false},
		{"same quorum and election port", func(c *Config) { c.Servers[2].ElectionPort = 2888 }, "server.3: quorum and election ports must differ (both are 2888)", false},
		{"duplicate address", func(c *Config) { c.Servers[1].Host = "zk1" }, "server.1 and server.2 both use zk1:2888", false},
		{"standalone disabled without participants", func(c *Config) { c.StandaloneEnabled = false }, "standaloneEnabled=false needs at least one participant", true},
		{"observers only", func(c *Config) {
			for i := range c.Servers {
				c.Servers[i].Observer = true
			}
		}, "observers without participants are not a valid ensemble", false},
		{"observer without quorum", func(c *Config) { c.Servers[1].Observer = true; c.Servers[2].Observer = true },
			"observers need an ensemble", false},
		{"extended types and id 255", func(c *Config) { c.ExtendedTypesEnabled = true; c.Servers[0].ID = 255; c.MyID = 255 },
			"server id 255 is above 254, which extendedTypesEnabled does not allow", false},
		{"initLimit in a quorum", func(c *Config) { c.InitLimit = 0 }, "config zoo.cfg: initLimit is not set", false},
		{"syncLimit in a quorum", func(c *Config) { c.SyncLimit = 0 }, "config zoo.cfg: syncLimit is not set", false},
		{"myid missing", func(c *Config) { c.MyID = 0; c.DataDir = "/var/lib/zk" }, "myid is not set: write this server's id to /var/lib/zk/myid", false},
		{"myid not listed", func(c *Config) { c.MyID = 4 }, "myid 4 has no server.4 line", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := quorum()
			if tt.fromDF {
				c = Default()
			}
			tt.edit(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := quorum()
	c.ClientPort = 70000
	c.TickTime = 0
	c.MyID = 9
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate succeeded")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d problems, want 3:\n%v", len(lines), err)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "config zoo.cfg: ") {
			t.Errorf("problem %q lacks the config prefix", l)
		}
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 3 {
		t.Errorf("err is not a join of 3 errors: %T", err)
	}
}
