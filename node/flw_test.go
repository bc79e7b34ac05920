package node_test

import (
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/zktest"
)

// flw sends a four-letter word on a fresh TCP connection and returns
// everything the server writes before it closes the connection.
func flw(t *testing.T, addr, cmd string) string {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write([]byte(cmd)); err != nil {
		t.Fatalf("%s: write: %v", cmd, err)
	}
	out, err := io.ReadAll(io.LimitReader(nc, 1<<20))
	if err != nil {
		t.Fatalf("%s: read to EOF: %v (got %q)", cmd, err, out)
	}
	return string(out)
}

// lines splits a four-letter word's answer into lines without the final
// empty one.
func lines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func TestFourLetterRuokIsroAndSrvrOnFreshServer(t *testing.T) {
	s := zktest.Start(t)
	if got := flw(t, s.Addr, "ruok"); got != "imok" {
		t.Fatalf("ruok = %q, want imok", got)
	}
	if got := flw(t, s.Addr, "isro"); got != "rw" {
		t.Fatalf("isro = %q, want rw", got)
	}
	// srvr's lines, in ZooKeeper's order; zkServer.sh status and client
	// libraries parse them.
	got := lines(flw(t, s.Addr, "srvr"))
	want := []string{
		`^Zookeeper version: 3\.9\.3[^,]*, built on .+$`,
		`^Latency min/avg/max: \d+/[\d.]+/\d+$`,
		`^Received: \d+$`,
		`^Sent: \d+$`,
		`^Connections: \d+$`,
		`^Outstanding: 0$`,
		`^Zxid: 0x[0-9a-f]+$`,
		`^Mode: standalone$`,
		`^Node count: 5$`, // "/" counted twice, /zookeeper, /zookeeper/quota, /zookeeper/config
	}
	if len(got) != len(want) {
		t.Fatalf("srvr has %d lines, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(got[i]) {
			t.Errorf("srvr line %d = %q, want %s", i, got[i], re)
		}
	}
}

func TestFourLetterStatConsMntrWchsWithASession(t *testing.T) {
	s := zktest.Start(t)
	c := connect(t, s.Addr)
	if _, err := c.Create("/e", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.ExistsW("/watched"); err != nil {
		t.Fatal(err)
	}
	sid := fmt.Sprintf("sid=0x%x", uint64(c.SessionID()))

	stat := flw(t, s.Addr, "stat")
	if !strings.HasPrefix(stat, "Zookeeper version: ") || !strings.Contains(stat, "\nClients:\n") {
		t.Fatalf("stat lacks version or Clients: section:\n%s", stat)
	}
	if !strings.Contains(stat, sid) || !strings.Contains(stat, "\nNode count: 6\n") {
		t.Fatalf("stat lacks %s or node count 6:\n%s", sid, stat)
	}
	cons := flw(t, s.Addr, "cons")
	if !strings.Contains(cons, sid) || !strings.HasPrefix(cons, " /127.0.0.1:") {
		t.Fatalf("cons does not list the session %s:\n%s", sid, cons)
	}

	mntr := map[string]string{}
	for _, l := range lines(flw(t, s.Addr, "mntr")) {
		k, v, ok := strings.Cut(l, "\t")
		if !ok || strings.Contains(v, "\t") {
			t.Fatalf("mntr line %q is not key<TAB>value", l)
		}
		mntr[k] = v
	}
	for k, want := range map[string]string{
		"zk_server_state":          "standalone",
		"zk_znode_count":           "6",
		"zk_num_alive_connections": "1",
		"zk_watch_count":           "1",
		"zk_ephemerals_count":      "1",
	} {
		if mntr[k] != want {
			t.Errorf("mntr %s = %q, want %q", k, mntr[k], want)
		}
	}
	if !strings.HasPrefix(mntr["zk_version"], "3.9.3") {
		t.Errorf("mntr zk_version = %q, want 3.9.3...", mntr["zk_version"])
	}

	wchs := flw(t, s.Addr, "wchs")
	if !strings.HasPrefix(wchs, "1 connections watching 1 paths\n") {
		t.Fatalf("wchs = %q", wchs)
	}
}

func TestFourLetterConfEnviDirs(t *testing.T) {
	s := zktest.Start(t, func(c *config.Config) { c.MaxClientCnxns = 7 })
	conf := lines(flw(t, s.Addr, "conf"))
	for _, want := range []string{
		"clientPort=" + fmt.Sprint(s.Cfg.ClientPort), // the config's port, not the test listener's
		"dataDir=" + s.Cfg.DataDir,
		"tickTime=200",
		"maxClientCnxns=7",
	} {
		found := false
		for _, l := range conf {
			found = found || l == want
		}
		if !found {
			t.Errorf("conf lacks line %q:\n%s", want, strings.Join(conf, "\n"))
		}
	}
	envi := flw(t, s.Addr, "envi")
	if !strings.HasPrefix(envi, "Environment:\n") || !strings.Contains(envi, "\nzookeeper.version=3.9.3") {
		t.Fatalf("envi:\n%s", envi)
	}
	if dirs := flw(t, s.Addr, "dirs"); !regexp.MustCompile(`(?m)^datadir_size: \d+$`).MatchString(dirs) {
		t.Fatalf("dirs = %q", dirs)
	}
}

func TestFourLetterWhitelist(t *testing.T) {
	s := zktest.Start(t, func(c *config.Config) {
		c.FourLetterAll = false
		c.FourLetterWords = map[string]bool{"ruok": true}
	})
	if got := flw(t, s.Addr, "ruok"); got != "imok" {
		t.Fatalf("whitelisted ruok = %q", got)
	}
	for _, cmd := range []string{"stat", "mntr", "conf", "cons", "dump"} {
		want := cmd + " is not executed because it is not in the whitelist.\n"
		if got := flw(t, s.Addr, cmd); got != want {
			t.Errorf("%s = %q, want %q", cmd, got, want)
		}
	}
	// srvr is always allowed: zkServer.sh status depends on it.
	if got := flw(t, s.Addr, "srvr"); !strings.HasPrefix(got, "Zookeeper version: ") {
		t.Fatalf("srvr outside the whitelist = %q", got)
	}
	// A refused word is not a session: the server still serves clients.
	r, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	r.mustOK("exists after refused words", proto.OpExists, &proto.ExistsRequest{Path: "/zookeeper"})
}
