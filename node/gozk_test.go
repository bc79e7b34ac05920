package node_test

import (
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/zktest"
)

// connect opens a go-zookeeper session to s and waits until it is
// established.
func connect(t *testing.T, addr string) *zk.Conn {
	t.Helper()
	return connectTo(t, 4*time.Second, addr)
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...interface{}) {}

func waitEvent(t *testing.T, ch <-chan zk.Event, typ zk.EventType, path string) {
	t.Helper()
	select {
	case ev := <-ch:
		if ev.Type != typ || ev.Path != path {
			t.Fatalf("event = %v %q, want %v %q", ev.Type, ev.Path, typ, path)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no %v event for %s within 5s", typ, path)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestGoZKCreateGetSetDeleteAndStat(t *testing.T) {
	s := zktest.Start(t)
	c := connect(t, s.Addr)
	acl := zk.WorldACL(zk.PermAll)

	if _, err := c.Create("/a", []byte("one"), 0, acl); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/a", nil, 0, acl); !errors.Is(err, zk.ErrNodeExists) {
		t.Fatalf("second create: %v, want ErrNodeExists", err)
	}
	if _, err := c.Create("/missing/child", nil, 0, acl); !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("create under missing parent: %v, want ErrNoNode", err)
	}
	data, st, err := c.Get("/a")
	if err != nil || string(data) != "one" {
		t.Fatalf("get = %q, %v", data, err)
	}
	if st.Version != 0 || st.DataLength != 3 || st.Czxid != st.Mzxid || st.Czxid != st.Pzxid || st.Ctime != st.Mtime {
		t.Fatalf("fresh stat wrong: %+v", st)
	}
	st2, err := c.Set("/a", []byte("two!"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if st2.Version != 1 || st2.Mzxid <= st.Mzxid || st2.Czxid != st.Czxid || st2.DataLength != 4 {
		t.Fatalf("stat after set: %+v (before %+v)", st2, st)
	}
	if _, err := c.Set("/a", []byte("x"), 0); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("set with stale version: %v, want ErrBadVersion", err)
	}
	for _, name := range []string{"c1", "c2", "c3"} {
		if _, err := c.Create("/a/"+name, nil, 0, acl); err != nil {
			t.Fatal(err)
		}
	}
	kids, pst, err := c.Children("/a")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(kids)
	if len(kids) != 3 || kids[0] != "c1" || pst.NumChildren != 3 || pst.Cversion != 3 {
		t.Fatalf("children = %v stat %+v", kids, pst)
	}
	if err := c.Delete("/a", -1); !errors.Is(err, zk.ErrNotEmpty) {
		t.Fatalf("delete non-empty: %v, want ErrNotEmpty", err)
	}
	if err := c.Delete("/a/c1", 5); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("delete with bad version: %v", err)
	}
	if err := c.Delete("/a/c1", 0); err != nil {
		t.Fatal(err)
	}
	_, pst2, _ := c.Exists("/a")
	// visible cversion grows by one for a delete too
	if pst2.Cversion != 4 || pst2.NumChildren != 2 || pst2.Pzxid <= pst.Pzxid || pst2.Mzxid != st2.Mzxid {
		t.Fatalf("parent stat after child delete: %+v", pst2)
	}
	ok, _, err := c.Exists("/nope")
	if err != nil || ok {
		t.Fatalf("exists(/nope) = %v, %v", ok, err)
	}
	// The root keeps ZooKeeper's pre-created offset: its stored cversion
	// counts only the two creates made here, while numChildren also counts
	// /zookeeper, so the visible cversion is 2*2-3 = 1.
	if _, err := c.Create("/nulldata", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	_, rst, _ := c.Get("/")
	if rst.Cversion != 1 || rst.NumChildren != 3 || rst.Czxid != 0 || rst.Version != 0 {
		t.Fatalf("root stat: %+v, want cversion 1, numChildren 3, czxid 0", rst)
	}
	_, zst, _ := c.Get("/zookeeper")
	if zst.Cversion != -2 || zst.NumChildren != 2 {
		t.Fatalf("/zookeeper stat: %+v, want cversion -2 numChildren 2", zst)
	}
	if p, err := c.Sync("/a"); err != nil || p != "/a" {
		t.Fatalf("sync = %q, %v", p, err)
	}
}

func TestGoZKSequentialEphemeralAndSessionEnd(t *testing.T) {
	s := zktest.Start(t)
	c1 := connect(t, s.Addr)
	c2 := connect(t, s.Addr)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := c1.Create("/q", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.Create("/q/plain", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	p1, err := c1.Create("/q/n-", nil, zk.FlagSequence, acl)
	if err != nil || p1 != "/q/n-0000000001" {
		t.Fatalf("sequential = %q, %v (the plain create consumed 0)", p1, err)
	}
	p2, err := c1.Create("/q/e-", []byte("x"), zk.FlagEphemeralSequential, acl)
	if err != nil || p2 != "/q/e-0000000002" {
		t.Fatalf("ephemeral sequential = %q, %v", p2, err)
	}
	if _, st, _ := c1.Exists(p2); st.EphemeralOwner != c1.SessionID() {
		t.Fatalf("ephemeralOwner = %x, want %x", st.EphemeralOwner, c1.SessionID())
	}
	if _, err := c1.Create(p2+"/child", nil, 0, acl); !errors.Is(err, zk.ErrNoChildrenForEphemerals) {
		t.Fatalf("child of ephemeral: %v", err)
	}
	_, _, watch, err := c2.ExistsW(p2)
	if err != nil {
		t.Fatal(err)
	}
	c1.Close() // closeSession: ephemerals go with it
	waitEvent(t, watch, zk.EventNodeDeleted, p2)
	if ok, _, _ := c2.Exists(p2); ok {
		t.Fatalf("ephemeral survived its session")
	}
	if ok, _, _ := c2.Exists("/q/n-0000000001"); !ok {
		t.Fatalf("persistent sequential node vanished")
	}
}

func TestGoZKWatchesOneShot(t *testing.T) {
	s := zktest.Start(t)
	c := connect(t, s.Addr)
	other := connect(t, s.Addr)
	acl := zk.WorldACL(zk.PermAll)

	_, _, created, err := c.ExistsW("/w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Create("/w", []byte("a"), 0, acl); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, created, zk.EventNodeCreated, "/w")

	_, _, changed, err := c.GetW("/w")
	if err != nil {
		t.Fatal(err)
	}
	_, _, kids, err := c.ChildrenW("/w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Set("/w", []byte("b"), -1); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, changed, zk.EventNodeDataChanged, "/w")
	if _, err := other.Create("/w/k", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, kids, zk.EventNodeChildrenChanged, "/w")

	// A watch fires once: a second change with no new watch sends nothing,
	// and the next reply still arrives.
	if _, err := other.Set("/w", []byte("c"), -1); err != nil {
		t.Fatal(err)
	}
	_, _, deleted, err := c.GetW("/w/k")
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Delete("/w/k", -1); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, deleted, zk.EventNodeDeleted, "/w/k")

	// The event is seen before the data that triggered it.
	_, _, before, err := c.GetW("/w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set("/w", []byte("mine"), -1); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-before:
		if ev.Type != zk.EventNodeDataChanged {
			t.Fatalf("event %v", ev.Type)
		}
	default:
		t.Fatalf("own setData returned before its watch event was delivered")
	}
}

func TestGoZKMultiAtomicAndRollback(t *testing.T) {
	s := zktest.Start(t)
	c := connect(t, s.Addr)
	acl := zk.WorldACL(zk.PermAll)
	res, err := c.Multi(
		&zk.CreateRequest{Path: "/m", Data: []byte("x"), Acl: acl},
		&zk.CreateRequest{Path: "/m/s-", Acl: acl, Flags: zk.FlagSequence},
		&zk.SetDataRequest{Path: "/m", Data: []byte("y"), Version: 0},
		&zk.CheckVersionRequest{Path: "/m", Version: 1},
	)
	if err != nil {
		t.Fatalf("multi: %v", err)
	}
	if len(res) != 4 || res[0].String != "/m" || res[1].String != "/m/s-0000000000" || res[2].Stat == nil || res[2].Stat.Version != 1 {
		t.Fatalf("multi results: %+v", res)
	}
	// A failing op rolls back everything before it.
	res, err = c.Multi(
		&zk.CreateRequest{Path: "/r", Acl: acl},
		&zk.SetDataRequest{Path: "/m", Data: []byte("z"), Version: -1},
		&zk.DeleteRequest{Path: "/does-not-exist", Version: -1},
		&zk.CreateRequest{Path: "/r2", Acl: acl},
	)
	if !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("failed multi error: %v", err)
	}
	if len(res) != 4 || res[0].Error != nil || res[1].Error != nil || !errors.Is(res[2].Error, zk.ErrNoNode) || res[3].Error == nil {
		t.Fatalf("failed multi results: %+v", res)
	}
	if ok, _, _ := c.Exists("/r"); ok {
		t.Fatalf("/r exists after a rolled-back multi")
	}
	if d, _, _ := c.Get("/m"); string(d) != "y" {
		t.Fatalf("/m = %q after rolled-back multi", d)
	}
	_, err = c.Multi(&zk.CheckVersionRequest{Path: "/m", Version: 7})
	if !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("check in multi: %v", err)
	}
}

func TestGoZKACLAndAuth(t *testing.T) {
	s := zktest.Start(t, func(c *config.Config) {
		// super:secret
		c.SuperDigest = "super:lK75jTNcA+U9vtVEw5vB51mj/w4="
	})
	owner := connect(t, s.Addr)
	stranger := connect(t, s.Addr)
	if err := owner.AddAuth("digest", []byte("alice:pw")); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Create("/private", []byte("s"), 0, zk.AuthACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := stranger.Get("/private"); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("stranger get: %v, want ErrNoAuth", err)
	}
	if _, err := stranger.Set("/private", nil, -1); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("stranger set: %v", err)
	}
	if _, err := stranger.Create("/private/x", nil, 0, zk.WorldACL(zk.PermAll)); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("stranger create child: %v", err)
	}
	if _, _, err := stranger.GetACL("/private"); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("stranger getACL: %v", err)
	}
	if _, err := stranger.Create("/x", nil, 0, zk.AuthACL(zk.PermAll)); !errors.Is(err, zk.ErrInvalidACL) {
		t.Fatalf("auth ACL without auth: %v, want ErrInvalidACL", err)
	}
	if _, err := stranger.Create("/x", nil, 0, []zk.ACL{}); !errors.Is(err, zk.ErrInvalidACL) {
		t.Fatalf("empty ACL: %v, want ErrInvalidACL", err)
	}
	acl, _, err := owner.GetACL("/private")
	if err != nil || len(acl) != 1 || acl[0].Scheme != "digest" || acl[0].ID != "alice:"+digest("alice:pw") {
		t.Fatalf("owner getACL = %+v, %v", acl, err)
	}
	// READ without ADMIN sees masked digests.
	if _, err := owner.Create("/readable", nil, 0, append(zk.WorldACL(zk.PermRead), zk.DigestACL(zk.PermAdmin, "alice", "pw")...)); err != nil {
		t.Fatal(err)
	}
	acl, _, err = stranger.GetACL("/readable")
	if err != nil || len(acl) != 2 || acl[1].ID != "alice:x" {
		t.Fatalf("masked getACL = %+v, %v", acl, err)
	}
	// setACL needs ADMIN and checks aversion.
	if _, err := stranger.SetACL("/readable", zk.WorldACL(zk.PermAll), -1); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("stranger setACL: %v", err)
	}
	if _, err := owner.SetACL("/readable", zk.WorldACL(zk.PermAll), 3); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("setACL bad aversion: %v", err)
	}
	st, err := owner.SetACL("/readable", zk.WorldACL(zk.PermAll), 0)
	if err != nil || st.Aversion != 1 {
		t.Fatalf("setACL = %+v, %v", st, err)
	}
	// The super digest opens everything.
	super := connect(t, s.Addr)
	if err := super.AddAuth("digest", []byte("super:secret")); err != nil {
		t.Fatal(err)
	}
	if d, _, err := super.Get("/private"); err != nil || string(d) != "s" {
		t.Fatalf("super get = %q, %v", d, err)
	}
	// An unknown scheme fails auth and closes the connection.
	bad := connect(t, s.Addr)
	if err := bad.AddAuth("nosuchscheme", []byte("x")); err == nil {
		t.Fatalf("auth with unknown scheme succeeded")
	}
}

