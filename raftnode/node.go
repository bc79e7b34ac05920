package raftnode

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// Sentinel errors.
var (
	// ErrStopped is returned by calls on a Node whose loop has stopped
	// (Close, or a fatal storage error), and by a second Close.
	ErrStopped = errors.New("raftnode: stopped")
	// ErrNoLeader is returned by Propose while the group has no known leader.
	ErrNoLeader = errors.New("raftnode: no leader")
)

// Channel capacities. commitBuffer bounds how far the loop runs ahead of a
// slow consumer (see doc.go, Backpressure).
const (
	commitBuffer  = 128  // committed batches not yet taken by the consumer
	proposeBuffer = 1024 // proposals waiting for the loop
	recvBuffer    = 1024 // incoming peer messages waiting for the loop
	funcBuffer    = 64   // other requests (ReadIndex, Status, reports)
)

// Node runs one member of a raft group: a single goroutine owns the
// raft.RawNode and handles its Ready; the methods talk to it over channels.
type Node struct {
	id  uint64
	log *slog.Logger
	g   *group

	propc   chan propRequest
	queue   entryQueue // Enqueue's entries
	recvc   chan *raftpb.Message
	funcc   chan func(l *loop)
	commitc chan Batch
	done    chan struct{} // closed when the loop has exited

	// Written by the loop before done is closed; read after done.
	err   error
	final raft.Status

	// Last SoftState seen in a Ready, for lock-free IsLeader/Leader.
	lead     atomic.Uint64
	isLeader atomic.Bool

	// stateCh is closed and replaced whenever the SoftState changes.
	stateMu sync.Mutex
	stateCh chan struct{}

	applied appliedTracker
	readSeq atomic.Uint64
	closed  atomic.Bool
}

// entryQueue holds Enqueue's entries until the loop takes them.
type entryQueue struct {
	mu      sync.Mutex
	entries []queuedEntry
	closed  bool          // the loop has stopped: add refuses
	wake    chan struct{} // buffered 1: "entries is not empty"
}

type queuedEntry struct {
	data   []byte
	onFail func(error)
}

// add queues e and wakes the loop; false once the loop has stopped.
func (q *entryQueue) add(e queuedEntry) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	q.entries = append(q.entries, e)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// take returns the queued entries in order and empties the queue, whose
// next entries go to spare (a slice take returned before, now unused).
func (q *entryQueue) take(spare []queuedEntry) []queuedEntry {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.entries
	q.entries = spare[:0]
	return out
}

// close refuses further entries and returns those still queued.
func (q *entryQueue) close() []queuedEntry {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	out := q.entries
	q.entries = nil
	return out
}

type propRequest struct {
	ctx  context.Context
	data [][]byte
	errc chan error // buffered 1: the loop never blocks answering
}

// Start creates the member and starts its loop. With fresh (empty) Storage
// it bootstraps the group with cfg.Peers as voters; otherwise it restarts
// from Storage and ignores Peers. When cfg.Peers is exactly {cfg.ID} it
// campaigns at once and returns only when this member is leader; on ctx
// expiry first it stops the member and returns the error. Other members
// return as soon as the loop runs. ctx bounds only Start itself.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("raftnode config: %w", err)
	}
	fresh, err := isFresh(cfg.Storage)
	if err != nil {
		return nil, fmt.Errorf("read storage: %w", err)
	}
	if fresh && len(cfg.Peers) == 0 && !cfg.Join {
		return nil, errors.New("raftnode config: no peers to bootstrap empty storage")
	}
	rn, err := raft.NewRawNode(cfg.raftConfig())
	if err != nil {
		return nil, fmt.Errorf("create raft node: %w", err)
	}
	if fresh && !cfg.Join {
		peers := make([]raft.Peer, len(cfg.Peers))
		for i, id := range cfg.Peers {
			peers[i] = raft.Peer{ID: id}
		}
		if err := rn.Bootstrap(peers); err != nil {
			return nil, fmt.Errorf("bootstrap: %w", err)
		}
	}

	n := &Node{
		id:      cfg.ID,
		log:     cfg.Logger,
		g:       newGroup(),
		propc:   make(chan propRequest, proposeBuffer),
		queue:   entryQueue{wake: make(chan struct{}, 1)},
		recvc:   make(chan *raftpb.Message, recvBuffer),
		funcc:   make(chan func(l *loop), funcBuffer),
		commitc: make(chan Batch, commitBuffer),
		done:    make(chan struct{}),
		stateCh: make(chan struct{}),
	}
	n.readSeq.Store(uint64(time.Now().UnixNano()))
	_, cs, err := cfg.Storage.InitialState()
	if err != nil {
		return nil, fmt.Errorf("read storage: %w", err)
	}
	l := newLoop(n, rn, cfg, cs)
	n.g.Go(l.app.run)
	n.g.Go(l.run)

	if cfg.standalone() && !cfg.NoLeaderWait {
		if err := n.WaitLeader(ctx); err != nil {
			n.Close()
			return nil, fmt.Errorf("wait for leadership: %w", err)
		}
	}
	return n, nil
}

