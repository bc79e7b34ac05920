package config

import (
	"testing"
	"time"
)

func TestDefault(t *testing.T) {
	c := Default()
	checks := []struct {
		name      string
		got, want any
	}{
		{"TickTime", c.TickTime, 3 * time.Second},
		{"ClientAddr", c.ClientAddr(), "127.0.0.1:2181"},
		{"DataDir", c.DataDir, "zkd-data"},
		{"DataLogDir", c.DataLogDir, "zkd-data"},
		{"MaxClientCnxns", c.MaxClientCnxns, 60},
		{"MinSessionTimeout", c.MinSessionTimeout, 6 * time.Second},
		{"MaxSessionTimeout", c.MaxSessionTimeout, 60 * time.Second},
		{"AutopurgeSnapRetainCount", c.AutopurgeSnapRetainCount, 3},
		{"AutopurgePurgeInterval", c.AutopurgePurgeInterval, time.Hour},
		{"StandaloneEnabled", c.StandaloneEnabled, true},
		{"ReconfigEnabled", c.ReconfigEnabled, false},
		{"AdminEnableServer", c.AdminEnableServer, false},
		{"AdminServerPort", c.AdminServerPort, 8080},
		{"AdminCommandURL", c.AdminCommandURL, "/commands"},
		{"JuteMaxBuffer", c.JuteMaxBuffer, 0xfffff},
		{"ContainerCheckInterval", c.ContainerCheckInterval, time.Minute},
		{"ContainerMaxPerMinute", c.ContainerMaxPerMinute, 10000},
		{"ContainerMaxNeverUsed", c.ContainerMaxNeverUsed, time.Duration(0)},
		{"SnapCount", c.SnapCount, 100000},
		{"GlobalOutstandingLimit", c.GlobalOutstandingLimit, 1000},
		{"MaxCnxns", c.MaxCnxns, 0},
		{"PeerType", c.PeerType, "participant"},
		{"Source", c.Source, ""},
		{"Distributed", c.Distributed(), false},
		{"Warnings", len(c.Warnings), 0},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
}

func TestClientAddr(t *testing.T) {
	tests := []struct {
		addr string
		port int
		want string
	}{
		{"127.0.0.1", 2181, "127.0.0.1:2181"},
		{"0.0.0.0", 2181, ":2181"},
		{"::", 2181, ":2181"},
		{"", 0, ":0"},
		{"zk1.example.com", 2181, "zk1.example.com:2181"},
		{"::1", 2181, "[::1]:2181"},
	}
	for _, tt := range tests {
		c := Config{ClientPortAddress: tt.addr, ClientPort: tt.port}
		if got := c.ClientAddr(); got != tt.want {
			t.Errorf("ClientAddr(%q, %d) = %q, want %q", tt.addr, tt.port, got, tt.want)
		}
	}
}

func TestFourLetterAllowed(t *testing.T) {
	def := Default()
	listed := Default()
	listed.setFourLetterWords("ruok, mntr")
	empty := Default()
	empty.setFourLetterWords("")
	all := Default()
	all.setFourLetterWords("*")
	readOnly := Default()
	readOnly.setFourLetterWords("ruok")
	readOnly.ReadOnlyMode = true

	tests := []struct {
		name string
		c    Config
		cmd  string
		want bool
	}{
		{"default ruok", def, "ruok", true},
		{"default mntr", def, "mntr", true},
		{"default isro", def, "isro", true},
		{"default dirs", def, "dirs", true},
		{"default wchc off", def, "wchc", false},
		{"default wchp off", def, "wchp", false},
		{"default dump off", def, "dump", false},
		{"default crst off", def, "crst", false},
		{"default stmk off", def, "stmk", false},
		{"listed ruok", listed, "ruok", true},
		{"listed mntr", listed, "mntr", true},
		{"listed stat off", listed, "stat", false},
		{"listed srvr always", listed, "srvr", true},
		{"listed isro off without read-only mode", listed, "isro", false},
		{"empty list keeps srvr", empty, "srvr", true},
		{"empty list is not the default set", empty, "ruok", false},
		{"star allows wchp", all, "wchp", true},
		{"star allows dump", all, "dump", true},
		{"read-only mode adds isro", readOnly, "isro", true},
		{"read-only mode keeps list", readOnly, "stat", false},
		{"case matters", def, "RUOK", false},
	}
	for _, tt := range tests {
		if got := tt.c.FourLetterAllowed(tt.cmd); got != tt.want {
			t.Errorf("%s: FourLetterAllowed(%q) = %v, want %v", tt.name, tt.cmd, got, tt.want)
		}
	}
}

func TestDistributed(t *testing.T) {
	one := []Server{{ID: 1}}
	three := []Server{{ID: 1}, {ID: 2}, {ID: 3}}
	oneAndObserver := []Server{{ID: 1}, {ID: 2, Observer: true}}
	tests := []struct {
		name       string
		servers    []Server
		standalone bool
		want       bool
	}{
		{"no servers", nil, true, false},
		{"one server, standalone enabled", one, true, false},
		{"one server, standalone disabled", one, false, true},
		{"three servers", three, true, true},
		{"one participant and an observer", oneAndObserver, true, false},
		{"no servers, standalone disabled", nil, false, true},
	}
	for _, tt := range tests {
		c := Config{Servers: tt.servers, StandaloneEnabled: tt.standalone}
		if got := c.Distributed(); got != tt.want {
			t.Errorf("%s: Distributed() = %v, want %v", tt.name, got, tt.want)
		}
	}
}
