package node_test

import (
	"sort"
	"testing"

	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/zktest"
)

func TestRawPersistentAndRecursiveWatches(t *testing.T) {
	s := zktest.Start(t)
	w, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	m, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	var er proto.ErrorResponse
	rd := w.mustOK("addWatch persistent", proto.OpAddWatch, &proto.AddWatchRequest{Path: "/p", Mode: proto.AddWatchPersistent})
	er.Decode(rd)
	if rd.Err() != nil || er.Err != proto.OK {
		t.Fatalf("addWatch body: %v %v", er, rd.Err())
	}
	w.mustOK("addWatch recursive", proto.OpAddWatch, &proto.AddWatchRequest{Path: "/r", Mode: proto.AddWatchPersistentRecursive})
	w.mustErr("addWatch bad mode", proto.ErrMarshallingError, proto.OpAddWatch, &proto.AddWatchRequest{Path: "/x", Mode: 7})

	m.mustOK("create /p", proto.OpCreate, create("/p", nil, 0))
	m.mustOK("create /p/c", proto.OpCreate, create("/p/c", nil, 0))
	m.mustOK("set /p", proto.OpSetData, &proto.SetDataRequest{Path: "/p", Data: []byte("x"), Version: -1})
	m.mustOK("set /p/c", proto.OpSetData, &proto.SetDataRequest{Path: "/p/c", Data: []byte("x"), Version: -1}) // not watched
	m.mustOK("create /r", proto.OpCreate, create("/r", nil, 0))
	m.mustOK("create /r/a", proto.OpCreate, create("/r/a", nil, 0))
	m.mustOK("create /r/a/b", proto.OpCreate, create("/r/a/b", nil, 0))
	m.mustOK("set /r/a/b", proto.OpSetData, &proto.SetDataRequest{Path: "/r/a/b", Data: []byte("y"), Version: -1})
	m.mustOK("delete /r/a/b", proto.OpDelete, &proto.DeleteRequest{Path: "/r/a/b", Version: -1})
	got := w.waitEvents(8)
	want := []proto.WatcherEvent{
		{Type: proto.EventNodeCreated, Path: "/p"},
		{Type: proto.EventNodeChildrenChanged, Path: "/p"},
		{Type: proto.EventNodeDataChanged, Path: "/p"},
		{Type: proto.EventNodeCreated, Path: "/r"},
		{Type: proto.EventNodeCreated, Path: "/r/a"},
		{Type: proto.EventNodeCreated, Path: "/r/a/b"},
		{Type: proto.EventNodeDataChanged, Path: "/r/a/b"},
		{Type: proto.EventNodeDeleted, Path: "/r/a/b"},
	}
	for i := range want {
		if got[i].Type != want[i].Type || got[i].Path != want[i].Path || got[i].State != proto.StateSyncConnected {
			t.Fatalf("event %d = %+v, want %+v (all: %+v)", i, got[i], want[i], got)
		}
	}
	// checkWatches / removeWatches
	w.mustOK("checkWatches persistent", proto.OpCheckWatches, &proto.CheckWatchesRequest{Path: "/p", Type: proto.WatcherPersistent})
	w.mustErr("checkWatches data", proto.ErrNoWatcher, proto.OpCheckWatches, &proto.CheckWatchesRequest{Path: "/p", Type: proto.WatcherData})
	w.mustOK("removeWatches recursive", proto.OpRemoveWatches, &proto.RemoveWatchesRequest{Path: "/r", Type: proto.WatcherPersistentRecursive})
	w.mustErr("removeWatches again", proto.ErrNoWatcher, proto.OpRemoveWatches, &proto.RemoveWatchesRequest{Path: "/r", Type: proto.WatcherPersistentRecursive})
	w.mustErr("checkWatches bad type", proto.ErrMarshallingError, proto.OpCheckWatches, &proto.CheckWatchesRequest{Path: "/p", Type: 9})
	m.mustOK("create /r/z", proto.OpCreate, create("/r/z", nil, 0))
	m.mustOK("set /p", proto.OpSetData, &proto.SetDataRequest{Path: "/p", Data: []byte("z"), Version: -1})
	if ev := w.waitEvents(1); ev[0].Path != "/p" {
		t.Fatalf("removed recursive watch still fired: %+v", ev)
	}
}

