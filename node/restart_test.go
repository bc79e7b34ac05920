package node_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/node"
	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/zktest"
)

// TestRestartKeepsEveryAcknowledgedWrite stops a server cleanly and starts
// it again on the same data directory: data, stats, sequence counters,
// zxids and live sessions (with their ephemerals) come back from the
// write-ahead log.
func TestRestartKeepsEveryAcknowledgedWrite(t *testing.T) {
	dir := t.TempDir()
	s1 := zktest.Start(t, zktest.DataDir(dir))
	c, resp := dialRaw(t, s1.Addr, 0, nil, 0, 10000)
	c.mustOK("create /keep", proto.OpCreate, create("/keep", []byte("v1"), 0))
	c.mustOK("set /keep", proto.OpSetData, &proto.SetDataRequest{Path: "/keep", Data: []byte("v2"), Version: 0})
	c.mustOK("create seq", proto.OpCreate, create("/keep/s-", nil, proto.ModePersistentSequential))
	c.mustOK("create eph", proto.OpCreate, create("/eph", nil, proto.ModeEphemeral))
	c.mustOK("delete seq", proto.OpDelete, &proto.DeleteRequest{Path: "/keep/s-0000000000", Version: -1})
	h, rd := c.call(proto.OpGetData, &proto.GetDataRequest{Path: "/keep"})
	var before proto.GetDataResponse
	before.Decode(rd)
	lastZxid := h.Zxid
	if err := s1.Stop(); err != nil {
		t.Fatal(err)
	}

	s2 := zktest.Start(t, zktest.DataDir(dir))
	// The client reattaches its session with the zxid it saw: not refused.
	c2, resp2 := dialRaw(t, s2.Addr, resp.SessionID, resp.Passwd, lastZxid, 10000)
	if resp2 == nil || resp2.SessionID != resp.SessionID || resp2.TimeOut == 0 {
		t.Fatalf("reattach after restart: %+v", resp2)
	}
	h2, rd := c2.call(proto.OpGetData, &proto.GetDataRequest{Path: "/keep"})
	var after proto.GetDataResponse
	after.Decode(rd)
	if h2.Err != proto.OK || string(after.Data) != "v2" || after.Stat != before.Stat {
		t.Fatalf("after restart: %v %q %+v; before %q %+v", h2.Err, after.Data, after.Stat, before.Data, before.Stat)
	}
	if h2.Zxid < lastZxid {
		t.Fatalf("zxid went back: %d < %d", h2.Zxid, lastZxid)
	}
	c2.mustOK("ephemeral of a live session survives", proto.OpExists, &proto.ExistsRequest{Path: "/eph"})
	// The parent's stored cversion came back too: the next sequence number
	// continues after the deleted one.
	rd = c2.mustOK("create seq after restart", proto.OpCreate, create("/keep/s-", nil, proto.ModePersistentSequential))
	var cr proto.CreateResponse
	cr.Decode(rd)
	if cr.Path != "/keep/s-0000000001" {
		t.Fatalf("sequence after restart = %q", cr.Path)
	}
	// Closing the session after the restart removes its ephemeral.
	c2.mustOK("close session", proto.OpCloseSession, nil)
	if err := s2.Stop(); err != nil {
		t.Fatal(err)
	}
	s3 := zktest.Start(t, zktest.DataDir(dir))
	c3, _ := dialRaw(t, s3.Addr, 0, nil, 0, 10000)
	c3.mustErr("ephemeral gone after close and restart", proto.ErrNoNode, proto.OpExists, &proto.ExistsRequest{Path: "/eph"})
	c3.mustOK("data still there", proto.OpExists, &proto.ExistsRequest{Path: "/keep/s-0000000001"})
}

// TestRestartReplaysLogLongerThanHandOver restarts on a log whose
// committed entries do not fit the raft loop's hand-over buffer (128
// batches; one entry per batch here). raft campaigns only once the log is
// applied, so the state loop must be consuming before the node waits for
// leadership: it used to wait first and deadlock.
func TestRestartReplaysLogLongerThanHandOver(t *testing.T) {
	dir := t.TempDir()
	start := func() *node.Node {
		t.Helper()
		cfg := config.Default()
		cfg.DataDir, cfg.DataLogDir = dir, dir
		cfg.TickTime = 200 * time.Millisecond
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		n, err := node.Start(ctx, cfg, node.Options{Listener: mustListen(t), RaftMaxSizePerMsg: 1})
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		return n
	}
	n1 := start()
	c, _ := dialRaw(t, n1.Addr().String(), 0, nil, 0, 10000)
	const writes = 400
	for i := range writes {
		c.mustOK("create", proto.OpCreate, create(fmt.Sprintf("/l%04d", i), nil, 0))
	}
	if err := n1.Close(); err != nil {
		t.Fatal(err)
	}
	n2 := start()
	defer n2.Close()
	c2, _ := dialRaw(t, n2.Addr().String(), 0, nil, 0, 10000)
	c2.mustOK("last create after restart", proto.OpExists, &proto.ExistsRequest{Path: fmt.Sprintf("/l%04d", writes-1)})
}
