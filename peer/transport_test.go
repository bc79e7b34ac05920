package peer

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/zkd-io/zkd/raftnode"
)

// member is one raftnode over a real TCP transport on 127.0.0.1.
type member struct {
	id        uint64
	ln        net.Listener
	h         *lateHandler
	tr        *Transport
	rn        *raftnode.Node
	committed atomic.Int64 // normal entries with data seen on Committed
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
		tr, err := New(Config{ID: m.id, ClusterID: 7, Listener: m.ln, Peers: addrs, Handler: h})
		if err != nil {
			t.Fatal(err)
		}
		rn, err := raftnode.Start(context.Background(), raftnode.Config{ID: m.id, Peers: ids, Transport: tr,
			TickInterval: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		h.n.Store(rn)
		m.h, m.tr, m.rn = h, tr, rn
		tr.Start()
		go func() {
			for ents := range rn.Committed() {
				for _, e := range ents {
					if e.GetType() == raftpb.EntryType_EntryNormal && len(e.GetData()) > 0 {
						m.committed.Add(1)
					}
				}
				rn.Applied(ents[len(ents)-1].GetIndex())
			}
		}()
	}
	t.Cleanup(func() {
		for _, m := range ms {
			m.rn.Close()
			m.tr.Close()
		}
	})
	return ms
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
	const n = 200
	ctx := context.Background()
	for i := range n {
		var err error
		for range 50 { // a proposal may race a leader change: retry
			l := leaderOf(ms)
			if l == nil {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			if err = l.rn.Propose(ctx, fmt.Appendf(nil, "e%d", i)); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatalf("propose %d: %v", i, err)
		}
	}
	waitFor(t, "every member to commit every entry", func() bool {
		for _, m := range ms {
			if m.committed.Load() < n {
				return false
			}
		}
		return true
	})
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
		putHello(hello[:], c.cluster, c.from, c.to)
		msg, err := proto.Marshal(&raftpb.Message{Type: raftpb.MessageType_MsgHeartbeat.Enum(), From: &c.from, To: &c.to})
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(hello[:])
		writeFrames(conn, []frame{{typ: frameRaft, body: msg}})
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
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
	putHello(hello[:], 7, 2, 1)
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
	dead := listen(t)
	addr := dead.Addr().String()
	dead.Close()
	h := &countHandler{stepped: new(atomic.Int64), unreachable: new(atomic.Int64)}
	tr, err := New(Config{ID: 1, ClusterID: 7, Listener: listen(t), Peers: map[uint64]string{2: addr},
		Handler: h, QueueMessages: 8})
	if err != nil {
		t.Fatal(err)
	}
	tr.Start()
	defer tr.Close()
	to := uint64(2)
	for range 100 {
		tr.Send([]*raftpb.Message{{Type: raftpb.MessageType_MsgApp.Enum(), To: &to}})
		p := tr.peers[2]
		p.mu.Lock()
		q := len(p.queue)
		p.mu.Unlock()
		if q > 8 {
			t.Fatalf("queue holds %d messages, bound 8", q)
		}
	}
	waitFor(t, "an unreachable report", func() bool { return h.unreachable.Load() > 0 })
}

// TestMinorityDownStillCommits stops one of three members: the other two
// keep committing over the transport.
func TestMinorityDownStillCommits(t *testing.T) {
	ms := startCluster(t, 3)
	waitFor(t, "a leader", func() bool { return leaderOf(ms) != nil })
	l := leaderOf(ms)
	var down *member
	for _, m := range ms {
		if m != l {
			down = m
			break
		}
	}
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
