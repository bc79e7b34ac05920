package node_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/storage"
)

// writer creates /d<i> one at a time on its own connection, recording
// what was acknowledged and when the current request was sent.
type writer struct {
	acked   chan string
	sentAt  atomic.Int64 // unix nanos of the request in flight, 0 when none
	stopped chan error
}

func startWriter(t *testing.T, addr string, limit int) *writer {
	t.Helper()
	c, err := dialCrash(addr)
	if err != nil {
		t.Fatal(err)
	}
	w := &writer{acked: make(chan string, limit), stopped: make(chan error, 1)}
	go func() {
		defer c.nc.Close()
		for i := range limit {
			p := fmt.Sprintf("/d%05d", i)
			w.sentAt.Store(time.Now().UnixNano())
			c.nc.SetDeadline(time.Now().Add(30 * time.Second))
			code, _, err := c.call(proto.OpCreate, &proto.CreateRequest{Path: p, Data: []byte("v" + p), ACL: proto.OpenACLUnsafe})
			w.sentAt.Store(0)
			if err != nil || code != proto.OK {
				w.stopped <- fmt.Errorf("create %s: %v %v", p, code, err)
				return
			}
			w.acked <- p
		}
		w.stopped <- nil
	}()
	return w
}

// waitStuck waits until the writer's request has been pending for d.
func (w *writer) waitStuck(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if at := w.sentAt.Load(); at != 0 && time.Since(time.Unix(0, at)) > d {
			return
		}
		select {
		case err := <-w.stopped:
			t.Fatalf("writer stopped before getting stuck: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("the writer never got stuck")
}

func (w *writer) drain() []string {
	var out []string
	for {
		select {
		case p := <-w.acked:
			out = append(out, p)
		default:
			return out
		}
	}
}

// TestDiskFull fills the disk under a writer: the write that needs a new
// WAL segment waits (never acknowledged early), other writes get
// NotReadOnly at once, reads and existing sessions go on, new sessions
// are refused. When space returns the waiting write completes, writes are
// accepted again, and a restart finds every acknowledged write.
func TestDiskFull(t *testing.T) {
	n, fsys := startFresh(t)
	other, err := dialCrash(n.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if code, _, err := other.call(proto.OpCreate, &proto.CreateRequest{Path: "/other", Data: []byte("x"), ACL: proto.OpenACLUnsafe}); err != nil || code != proto.OK {
		t.Fatalf("create /other: %v %v", code, err)
	}
	fsys.SetSpace(0)
	w := startWriter(t, n.Addr().String(), 5000)
	w.waitStuck(t, 500*time.Millisecond)

	code, _, err := other.call(proto.OpCreate, &proto.CreateRequest{Path: "/refused", ACL: proto.OpenACLUnsafe})
	if err != nil || code != proto.ErrNotReadOnly {
		t.Fatalf("write on a full disk: %v %v, want NotReadOnly", code, err)
	}
	if code, _, err := other.call(proto.OpGetData, &proto.GetDataRequest{Path: "/other"}); err != nil || code != proto.OK {
		t.Fatalf("read on a full disk: %v %v", code, err)
	}
	if c, err := dialCrash(n.Addr().String()); err == nil {
		c.nc.Close()
		t.Fatal("a new session was created on a full disk")
	}

	fsys.SetSpace(-1)
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _, err := other.call(proto.OpCreate, &proto.CreateRequest{Path: "/after", ACL: proto.OpenACLUnsafe})
		if err != nil {
			t.Fatal(err)
		}
		if code == proto.OK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("writes still refused after space returned: %v", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The stuck write went through: the writer makes progress again.
	time.Sleep(200 * time.Millisecond)
	before := len(w.acked)
	time.Sleep(300 * time.Millisecond)
	if len(w.acked) <= before && w.sentAt.Load() != 0 {
		t.Fatal("the writer is still stuck after space returned")
	}
	n.Close()
	<-w.stopped
	acked := w.drain()

	n2, err := startOn(t, fsys)
	if err != nil {
		t.Fatalf("restart after a full disk: %v", err)
	}
	defer n2.Close()
	if missing := missingNodes(t, n2.Addr().String(), acked); len(missing) > 0 {
		t.Fatalf("%d of %d acknowledged writes lost: %v", len(missing), len(acked), missing[:min(5, len(missing))])
	}
	c, err := dialCrash(n2.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.nc.Close()
	for _, p := range []string{"/other", "/after"} {
		if code, _, err := c.call(proto.OpExists, &proto.ExistsRequest{Path: p}); err != nil || code != proto.OK {
			t.Fatalf("acknowledged %s missing after restart: %v %v", p, code, err)
		}
	}
	t.Logf("%d acknowledged writes across the full disk survived", len(acked)+2)
}

// TestFsyncFailure fails one WAL fsync: the write it covered is never
// acknowledged (its connection closes: outcome unknown), the server goes
// on serving reads and refuses writes with NotReadOnly until restarted,
// and the restart is clean with every acknowledged write present.
func TestFsyncFailure(t *testing.T) {
	n, fsys := startFresh(t)
	reader, err := dialCrash(n.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var failed atomic.Bool
	var syncs atomic.Int64
	fsys.SetHook(func(p storage.Point) {
		// The 25th fsync of a WAL segment: snapshots (snapCount 16) fsync
		// their own files meanwhile, and a failed snapshot fsync only
		// fails that snapshot, so only a WAL fsync may be the one to fail.
		if p.Op == "sync" && !p.After && strings.Contains(p.Path, "/zkd-wal/") && !failed.Load() && syncs.Add(1) == 25 {
			failed.Store(true)
			fsys.FailSyncOf(p.Path)
		}
	})
	acked := writeUntilFailure(t, n.Addr().String(), 3000, 20*time.Second)
	fsys.SetHook(nil)
	if !failed.Load() {
		t.Fatal("the fsync failure was never armed")
	}
	// Reads go on; writes are refused.
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _, err := reader.call(proto.OpCreate, &proto.CreateRequest{Path: "/refused", ACL: proto.OpenACLUnsafe})
		if err != nil {
			t.Fatalf("the reader's connection broke: %v", err)
		}
		if code == proto.ErrNotReadOnly {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("write after a failed fsync: %v, want NotReadOnly", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(acked) > 0 {
		if code, _, err := reader.call(proto.OpGetData, &proto.GetDataRequest{Path: acked[len(acked)-1]}); err != nil || code != proto.OK {
			t.Fatalf("read after a failed fsync: %v %v", code, err)
		}
	}
	n.Close()
	n2, err := startOn(t, fsys)
	if err != nil {
		t.Fatalf("restart after a failed fsync: %v", err)
	}
	defer n2.Close()
	if missing := missingNodes(t, n2.Addr().String(), acked); len(missing) > 0 {
		t.Fatalf("%d of %d acknowledged creates lost", len(missing), len(acked))
	}
	t.Logf("%d acknowledged creates survived the failed fsync", len(acked))
}