func TestRawMultiReadEphemeralsCountsWhoAmI(t *testing.T) {
	s := zktest.Start(t)
	c, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	c.mustOK("create /a", proto.OpCreate, create("/a", []byte("A"), 0))
	c.mustOK("create /a/b", proto.OpCreate, create("/a/b", nil, 0))
	c.mustOK("create /a/b/c", proto.OpCreate, create("/a/b/c", nil, 0))
	c.mustOK("create /a/e1", proto.OpCreate, create("/a/e1", nil, proto.ModeEphemeral))
	c.mustOK("create /ab", proto.OpCreate, create("/ab", nil, proto.ModeEphemeral))

	rd := c.mustOK("multiRead", proto.OpMultiRead, &proto.MultiRequest{Ops: []proto.MultiOp{
		{Type: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/a"}},
		{Type: proto.OpGetChildren, Req: &proto.GetChildrenRequest{Path: "/a"}},
		{Type: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/missing"}},
	}})
	var mr proto.MultiResponse
	mr.Decode(rd)
	if rd.Err() != nil || len(mr.Results) != 3 {
		t.Fatalf("multiRead decode: %v %+v", rd.Err(), mr)
	}
	if d, ok := mr.Results[0].Resp.(*proto.GetDataResponse); !ok || string(d.Data) != "A" {
		t.Fatalf("multiRead getData: %+v", mr.Results[0])
	}
	if ch, ok := mr.Results[1].Resp.(*proto.GetChildrenResponse); !ok || len(ch.Children) != 2 {
		t.Fatalf("multiRead getChildren: %+v", mr.Results[1])
	}
	if mr.Results[2].Err != proto.ErrNoNode {
		t.Fatalf("multiRead missing: %+v", mr.Results[2])
	}

	var eph proto.GetEphemeralsResponse
	rd = c.mustOK("getEphemerals /a", proto.OpGetEphemerals, &proto.GetEphemeralsRequest{PrefixPath: "/a"})
	eph.Decode(rd)
	sort.Strings(eph.Ephemerals)
	if len(eph.Ephemerals) != 2 || eph.Ephemerals[0] != "/a/e1" || eph.Ephemerals[1] != "/ab" {
		t.Fatalf("getEphemerals(/a) = %v (string prefix: /ab matches)", eph.Ephemerals)
	}
	var n proto.GetAllChildrenNumberResponse
	rd = c.mustOK("getAllChildrenNumber", proto.OpGetAllChildrenNumber, &proto.GetAllChildrenNumberRequest{Path: "/a"})
	n.Decode(rd)
	if n.TotalNumber != 3 {
		t.Fatalf("getAllChildrenNumber(/a) = %d, want 3", n.TotalNumber)
	}
	c.mustErr("getAllChildrenNumber missing", proto.ErrNoNode, proto.OpGetAllChildrenNumber, &proto.GetAllChildrenNumberRequest{Path: "/zz"})

	c.send(&proto.RequestHeader{Xid: proto.XidAuth, Type: proto.OpAuth}, &proto.AuthPacket{Scheme: "digest", Auth: []byte("bob:pw")}, nil)
	if h, _ := c.expectReply(proto.XidAuth); h.Err != proto.OK {
		t.Fatalf("auth: %v", h.Err)
	}
	var who proto.WhoAmIResponse
	rd = c.mustOK("whoAmI", proto.OpWhoAmI, nil)
	who.Decode(rd)
	if len(who.ClientInfo) != 2 || who.ClientInfo[0] != (proto.ClientInfo{AuthScheme: "ip", User: "127.0.0.1"}) || who.ClientInfo[1] != (proto.ClientInfo{AuthScheme: "digest", User: "bob"}) {
		t.Fatalf("whoAmI = %+v", who.ClientInfo)
	}
}

func TestRawSessionReattachExpiryAndSetWatches(t *testing.T) {
	s := zktest.Start(t)
	a, resp := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	if resp == nil || resp.TimeOut != 4000 || resp.SessionID == 0 || len(resp.Passwd) != 16 || !resp.HasReadOnly {
		t.Fatalf("connect response %+v", resp)
	}
	a.mustOK("create eph", proto.OpCreate, create("/eph", nil, proto.ModeEphemeral))
	h, _ := a.call(proto.OpExists, &proto.ExistsRequest{Path: "/eph"})
	lastZxid := h.Zxid
	a.nc.Close()

	// Reattach with id and password: same session, the ephemeral lives.
	b, resp2 := dialRaw(t, s.Addr, resp.SessionID, resp.Passwd, lastZxid, 4000)
	if resp2 == nil || resp2.SessionID != resp.SessionID || resp2.TimeOut != 4000 {
		t.Fatalf("reattach response %+v", resp2)
	}
	b.mustOK("exists eph after reattach", proto.OpExists, &proto.ExistsRequest{Path: "/eph"})

	// setWatches2 catch-up: /eph changed after relZxid 0 → NodeDataChanged now.
	b.mustOK("create /sw", proto.OpCreate, create("/sw", nil, 0))
	b.mustOK("setWatches2", proto.OpSetWatches2, &proto.SetWatches2{RelativeZxid: 0,
		DataWatches: []string{"/sw", "/gone"}, ExistWatches: []string{"/eph", "/later"}, ChildWatches: []string{}, PersistentWatches: []string{}, PersistentRecursiveWatches: []string{}})
	evs := b.waitEvents(3)
	if len(evs) != 3 || evs[0].Type != proto.EventNodeDataChanged || evs[1].Type != proto.EventNodeDeleted || evs[2].Type != proto.EventNodeCreated {
		// (dataWatches /sw mzxid > 0 → changed; /gone missing → deleted; exist /eph present → created)
		t.Fatalf("catch-up events %+v", evs)
	}
	b.mustOK("create /later", proto.OpCreate, create("/later", nil, 0))
	if ev := b.waitEvents(1); ev[0].Type != proto.EventNodeCreated || ev[0].Path != "/later" {
		t.Fatalf("registered exist watch: %+v", ev)
	}

	// Wrong password: invalid response (timeout 0) then close.
	bad, resp3 := dialRaw(t, s.Addr, resp.SessionID, make([]byte, 16), 0, 4000)
	if resp3 == nil || resp3.TimeOut != 0 || resp3.SessionID != 0 {
		t.Fatalf("wrong password response %+v", resp3)
	}
	bad.expectClosed()

	// A client that has seen a zxid from the future is refused.
	future, resp4 := dialRaw(t, s.Addr, 0, nil, 1<<40, 4000)
	if resp4 != nil {
		t.Fatalf("future lastZxidSeen got a response %+v", resp4)
	}
	future.expectClosed()

	// Expiry: a session that stops pinging loses its ephemerals, and a
	// watcher elsewhere hears about it.
	e, eresp := dialRaw(t, s.Addr, 0, nil, 0, 500)
	if eresp.TimeOut != 500 {
		t.Fatalf("negotiated timeout %d, want 500", eresp.TimeOut)
	}
	e.mustOK("create ephemeral", proto.OpCreate, create("/dies", nil, proto.ModeEphemeral))
	b.mustOK("watch /dies", proto.OpExists, &proto.ExistsRequest{Path: "/dies", Watch: true})
	ev := b.waitEvents(1)
	if ev[0].Type != proto.EventNodeDeleted || ev[0].Path != "/dies" {
		t.Fatalf("expiry event %+v", ev)
	}
	e.expectClosed()
	late, lresp := dialRaw(t, s.Addr, eresp.SessionID, eresp.Passwd, 0, 500)
	if lresp == nil || lresp.TimeOut != 0 {
		t.Fatalf("reattach to expired session: %+v", lresp)
	}
	late.expectClosed()
}

func TestRawBadInputIsContained(t *testing.T) {
	s := zktest.Start(t)
	bystander, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	bystander.mustOK("create /safe", proto.OpCreate, create("/safe", []byte("ok"), 0))

	cases := []struct {
		name string
		op   proto.OpCode
	}{
		{"standalone check", proto.OpCheck},
		{"deleteContainer from a client", proto.OpDeleteContainer},
		{"unknown opcode", 55},
		{"notification opcode", proto.OpNotification},
	}
	for _, tc := range cases {
		c, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
		c.mustErr(tc.name, proto.ErrUnimplemented, tc.op, &proto.CheckVersionRequest{Path: "/safe", Version: 0})
		c.expectClosed()
	}

	// A truncated body gets MarshallingError and the connection stays.
	c, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	c.xid++
	c.send(&proto.RequestHeader{Xid: c.xid, Type: proto.OpGetData}, nil, []byte{0, 0, 0, 9, '/'})
	if h, _ := c.expectReply(c.xid); h.Err != proto.ErrMarshallingError {
		t.Fatalf("truncated getData: %v", h.Err)
	}
	c.mustOK("exists after bad request", proto.OpExists, &proto.ExistsRequest{Path: "/safe"})
	c.mustErr("invalid path, missing parent", proto.ErrNoNode, proto.OpCreate, create("/bad//path", nil, 0))
	c.mustErr("invalid path", proto.ErrBadArguments, proto.OpCreate, create("/safe/.", nil, 0))
	c.mustErr("delete root", proto.ErrBadArguments, proto.OpDelete, &proto.DeleteRequest{Path: "/", Version: -1})

	// An oversize frame closes the connection before allocation.
	big, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	if _, err := big.nc.Write([]byte{0x7f, 0xff, 0xff, 0xff}); err != nil {
		t.Fatal(err)
	}
	big.expectClosed()
	neg, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	if _, err := neg.nc.Write([]byte{0xff, 0xff, 0xff, 0x00}); err != nil {
		t.Fatal(err)
	}
	neg.expectClosed()

	// Bystander noticed nothing.
	rd := bystander.mustOK("get after abuse", proto.OpGetData, &proto.GetDataRequest{Path: "/safe"})
	var gd proto.GetDataResponse
	gd.Decode(rd)
	if string(gd.Data) != "ok" {
		t.Fatalf("bystander data %q", gd.Data)
	}
}

// TestRawNotificationsFilteredByReadACL pins the CVE-2024-23944 rule: a
// watcher without READ on the changed node hears nothing about it, while a
// node it may read still notifies it.
func TestRawNotificationsFilteredByReadACL(t *testing.T) {
	s := zktest.Start(t)
	stranger, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	owner, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	owner.send(&proto.RequestHeader{Xid: proto.XidAuth, Type: proto.OpAuth}, &proto.AuthPacket{Scheme: "digest", Auth: []byte("alice:pw")}, nil)
	if h, _ := owner.expectReply(proto.XidAuth); h.Err != proto.OK {
		t.Fatalf("auth: %v", h.Err)
	}
	stranger.mustOK("addWatch recursive /", proto.OpAddWatch, &proto.AddWatchRequest{Path: "/", Mode: proto.AddWatchPersistentRecursive})
	private := []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "auth", ID: ""}}}
	owner.mustOK("create private", proto.OpCreate, &proto.CreateRequest{Path: "/private", ACL: private})
	owner.mustOK("set private", proto.OpSetData, &proto.SetDataRequest{Path: "/private", Data: []byte("s"), Version: -1})
	owner.mustOK("create public", proto.OpCreate, create("/public", nil, 0))
	evs := stranger.waitEvents(1)
	if len(evs) != 1 || evs[0].Path != "/public" || evs[0].Type != proto.EventNodeCreated {
		t.Fatalf("stranger saw %+v; want only NodeCreated /public", evs)
	}
	// The stranger's exists on the private node is NoAuth and sets no watch.
	stranger.mustErr("exists private", proto.ErrNoAuth, proto.OpExists, &proto.ExistsRequest{Path: "/private", Watch: true})
}

