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
	// term and vote as last persisted: a Ready that changes neither may
	// send a leader's messages before its entries are durable.
	term, vote uint64
	// stable is the index of the last entry known durable in storage:
	// committed entries up to it can reach the consumer while the next
	// entries are persisted.
	stable    uint64
	n         *Node
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
	onStorage func(error)
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
		onStorage:  cfg.OnStorage,
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
// requests), so inputs that queue up while a Ready is being persisted are
// all folded into the next one.
func (l *loop) run(ctx context.Context) {
	defer l.finish()
	ticker := time.NewTicker(l.tick)
	defer ticker.Stop()
	for {
		if ctx.Err() != nil {
			return
		}
		// Entries queued while the last Ready was handled join the next
		// one, so their persist starts now, while the entries that Ready
		// committed are applied, instead of after.
		select {
		case <-l.n.queue.wake:
			l.proposeQueued()
		default:
		}
		if l.rn.HasReady() {
			if err := l.handleReady(ctx); err != nil {
				if ctx.Err() == nil {
					l.n.err = err
					l.log.Error("raft loop stopped", "err", err)
				}
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
		case m := <-l.n.recvc:
			l.step(m)
			l.drainMessages()
		case f := <-l.n.funcc:
			f(l)
		}
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

// handleReady processes one Ready in the order raft's doc.go prescribes:
// persist (snapshot, then HardState and entries), send messages (a leader
// sends first, see doc.go), hand the installed snapshot and the committed
// entries to the consumer, Advance.
func (l *loop) handleReady(ctx context.Context) error {
	rd := l.rn.Ready()
	if rd.SoftState != nil {
		l.n.setSoftState(*rd.SoftState)
	}

	var installed *raftpb.SnapshotMetadata
	if !raft.IsEmptySnap(rd.Snapshot) {
		if err := l.storage.ApplySnapshot(rd.Snapshot); err != nil {
			return fmt.Errorf("persist snapshot: %w", err)
		}
		installed = rd.Snapshot.GetMetadata()
		l.stable = installed.GetIndex()        // the entries after it are gone
		l.confState = installed.GetConfState() // raft restored it already
		l.log.Info("installed snapshot from the leader", "index", installed.GetIndex(), "term", installed.GetTerm())
	}
	// Committed entries that are already durable here go to the consumer
	// before this Ready's persist: they are committed on a quorum that
	// includes this member's disk, so applying them (and answering their
	// clients) while the next entries are written promises nothing that is
	// not yet durable. That overlaps the state loop's apply with the fsync.
	// Committed entries among this Ready's own (a follower told of a
	// commit in the same append) wait for the persist, as before.
	ents := rd.CommittedEntries
	if installed == nil {
		n := l.durablePrefix(ents, rd.Entries)
		if err := l.deliver(ctx, nil, ents[:n]); err != nil {
			return err
		}
		ents = ents[n:]
	}
	// A leader sends before persisting, so that its followers write the
	// same entries while it does (Raft thesis 10.2.1; etcd raft's doc.go:
	// messages may go out while the entries of their own Ready are being
	// persisted, once the latest term and vote are durable). A commit
	// still needs a quorum of durable copies (the leader's own counts from
	// Advance), and nothing reaches the consumer before the entry it
	// carries is durable here.
	early := installed == nil && l.n.isLeader.Load() && !l.termOrVoteChanges(rd.HardState)
	if early && len(rd.Messages) > 0 && l.transport != nil {
		l.transport.Send(rd.Messages)
	}
	if !raft.IsEmptyHardState(rd.HardState) || len(rd.Entries) > 0 {
		if err := l.save(ctx, rd.HardState, rd.Entries); err != nil {
			return fmt.Errorf("persist entries: %w", err)
		}
		if !raft.IsEmptyHardState(rd.HardState) {
			l.term, l.vote = rd.HardState.GetTerm(), rd.HardState.GetVote()
		}
		if len(rd.Entries) > 0 {
			l.stable = rd.Entries[len(rd.Entries)-1].GetIndex()
		}
	}
	if !early && len(rd.Messages) > 0 && l.transport != nil {
		l.transport.Send(rd.Messages)
	}

	for _, rs := range rd.ReadStates {
		if req, ok := l.reads[string(rs.RequestCtx)]; ok {
			delete(l.reads, string(rs.RequestCtx))
			req.result <- rs.Index
		}
	}

	if err := l.deliver(ctx, installed, ents); err != nil {
		return err
	}
	l.rn.Advance(rd)
	if t, ok := l.storage.(Trimmer); ok && len(rd.CommittedEntries) > 0 {
		t.Trim(rd.CommittedEntries[len(rd.CommittedEntries)-1].GetIndex())
	}
	return nil
}

// durablePrefix is how many of the committed entries ents are durable in
// storage before the entries fresh of the same Ready are saved: those up
// to l.stable and before the first fresh entry (which replaces whatever
// storage held from its index on).
func (l *loop) durablePrefix(ents, fresh []*raftpb.Entry) int {
	limit := l.stable
	if len(fresh) > 0 {
		limit = min(limit, fresh[0].GetIndex()-1)
	}
	n := 0
	for n < len(ents) && ents[n].GetIndex() <= limit {
		n++
	}
	return n
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

// termOrVoteChanges reports whether persisting hs changes the term or the
// vote.
func (l *loop) termOrVoteChanges(hs *raftpb.HardState) bool {
	return !raft.IsEmptyHardState(hs) && (hs.GetTerm() != l.term || hs.GetVote() != l.vote)
}

// Backoff between retries of a temporarily failing Save.
const (
	minSaveRetry = 50 * time.Millisecond
	maxSaveRetry = 2 * time.Second
)

// save persists hs and ents, retrying a temporary failure until it passes
// or ctx ends. Nothing is sent or applied meanwhile: raft's Ready stays
// unacknowledged, so no entry is acknowledged before it is durable.
func (l *loop) save(ctx context.Context, hs *raftpb.HardState, ents []*raftpb.Entry) error {
	err := l.storage.Save(hs, ents)
	if err == nil || !errors.Is(err, ErrTemporary) {
		return err
	}
	l.log.Error("storage full or failing; writes wait and are retried", "err", err)
	if l.onStorage != nil {
		l.onStorage(err)
	}
	wait := minSaveRetry
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		err = l.storage.Save(hs, ents)
		switch {
		case err == nil:
			l.log.Warn("storage recovered; writes resume")
			if l.onStorage != nil {
				l.onStorage(nil)
			}
			return nil
		case !errors.Is(err, ErrTemporary):
			return err
		}
		wait = min(2*wait, maxSaveRetry)
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
