package node_test

import (
	"testing"

	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/zktest"
)

func TestRawCloseSessionRepliesThenClosesAndDropsEphemerals(t *testing.T) {
	s := zktest.Start(t)
	watcher, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	c, resp := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	c.mustOK("create /eph", proto.OpCreate, create("/eph", []byte("x"), proto.ModeEphemeral))
	c.mustOK("create /dir", proto.OpCreate, create("/dir", nil, 0))
	c.mustOK("create /dir/seq-", proto.OpCreate, create("/dir/seq-", nil, proto.ModeEphemeralSequential))
	watcher.mustOK("watch /eph", proto.OpExists, &proto.ExistsRequest{Path: "/eph", Watch: true})
	watcher.mustOK("watch /dir children", proto.OpGetChildren, &proto.GetChildrenRequest{Path: "/dir", Watch: true})

	h, _ := c.call(proto.OpCloseSession, nil)
	if h.Err != proto.OK || h.Zxid <= 0 {
		t.Fatalf("closeSession reply: err %v zxid %d, want OK with the close's zxid", h.Err, h.Zxid)
	}
	c.expectClosed()

	evs := watcher.waitEvents(2)
	seen := map[proto.EventType]string{}
	for _, ev := range evs {
		seen[ev.Type] = ev.Path
	}
	if seen[proto.EventNodeDeleted] != "/eph" || seen[proto.EventNodeChildrenChanged] != "/dir" {
		t.Fatalf("events after closeSession: %+v", evs)
	}
	watcher.mustErr("exists /eph", proto.ErrNoNode, proto.OpExists, &proto.ExistsRequest{Path: "/eph"})
	var ch proto.GetChildrenResponse
	rd := watcher.mustOK("children of /dir", proto.OpGetChildren, &proto.GetChildrenRequest{Path: "/dir"})
	ch.Decode(rd)
	if len(ch.Children) != 0 {
		t.Fatalf("/dir still has %v", ch.Children)
	}
	// The session is gone: reattaching with its id and password is refused.
	late, lresp := dialRaw(t, s.Addr, resp.SessionID, resp.Passwd, 0, 4000)
	if lresp == nil || lresp.TimeOut != 0 || lresp.SessionID != 0 {
		t.Fatalf("reattach to a closed session: %+v", lresp)
	}
	late.expectClosed()
}
