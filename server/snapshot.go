package server

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/zkd-io/zkd/fsm"
)

// Snapshotter writes snapshots of the state machine for the storage layer.
type Snapshotter interface {
	// Snapshot starts writing the state at applied index index, encoded by
	// write (safe to call on any goroutine, once), in the background, and
	// calls done exactly once with the outcome, from any goroutine. It must
	// not block the caller.
	Snapshot(index uint64, write func(io.Writer) error, done func(error))
}

// snapState is the state loop's snapshot bookkeeping.
type snapState struct {
	entries   int   // entries applied since the last snapshot started
	bytes     int64 // their payload bytes
	threshold int   // entries that start the next snapshot
	running   bool
	started   time.Time
	// lastIndex is the index of the latest snapshot written (or, while
	// running, being written); lastErr the outcome of the latest attempt.
	lastIndex uint64
	lastErr   error
	// mu is the frozen view's lock (see tree.Frozen).
	mu sync.Mutex
}

// nextThreshold picks the entry count that triggers the next snapshot:
// as ZooKeeper's SyncRequestProcessor does, a random point between half of
// snapCount and snapCount, so that the members of an ensemble do not all
// snapshot at once.
func (s *Server) nextThreshold() int {
	half := max(s.cfg.SnapCount/2, 1)
	return half + rand.IntN(half)
}

// countApplied adds one applied entry of n payload bytes and starts a
// snapshot when the count or the bytes reach their thresholds.
func (s *Server) countApplied(n int) {
	if s.cfg.Snapshotter == nil {
		return
	}
	st := &s.snap
	st.entries++
	st.bytes += int64(n)
	if st.threshold == 0 {
		st.threshold = s.nextThreshold()
	}
	if st.running || (st.entries < st.threshold && (s.cfg.SnapBytes <= 0 || st.bytes < s.cfg.SnapBytes)) {
		return
	}
	s.startSnapshot()
}

// startSnapshot freezes the state at the applied index and hands it to the
// Snapshotter; the state loop goes on applying while it is written.
func (s *Server) startSnapshot() {
	st := &s.snap
	fr, err := s.fsm.Freeze(&st.mu)
	if err != nil {
		s.log.Error("snapshot: freeze", "err", err)
		return
	}
	index, entries := s.applied, st.entries
	st.running, st.started = true, time.Now()
	st.lastErr = nil
	st.entries, st.bytes, st.threshold = 0, 0, s.nextThreshold()
	s.log.Info("snapshot started", "index", index, "entriesSinceLast", entries)
	f := s.fsm // restore may replace s.fsm before the snapshot is done
	s.cfg.Snapshotter.Snapshot(index, fr.EncodeSnapshot, func(err error) {
		s.post(func() { s.snapshotDone(f, index, err) })
	})
}

// snapshotDone runs on the state loop when the Snapshotter finished.
func (s *Server) snapshotDone(f *fsm.FSM, index uint64, err error) {
	f.Thaw()
	st := &s.snap
	st.running = false
	st.lastErr = err
	if err == nil {
		st.lastIndex = max(st.lastIndex, index)
	}
	took := time.Since(st.started)
	if err != nil {
		s.log.Error("snapshot failed; the log keeps growing until one succeeds", "index", index, "took", took, "err", err)
		return
	}
	s.log.Info("snapshot written", "index", index, "took", took)
}

// SnapshotNow takes a snapshot of everything applied so far unless the
// latest one (written or being written) already covers it, and waits
// until it is written or ctx ends. A clean shutdown calls it so that the
// next start loads the snapshot and replays no log.
func (s *Server) SnapshotNow(ctx context.Context) error {
	if s.cfg.Snapshotter == nil {
		return nil
	}
	var target uint64
	started := false
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		var done bool
		var err error
		if !s.do(func() {
			st := &s.snap
			if target == 0 {
				target = s.applied
			}
			switch {
			case st.running:
			case st.lastIndex >= target:
				done = true
			case started && st.lastErr != nil:
				done, err = true, st.lastErr
			default:
				s.startSnapshot()
				started = true
			}
		}) {
			return errors.New("server: closed")
		}
		if done {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// RequestSnapshot asks for a snapshot now (unless one is being written).
// The leader needs one when a member that joined after its latest
// snapshot must be brought up by snapshot: a snapshot whose membership
// does not include the member is refused by it.
func (s *Server) RequestSnapshot() {
	s.post(func() {
		if s.cfg.Snapshotter != nil && !s.snap.running {
			s.startSnapshot()
		}
	})
}

// restore replaces the state machine with f, the state at index from a
// snapshot the leader sent because this member had fallen behind its log.
// Every client connection is closed, as a ZooKeeper follower that syncs by
// snapshot restarts its server: the watches and the views of the old state
// cannot be carried over, and clients reconnect, re-register their watches
// (setWatches answers what changed meanwhile) and keep their sessions,
// which the snapshot holds.
func (s *Server) restore(f *fsm.FSM, index uint64) {
	s.log.Info("state replaced by a snapshot from the leader; closing client connections",
		"index", index, "previousIndex", s.applied, "connections", len(s.conns))
	s.closeAllClients()
	for id, p := range s.pending {
		delete(s.pending, id)
		s.closeConn(p.c)
		p.result <- false
	}
	s.fsm = f
	s.applied = index
	s.snap.lastIndex = index
	s.appliedIdx.Store(index)
	clear(s.expiring)
	clear(s.owned)
	now := s.nowMs()
	for _, id := range f.Sessions().IDs() {
		if sess, ok := f.Sessions().Get(id); ok {
			s.tracker.Touch(id, sess.Timeout, now)
		}
	}
	s.snap.entries, s.snap.bytes = 0, 0
	s.repl.Applied(index)
	s.finishSyncs()
	s.membershipChanged()
}