// isFresh reports whether s holds no raft state at all.
func isFresh(s Storage) (bool, error) {
	hs, _, err := s.InitialState()
	if err != nil {
		return false, err
	}
	last, err := s.LastIndex()
	if err != nil {
		return false, err
	}
	return last == 0 && raft.IsEmptyHardState(hs), nil
}

// Close stops the loop and waits for its goroutines. It returns the loop's
// fatal error if it had one, nil otherwise, and ErrStopped when called again.
// The Committed channel is closed once the loop has exited.
func (n *Node) Close() error {
	if !n.closed.CompareAndSwap(false, true) {
		return ErrStopped
	}
	n.g.stop()
	return n.err
}

// Propose hands data to raft as a normal entry and returns once raft has
// accepted it (appended it on the leader or forwarded it to the leader), not
// once it is committed: watch Committed for that. data must not be modified
// afterwards. It fails with ErrNoLeader when the group has no leader, with a
// wrapped raft.ErrProposalDropped when raft refuses it otherwise, with
// ErrStopped after Close, and with ctx's error when ctx ends first (the
// proposal may then still have been accepted).
func (n *Node) Propose(ctx context.Context, data []byte) error {
	return n.ProposeBatch(ctx, [][]byte{data})
}

// ProposeBatch is Propose for several entries at once, in order: raft
// takes them in one step, so they share one append, one fsync and one
// message per follower. They are accepted or refused together.
func (n *Node) ProposeBatch(ctx context.Context, data [][]byte) error {
	req := propRequest{ctx: ctx, data: data, errc: make(chan error, 1)}
	if n.stopped() {
		return ErrStopped
	}
	select {
	case n.propc <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-n.done:
		return ErrStopped
	}
	select {
	case err := <-req.errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-n.done:
		return ErrStopped
	}
}

// Enqueue queues one entry for the log, after every entry enqueued
// before it, and returns at once: it never blocks, whatever the loop is
// doing. The loop takes everything queued whenever it waits for input, so
// the entries that arrive during a persist share the next one (one
// append, one fsync, one message per follower), as with ProposeBatch, but
// without a goroutine waiting on each batch. If the log refuses the entry
// (no leader, stopping), onFail (when not nil) is called with the error
// from the loop's goroutine, or from a goroutine of its own once the
// loop has stopped; it must not block. Accepted entries come out of
// Committed like any other.
func (n *Node) Enqueue(data []byte, onFail func(error)) {
	if !n.queue.add(queuedEntry{data: data, onFail: onFail}) {
		if onFail != nil {
			go onFail(ErrStopped)
		}
	}
}

// ProposeConfChange proposes a membership change. Once the entry is
// committed the loop applies it to raft itself before delivering it on
// Committed. Errors are as for Propose.
func (n *Node) ProposeConfChange(ctx context.Context, cc raftpb.ConfChangeI) error {
	errc := make(chan error, 1)
	if err := n.do(ctx, func(l *loop) { errc <- l.proposeConfChange(cc) }); err != nil {
		return err
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-n.done:
		return ErrStopped
	}
}

// Committed delivers committed entries in log order, in batches, each index
// exactly once, every type included (empty leader entries and conf changes
// too), and the snapshots raft installed from the leader, in order with
// them: a Batch whose Snapshot is set asks the consumer to restore that
// snapshot before applying its entries (see Batch). The slices, entries
// and metadata are shared with raft: read them, never modify them. The
// channel is closed when the loop exits. With Config.Deliver set, the
// batches go to Deliver instead and this channel stays empty.
func (n *Node) Committed() <-chan Batch { return n.commitc }

// Applied reports that the consumer has applied every entry up to index.
// Reports must not go backwards; lower ones are ignored. It releases
// WaitApplied callers.
func (n *Node) Applied(index uint64) { n.applied.report(index) }

// AppliedIndex returns the highest index reported through Applied.
func (n *Node) AppliedIndex() uint64 { return n.applied.current() }

// WaitApplied returns nil once Applied(x) with x >= index has been reported,
// ctx's error if ctx ends first, or ErrStopped if the loop stops first.
func (n *Node) WaitApplied(ctx context.Context, index uint64) error {
	return n.applied.wait(ctx, index, n.done)
}

// ReadIndex asks raft for a linearizable read index under a fresh request
// context unique to this call and returns it once the leader has confirmed
// its leadership with a quorum. Everything committed before ReadIndex was
// called has an index <= the result; a read served after WaitApplied(result)
// is linearizable. Without a leader the request is retried every half
// election timeout until ctx ends.
func (n *Node) ReadIndex(ctx context.Context) (uint64, error) {
	req := &readRequest{ctx: ctx, rctx: n.newReadCtx(), result: make(chan uint64, 1)}
	if err := n.do(ctx, func(l *loop) { l.startRead(req) }); err != nil {
		return 0, err
	}
	select {
	case index := <-req.result:
		return index, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-n.done:
		return 0, ErrStopped
	}
}

