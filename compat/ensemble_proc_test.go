package compat

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// TestEnsembleProcessesServeThirdPartyClients starts a 3-member ensemble
// of real zkd processes, each on the zoo.cfg an Apache ZooKeeper ensemble
// would use, and drives it with go-zookeeper (CRUD through a follower, a
// watch on another follower fired by a write through the leader, the
// ephemeral of a closed session gone from every member), kazoo's suite and
// zkCli.sh, both given the connection string of all three servers.
func TestEnsembleProcessesServeThirdPartyClients(t *testing.T) {
	e := startEnsemble(t, 3)
	for i, addr := range e.addrs() {
		if out, err := fourLetter(addr, "ruok"); err != nil || out != "imok" {
			t.Fatalf("server %d: ruok = %q, %v", i+1, out, err)
		}
	}
	modes := e.modes()
	if got := slices.Sorted(slices.Values(modes)); !slices.Equal(got, []string{"follower", "follower", "leader"}) {
		t.Fatalf("srvr modes %q, want one leader and two followers", modes)
	}
	t.Logf("srvr modes by server id: %q", modes)
	t.Run("go-zookeeper", func(t *testing.T) { ensembleGoZk(t, e) })
	t.Run("kazoo", func(t *testing.T) { runKazooSuite(t, requireKazoo(t), e.connString()) })
	t.Run("zkCli.sh", func(t *testing.T) { ensembleZkCli(t, e) })
}

