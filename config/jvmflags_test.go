package config

import (
	"strings"
	"testing"
	"time"
)

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  -Xmx2g   -Da=b\t-Dc=d\n", []string{"-Xmx2g", "-Da=b", "-Dc=d"}},
		{`-Dx="a b"`, []string{"-Dx=a b"}},
		{`-Dx='a "b" c'`, []string{`-Dx=a "b" c`}},
		{`"-Dx=a b" -Dy=c`, []string{"-Dx=a b", "-Dy=c"}},
		{`-Dx=a\ b`, []string{"-Dx=a b"}},
		{`-Dx="a \"q\" \$ \\ \n"`, []string{`-Dx=a "q" $ \ \n`}},
		{`-Dx='it'\''s'`, []string{"-Dx=it's"}},
		{`-Dx=""`, []string{"-Dx="}},
		{`''`, []string{""}},
		{"-Dx=a\\\nb", []string{"-Dx=ab"}},
		{`-Dx=a\`, []string{`-Dx=a\`}},
	}
	for _, tt := range tests {
		got, err := splitWords(tt.in)
		if err != nil {
			t.Errorf("splitWords(%q): %v", tt.in, err)
			continue
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("splitWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{`-Dx="a`, `-Dx='a`, `"a\"`} {
		if _, err := splitWords(bad); err == nil {
			t.Errorf("splitWords(%q) succeeded, want an unterminated quote error", bad)
		}
	}
}

