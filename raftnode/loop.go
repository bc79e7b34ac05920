package raftnode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// maxDrain bounds how many queued proposals or peer messages the loop takes
// in one wake-up before it asks raft for a Ready.
const maxDrain = 512

// maxQueuedBatch bounds the entries of one MsgProp built from Enqueue's
// queue.
const maxQueuedBatch = 1024

// loop is the state owned by the raft goroutine: the RawNode and the
// pending ReadIndex requests. Nothing else touches it; other goroutines
// reach it through the Node's channels.
type loop struct {
	n         *Node
	app       *appender     // persists the Readies' MsgStorageAppends
	spare     []queuedEntry // proposeQueued's buffer for the queue's next entries
	rn        *raft.RawNode
	storage   Storage
	transport Transport
	log       *slog.Logger
	tick      time.Duration

	reads      map[string]*readRequest // pending ReadIndex by request context
	retryTicks int                     // re-issue pending reads this often
	ticks      int
	campaign   bool // campaign once the bootstrap entries are applied
	// confState is the membership after the last applied conf change.
	confState *raftpb.ConfState
	deliverFn func(context.Context, Batch) error // Config.Deliver
}

type readRequest struct {
	ctx    context.Context
	rctx   []byte
	result chan uint64 // buffered 1
}

func newLoop(n *Node, rn *raft.RawNode, cfg Config, cs *raftpb.ConfState) *loop {
	return &loop{
		confState:  cs,
		app:        newAppender(cfg),
		deliverFn:  cfg.Deliver,
		n:          n,
		rn:         rn,
		storage:    cfg.Storage,
		transport:  cfg.Transport,
		log:        cfg.Logger,
		tick:       cfg.TickInterval,
		reads:      make(map[string]*readRequest),
		retryTicks: max(cfg.ElectionTick/2, 1),
		campaign:   cfg.standalone(),
	}
}

// run is the raft goroutine. It alternates between handling every pending
// Ready and waiting for the next input (tick, proposals, peer messages,
// persisted appends, requests), so inputs that queue up while a Ready is
// handled are all folded into the next one.
func (l *loop) run(ctx context.Context) {
	defer l.finish()
	ticker := time.NewTicker(l.tick)
	defer ticker.Stop()
	for {
		if ctx.Err() != nil {
			return
		}
		// Entries queued and appends persisted while the last Ready was
		// handled join the next one: new entries start their persist and
		// replication now, and what the persisted appends committed is
		// delivered in the same Ready.
		select {
		case <-l.n.queue.wake:
			l.proposeQueued()
		default:
		}
		select {
		case <-l.app.wake:
			if !l.onPersisted(ctx) {
				return
			}
		default:
		}
		if l.rn.HasReady() {
			if err := l.handleReady(ctx); err != nil {
				l.fail(ctx, err)
				return
			}
			continue
		}
		l.maybeCampaign()
		if l.rn.HasReady() {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			l.onTick()
		case p := <-l.n.propc:
			l.propose(p)
			l.drainProposals()
		case <-l.n.queue.wake:
			l.proposeQueued()
		case <-l.app.wake:
			if !l.onPersisted(ctx) {
				return
			}
		case m := <-l.n.recvc:
			l.step(m)
			l.drainMessages()
		case f := <-l.n.funcc:
			f(l)
		}
	}
}

// fail records the error that stops the loop, unless the loop is stopping
// anyway.
func (l *loop) fail(ctx context.Context, err error) {
	if ctx.Err() == nil {
		l.n.err = err
		l.log.Error("raft loop stopped", "err", err)
	}
}

// finish records the final status and signals that the loop is gone.
// Entries still queued by Enqueue are refused.
func (l *loop) finish() {
	for _, e := range l.n.queue.close() {
		if e.onFail != nil {
			go e.onFail(ErrStopped)
		}
	}
	l.n.final = l.rn.Status()
	close(l.n.done)
	close(l.n.commitc)
}