func ensembleGoZk(t *testing.T, e *ensembleProcs) {
	lead, err := e.leader()
	if err != nil {
		t.Fatal(err)
	}
	fs := e.followers()
	if len(fs) != 2 {
		t.Fatalf("followers %v, want 2", fs)
	}
	leader, f1, f2 := e.members[lead].Addr, e.members[fs[0]].Addr, e.members[fs[1]].Addr
	acl := zk.WorldACL(zk.PermAll)

	c := zkSession(t, 4*time.Second, f1)
	defer c.Close()
	if _, err := c.Create("/gozk", []byte("one"), 0, acl); err != nil {
		t.Fatalf("create through follower %s: %v", f1, err)
	}
	if data, st, err := c.Get("/gozk"); err != nil || string(data) != "one" || st.Version != 0 {
		t.Fatalf("get after create: %q %+v %v", data, st, err)
	}
	if st, err := c.Set("/gozk", []byte("two"), 0); err != nil || st.Version != 1 {
		t.Fatalf("set version 0: %+v %v", st, err)
	}
	if data, _, err := c.Get("/gozk"); err != nil || string(data) != "two" {
		t.Fatalf("get after set: %q %v", data, err)
	}
	if _, err := c.Create("/gozk/tmp", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	if kids, _, err := c.Children("/gozk"); err != nil || !slices.Equal(kids, []string{"tmp"}) {
		t.Fatalf("children: %v %v", kids, err)
	}
	if err := c.Delete("/gozk/tmp", 0); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if ok, _, err := c.Exists("/gozk/tmp"); err != nil || ok {
		t.Fatalf("exists after delete: %v %v", ok, err)
	}

	// A watch on the other follower fires for writes through the leader.
	w := zkSession(t, 4*time.Second, f2)
	defer w.Close()
	if _, err := w.Sync("/gozk"); err != nil {
		t.Fatal(err)
	}
	_, _, dataCh, err := w.GetW("/gozk")
	if err != nil {
		t.Fatal(err)
	}
	_, _, kidsCh, err := w.ChildrenW("/gozk")
	if err != nil {
		t.Fatal(err)
	}
	l := zkSession(t, 4*time.Second, leader)
	defer l.Close()
	if _, err := l.Set("/gozk", []byte("three"), -1); err != nil {
		t.Fatalf("set through the leader: %v", err)
	}
	waitWatch(t, dataCh, zk.EventNodeDataChanged, "/gozk")
	if _, err := l.Create("/gozk/kid", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	waitWatch(t, kidsCh, zk.EventNodeChildrenChanged, "/gozk")

	// The ephemeral of a session closed on a follower goes everywhere.
	owner := zkSession(t, 4*time.Second, f1)
	if _, err := owner.Create("/gozk/eph", []byte("e"), zk.FlagEphemeral, acl); err != nil {
		owner.Close()
		t.Fatal(err)
	}
	sid := owner.SessionID()
	readers := make([]*zk.Conn, len(e.members))
	for i, addr := range e.addrs() {
		readers[i] = zkSession(t, 4*time.Second, addr)
		defer readers[i].Close()
		if _, st, err := syncedGet(readers[i], "/gozk/eph"); err != nil || st.EphemeralOwner != sid {
			t.Fatalf("server %d: ephemeral of live session 0x%x: %+v %v", i+1, sid, st, err)
		}
	}
	owner.Close()
	for i, r := range readers {
		gone := false
		for range 100 {
			if _, _, err := syncedGet(r, "/gozk/eph"); errors.Is(err, zk.ErrNoNode) {
				gone = true
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if !gone {
			t.Fatalf("server %d: ephemeral of closed session 0x%x still there after 5s", i+1, sid)
		}
	}
}

// syncedGet reads path on c after a sync, so the answer reflects every
// write committed before the call, whichever member c is connected to.
func syncedGet(c *zk.Conn, path string) ([]byte, *zk.Stat, error) {
	if _, err := c.Sync(path); err != nil && !errors.Is(err, zk.ErrNoNode) {
		return nil, nil, fmt.Errorf("sync %s: %w", path, err)
	}
	return c.Get(path)
}

// waitWatch waits up to 10s for one event on a watch channel and checks
// its type and path.
func waitWatch(t *testing.T, ch <-chan zk.Event, typ zk.EventType, path string) {
	t.Helper()
	select {
	case ev := <-ch:
		if ev.Type != typ || ev.Path != path {
			t.Fatalf("watch event %v on %q, want %v on %q", ev.Type, ev.Path, typ, path)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no %v on %s within 10s", typ, path)
	}
}

// ensembleZkCli runs zkCli.sh (the Java client) with the connection
// string of all three servers: create, get, ls, stat, delete.
func ensembleZkCli(t *testing.T, e *ensembleProcs) {
	zkcli := requireTool(t, "zookeeper", "zkCli.sh", "/usr/share/zookeeper/bin/zkCli.sh")
	cli := func(args ...string) string {
		t.Helper()
		return run(t, 60*time.Second, "", zkcli, append([]string{"-server", e.connString()}, args...)...)
	}
	mustContain(t, "create", cli("create", "/zkcli-ens", "hello"), "Created /zkcli-ens")
	mustContain(t, "get", cli("get", "/zkcli-ens"), "hello")
	mustContain(t, "ls", cli("ls", "/"), "zkcli-ens")
	mustContain(t, "stat", cli("stat", "/zkcli-ens"), "dataVersion = 0", "dataLength = 5", "numChildren = 0")
	cli("delete", "/zkcli-ens")
	if out := cli("ls", "/"); strings.Contains(out, "zkcli-ens") || !strings.Contains(out, "zookeeper") {
		t.Fatalf("ls after delete:\n%s", out)
	}
	// config shows the membership with real client addresses and a
	// version; reconfig (as the super user) removes a member and adds it
	// back, and config follows.
	// The first leader records the membership within a tick of leading.
	out := cli("config")
	for i := 0; i < 20 && !strings.Contains(out, "version="); i++ {
		time.Sleep(100 * time.Millisecond)
		out = cli("config")
	}
	for i, line := range e.lines {
		spec := strings.Replace(line, ";", ":participant;", 1)
		if !strings.Contains(out, spec) {
			t.Fatalf("config lacks server %d (%s):\n%s", i+1, spec, out)
		}
	}
	mustContain(t, "config version", out, "version=")
	session := func(hosts string, cmds ...string) string {
		t.Helper()
		stdin := "addauth digest " + superAuth + "\n" + strings.Join(cmds, "\n") + "\nquit\n"
		return run(t, 60*time.Second, stdin, zkcli, "-server", hosts)
	}
	out = session(e.connString(), "reconfig -remove 3")
	mustContain(t, "reconfig -remove", out, "Committed new configuration")
	if _, after, _ := strings.Cut(out, "Committed new configuration"); strings.Contains(after, "server.3=") {
		t.Fatalf("server 3 still in the configuration after reconfig -remove 3:\n%s", out)
	}
	// Removing server 3 may have removed the leader: wait until servers 1
	// and 2 agree on one (a handshake meanwhile is refused, which zkCli
	// reports as ConnectionLoss for the queued reconfig).
	deadline := time.Now().Add(15 * time.Second)
	for {
		m1, _ := srvrLine(e.members[0].Addr, "Mode")
		m2, _ := srvrLine(e.members[1].Addr, "Mode")
		if (m1 == "leader" && m2 == "follower") || (m1 == "follower" && m2 == "leader") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("servers 1 and 2 have no leader 15s after server 3 was removed: %q %q\n%s", m1, m2, e.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Clients of a smaller ensemble list its members: server 3, out of the
	// ensemble, closes its clients once it notices it has no leader.
	out = session(strings.Join(e.addrs()[:2], ","), "reconfig -add "+e.lines[2], "config")
	mustContain(t, "reconfig -add", out, "Committed new configuration", strings.Replace(e.lines[2], ";", ":participant;", 1))
}

// TestEnsembleLeaderSIGTERMHandsOver: SIGTERM makes a leader process hand
// its leadership to a follower before it exits, so that when the process
// is gone another member already leads (no election timeout to wait out).
func TestEnsembleLeaderSIGTERMHandsOver(t *testing.T) {
	e := startEnsemble(t, 3)
	lead, err := e.leader()
	if err != nil {
		t.Fatal(err)
	}
	p := e.members[lead]
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("the leader did not exit within 15s of SIGTERM\n%s", e.logs())
	}
	if p.exit != nil {
		t.Fatalf("the leader exited with %v after SIGTERM\n%s", p.exit, e.logs())
	}
	if !strings.Contains(p.log.String(), "handed leadership over") {
		t.Fatalf("the leader's log does not show the hand-over:\n%s", tail(p.log.String(), 20))
	}
	if next, err := e.leader(); err != nil {
		t.Fatalf("right after the old leader exited: %v", err)
	} else {
		t.Logf("server %d handed leadership to server %d on SIGTERM", lead+1, next+1)
	}
}