// newReadCtx returns 16 bytes unique across the group: this member's id and
// a per-process sequence seeded from the clock (so restarts differ).
func (n *Node) newReadCtx() []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b[:8], n.id)
	binary.BigEndian.PutUint64(b[8:], n.readSeq.Add(1))
	return b
}

// IsLeader reports whether this member was leader as of the last Ready.
func (n *Node) IsLeader() bool { return n.isLeader.Load() }

// Leader returns the leader's id as of the last Ready, 0 when unknown.
func (n *Node) Leader() uint64 { return n.lead.Load() }

// Status returns raft's status, taken on the loop. After the loop stopped
// it returns the status taken as the loop exited. Its Applied is raft's
// view (entries handed to Committed), not AppliedIndex.
func (n *Node) Status() raft.Status {
	st, _ := n.StatusContext(context.Background())
	return st
}

// StatusContext is Status that gives up when ctx ends (the loop may be
// busy for long: persisting to a full disk, it retries until space
// returns), with ctx's error.
func (n *Node) StatusContext(ctx context.Context) (raft.Status, error) {
	res := make(chan raft.Status, 1)
	if err := n.do(ctx, func(l *loop) { res <- l.rn.Status() }); err != nil {
		if ctx.Err() != nil {
			return raft.Status{}, ctx.Err()
		}
		return n.final, nil
	}
	select {
	case s := <-res:
		return s, nil
	case <-n.done:
		return n.final, nil
	case <-ctx.Done():
		return raft.Status{}, ctx.Err()
	}
}

// Done is closed once the loop has stopped: after Close, or after a fatal
// storage error (then Err returns it).
func (n *Node) Done() <-chan struct{} { return n.done }

// Err returns the error that stopped the loop, once Done is closed; nil
// after a plain Close.
func (n *Node) Err() error {
	select {
	case <-n.done:
		return n.err
	default:
		return nil
	}
}

// ConfState returns the membership after the last conf change the loop
// applied (conf changes are applied before their entry is delivered on
// Committed), or the one restored from Storage.
func (n *Node) ConfState() *raftpb.ConfState {
	res := make(chan *raftpb.ConfState, 1)
	if err := n.do(context.Background(), func(l *loop) { res <- l.confState }); err != nil {
		return nil
	}
	select {
	case cs := <-res:
		return cs
	case <-n.done:
		return nil
	}
}

// Step hands a message received from a peer to raft and takes ownership of
// it (raft may modify it). It returns once the message is queued for the
// loop; raft may still ignore it (stale term, unknown peer). Local message
// types are refused.
func (n *Node) Step(ctx context.Context, m *raftpb.Message) error {
	if m == nil {
		return errors.New("step: nil message")
	}
	if raft.IsLocalMsg(m.GetType()) {
		return fmt.Errorf("step %v: %w", m.GetType(), raft.ErrStepLocalMsg)
	}
	if n.stopped() {
		return ErrStopped
	}
	select {
	case n.recvc <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-n.done:
		return ErrStopped
	}
}

// ReportUnreachable tells raft that the last send to id failed, so the
// leader probes it instead of streaming. For transports; it waits only for
// room in the loop's request queue, not for the loop to act.
func (n *Node) ReportUnreachable(id uint64) {
	_ = n.do(context.Background(), func(l *loop) { l.rn.ReportUnreachable(id) })
}

// ReportSnapshot tells raft how sending a MsgSnap to id ended. Transports
// must call it for every MsgSnap they were given.
func (n *Node) ReportSnapshot(id uint64, status raft.SnapshotStatus) {
	_ = n.do(context.Background(), func(l *loop) { l.rn.ReportSnapshot(id, status) })
}

// do queues f to run on the loop.
func (n *Node) do(ctx context.Context, f func(l *loop)) error {
	if n.stopped() {
		return ErrStopped
	}
	select {
	case n.funcc <- f:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-n.done:
		return ErrStopped
	}
}

func (n *Node) stopped() bool {
	select {
	case <-n.done:
		return true
	default:
		return false
	}
}

// setSoftState publishes a SoftState from a Ready.
func (n *Node) setSoftState(ss raft.SoftState) {
	n.lead.Store(ss.Lead)
	n.isLeader.Store(ss.RaftState == raft.StateLeader)
	n.stateMu.Lock()
	close(n.stateCh)
	n.stateCh = make(chan struct{})
	n.stateMu.Unlock()
}

func (n *Node) stateChanged() <-chan struct{} {
	n.stateMu.Lock()
	defer n.stateMu.Unlock()
	return n.stateCh
}

// WaitLeader returns once this member is leader, with ctx's error when
// ctx ends first, or ErrStopped.
func (n *Node) WaitLeader(ctx context.Context) error {
	for {
		changed := n.stateChanged()
		if n.IsLeader() {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-n.done:
			return ErrStopped
		}
	}
}