// handleReady processes one Ready in raft's asynchronous storage mode
// (etcd raft's doc.go, "Usage with Asynchronous Storage Writes"): messages
// to peers go out at once; the MsgStorageAppend (snapshot, HardState,
// entries) goes to the appender, whose persisted messages come back through
// onPersisted; the MsgStorageApply's committed entries, which raft hands
// out only once they are durable here, go to the consumer, and its
// response goes back to raft. ReadStates resolve their callers.
func (l *loop) handleReady(ctx context.Context) error {
	rd := l.rn.Ready()
	if rd.SoftState != nil {
		l.n.setSoftState(*rd.SoftState)
	}
	var out, appends, applies []*raftpb.Message
	for _, m := range rd.Messages {
		switch m.GetTo() {
		case raft.LocalAppendThread:
			appends = append(appends, m)
		case raft.LocalApplyThread:
			applies = append(applies, m)
		default:
			out = append(out, m)
		}
	}
	if len(out) > 0 && l.transport != nil {
		l.transport.Send(out)
	}
	for _, m := range appends {
		select {
		case l.app.in <- m:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for _, rs := range rd.ReadStates {
		if req, ok := l.reads[string(rs.RequestCtx)]; ok {
			delete(l.reads, string(rs.RequestCtx))
			req.result <- rs.Index
		}
	}
	for _, m := range applies {
		ents := m.GetEntries()
		if err := l.deliver(ctx, nil, ents); err != nil {
			return err
		}
		for _, r := range m.GetResponses() {
			l.step(r)
		}
		if t, ok := l.storage.(Trimmer); ok && len(ents) > 0 {
			t.Trim(ents[len(ents)-1].GetIndex())
		}
	}
	return nil
}

// onPersisted takes the appends the appender made durable and delivers
// their responses: to raft (the append's own acknowledgement, a leader's
// self-acknowledgement, its vote for itself) or to the peers they are for
// (a follower's acknowledgement, a vote), which were held back until what
// they promise was on disk. An installed snapshot goes to the consumer
// first. It reports false, having recorded the error, when the appender
// stopped on a storage error.
func (l *loop) onPersisted(ctx context.Context) bool {
	done, err := l.app.take()
	var out []*raftpb.Message
	for _, m := range done {
		if snap := m.GetSnapshot(); !raft.IsEmptySnap(snap) {
			installed := snap.GetMetadata()
			l.confState = installed.GetConfState() // raft restored it already
			l.log.Info("installed snapshot from the leader", "index", installed.GetIndex(), "term", installed.GetTerm())
			if err := l.deliver(ctx, installed, nil); err != nil {
				l.fail(ctx, err)
				return false
			}
		}
		for _, r := range m.GetResponses() {
			if r.GetTo() == l.n.id {
				l.step(r)
			} else {
				out = append(out, r)
			}
		}
	}
	if len(out) > 0 && l.transport != nil {
		l.transport.Send(out)
	}
	if err != nil {
		l.fail(ctx, fmt.Errorf("persist: %w", err))
		return false
	}
	return true
}

// deliver applies the conf changes among ents to raft and hands ents, with
// the snapshot installed just before them if any, to the consumer.
func (l *loop) deliver(ctx context.Context, installed *raftpb.SnapshotMetadata, ents []*raftpb.Entry) error {
	if len(ents) == 0 && installed == nil {
		return nil
	}
	for _, e := range ents {
		if err := l.applyConfChange(e); err != nil {
			return err
		}
	}
	b := Batch{Snapshot: installed, Entries: ents[:len(ents):len(ents)]}
	if l.deliverFn != nil {
		return l.deliverFn(ctx, b)
	}
	select {
	case l.n.commitc <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// applyConfChange applies a committed conf change entry to raft; other
// entry types are left alone.
func (l *loop) applyConfChange(e *raftpb.Entry) error {
	var cc raftpb.ConfChangeI
	switch e.GetType() {
	case raftpb.EntryConfChange:
		var v1 raftpb.ConfChange
		if err := proto.Unmarshal(e.GetData(), &v1); err != nil {
			return fmt.Errorf("decode conf change at %d: %w", e.GetIndex(), err)
		}
		cc = &v1
	case raftpb.EntryConfChangeV2:
		var v2 raftpb.ConfChangeV2
		if err := proto.Unmarshal(e.GetData(), &v2); err != nil {
			return fmt.Errorf("decode conf change at %d: %w", e.GetIndex(), err)
		}
		cc = &v2
	default:
		return nil
	}
	cs := l.rn.ApplyConfChange(cc)
	l.confState = cs
	l.log.Info("applied conf change", "index", e.GetIndex(), "voters", cs.GetVoters(), "learners", cs.GetLearners())
	return nil
}

// maybeCampaign starts the standalone member's election once the bootstrap
// conf changes are applied (raft refuses to campaign before that).
func (l *loop) maybeCampaign() {
	if !l.campaign {
		return
	}
	st := l.rn.BasicStatus()
	if st.Applied < st.HardState.GetCommit() {
		return
	}
	l.campaign = false
	if err := l.rn.Campaign(); err != nil {
		l.log.Warn("campaign", "err", err)
	}
}

func (l *loop) onTick() {
	l.rn.Tick()
	l.ticks++
	if l.ticks%l.retryTicks == 0 && len(l.reads) > 0 {
		l.retryReads()
	}
}

func (l *loop) propose(p propRequest) {
	if err := p.ctx.Err(); err != nil {
		p.errc <- err
		return
	}
	ents := make([]*raftpb.Entry, len(p.data))
	for i, d := range p.data {
		ents[i] = &raftpb.Entry{Data: d}
	}
	p.errc <- l.stepProposal(ents)
}

// stepProposal hands ents to raft in one MsgProp.
func (l *loop) stepProposal(ents []*raftpb.Entry) error {
	err := l.rn.Step(&raftpb.Message{Type: raftpb.MessageType_MsgProp.Enum(), From: &l.n.id, Entries: ents})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raft.ErrProposalDropped) && l.n.Leader() == 0:
		return ErrNoLeader
	default:
		return fmt.Errorf("propose: %w", err)
	}
}

// proposeQueued takes every entry Enqueue queued and proposes them in
// order, maxQueuedBatch to a MsgProp; a refused MsgProp fails its entries.
func (l *loop) proposeQueued() {
	queued := l.n.queue.take(l.spare)
	for start := 0; start < len(queued); start += maxQueuedBatch {
		batch := queued[start:min(start+maxQueuedBatch, len(queued))]
		// A fresh slice each time: raft keeps the entries it accepts.
		ents := make([]*raftpb.Entry, len(batch))
		for i := range batch {
			ents[i] = &raftpb.Entry{Data: batch[i].data}
		}
		if err := l.stepProposal(ents); err != nil {
			for i := range batch {
				if f := batch[i].onFail; f != nil {
					f(err)
				}
			}
		}
	}
	clear(queued)
	l.spare = queued
}

func (l *loop) proposeConfChange(cc raftpb.ConfChangeI) error {
	err := l.rn.ProposeConfChange(cc)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raft.ErrProposalDropped) && l.n.Leader() == 0:
		return ErrNoLeader
	default:
		return fmt.Errorf("propose conf change: %w", err)
	}
}

// drainProposals takes the proposals already queued, so that one Ready (one
// persist, one append message per follower) carries them all.
func (l *loop) drainProposals() {
	for range maxDrain {
		select {
		case p := <-l.n.propc:
			l.propose(p)
		default:
			return
		}
	}
}

func (l *loop) step(m *raftpb.Message) {
	if err := l.rn.Step(m); err != nil {
		l.log.Debug("step", "type", m.GetType(), "from", m.GetFrom(), "err", err)
	}
}

func (l *loop) drainMessages() {
	for range maxDrain {
		select {
		case m := <-l.n.recvc:
			l.step(m)
		default:
			return
		}
	}
}

func (l *loop) startRead(req *readRequest) {
	l.reads[string(req.rctx)] = req
	l.rn.ReadIndex(req.rctx)
}

// retryReads re-issues pending ReadIndex requests (raft drops them silently
// without a leader) and forgets those whose caller gave up.
func (l *loop) retryReads() {
	for key, req := range l.reads {
		if req.ctx.Err() != nil {
			delete(l.reads, key)
			continue
		}
		l.rn.ReadIndex(req.rctx)
	}
}