func TestGoZKContainerAndTTL(t *testing.T) {
	s := zktest.Start(t, func(c *config.Config) { c.ExtendedTypesEnabled = true })
	c := connect(t, s.Addr)
	acl := zk.WorldACL(zk.PermAll)
	if _, err := c.CreateContainer("/box", nil, zk.FlagContainer, acl); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/box/item", nil, 0, acl); err != nil {
		t.Fatal(err)
	}
	_, st, _ := c.Exists("/box")
	if st.EphemeralOwner != 0 {
		t.Fatalf("container shows ephemeralOwner %x", st.EphemeralOwner)
	}
	time.Sleep(500 * time.Millisecond)
	if ok, _, _ := c.Exists("/box"); !ok {
		t.Fatalf("container with a child was reaped")
	}
	_, _, gone, _ := c.ExistsW("/box")
	if err := c.Delete("/box/item", -1); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, gone, zk.EventNodeDeleted, "/box")

	if _, err := c.CreateTTL("/ttl", []byte("x"), zk.FlagTTL, acl, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, st, _ := c.Exists("/ttl"); st == nil || st.EphemeralOwner != 0 {
		t.Fatalf("ttl node stat %+v", st)
	}
	waitFor(t, "TTL node reaped", func() bool { ok, _, _ := c.Exists("/ttl"); return !ok })
}