// TestRawZooKeeperQuirksFoundByTheDifferentialTester pins behaviours the
// differential run against Apache ZooKeeper showed: "" reads as the root,
// multiRead never sets watches, and an Unimplemented reply carries zxid -1.
func TestRawZooKeeperQuirksFoundByTheDifferentialTester(t *testing.T) {
	s := zktest.Start(t)
	c, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	other, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	rd := c.mustOK(`getChildren ""`, proto.OpGetChildren, &proto.GetChildrenRequest{Path: ""})
	var ch proto.GetChildrenResponse
	ch.Decode(rd)
	if len(ch.Children) != 1 || ch.Children[0] != "zookeeper" {
		t.Fatalf(`getChildren("") = %v, want the root's children`, ch.Children)
	}
	c.mustErr(`delete ""`, proto.ErrBadArguments, proto.OpDelete, &proto.DeleteRequest{Path: "", Version: -1})
	var all proto.GetAllChildrenNumberResponse
	rd = c.mustOK(`getAllChildrenNumber ""`, proto.OpGetAllChildrenNumber, &proto.GetAllChildrenNumberRequest{Path: ""})
	all.Decode(rd)
	if all.TotalNumber != 4 { // "/", /zookeeper, /zookeeper/quota, /zookeeper/config
		t.Fatalf(`getAllChildrenNumber("") = %d, want 4 (every node but the "" alias)`, all.TotalNumber)
	}

	c.mustOK("create /mr", proto.OpCreate, create("/mr", nil, 0))
	c.mustOK("multiRead with watch flags", proto.OpMultiRead, &proto.MultiRequest{Ops: []proto.MultiOp{
		{Type: proto.OpGetChildren, Req: &proto.GetChildrenRequest{Path: "/mr", Watch: true}},
		{Type: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/mr", Watch: true}},
	}})
	c.mustErr("no child watch from multiRead", proto.ErrNoWatcher, proto.OpCheckWatches, &proto.CheckWatchesRequest{Path: "/mr", Type: proto.WatcherChildren})
	c.mustErr("no data watch from multiRead", proto.ErrNoWatcher, proto.OpCheckWatches, &proto.CheckWatchesRequest{Path: "/mr", Type: proto.WatcherData})
	other.mustOK("create child", proto.OpCreate, create("/mr/x", nil, 0))
	c.mustOK("round trip after the change", proto.OpExists, &proto.ExistsRequest{Path: "/mr"})
	if len(c.events) != 0 {
		t.Fatalf("multiRead watch fired: %+v", c.events)
	}

	h, _ := c.call(55, nil)
	if h.Err != proto.ErrUnimplemented || h.Zxid != -1 {
		t.Fatalf("unknown opcode reply %+v, want Unimplemented with zxid -1", h)
	}
	c.expectClosed()
}
