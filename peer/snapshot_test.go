package peer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/zkd-io/zkd/storage"
	"github.com/zkd-io/zkd/storage/snap"
)

var _ Snapshots = (*snap.Store)(nil)

// snapHandler records what a transport hands its raft member: stepped
// messages (with a check made at Step time) and snapshot reports.
type snapHandler struct {
	mu      sync.Mutex
	steps   []*raftpb.Message
	atStep  []error // onStep's verdict for each step
	onStep  func(m *raftpb.Message) error
	reports []raft.SnapshotStatus
}

func (h *snapHandler) Step(_ context.Context, m *raftpb.Message) error {
	var err error
	if h.onStep != nil {
		err = h.onStep(m)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.steps = append(h.steps, m)
	h.atStep = append(h.atStep, err)
	return nil
}
func (h *snapHandler) ReportUnreachable(uint64) {}
func (h *snapHandler) ReportSnapshot(_ uint64, st raft.SnapshotStatus) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reports = append(h.reports, st)
}

func (h *snapHandler) get() ([]*raftpb.Message, []error, []raft.SnapshotStatus) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*raftpb.Message(nil), h.steps...), append([]error(nil), h.atStep...), append([]raft.SnapshotStatus(nil), h.reports...)
}

// snapPair is member 1 (sender) and member 2 (receiver) over TCP, each
// with a snapshot store in its own temporary directory.
type snapPair struct {
	tr       [3]*Transport // by member id
	h        [3]*snapHandler
	stores   [3]*snap.Store
	stopOnce [3]sync.Once
}

