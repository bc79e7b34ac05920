package server

import (
	"time"
)

// This file holds the state loop's duties that only matter in an
// ensemble: forwarding session touches to the leader, taking the touches
// other members forward, closing clients while no leader is known, and
// bounding how long a write may wait for its entry.

// mode is the role shown by srvr, stat and mntr.
func (s *Server) mode() string {
	if s.cfg.Info.ModeFunc != nil {
		return s.cfg.Info.ModeFunc()
	}
	return s.cfg.Info.Mode
}

// touched records that a session of this server was active; followers
// forward the set to the leader every tick.
func (s *Server) touched(id int64) {
	if s.cfg.LeaderLossTimeout == 0 {
		return // standalone: this server's tracker is the leader's
	}
	if s.touches == nil {
		s.touches = make(map[int64]struct{})
	}
	s.touches[id] = struct{}{}
}

// forwardTouches sends the sessions active since the last tick to the
// leader (not to itself: its own tracker was touched directly).
func (s *Server) forwardTouches(leader bool) {
	if len(s.touches) == 0 {
		return
	}
	if !leader {
		ids := make([]int64, 0, len(s.touches))
		for id := range s.touches {
			ids = append(ids, id)
		}
		s.repl.ForwardTouches(ids)
	}
	clear(s.touches)
}

// Touch takes session touches forwarded by another member: the sessions
// it serves are alive. Unknown ids (closed meanwhile) are ignored.
func (s *Server) Touch(ids []int64) {
	s.post(func() {
		now := s.nowMs()
		for _, id := range ids {
			if sess, ok := s.fsm.Sessions().Get(id); ok {
				s.tracker.Touch(id, sess.Timeout, now)
			}
		}
	})
}

// checkLeader closes every client connection once no leader has been
// known for LeaderLossTimeout, and reports whether clients may be served.
// A ZooKeeper follower that loses its leader does the same: its clients
// reconnect to a server of the majority, within their session timeout, and
// never go on believing in a session (and its ephemerals, its locks) that
// the majority has expired.
func (s *Server) checkLeader(now time.Time) {
	if s.cfg.LeaderLossTimeout == 0 {
		return
	}
	if s.repl.Leader() != 0 {
		s.leaderSeen = now
		s.leaderless = false
		return
	}
	if s.leaderSeen.IsZero() {
		s.leaderSeen = now
	}
	if s.leaderless || now.Sub(s.leaderSeen) < s.cfg.LeaderLossTimeout {
		return
	}
	s.leaderless = true
	s.log.Warn("no leader; closing client connections until one is elected",
		"for", now.Sub(s.leaderSeen).Round(time.Millisecond), "connections", len(s.conns))
	for _, c := range s.sortedConns() {
		s.detach(c)
		c.kill()
	}
}

// checkWrites closes the connections whose oldest write has waited for
// its entry longer than WriteTimeout, and fails handshakes whose session
// entry did as long. In an ensemble a proposal can be lost with a leader
// change; the client then sees ConnectionLoss, which is what it means:
// the write may or may not have happened.
func (s *Server) checkWrites(now time.Time) {
	if s.cfg.WriteTimeout == 0 {
		return
	}
	for _, c := range s.sortedConns() {
		if c.closed || len(c.inflight) == 0 || now.Sub(c.inflight[0].proposed) < s.cfg.WriteTimeout {
			continue
		}
		s.log.Warn("write not applied in time; closing connection", "remote", c.remote,
			"session", hexID(c.session), "xid", c.inflight[0].xid, "waited", now.Sub(c.inflight[0].proposed).Round(time.Millisecond))
		s.detach(c)
		c.kill()
	}
	for id, p := range s.pending {
		if now.Sub(p.proposed) < s.cfg.WriteTimeout {
			continue
		}
		delete(s.pending, id)
		s.closeConn(p.c)
		p.result <- false
	}
}