func TestApplyJVMFlags(t *testing.T) {
	tests := []struct {
		name  string
		flags string
		check func(c Config) bool
	}{
		{"non -D tokens ignored silently", "-Xmx2g -Xms512m -XX:+UseG1GC -server -cp /x", func(c Config) bool {
			return len(c.Warnings) == 0
		}},
		{"whitelist with quotes", `-Dzookeeper.4lw.commands.whitelist="stat, ruok, mntr"`, func(c Config) bool {
			return c.FourLetterAllowed("stat") && c.FourLetterAllowed("mntr") && !c.FourLetterAllowed("conf")
		}},
		{"whitelist star", "-Dzookeeper.4lw.commands.whitelist=*", func(c Config) bool { return c.FourLetterAll }},
		{"super digest in single quotes", `'-Dzookeeper.DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU='`, func(c Config) bool {
			return c.SuperDigest == "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
		}},
		{"feature switches", "-Dzookeeper.extendedTypesEnabled=true -Dzookeeper.enforceQuota=True -Dzookeeper.skipACL=yes -Dreadonlymode.enabled=true", func(c Config) bool {
			return c.ExtendedTypesEnabled && c.EnforceQuota && c.SkipACL && c.ReadOnlyMode && c.FourLetterAllowed("isro")
		}},
		{"admin", "-Dzookeeper.admin.enableServer=true -Dzookeeper.admin.serverAddress=0.0.0.0 -Dzookeeper.admin.serverPort=8081 -Dzookeeper.admin.commandURL=/zk", func(c Config) bool {
			return c.AdminEnableServer && c.AdminServerAddress == "0.0.0.0" && c.AdminServerPort == 8081 && c.AdminCommandURL == "/zk"
		}},
		{"jute.maxbuffer decimal", "-Djute.maxbuffer=4194304", func(c Config) bool { return c.JuteMaxBuffer == 4<<20 }},
		{"jute.maxbuffer hex", "-Djute.maxbuffer=0x400000", func(c Config) bool { return c.JuteMaxBuffer == 4<<20 }},
		{"containers", "-Dznode.container.checkIntervalMs=1000 -Dznode.container.maxPerMinute=100 -Dznode.container.maxNeverUsedIntervalMs=300000", func(c Config) bool {
			return c.ContainerCheckInterval == time.Second && c.ContainerMaxPerMinute == 100 && c.ContainerMaxNeverUsed == 5*time.Minute
		}},
		{"counts", "-Dzookeeper.snapCount=10000 -Dzookeeper.maxCnxns=500 -Dzookeeper.globalOutstandingLimit=#400", func(c Config) bool {
			return c.SnapCount == 10000 && c.MaxCnxns == 500 && c.GlobalOutstandingLimit == 1024
		}},
		{"last flag wins", "-Djute.maxbuffer=1000 -Djute.maxbuffer=2000", func(c Config) bool { return c.JuteMaxBuffer == 2000 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			if err := c.ApplyJVMFlags(tt.flags); err != nil {
				t.Fatalf("ApplyJVMFlags: %v", err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected config: %+v", c)
			}
		})
	}
}

func TestApplyJVMFlagsWarnings(t *testing.T) {
	tests := []struct {
		name, flags string
		want        []string
	}{
		{"jaas", "-Djava.security.auth.login.config=/etc/zk/jaas.conf", []string{"JVM flags: -Djava.security.auth.login.config: SASL and Kerberos are not implemented"}},
		{"auth provider", "-Dzookeeper.authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider", []string{"custom authentication providers"}},
		{"ssl", "-Dzookeeper.ssl.keyStore.location=/k", []string{"-Dzookeeper.ssl.keyStore.location: TLS is not implemented"}},
		{"zoo.cfg-only key", "-Dzookeeper.tickTime=1000", []string{"-Dzookeeper.tickTime: ZooKeeper reads tickTime only from zoo.cfg; ignored"}},
		{"unknown", "-Djava.net.preferIPv4Stack=true", []string{"-Djava.net.preferIPv4Stack: not a setting zkd reads; ignored"}},
		{"inert value is quiet", "-Dzookeeper.forceSync=yes -Dzookeeper.serverCnxnFactory=org.apache.zookeeper.server.NIOServerCnxnFactory", nil},
		{"netty", "-Dzookeeper.serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory", []string{"zkd has its own network layer"}},
		{"snapCount clamp", "-Dzookeeper.snapCount=1", []string{"-Dzookeeper.snapCount: snapCount 1 raised to 2"}},
		{"maxCnxns negative", "-Dzookeeper.maxCnxns=-5", []string{"maxCnxns -5 means unlimited; using 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			if err := c.ApplyJVMFlags(tt.flags); err != nil {
				t.Fatalf("ApplyJVMFlags: %v", err)
			}
			if len(c.Warnings) != len(tt.want) {
				t.Fatalf("warnings = %q, want %d matching %q", c.Warnings, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(c.Warnings[i], w) {
					t.Errorf("warning %q, want it to contain %q", c.Warnings[i], w)
				}
			}
		})
	}
}

func TestApplyJVMFlagsErrors(t *testing.T) {
	tests := []struct{ flags, want string }{
		{"-Djute.maxbuffer=1MB", `config JVM flags: -Djute.maxbuffer: "1MB" is not an integer`},
		{"-Djute.maxbuffer=99999999999", `-Djute.maxbuffer: "99999999999" is not an integer`},
		{"-Dzookeeper.skipACL=on", `-Dzookeeper.skipACL: "on" is not a boolean`},
		{"-Dreadonlymode.enabled", `-Dreadonlymode.enabled: "" is not a boolean`},
		{"-Dznode.container.maxPerMinute=lots", `-Dznode.container.maxPerMinute: "lots" is not an integer`},
		{"-D=1", `config JVM flags: "-D=1" has no property name`},
		{`-Dzookeeper.4lw.commands.whitelist="ruok`, "config JVM flags: unterminated quote"},
	}
	for _, tt := range tests {
		c := Default()
		err := c.ApplyJVMFlags(tt.flags)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ApplyJVMFlags(%q) = %v, want it to contain %q", tt.flags, err, tt.want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{
		"SERVER_JVMFLAGS": "-Xmx1g -Djute.maxbuffer=1000 -Dzookeeper.snapCount=5000",
		"JVMFLAGS":        "-Djute.maxbuffer=2000",
		"CLIENT_JVMFLAGS": "-Djute.maxbuffer=3000",
	}
	c := Default()
	if err := FromEnv(&c, func(k string) string { return env[k] }); err != nil {
		t.Fatalf("FromEnv: %v", err)
	}
	if c.JuteMaxBuffer != 2000 || c.SnapCount != 5000 {
		t.Errorf("JuteMaxBuffer %d SnapCount %d, want JVMFLAGS to win over SERVER_JVMFLAGS", c.JuteMaxBuffer, c.SnapCount)
	}

	env = map[string]string{"SERVER_JVMFLAGS": "-Dzookeeper.snapCount=x"}
	err := FromEnv(&c, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), `config SERVER_JVMFLAGS: -Dzookeeper.snapCount: "x" is not an integer`) {
		t.Errorf("FromEnv error = %v", err)
	}

	env = map[string]string{"JVMFLAGS": "-Dfoo=bar"}
	c = Default()
	if err := FromEnv(&c, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.HasPrefix(c.Warnings[0], "JVMFLAGS: -Dfoo:") {
		t.Errorf("warnings = %q", c.Warnings)
	}
}

func TestZooCfgBeatsJVMFlags(t *testing.T) {
	c := mustParse(t, base+"4lw.commands.whitelist=*\nskipACL=yes\n")
	err := FromEnv(&c, func(k string) string {
		if k == "SERVER_JVMFLAGS" {
			return "-Dzookeeper.4lw.commands.whitelist=ruok -Dzookeeper.skipACL=no -Dzookeeper.enforceQuota=true"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if !c.FourLetterAll || !c.SkipACL || !c.EnforceQuota {
		t.Errorf("FourLetterAll %v SkipACL %v EnforceQuota %v: want zoo.cfg to win and the other flag applied", c.FourLetterAll, c.SkipACL, c.EnforceQuota)
	}
	if len(c.Warnings) != 2 || !strings.Contains(c.Warnings[0], "SERVER_JVMFLAGS: -Dzookeeper.4lw.commands.whitelist: zoo.cfg sets 4lw.commands.whitelist, which wins as in ZooKeeper; ignored") {
		t.Errorf("warnings = %q", c.Warnings)
	}
}
