package raftnode

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// router is an in-memory network: one inbox per member, drained by a
// delivery goroutine into that member's Step. Messages are marshalled and
// unmarshalled, as on a wire, so members never share message memory. A
// full inbox drops the message, as a lossy network would.
type router struct {
	mu      sync.Mutex
	nodes   map[uint64]*Node
	inboxes map[uint64]chan []byte
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func newRouter(ids []uint64) *router {
	ctx, cancel := context.WithCancel(context.Background())
	r := &router{nodes: map[uint64]*Node{}, inboxes: map[uint64]chan []byte{}, ctx: ctx, cancel: cancel}
	for _, id := range ids {
		r.inboxes[id] = make(chan []byte, 4096)
	}
	return r
}

// attach registers a started member (again, after a restart) and starts
// its delivery goroutine the first time.
func (r *router) attach(id uint64, n *Node) {
	r.mu.Lock()
	_, running := r.nodes[id]
	r.nodes[id] = n
	r.mu.Unlock()
	if !running {
		r.wg.Go(func() { r.deliver(id) })
	}
}

// detach drops the messages for id until it is attached again, as the
// network does for a stopped member.
func (r *router) detach(id uint64) {
	r.mu.Lock()
	r.nodes[id] = nil
	r.mu.Unlock()
}

func (r *router) node(id uint64) *Node {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nodes[id]
}

// deliver steps the messages for member id into whichever Node is
// attached as id. A MsgSnap carries only metadata, which is all raft
// needs: the router passes it through as a transfer that finished at once
// and reports that to the sender.
func (r *router) deliver(id uint64) {
	for {
		select {
		case <-r.ctx.Done():
			return
		case b := <-r.inboxes[id]:
			var m raftpb.Message
			if err := proto.Unmarshal(b, &m); err != nil {
				panic(err) // we marshalled it ourselves
			}
			n := r.node(id)
			if n == nil {
				continue
			}
			_ = n.Step(r.ctx, &m)
			if m.GetType() == raftpb.MessageType_MsgSnap {
				if from := r.node(m.GetFrom()); from != nil {
					from.ReportSnapshot(id, raft.SnapshotFinish)
				}
			}
		}
	}
}

func (r *router) close() {
	r.cancel()
	r.wg.Wait()
}

// transport returns the Transport for member from.
func (r *router) transport() Transport { return routerTransport{r} }

type routerTransport struct{ r *router }

func (t routerTransport) Send(msgs []*raftpb.Message) {
	for _, m := range msgs {
		b, err := proto.Marshal(m)
		if err != nil {
			panic(err)
		}
		select {
		case t.r.inboxes[m.GetTo()] <- b:
		default: // dropped
		}
	}
}

func TestThreeMembersCommitProposalsMadeOnFollower(t *testing.T) {
	ids := []uint64{1, 2, 3}
	net := newRouter(ids)
	t.Cleanup(net.close) // runs after the members are closed (LIFO)
	nodes := map[uint64]*Node{}
	recs := map[uint64]*recorder{}
	for _, id := range ids {
		n, err := Start(testCtx(t, 5*time.Second), Config{
			ID:           id,
			Peers:        ids,
			Transport:    net.transport(),
			TickInterval: 10 * time.Millisecond,
		})
		if err != nil {
			t.Fatalf("start %d: %v", id, err)
		}
		t.Cleanup(func() { n.Close() })
		nodes[id] = n
		recs[id] = record(n, true)
		net.attach(id, n)
	}

	var leader uint64
	waitFor(t, "one leader known to all members", 500, func() bool {
		leader = nodes[1].Leader()
		if leader == 0 || !nodes[leader].IsLeader() {
			return false
		}
		for _, n := range nodes {
			if n.Leader() != leader {
				return false
			}
		}
		return true
	})
	follower := ids[0]
	if follower == leader {
		follower = ids[1]
	}
	if nodes[follower].IsLeader() {
		t.Fatalf("member %d claims leadership too", follower)
	}

	ctx := testCtx(t, 10*time.Second)
	const count = 50
	want := make([]string, count)
	for i := range count {
		want[i] = fmt.Sprintf("via-%d-%02d", follower, i)
		if err := nodes[follower].Propose(ctx, []byte(want[i])); err != nil {
			t.Fatalf("propose %d on follower %d: %v", i, follower, err)
		}
	}
	for _, id := range ids {
		waitFor(t, fmt.Sprintf("member %d to commit", id), 1000, func() bool {
			return len(recs[id].normalData()) == count
		})
	}
	// Proposals from one member arrive in order; all members agree on the
	// log, index for index.
	leaderLog := recs[leader].snapshot()
	if got := recs[leader].normalData(); !slices.Equal(got, want) {
		t.Fatalf("leader committed %v, want %v", got, want)
	}
	for _, id := range ids {
		got := recs[id].snapshot()
		if len(got) != len(leaderLog) {
			t.Fatalf("member %d has %d entries, leader %d", id, len(got), len(leaderLog))
		}
		for i := range got {
			if got[i].GetIndex() != uint64(i+1) || !proto.Equal(got[i], leaderLog[i]) {
				t.Fatalf("member %d entry %d = %v, leader has %v", id, i, got[i], leaderLog[i])
			}
		}
	}

	// A ReadIndex issued on the follower is forwarded to the leader and
	// covers everything committed before it.
	last := recs[leader].indexOf(want[count-1])
	idx, err := nodes[follower].ReadIndex(ctx)
	if err != nil {
		t.Fatalf("read index on follower: %v", err)
	}
	if idx < last {
		t.Fatalf("follower read index %d < last committed %d", idx, last)
	}
	if err := nodes[follower].WaitApplied(ctx, idx); err != nil {
		t.Fatalf("wait applied on follower: %v", err)
	}
}

// gatedCluster is three members over a router, each on a gatedStorage
// that holds only the Save of the entry "gate-<its id>", with a leader
// every member knows.
type gatedCluster struct {
	ids    []uint64
	nodes  map[uint64]*Node
	stores map[uint64]*gatedStorage
	recs   map[uint64]*recorder
	leader uint64
}

func startGatedCluster(t *testing.T) *gatedCluster {
	t.Helper()
	c := &gatedCluster{ids: []uint64{1, 2, 3}, nodes: map[uint64]*Node{},
		stores: map[uint64]*gatedStorage{}, recs: map[uint64]*recorder{}}
	net := newRouter(c.ids)
	t.Cleanup(net.close)
	for _, id := range c.ids {
		st := newGatedStorage(t, fmt.Sprintf("gate-%d", id))
		n, err := Start(testCtx(t, 5*time.Second), Config{
			ID: id, Peers: c.ids, Transport: net.transport(), TickInterval: 10 * time.Millisecond, Storage: st,
		})
		if err != nil {
			t.Fatalf("start %d: %v", id, err)
		}
		t.Cleanup(func() { n.Close() })
		t.Cleanup(st.open) // runs before Close (LIFO): never leave a loop stuck in Save
		c.nodes[id], c.stores[id], c.recs[id] = n, st, record(n, true)
		net.attach(id, n)
	}
	waitFor(t, "a leader known to all", 500, func() bool {
		c.leader = c.nodes[1].Leader()
		if c.leader == 0 || !c.nodes[c.leader].IsLeader() {
			return false
		}
		for _, n := range c.nodes {
			if n.Leader() != c.leader {
				return false
			}
		}
		return true
	})
	return c
}

// holdLeader proposes the leader's gate entry and returns once the leader
// is persisting it, where it stays until its store is opened.
func (c *gatedCluster) holdLeader(t *testing.T) string {
	t.Helper()
	gate := fmt.Sprintf("gate-%d", c.leader)
	if err := c.nodes[c.leader].Propose(testCtx(t, 5*time.Second), []byte(gate)); err != nil {
		t.Fatalf("propose: %v", err)
	}
	<-c.stores[c.leader].entered
	return gate
}

// TestLeaderSendsWhilePersisting: the leader's appends reach the
// followers, which persist them, while the leader is still persisting the
// same entries. Two durable copies are a quorum of three, so the
// followers commit the entry and hand it out meanwhile; the leader hands
// it out only once its own copy is durable.
func TestLeaderSendsWhilePersisting(t *testing.T) {
	c := startGatedCluster(t)
	leader := c.leader
	gate := c.holdLeader(t)
	for _, id := range c.ids {
		if id == leader {
			continue
		}
		waitFor(t, fmt.Sprintf("follower %d to commit the entry the leader is still persisting", id), 500, func() bool {
			return slices.Contains(c.recs[id].normalData(), gate)
		})
	}
	if got := c.recs[leader].normalData(); slices.Contains(got, gate) {
		t.Fatalf("the leader handed out %q before persisting it", gate)
	}
	c.stores[leader].open()
	waitFor(t, "the leader to hand out the entry once persisted", 500, func() bool {
		return slices.Contains(c.recs[leader].normalData(), gate)
	})
}

// TestHandOverGivesUpWhenLoopIsStuck: a leader whose loop cannot answer
// (stuck handing a batch to a consumer that does not take it) fails
// HandOver when ctx ends instead of hanging its caller, a shutdown.
func TestHandOverGivesUpWhenLoopIsStuck(t *testing.T) {
	ids := []uint64{1, 2, 3}
	net := newRouter(ids)
	t.Cleanup(net.close)
	release := make(chan struct{})
	stuck := make(chan uint64, len(ids))
	nodes := map[uint64]*Node{}
	for _, id := range ids {
		deliver := func(ctx context.Context, b Batch) error {
			if slices.ContainsFunc(b.Entries, func(e *raftpb.Entry) bool { return string(e.GetData()) == "stall" }) {
				stuck <- id
				select {
				case <-release:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		}
		n, err := Start(testCtx(t, 5*time.Second), Config{
			ID: id, Peers: ids, Transport: net.transport(), TickInterval: 10 * time.Millisecond,
			Storage: NewMemoryStorage(), Deliver: deliver,
		})
		if err != nil {
			t.Fatalf("start %d: %v", id, err)
		}
		t.Cleanup(func() { n.Close() })
		nodes[id] = n
		net.attach(id, n)
	}
	t.Cleanup(func() { close(release) }) // runs before the Closes (LIFO)
	var leader uint64
	waitFor(t, "a leader", 500, func() bool {
		leader = nodes[1].Leader()
		return leader != 0 && nodes[leader].IsLeader()
	})
	if err := nodes[leader].Propose(testCtx(t, 5*time.Second), []byte("stall")); err != nil {
		t.Fatalf("propose: %v", err)
	}
	for id := uint64(0); id != leader; {
		select {
		case id = <-stuck:
		case <-time.After(5 * time.Second):
			t.Fatal("the leader never handed out the entry")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := nodes[leader].HandOver(ctx, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("HandOver with the loop stuck = %v, want deadline exceeded", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("HandOver took %v to give up", took)
	}
}