// startSnapPair starts the pair; wrap, when set, wraps member 2's store.
func startSnapPair(t *testing.T, timeout time.Duration, wrap func(*snapPair, Snapshots) Snapshots) *snapPair {
	t.Helper()
	sp := &snapPair{}
	lns := [3]net.Listener{nil, listen(t), listen(t)}
	addrs := map[uint64]string{1: lns[1].Addr().String(), 2: lns[2].Addr().String()}
	for id := 1; id <= 2; id++ {
		st, err := snap.Open(t.TempDir(), storage.OS{})
		if err != nil {
			t.Fatal(err)
		}
		sp.stores[id], sp.h[id] = st, &snapHandler{}
		var stores Snapshots = st
		if id == 2 && wrap != nil {
			stores = wrap(sp, st)
		}
		tr, err := New(Config{ID: uint64(id), ClusterID: 7, Listener: lns[id], Peers: addrs, Handler: sp.h[id],
			Snapshots: stores, SnapshotTimeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		sp.tr[id] = tr
		tr.Start()
	}
	t.Cleanup(func() { sp.stop(1); sp.stop(2) })
	return sp
}

// stop closes member id's transport; a second caller waits for the first.
func (sp *snapPair) stop(id int) {
	sp.stopOnce[id].Do(func() { sp.tr[id].Close() })
}

// saveSnapshot stores a snapshot of size payload bytes at (index, term)
// in st and returns its file's bytes.
func saveSnapshot(t *testing.T, st *snap.Store, index, term uint64, size int) []byte {
	t.Helper()
	payload := make([]byte, size)
	rng := rand.New(rand.NewPCG(index, term))
	for i := range payload {
		payload[i] = byte(rng.Uint32())
	}
	if err := st.Save(index, term, func(w io.Writer) error { _, err := w.Write(payload); return err }); err != nil {
		t.Fatal(err)
	}
	rc, _, err := st.OpenRaw(index)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	raw, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func msgSnap(index, term uint64) *raftpb.Message {
	from, to := uint64(1), uint64(2)
	return &raftpb.Message{Type: raftpb.MessageType_MsgSnap.Enum(), From: &from, To: &to, Term: &term,
		Snapshot: &raftpb.Snapshot{Metadata: &raftpb.SnapshotMetadata{Index: &index, Term: &term,
			ConfState: &raftpb.ConfState{Voters: []uint64{1, 2}}}}}
}

// dirFiles lists the names in dir.
func dirFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// TestSnapshotStreamsToReceiver: a snapshot file of several MiB (several
// chunks) arrives byte for byte and verified; the receiver steps the
// MsgSnap only once the file is in place, and the sender reports
// SnapshotFinish. Raft messages to the same peer keep flowing while the
// stream is held up.
func TestSnapshotStreamsToReceiver(t *testing.T) {
	const index, term = 1000, 5
	hold := make(chan struct{})
	var held atomic.Bool
	sp := startSnapPair(t, 0, func(_ *snapPair, st Snapshots) Snapshots {
		return &hookedStore{Snapshots: st, afterRead: func(int64) {
			if held.CompareAndSwap(false, true) {
				<-hold // the stream waits here after its first bytes
			}
		}}
	})
	raw := saveSnapshot(t, sp.stores[1], index, term, 5<<20+12345)
	final := filepath.Join(sp.stores[2].Dir(), filepath.Base(mustList(t, sp.stores[1])[0].Path))
	sp.h[2].onStep = func(m *raftpb.Message) error {
		if m.GetType() != raftpb.MessageType_MsgSnap {
			return nil
		}
		got, err := os.ReadFile(final)
		if err != nil || !bytes.Equal(got, raw) {
			return errors.New("snapshot file not in place, or different, when the MsgSnap was stepped")
		}
		return nil
	}

	sp.tr[1].Send([]*raftpb.Message{msgSnap(index, term)})
	waitFor(t, "the stream to start", held.Load)
	from, to := uint64(1), uint64(2)
	sp.tr[1].Send([]*raftpb.Message{{Type: raftpb.MessageType_MsgHeartbeat.Enum(), From: &from, To: &to}})
	waitFor(t, "the heartbeat to pass the held-up stream", func() bool { s, _, _ := sp.h[2].get(); return len(s) == 1 })
	close(hold)

	waitFor(t, "the sender's snapshot report", func() bool { _, _, r := sp.h[1].get(); return len(r) == 1 })
	steps, verdicts, _ := sp.h[2].get()
	if _, _, r := sp.h[1].get(); r[0] != raft.SnapshotFinish {
		t.Fatalf("sender reported %v, want SnapshotFinish", r[0])
	}
	if len(steps) != 2 || steps[1].GetType() != raftpb.MessageType_MsgSnap {
		t.Fatalf("receiver stepped %d messages, want the heartbeat and the MsgSnap", len(steps))
	}
	if verdicts[1] != nil {
		t.Fatal(verdicts[1])
	}
	if md := steps[1].GetSnapshot().GetMetadata(); md.GetIndex() != index || md.GetTerm() != term || len(md.GetConfState().GetVoters()) != 2 {
		t.Fatalf("stepped MsgSnap metadata %v", md)
	}
	m, rc, err := sp.stores[2].Load()
	if err != nil {
		t.Fatalf("load the received snapshot: %v", err)
	}
	rc.Close()
	if m.Index != index || m.Term != term {
		t.Fatalf("receiver's newest snapshot %+v", m)
	}
	if names := dirFiles(t, sp.stores[2].Dir()); len(names) != 1 {
		t.Fatalf("receiver's directory holds %v", names)
	}
}

// TestSnapshotStreamFailures: a missing file, and a receiver that dies in
// the middle of a stream, are reported as SnapshotFailure; nothing is
// stepped and no temporary file stays behind.
func TestSnapshotStreamFailures(t *testing.T) {
	t.Run("missing file", func(t *testing.T) {
		sp := startSnapPair(t, 0, nil)
		sp.tr[1].Send([]*raftpb.Message{msgSnap(77, 2)})
		waitFor(t, "the failure report", func() bool { _, _, r := sp.h[1].get(); return len(r) == 1 })
		if _, _, r := sp.h[1].get(); r[0] != raft.SnapshotFailure {
			t.Fatalf("reported %v", r[0])
		}
		if s, _, _ := sp.h[2].get(); len(s) != 0 {
			t.Fatalf("receiver stepped %d messages", len(s))
		}
	})
	t.Run("receiver dies mid-stream", func(t *testing.T) {
		sp := startSnapPair(t, 2*time.Second, func(sp *snapPair, st Snapshots) Snapshots {
			var once sync.Once
			return &hookedStore{Snapshots: st, afterRead: func(total int64) {
				if total >= 2<<20 { // after two chunks its connections die,
					once.Do(func() { sp.tr[2].dropConnections() })
					go sp.stop(2) // and then the member
				}
			}}
		})
		saveSnapshot(t, sp.stores[1], 1000, 5, 6<<20)
		sp.tr[1].Send([]*raftpb.Message{msgSnap(1000, 5)})
		waitFor(t, "the failure report", func() bool { _, _, r := sp.h[1].get(); return len(r) == 1 })
		if _, _, r := sp.h[1].get(); r[0] != raft.SnapshotFailure {
			t.Fatalf("reported %v", r[0])
		}
		sp.stop(2) // returns once the receiving goroutine is gone
		if s, _, _ := sp.h[2].get(); len(s) != 0 {
			t.Fatalf("receiver stepped %d messages", len(s))
		}
		if names := dirFiles(t, sp.stores[2].Dir()); len(names) != 0 {
			t.Fatalf("receiver's directory holds %v after the failed stream", names)
		}
	})
}

// TestSnapshotStallTimesOut: a receiver that accepts the connection and
// then reads nothing makes the sender give up after the stall timeout.
func TestSnapshotStallTimesOut(t *testing.T) {
	ln := listen(t)
	conns := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			conns <- c // held open, never read
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		select {
		case c := <-conns:
			c.Close()
		default:
		}
	})
	st, err := snap.Open(t.TempDir(), storage.OS{})
	if err != nil {
		t.Fatal(err)
	}
	saveSnapshot(t, st, 1000, 5, 16<<20) // more than the socket buffers hold
	h := &snapHandler{}
	tr, err := New(Config{ID: 1, ClusterID: 7, Listener: listen(t), Peers: map[uint64]string{2: ln.Addr().String()},
		Handler: h, Snapshots: st, SnapshotTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	tr.Start()
	defer tr.Close()
	start := time.Now()
	tr.Send([]*raftpb.Message{msgSnap(1000, 5)})
	waitFor(t, "the failure report", func() bool { _, _, r := h.get(); return len(r) == 1 })
	if _, _, r := h.get(); r[0] != raft.SnapshotFailure {
		t.Fatalf("reported %v", r[0])
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("stalled stream abandoned after %v", took)
	}
}

// hookedStore calls afterRead with the bytes received so far after every
// read of an incoming stream.
type hookedStore struct {
	Snapshots
	afterRead func(total int64)
}

func (s *hookedStore) ReceiveFrom(index, term uint64, r io.Reader) error {
	return s.Snapshots.ReceiveFrom(index, term, &hookedReader{r: r, hook: s.afterRead})
}

type hookedReader struct {
	r    io.Reader
	n    int64
	hook func(int64)
}

func (h *hookedReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.n += int64(n)
	h.hook(h.n)
	return n, err
}

func mustList(t *testing.T, st *snap.Store) []snap.Meta {
	t.Helper()
	ms, err := st.List()
	if err != nil || len(ms) == 0 {
		t.Fatalf("list: %v %v", ms, err)
	}
	return ms
}

// TestPartitionedMemberCatchesUpBySnapshot runs raft, the transport and
// the snapshot stores together: a follower is cut off while the leader
// snapshots and compacts its log past it; once healed, the leader's
// MsgSnap streams the file over TCP, the follower's raft installs it, and
// its Committed delivers the snapshot and then the entries after it.
func TestPartitionedMemberCatchesUpBySnapshot(t *testing.T) {
	ms := startClusterWith(t, 3, true)
	waitFor(t, "a leader", func() bool { return leaderOf(ms) != nil })
	proposeAll(t, ms, "a", 10)
	waitCommitted(t, "every member to commit a*", ms, 10)
	l := leaderOf(ms)
	x := followerOf(ms, l)
	for _, m := range ms {
		if m != x {
			m.tr.Block(x.id, true)
			x.tr.Block(m.id, true)
		}
	}
	proposeAll(t, ms, "b", 30)
	waitFor(t, "the leader to apply b*", func() bool { return l.committed.Load() >= 40 })

	index := l.rn.AppliedIndex()
	term, err := l.disk.Term(index)
	if err != nil {
		t.Fatal(err)
	}
	raw := saveSnapshot(t, l.store, index, term, 3<<20)
	if err := l.disk.CreateSnapshot(index, l.rn.ConfState()); err != nil {
		t.Fatal(err)
	}
	if err := l.disk.Compact(index+1, 0); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		m.tr.Block(x.id, false)
		x.tr.Block(m.id, false)
	}
	waitFor(t, "the follower to install the snapshot", func() bool { return x.installed.Load() != nil })
	if got := x.installed.Load(); got.GetIndex() != index || got.GetTerm() != term {
		t.Fatalf("installed %d/%d, want %d/%d", got.GetIndex(), got.GetTerm(), index, term)
	}
	rc, size, err := x.store.OpenRaw(index)
	if err != nil {
		t.Fatalf("the follower's copy: %v", err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || size != int64(len(raw)) || !bytes.Equal(got, raw) {
		t.Fatalf("the follower's copy differs from the leader's file (%v)", err)
	}
	proposeAll(t, ms, "c", 5)
	waitFor(t, "the follower to apply the entries after the snapshot", func() bool { return x.committed.Load() >= 15 })
	if n := x.committed.Load(); n != 15 {
		t.Fatalf("the follower applied %d entries with data, want a* and c* only (15)", n)
	}
}
