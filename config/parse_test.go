package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

// base is the smallest zoo.cfg Parse accepts; tests append to it.
const base = "dataDir=/var/lib/zookeeper\nclientPort=2181\n"

func mustParse(t *testing.T, text string) Config {
	t.Helper()
	c, err := Parse(strings.NewReader(text), "zoo.cfg")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestParseZooSample(t *testing.T) {
	f, err := os.Open("testdata/zoo_sample.cfg")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := Parse(f, "conf/zoo.cfg")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"TickTime", c.TickTime, 2 * time.Second},
		{"InitLimit", c.InitLimit, 10},
		{"SyncLimit", c.SyncLimit, 5},
		{"DataDir", c.DataDir, "/tmp/zookeeper"},
		{"DataLogDir", c.DataLogDir, "/tmp/zookeeper"},
		{"ClientPort", c.ClientPort, 2181},
		{"ClientPortAddress", c.ClientPortAddress, "0.0.0.0"},
		{"ClientAddr", c.ClientAddr(), ":2181"},
		{"MinSessionTimeout", c.MinSessionTimeout, 4 * time.Second},
		{"MaxSessionTimeout", c.MaxSessionTimeout, 40 * time.Second},
		{"MaxClientCnxns", c.MaxClientCnxns, 60},
		{"AutopurgeSnapRetainCount", c.AutopurgeSnapRetainCount, 3},
		{"AutopurgePurgeInterval", c.AutopurgePurgeInterval, time.Hour},
		{"AdminEnableServer", c.AdminEnableServer, false},
		{"AdminServerAddress", c.AdminServerAddress, "0.0.0.0"},
		{"FourLetterWords", len(c.FourLetterWords), 0},
		{"Servers", len(c.Servers), 0},
		{"Distributed", c.Distributed(), false},
		{"Source", c.Source, "conf/zoo.cfg"},
		{"Warnings", strings.Join(c.Warnings, "\n"), ""},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestParseKeys(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		check func(c Config) bool
	}{
		{"tickTime moves session defaults", "tickTime=1000", func(c Config) bool {
			return c.TickTime == time.Second && c.MinSessionTimeout == 2*time.Second && c.MaxSessionTimeout == 20*time.Second
		}},
		{"explicit session bounds", "minSessionTimeout=5000\nmaxSessionTimeout=120000", func(c Config) bool {
			return c.MinSessionTimeout == 5*time.Second && c.MaxSessionTimeout == 2*time.Minute
		}},
		{"session bound -1 means default", "minSessionTimeout=-1", func(c Config) bool {
			return c.MinSessionTimeout == 6*time.Second
		}},
		{"dataLogDir", "dataLogDir=/var/log/zk", func(c Config) bool { return c.DataLogDir == "/var/log/zk" }},
		{"clientPortAddress", "clientPortAddress=10.0.0.5", func(c Config) bool {
			return c.ClientAddr() == "10.0.0.5:2181"
		}},
		{"maxClientCnxns 0 is unlimited", "maxClientCnxns=0", func(c Config) bool { return c.MaxClientCnxns == 0 }},
		{"negative maxClientCnxns becomes 0", "maxClientCnxns=-1", func(c Config) bool { return c.MaxClientCnxns == 0 }},
		{"autopurge", "autopurge.snapRetainCount=5\nautopurge.purgeInterval=24", func(c Config) bool {
			return c.AutopurgeSnapRetainCount == 5 && c.AutopurgePurgeInterval == 24*time.Hour
		}},
		{"autopurge off", "autopurge.purgeInterval=0", func(c Config) bool { return c.AutopurgePurgeInterval == 0 }},
		{"autopurge 3.10 suffix", "autopurge.purgeInterval=30m", func(c Config) bool {
			return c.AutopurgePurgeInterval == 30*time.Minute
		}},
		{"snapRetainCount raised to 3", "autopurge.snapRetainCount=1", func(c Config) bool {
			return c.AutopurgeSnapRetainCount == 3
		}},
		{"standalone and reconfig", "standaloneEnabled=false\nreconfigEnabled=TRUE", func(c Config) bool {
			return !c.StandaloneEnabled && c.ReconfigEnabled
		}},
		{"4lw whitelist", "4lw.commands.whitelist=stat, ruok,conf", func(c Config) bool {
			return len(c.FourLetterWords) == 4 && c.FourLetterWords["stat"] && c.FourLetterWords["srvr"] && !c.FourLetterAll
		}},
		{"4lw star", "4lw.commands.whitelist=*", func(c Config) bool { return c.FourLetterAll }},
		{"admin server", "admin.enableServer=true\nadmin.serverAddress=127.0.0.1\nadmin.serverPort=9090\nadmin.commandURL=/cmds", func(c Config) bool {
			return c.AdminEnableServer && c.AdminServerAddress == "127.0.0.1" && c.AdminServerPort == 9090 && c.AdminCommandURL == "/cmds"
		}},
		{"super digest", "DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=", func(c Config) bool {
			return c.SuperDigest == "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
		}},
		{"feature switches", "extendedTypesEnabled=true\nenforceQuota=true\nskipACL=yes", func(c Config) bool {
			return c.ExtendedTypesEnabled && c.EnforceQuota && c.SkipACL
		}},
		{"counts", "snapCount=50000\nmaxCnxns=1000\nglobalOutstandingLimit=2000", func(c Config) bool {
			return c.SnapCount == 50000 && c.MaxCnxns == 1000 && c.GlobalOutstandingLimit == 2000
		}},
		{"snapCount raised to 2", "snapCount=1", func(c Config) bool { return c.SnapCount == 2 }},
		{"jute.maxbuffer is JVM only", "jute.maxbuffer=4194304", func(c Config) bool { return c.JuteMaxBuffer == 0xfffff }},
		{"readonlymode is JVM only", "readonlymode.enabled=true", func(c Config) bool { return !c.ReadOnlyMode }},
		{"peerType", "peerType=Observer", func(c Config) bool { return c.PeerType == "observer" }},
		{"electionAlg 3", "electionAlg=3", func(c Config) bool { return len(c.Warnings) == 0 }},
		{"key colon value", "tickTime: 500", func(c Config) bool { return c.TickTime == 500*time.Millisecond }},
		{"key blank value", "tickTime 500", func(c Config) bool { return c.TickTime == 500*time.Millisecond }},
		{"last value wins", "tickTime=1000\ntickTime=4000", func(c Config) bool { return c.TickTime == 4*time.Second }},
		{"servers sorted", "server.3=c:2888:3888\nserver.1=a:2888:3888\nserver.2=b:2888:3888", func(c Config) bool {
			return len(c.Servers) == 3 && c.Servers[0].ID == 1 && c.Servers[1].Host == "b" && c.Servers[2].ID == 3
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, base+tt.extra)
			if !tt.check(c) {
				t.Errorf("unexpected config: %+v", c)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"no dataDir", "clientPort=2181", "config zoo.cfg: dataDir is not set"},
		{"tickTime not a number", base + "tickTime=2s", `config zoo.cfg:3: tickTime: "2s" is not an integer`},
		{"clientPort not a number", "dataDir=/d\nclientPort=21 81", `config zoo.cfg:2: clientPort: "21 81" is not an integer`},
		{"clientPort overflows", base + "clientPort=99999999999", `clientPort: "99999999999" is not an integer`},
		{"initLimit", base + "initLimit=ten", `config zoo.cfg:3: initLimit: "ten" is not an integer`},
		{"syncLimit", base + "syncLimit=", `syncLimit: "" is not an integer`},
		{"maxClientCnxns", base + "maxClientCnxns=6o", `maxClientCnxns: "6o" is not an integer`},
		{"minSessionTimeout", base + "minSessionTimeout=4s", `minSessionTimeout: "4s" is not an integer`},
		{"maxSessionTimeout", base + "maxSessionTimeout=1.5", `maxSessionTimeout: "1.5" is not an integer`},
		{"snapRetainCount", base + "autopurge.snapRetainCount=x", `autopurge.snapRetainCount: "x" is not an integer`},
		{"purgeInterval", base + "autopurge.purgeInterval=often", `autopurge.purgeInterval: "often" is not a number of hours`},
		{"standaloneEnabled", base + "standaloneEnabled=maybe", `standaloneEnabled: "maybe" is not a boolean`},
		{"reconfigEnabled", base + "reconfigEnabled=1", `reconfigEnabled: "1" is not a boolean`},
		{"skipACL", base + "skipACL=on", `config zoo.cfg:3: skipACL: "on" is not a boolean`},
		{"admin.serverPort", base + "admin.serverPort=http", `admin.serverPort: "http" is not an integer`},
		{"snapCount", base + "snapCount=1e5", `snapCount: "1e5" is not an integer`},
		{"peerType", base + "peerType=leader", `peerType: unrecognised peer type "leader"`},
		{"electionAlg", base + "electionAlg=0", "electionAlg 0: only 3 is supported"},
		{"clientPortAddress without clientPort", "dataDir=/d\nclientPortAddress=0.0.0.0", "clientPortAddress is set but clientPort is not set"},
		{"server id", base + "server.one=a:1:2", `server.one: "one" is not a server id`},
		{"server form", base + "server.1=a:2888", "server.1: \"a:2888\" does not have the form"},
		{"server next to dynamicConfigFile", base + "dynamicConfigFile=/d/zoo.cfg.dynamic\nserver.1=a:1:2", "server.1 must be in the dynamic config file"},
		{"group next to dynamicConfigFile", base + "group.1=1:2:3\ndynamicConfigFile=/d/zoo.cfg.dynamic", "group.1 must be in the dynamic config file"},
		{"bad escape", base + "a=\\uXYZW", `config zoo.cfg: line 3: malformed \uxxxx escape`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.text), "zoo.cfg")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseWarnings(t *testing.T) {
	tests := []struct {
		name, extra string
		want        []string // substrings, one per expected warning, in order
	}{
		{"unknown key", "tickTme=2000", []string{"zoo.cfg:3: tickTme: unknown key; ignored"}},
		{"secure client port", "secureClientPort=2281", []string{"zoo.cfg:3: secureClientPort: TLS is not implemented"}},
		{"ssl property", "ssl.keyStore.location=/k.jks", []string{"ssl.keyStore.location: TLS is not implemented"}},
		{"sasl", "quorum.auth.enableSasl=true", []string{"quorum.auth.enableSasl: SASL and Kerberos"}},
		{"auth provider", "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider", []string{"authProvider.1: custom authentication providers"}},
		{"metrics provider", "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider\nmetricsProvider.httpPort=7000",
			[]string{"metricsProvider.className: zkd serves its own Prometheus", "metricsProvider.httpPort: zkd serves its own Prometheus"}},
		{"quorumListenOnAllIPs", "quorumListenOnAllIPs=true", []string{"quorumListenOnAllIPs: not implemented by zkd"}},
		{"electionAlg and friends at defaults are quiet", "electionAlg=3\nsyncEnabled=true\nquorumListenOnAllIPs=false\nlocalSessionsEnabled=false\nleaderServes=yes\nsslQuorum=false", nil},
		{"local sessions", "localSessionsEnabled=true", []string{"localSessionsEnabled: local sessions are not implemented"}},
		{"tuning knob", "preAllocSize=131072", []string{"preAllocSize: a ZooKeeper tuning knob"}},
		{"jute.maxbuffer in zoo.cfg", "jute.maxbuffer=4194304", []string{"jute.maxbuffer: ZooKeeper reads this only as the JVM flag -Djute.maxbuffer"}},
		{"container interval in zoo.cfg", "znode.container.checkIntervalMs=1000", []string{"only as the JVM flag -Dznode.container.checkIntervalMs"}},
		{"duplicate key", "tickTime=1000\ntickTime=2000", []string{"zoo.cfg:3: tickTime is set again on line 4; the last value wins"}},
		{"negative maxClientCnxns", "maxClientCnxns=-1", []string{"maxClientCnxns -1 means unlimited; using 0"}},
		{"snapRetainCount", "autopurge.snapRetainCount=2", []string{"autopurge.snapRetainCount 2 raised to 3"}},
		{"snapCount", "snapCount=0", []string{"snapCount 0 raised to 2"}},
		{"one server", "server.1=zk1:2888:3888", []string{"only one participant is configured; running standalone"}},
		{"two servers", "server.1=zk1:2888:3888\nserver.2=zk2:2888:3888", []string{"an ensemble of 2 participants tolerates no server failure"}},
		{"four servers", "server.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\nserver.4=d:1:2", []string{"an even number of participants (4)"}},
		{"three servers and an observer are fine", "server.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\nserver.4=d:1:2:observer", nil},
		{"server id above 255", "server.300=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2", []string{"server.300: ZooKeeper documents server ids 1-255"}},
		{"multiple addresses", "server.1=a:1:2|a2:1:2\nserver.2=b:1:2\nserver.3=c:1:2", []string{"server.1: multiple addresses are not implemented by zkd; using the first, a:1:2"}},
		{"group", "group.1=1:2:3\nserver.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2", []string{"group.1: hierarchical quorums are not implemented"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, base+tt.extra)
			if len(c.Warnings) != len(tt.want) {
				t.Fatalf("warnings = %q\nwant %d matching %q", c.Warnings, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(c.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, c.Warnings[i], w)
				}
			}
		})
	}
}

func TestParseRelativeDataDirWarns(t *testing.T) {
	c := mustParse(t, "dataDir=data\nclientPort=2181")
	if c.DataLogDir != "data" {
		t.Errorf("DataLogDir = %q, want dataDir", c.DataLogDir)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], `dataDir "data" is relative`) {
		t.Errorf("warnings = %q", c.Warnings)
	}
}

func TestParseRelativeDataLogDirWarns(t *testing.T) {
	c := mustParse(t, base+"dataLogDir=logs")
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], `dataLogDir "logs" is relative`) {
		t.Errorf("warnings = %q", c.Warnings)
	}
}

func TestStorageKeys(t *testing.T) {
	c, err := Parse(strings.NewReader("dataDir=/d\nsnapCount=500\nsnapSizeLimitInKb=1024\nfsync.warningthresholdms=50\nautopurge.purgeInterval=0\n"), "zoo.cfg")
	if err != nil {
		t.Fatal(err)
	}
	if c.SnapCount != 500 || c.SnapSizeLimit != 1<<20 || c.FsyncWarning != 50*time.Millisecond || c.AutopurgePurgeInterval != 0 {
		t.Fatalf("snapCount %d, snapSizeLimit %d, fsync warning %v, purge interval %v",
			c.SnapCount, c.SnapSizeLimit, c.FsyncWarning, c.AutopurgePurgeInterval)
	}
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %v", c.Warnings)
	}
}
