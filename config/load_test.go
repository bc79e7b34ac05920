package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFile writes text to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ensemble writes a zoo.cfg for a 3-node ensemble whose dataDir holds myid
// (when myid is not "") and returns the zoo.cfg path.
func ensemble(t *testing.T, extra, myid string) string {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if myid != "" {
		writeFile(t, data, "myid", myid)
	}
	cfg := "tickTime=2000\n" +
		"initLimit=10\n" +
		"syncLimit=5\n" +
		"dataDir=" + data + "\n" +
		"clientPort=2181\n" +
		"4lw.commands.whitelist=mntr,ruok\n" +
		"server.1=zk1.example.com:2888:3888\n" +
		"server.2=zk2.example.com:2888:3888\n" +
		"server.3=zk3.example.com:2888:3888\n" + extra
	return writeFile(t, dir, "zoo.cfg", cfg)
}

func TestLoadEnsemble(t *testing.T) {
	for _, id := range []uint64{1, 2, 3} {
		path := ensemble(t, "", []string{"", "1\n", "2\n", "3"}[id])
		c, err := Load(path)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("Validate: %v", err)
		}
		if c.MyID != id || !c.Distributed() || len(c.Servers) != 3 || c.PeerType != "participant" {
			t.Errorf("id %d: MyID %d Distributed %v servers %d peerType %s", id, c.MyID, c.Distributed(), len(c.Servers), c.PeerType)
		}
		want := Server{ID: 2, Host: "zk2.example.com", QuorumPort: 2888, ElectionPort: 3888}
		if c.Servers[1] != want {
			t.Errorf("server.2 = %+v, want %+v", c.Servers[1], want)
		}
		if c.ClientAddr() != ":2181" || c.InitLimit != 10 || c.SyncLimit != 5 || c.TickTime != 2*time.Second {
			t.Errorf("ClientAddr %s initLimit %d syncLimit %d tick %s", c.ClientAddr(), c.InitLimit, c.SyncLimit, c.TickTime)
		}
		if !c.FourLetterAllowed("mntr") || c.FourLetterAllowed("stat") {
			t.Errorf("4lw whitelist not applied: %v", c.FourLetterWords)
		}
		if len(c.Warnings) != 0 {
			t.Errorf("warnings: %q", c.Warnings)
		}
	}
}

func TestLoadEnsembleWithoutMyID(t *testing.T) {
	c, err := Load(ensemble(t, "", ""))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	err = c.Validate()
	if err == nil || !strings.Contains(err.Error(), "myid is not set: write this server's id to ") {
		t.Errorf("Validate = %v, want a missing-myid error", err)
	}
}

func TestLoadClientPortFromServerLine(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "myid", "2")
	path := writeFile(t, dir, "zoo.cfg", "dataDir="+dir+"\ninitLimit=5\nsyncLimit=2\n"+
		"server.1=zk1:2888:3888;2181\n"+
		"server.2=zk2:2888:3888:observer;10.1.1.2:2182\n"+
		"server.3=zk3:2888:3888;2181\n"+
		"server.4=zk4:2888:3888;2181\n")
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.ClientAddr() != "10.1.1.2:2182" {
		t.Errorf("ClientAddr = %s, want the client part of server.2", c.ClientAddr())
	}
	if c.PeerType != "observer" {
		t.Errorf("PeerType = %s, want observer from the server list", c.PeerType)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestLoadDynamicConfigFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "myid", "3")
	dyn := writeFile(t, dir, "zoo.cfg.dynamic.100000000",
		"server.1=127.0.0.1:12888:13888;12181\n"+
			"server.2=127.0.0.1:22888:23888;22181\n"+
			"server.3=127.0.0.1:32888:33888:participant;0.0.0.0:32181\n")
	path := writeFile(t, dir, "zoo.cfg", "dataDir="+dir+"\ninitLimit=5\nsyncLimit=2\nreconfigEnabled=true\n"+
		"standaloneEnabled=false\ndynamicConfigFile="+dyn+"\n")
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(c.Servers) != 3 || c.MyID != 3 || c.ClientAddr() != ":32181" || !c.ReconfigEnabled {
		t.Errorf("servers %d myid %d addr %s reconfig %v", len(c.Servers), c.MyID, c.ClientAddr(), c.ReconfigEnabled)
	}
	if c.DynamicConfigFile != dyn {
		t.Errorf("DynamicConfigFile = %q", c.DynamicConfigFile)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestLoadPeerTypeMismatchWarns(t *testing.T) {
	c, err := Load(ensemble(t, "peerType=observer\n", "1"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.PeerType != "participant" || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "peerType observer does not match server.1") {
		t.Errorf("PeerType %s warnings %q", c.PeerType, c.Warnings)
	}
}

func TestLoadSingleServerIgnoresMyID(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "myid", "not read")
	path := writeFile(t, dir, "zoo.cfg", "dataDir="+dir+"\nclientPort=2181\n")
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.MyID != 0 || c.Distributed() {
		t.Errorf("MyID %d Distributed %v", c.MyID, c.Distributed())
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	dyn := func(name, text string) string { return writeFile(t, dir, name, text) }
	tests := []struct {
		name, cfg, myid, want string
	}{
		{"missing file", "", "", "config: open "},
		{"bad myid", "server.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\n", "one", `myid file ` + dir + `/myid: "one" is not a server id`},
		{"negative myid", "server.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\n", "-1", `"-1" is not a server id`},
		{"client address conflict", "clientPort=2181\nclientPortAddress=10.0.0.9\nserver.1=a:1:2;10.0.0.1:2181\nserver.2=b:1:2\nserver.3=c:1:2\n", "1",
			"client address for this server (id 1) is 10.0.0.9:2181 in the static config but 10.0.0.1:2181 in server.1"},
		{"client port conflict", "clientPort=2181\nserver.1=a:1:2;2182\nserver.2=b:1:2\nserver.3=c:1:2\n", "1",
			"is 0.0.0.0:2181 in the static config but 0.0.0.0:2182"},
		{"missing dynamic file", "dynamicConfigFile=" + filepath.Join(dir, "nope") + "\n", "", "dynamicConfigFile: open "},
		{"version in dynamic file", "dynamicConfigFile=" + dyn("d1", "server.1=a:1:2\nversion=1\n") + "\n", "",
			"a dynamic config file must not contain version"},
		{"other key in dynamic file", "dynamicConfigFile=" + dyn("d2", "server.1=a:1:2\ntickTime=1\n") + "\n", "",
			`d2:2: unrecognised parameter "tickTime" in a dynamic config file`},
		{"bad server in dynamic file", "dynamicConfigFile=" + dyn("d3", "server.1=a:1\n") + "\n", "",
			`d3:1: server.1: "a:1" does not have the form`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "missing.cfg")
			if tt.cfg != "" {
				path = writeFile(t, dir, "zoo.cfg", "dataDir="+dir+"\nclientPort=2181\ninitLimit=5\nsyncLimit=2\n"+tt.cfg)
			}
			os.Remove(filepath.Join(dir, "myid"))
			if tt.myid != "" {
				writeFile(t, dir, "myid", tt.myid)
			}
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}
