package server

import (
	"time"

	"github.com/zkd-io/zkd/fsm"
	"github.com/zkd-io/zkd/proto"
)

// onTick runs the leader's duties: session expiry and container/TTL
// reaping. Both only propose log entries; applying them does the work.
func (s *Server) onTick() {
	leader := s.repl.IsLeader()
	now := s.cfg.Now()
	s.forwardTouches(leader)
	s.checkLeader(now)
	s.checkWrites(now)
	if leader && !s.wasLeader {
		// A new leader gives every session a full timeout.
		for _, id := range s.fsm.Sessions().IDs() {
			if sess, ok := s.fsm.Sessions().Get(id); ok {
				s.tracker.Touch(id, sess.Timeout, now.UnixMilli())
			}
		}
	}
	if leader && !s.wasLeader {
		s.membershipProposed = false
	}
	s.wasLeader = leader
	if !leader {
		return
	}
	s.proposeMembership()
	for _, id := range s.tracker.Expired(now.UnixMilli()) {
		if _, ok := s.fsm.Sessions().Get(id); !ok || s.expiring[id] {
			continue
		}
		s.log.Info("session expired", "session", hexID(id))
		s.expiring[id] = true
		e := fsm.Entry{Type: fsm.EntryCloseSession, Session: id, Time: now.UnixMilli()}
		s.propose(proposal{data: e.Marshal(nil), onFail: func(error) {
			delete(s.expiring, id)
		}})
	}
	if now.Sub(s.lastReap) >= s.cfg.ContainerCheckInterval {
		s.lastReap = now
		s.reap(now)
	}
}

// reap proposes the deletion of empty containers and expired TTL nodes, at
// most ContainerMaxPerMinute per minute. Apply re-checks every candidate.
func (s *Server) reap(now time.Time) {
	budget := int(int64(s.cfg.ContainerMaxPerMinute) * int64(s.cfg.ContainerCheckInterval) / int64(time.Minute))
	if budget < 1 {
		budget = 1
	}
	t := s.fsm.Tree()
	nowMs := now.UnixMilli()
	var paths []string
	for _, p := range t.Containers() {
		if len(paths) >= budget {
			break
		}
		n, ok := t.Get(p)
		if !ok || n.NumChildren() != 0 {
			continue
		}
		neverUsed := s.cfg.ContainerMaxNeverUsed > 0 && nowMs-n.Mtime() > s.cfg.ContainerMaxNeverUsed.Milliseconds()
		if n.StoredCversion() > 0 || neverUsed {
			paths = append(paths, p)
		}
	}
	for _, p := range t.TTLNodes() {
		if len(paths) >= budget {
			break
		}
		n, ok := t.Get(p)
		if !ok || n.NumChildren() != 0 {
			continue
		}
		ttl := n.Owner() &^ proto.TTLOwnerMask
		if nowMs-n.Mtime() > ttl {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return
	}
	e := fsm.Entry{Type: fsm.EntryReap, Time: nowMs, Paths: paths}
	s.propose(proposal{data: e.Marshal(nil)})
}
