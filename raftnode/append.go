package raftnode

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// appendBuffer bounds the MsgStorageAppends the loop hands to the appender
// before it waits for room: a disk that stalls holds the loop back, as a
// slow persist did when the loop persisted itself.
const appendBuffer = 256

// maxCoalesce bounds how many queued MsgStorageAppends one Save covers.
const maxCoalesce = 4 * appendBuffer

// appender is raft's "local append thread" (etcd raft's doc.go,
// AsyncStorageWrites): it persists the loop's MsgStorageAppend messages in
// the order the loop produced them and hands each back, once durable, so
// that the loop can deliver the responses it carries. It runs on its own
// goroutine, so the loop goes on stepping messages, sending appends and
// delivering commits while an fsync is in progress.
//
// Appends that queue up while one Save runs are coalesced into the next
// Save (one fsync) when their entries follow each other.
type appender struct {
	in        chan *raftpb.Message
	storage   Storage
	log       *slog.Logger
	onStorage func(error)

	mu   sync.Mutex
	done []*raftpb.Message // persisted, not yet taken by the loop
	err  error             // the fatal error that stopped the appender
	wake chan struct{}     // buffered 1: done or err changed
}

func newAppender(cfg Config) *appender {
	return &appender{
		in:        make(chan *raftpb.Message, appendBuffer),
		storage:   cfg.Storage,
		log:       cfg.Logger,
		onStorage: cfg.OnStorage,
		wake:      make(chan struct{}, 1),
	}
}

// take returns the persisted messages in order and the fatal error, if
// the appender stopped on one; the messages of the Save that failed are
// not among them.
func (a *appender) take() ([]*raftpb.Message, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.done
	a.done = nil
	return out, a.err
}

func (a *appender) complete(ms []*raftpb.Message, err error) {
	a.mu.Lock()
	a.done = append(a.done, ms...)
	if err != nil && a.err == nil {
		a.err = err
	}
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// run persists what the loop sends until ctx ends or a Save fails for
// good.
func (a *appender) run(ctx context.Context) {
	batch := make([]*raftpb.Message, 0, 16)
	for {
		var m *raftpb.Message
		select {
		case <-ctx.Done():
			return
		case m = <-a.in:
		}
		batch = append(batch[:0], m)
	more:
		for len(batch) < maxCoalesce {
			select {
			case m := <-a.in:
				batch = append(batch, m)
			default:
				break more
			}
		}
		if err := a.persist(ctx, batch); err != nil {
			// Part of the batch may be durable, but none of it is
			// acknowledged: the loop stops on the error (or is stopping).
			if ctx.Err() == nil {
				a.complete(nil, err)
			}
			return
		}
		a.complete(batch, nil)
	}
}

// persist makes every message of batch durable, in order: a snapshot first
// (ApplySnapshot), then HardStates and entries, with as few Saves as the
// entries allow (one, unless a message replaces part of the log before it
// or carries a snapshot).
func (a *appender) persist(ctx context.Context, batch []*raftpb.Message) error {
	var hs *raftpb.HardState
	var ents []*raftpb.Entry
	owned := false // ents is our own copy, safe to append to
	flush := func() error {
		if hs == nil && len(ents) == 0 {
			return nil
		}
		err := a.save(ctx, hs, ents)
		hs, ents, owned = nil, nil, false
		return err
	}
	for _, m := range batch {
		if snap := m.GetSnapshot(); !raft.IsEmptySnap(snap) {
			if err := flush(); err != nil {
				return err
			}
			if err := a.storage.ApplySnapshot(snap); err != nil {
				return err
			}
		}
		if fresh := m.GetEntries(); len(fresh) > 0 {
			switch {
			case len(ents) == 0:
				ents, owned = fresh, false
			case ents[len(ents)-1].GetIndex()+1 == fresh[0].GetIndex():
				if !owned {
					ents, owned = append(make([]*raftpb.Entry, 0, len(ents)+len(fresh)), ents...), true
				}
				ents = append(ents, fresh...)
			default: // fresh replaces part of what is pending: save that first
				if err := flush(); err != nil {
					return err
				}
				ents = fresh
			}
		}
		if m.Term != nil {
			hs = &raftpb.HardState{Term: m.Term, Vote: m.Vote, Commit: m.Commit}
		}
	}
	return flush()
}

// Backoff between retries of a temporarily failing Save.
const (
	minSaveRetry = 50 * time.Millisecond
	maxSaveRetry = 2 * time.Second
)

// save persists hs and ents, retrying a temporary failure until it passes
// or ctx ends. Nothing is acknowledged meanwhile: the responses of the
// messages being persisted, and of every message queued after them, wait.
func (a *appender) save(ctx context.Context, hs *raftpb.HardState, ents []*raftpb.Entry) error {
	err := a.storage.Save(hs, ents)
	if err == nil || !errors.Is(err, ErrTemporary) {
		return err
	}
	a.log.Error("storage full or failing; writes wait and are retried", "err", err)
	if a.onStorage != nil {
		a.onStorage(err)
	}
	wait := minSaveRetry
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		err = a.storage.Save(hs, ents)
		switch {
		case err == nil:
			a.log.Warn("storage recovered; writes resume")
			if a.onStorage != nil {
				a.onStorage(nil)
			}
			return nil
		case !errors.Is(err, ErrTemporary):
			return err
		}
		wait = min(2*wait, maxSaveRetry)
	}
}
