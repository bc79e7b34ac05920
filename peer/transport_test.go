package peer

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/zkd-io/zkd/raftnode"
	"github.com/zkd-io/zkd/storage"
	"github.com/zkd-io/zkd/storage/snap"
	"github.com/zkd-io/zkd/storage/wal"
)

// member is one raftnode over a real TCP transport on 127.0.0.1.
type member struct {
	id        uint64
	ln        net.Listener
	h         *lateHandler
	tr        *Transport
	rn        *raftnode.Node
	committed atomic.Int64 // normal entries with data seen on Committed
	// With disks (startClusterWith): the WAL-backed raft storage, the
	// snapshot store, and the snapshots Committed delivered.
	disk      *raftnode.DiskStorage
	store     *snap.Store
	installed atomic.Pointer[raftpb.SnapshotMetadata]
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// lateHandler forwards to a raftnode set after the transport exists and
// counts what it forwards.
type lateHandler struct {
	n           atomic.Pointer[raftnode.Node]
	stepsFrom   [8]atomic.Int64 // messages stepped, by sender id
	unreachable [8]atomic.Int64 // unreachable reports, by peer id
}

func (h *lateHandler) Step(ctx context.Context, m *raftpb.Message) error {
	if f := m.GetFrom(); f < uint64(len(h.stepsFrom)) {
		h.stepsFrom[f].Add(1)
	}
	if n := h.n.Load(); n != nil {
		return n.Step(ctx, m)
	}
	return nil
}
func (h *lateHandler) ReportUnreachable(id uint64) {
	if id < uint64(len(h.unreachable)) {
		h.unreachable[id].Add(1)
	}
	if n := h.n.Load(); n != nil {
		n.ReportUnreachable(id)
	}
}
func (h *lateHandler) ReportSnapshot(id uint64, st raft.SnapshotStatus) {
	if n := h.n.Load(); n != nil {
		n.ReportSnapshot(id, st)
	}
}

// startCluster starts n members of cluster 7 that know each other.
func startCluster(t *testing.T, n int) []*member {
	t.Helper()
	return startClusterWith(t, n, false)
}

// startClusterWith starts n members; withDisks gives each a WAL on an
// in-memory disk and a snapshot store in a temporary directory.
func startClusterWith(t *testing.T, n int, withDisks bool) []*member {
	t.Helper()
	fsys := storage.NewFaultFS()
	ms := make([]*member, n)
	addrs := map[uint64]string{}
	ids := make([]uint64, n)
	for i := range ms {
		ms[i] = &member{id: uint64(i + 1), ln: listen(t)}
		addrs[ms[i].id] = ms[i].ln.Addr().String()
		ids[i] = ms[i].id
	}
	for _, m := range ms {
		h := &lateHandler{}
		cfg := Config{ID: m.id, ClusterID: 7, Listener: m.ln, Peers: addrs, Handler: h}
		rcfg := raftnode.Config{ID: m.id, Peers: ids, TickInterval: 20 * time.Millisecond}
		if withDisks {
			m.disk, m.store = openDisks(t, fsys, m.id)
			cfg.Snapshots, rcfg.Storage = m.store, m.disk
		}
		tr, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		rcfg.Transport = tr
		rn, err := raftnode.Start(context.Background(), rcfg)
		if err != nil {
			t.Fatal(err)
		}
		h.n.Store(rn)
		m.h, m.tr, m.rn = h, tr, rn
		tr.Start()
		go func() {
			for b := range rn.Committed() {
				if b.Snapshot != nil {
					m.installed.Store(b.Snapshot)
				}
				for _, e := range b.Entries {
					if e.GetType() == raftpb.EntryType_EntryNormal && len(e.GetData()) > 0 {
						m.committed.Add(1)
					}
				}
				rn.Applied(b.Last())
			}
		}()
	}
	t.Cleanup(func() {
		for _, m := range ms {
			m.rn.Close()
			m.tr.Close()
			if m.disk != nil {
				m.disk.Close()
			}
		}
	})
	return ms
}

// openDisks opens member id's WAL in fsys and a snapshot store on disk.
func openDisks(t *testing.T, fsys storage.FS, id uint64) (*raftnode.DiskStorage, *snap.Store) {
	t.Helper()
	w, err := wal.Open(wal.Options{Dir: fmt.Sprintf("/wal/%d", id), FS: fsys, SegmentSize: 64 << 10, NodeID: id, ClusterID: 7})
	if err != nil {
		t.Fatal(err)
	}
	disk, err := raftnode.OpenDiskStorage(w, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := snap.Open(t.TempDir(), storage.OS{})
	if err != nil {
		t.Fatal(err)
	}
	return disk, st
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func leaderOf(ms []*member) *member {
	for _, m := range ms {
		if m.rn.IsLeader() {
			return m
		}
	}
	return nil
}

// TestThreeMembersOverTCP elects a leader and commits entries on every
// member with raft messages carried by the TCP transport.
func TestThreeMembersOverTCP(t *testing.T) {
	ms := startCluster(t, 3)
	waitFor(t, "a leader", func() bool { return leaderOf(ms) != nil })
	proposeAll(t, ms, "e", 200)
	waitCommitted(t, "every member to commit every entry", ms, 200)
}

// TestHelloRefusals: a connection with another cluster id, for another
// member or from an unknown member is closed before any message is
// stepped.
func TestHelloRefusals(t *testing.T) {
	var stepped atomic.Int64
	h := &countHandler{stepped: &stepped}
	ln := listen(t)
	tr, err := New(Config{ID: 1, ClusterID: 7, Listener: ln, Peers: map[uint64]string{2: "127.0.0.1:1"}, Handler: h})
	if err != nil {
		t.Fatal(err)
	}
	tr.Start()
	defer tr.Close()
	for _, c := range []struct {
		name              string
		cluster, from, to uint64
	}{
		{"other cluster", 8, 2, 1},
		{"other member", 7, 2, 3},
		{"unknown sender", 7, 9, 1},
	} {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		var hello [helloSize]byte
		putHello(hello[:], c.cluster, c.from, c.to, 1)
		msg, err := proto.Marshal(&raftpb.Message{Type: raftpb.MessageType_MsgHeartbeat.Enum(), From: &c.from, To: &c.to})
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(hello[:])
		writeFrames(conn, []frame{{typ: frameRaft, body: msg}})
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		var answer [answerSize]byte
		if _, err := io.ReadFull(conn, answer[:]); err != nil || answer[0] == answerOK {
			t.Fatalf("%s: answer %v %v, want a refusal", c.name, answer, err)
		}
		if _, err := conn.Read(make([]byte, 1)); err == nil {
			t.Fatalf("%s: connection not closed", c.name)
		}
		conn.Close()
	}
	if stepped.Load() != 0 {
		t.Fatalf("%d messages stepped from refused connections", stepped.Load())
	}
	// The control: a correct hello from member 2 gets its message stepped.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var hello [helloSize]byte
	putHello(hello[:], 7, 2, 1, 1)
	from, to := uint64(2), uint64(1)
	msg, _ := proto.Marshal(&raftpb.Message{Type: raftpb.MessageType_MsgHeartbeat.Enum(), From: &from, To: &to})
	conn.Write(hello[:])
	writeFrames(conn, []frame{{typ: frameRaft, body: msg}})
	waitFor(t, "the valid message to be stepped", func() bool { return stepped.Load() == 1 })
}

// TestUnreachablePeerIsReportedAndBounded: messages for a member nobody
// listens for are dropped (never more than the queue bound held) and the
// member is reported unreachable, from the writer, not from Send.
func TestUnreachablePeerIsReportedAndBounded(t *testing.T) {
	tr, h := towardsDeadPeer(t, 8)
	to := uint64(2)
	for range 100 {
		tr.Send([]*raftpb.Message{{Type: raftpb.MessageType_MsgApp.Enum(), To: &to}})
		if q := tr.peer(2).queued(); q > 8 {
			t.Fatalf("queue holds %d messages, bound 8", q)
		}
	}
	waitFor(t, "an unreachable report", func() bool { return h.unreachable.Load() > 0 })
}

// towardsDeadPeer starts member 1 with queues of queue frames and a member
// 2 nobody listens for.
func towardsDeadPeer(t *testing.T, queue int) (*Transport, *countHandler) {
	t.Helper()
	dead := listen(t)
	addr := dead.Addr().String()
	dead.Close()
	h := &countHandler{stepped: new(atomic.Int64), unreachable: new(atomic.Int64)}
	tr, err := New(Config{ID: 1, ClusterID: 7, Listener: listen(t), Peers: map[uint64]string{2: addr},
		Handler: h, QueueMessages: queue})
	if err != nil {
		t.Fatal(err)
	}
	tr.Start()
	t.Cleanup(func() { tr.Close() })
	return tr, h
}

// queued returns how many frames wait in p's queue.
func (p *peer) queued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queue)
}

// waitCommitted waits until every member of ms has committed n entries
// with data.
func waitCommitted(t *testing.T, what string, ms []*member, n int64) {
	t.Helper()
	waitFor(t, what, func() bool {
		for _, m := range ms {
			if m.committed.Load() < n {
				return false
			}
		}
		return true
	})
}

// followerOf returns a member of ms other than l.
func followerOf(ms []*member, l *member) *member {
	for _, m := range ms {
		if m != l {
			return m
		}
	}
	return nil
}

// TestMinorityDownStillCommits stops one of three members: the other two
// keep committing over the transport.
func TestMinorityDownStillCommits(t *testing.T) {
	ms := startCluster(t, 3)
	waitFor(t, "a leader", func() bool { return leaderOf(ms) != nil })
	l := leaderOf(ms)
	down := followerOf(ms, l)
	down.rn.Close()
	down.tr.Close()
	ctx := context.Background()
	for i := range 50 {
		if err := l.rn.Propose(ctx, fmt.Appendf(nil, "m%d", i)); err != nil {
			t.Fatalf("propose with one member down: %v", err)
		}
	}
	waitFor(t, "the two live members to commit", func() bool {
		for _, m := range ms {
			if m != down && m.committed.Load() < 50 {
				return false
			}
		}
		return true
	})
}

type countHandler struct{ stepped, unreachable *atomic.Int64 }

func (h *countHandler) Step(context.Context, *raftpb.Message) error { h.stepped.Add(1); return nil }
func (h *countHandler) ReportUnreachable(uint64) {
	if h.unreachable != nil {
		h.unreachable.Add(1)
	}
}
func (h *countHandler) ReportSnapshot(uint64, raft.SnapshotStatus) {}