func TestGoZKTTLNeedsExtendedTypesAndReconfigDisabled(t *testing.T) {
	s := zktest.Start(t)
	c := connect(t, s.Addr)
	_, err := c.CreateTTL("/ttl", nil, zk.FlagTTL, zk.WorldACL(zk.PermAll), time.Second)
	// go-zookeeper has no sentinel for Unimplemented (-6).
	if err == nil || !strings.Contains(err.Error(), "-6") {
		t.Fatalf("TTL create without extendedTypesEnabled: %v, want Unimplemented (-6)", err)
	}
	if _, err := c.IncrementalReconfig([]string{"server.2=127.0.0.1:2888:3888;2182"}, nil, -1); !errors.Is(err, zk.ErrReconfigDisabled) {
		t.Fatalf("reconfig: %v, want ErrReconfigDisabled", err)
	}
}

func TestGoZKFourLetterWords(t *testing.T) {
	s := zktest.Start(t)
	c := connect(t, s.Addr)
	if _, err := c.Create("/flw", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if ok := zk.FLWRuok([]string{s.Addr}, time.Second); len(ok) != 1 || !ok[0] {
		t.Fatalf("ruok = %v", ok)
	}
	stats, ok := zk.FLWSrvr([]string{s.Addr}, time.Second)
	if !ok || stats[0].Error != nil {
		t.Fatalf("srvr: %+v", stats[0])
	}
	if stats[0].Mode != zk.ModeStandalone || stats[0].NodeCount < 5 || stats[0].Connections < 1 {
		t.Fatalf("srvr parsed: %+v", stats[0])
	}
	cons, ok := zk.FLWCons([]string{s.Addr}, time.Second)
	if !ok || cons[0].Error != nil || len(cons[0].Clients) < 1 {
		t.Fatalf("cons: %+v", cons[0])
	}
}
