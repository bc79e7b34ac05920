package server

import (
	"crypto/rand"
	"crypto/subtle"
	"time"

	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/session"

	"github.com/zkd-io/zkd/fsm"
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
	if !s.cfg.Ensemble {
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

// announceMove puts a moveSession entry for c, just reattached to its
// session here, in the log. Every server that applies it closes the
// session's connection if it is an older one (moved): the entry orders the
// move among the session's writes, and when a client hops quickly from
// server to server the connection named by the last entry is the one that
// stays.
func (s *Server) announceMove(c *conn) {
	if !s.cfg.Ensemble || s.owned[c.session] {
		// Standalone, or this server has served the session since the
		// last move it applied: no other server can hold a connection of
		// it (a move elsewhere not yet applied here closes c when it is,
		// and the client's next reattach announces itself).
		return
	}
	c.movesAhead++
	e := fsm.Entry{Type: fsm.EntryMoveSession, Session: c.session, Time: s.nowMs(), Owner: s.cfg.ServerID, Conn: int64(c.id)}
	s.propose(proposal{data: e.Marshal(nil), onFail: func(error) { c.movesAhead-- }})
}

// own records whether this server serves session id as far as the log
// it applied knows.
func (s *Server) own(id int64, owned bool) {
	if !s.cfg.Ensemble {
		return
	}
	if !owned {
		delete(s.owned, id)
		return
	}
	if s.owned == nil {
		s.owned = map[int64]bool{}
	}
	s.owned[id] = true
}

// sessionMoved applies a moveSession entry on this server.
func (s *Server) sessionMoved(e *fsm.Entry) {
	if e.Owner != s.cfg.ServerID {
		s.own(e.Session, false)
	}
	c := s.bySession[e.Session]
	switch {
	case c == nil:
	case e.Owner == s.cfg.ServerID && e.Conn == int64(c.id):
		c.movesAhead--
		s.own(e.Session, true)
	case c.movesAhead > 0:
		// c reattached after the connection this entry names; its own
		// entry follows and closes the other.
	default:
		s.log.Info("session moved to another connection; closing this one", "remote", c.remote,
			"session", hexID(e.Session), "server", e.Owner)
		s.detach(c)
		c.kill()
	}
}

// proposeMembership makes a new leader record the initial membership in
// /zookeeper/config if no leader has yet.
func (s *Server) proposeMembership() {
	if len(s.cfg.Membership) == 0 || s.membershipProposed {
		return
	}
	if n, ok := s.fsm.Tree().Get(fsm.ConfigPath); !ok || len(n.Data()) > 0 {
		return
	}
	s.membershipProposed = true
	e := fsm.Entry{Type: fsm.EntryConfig, Time: s.nowMs(), Body: s.cfg.Membership}
	s.propose(proposal{data: e.Marshal(nil), onFail: func(error) { s.membershipProposed = false }})
}

// membershipChanged tells the node about a new /zookeeper/config.
func (s *Server) membershipChanged() {
	if s.cfg.OnMembership == nil {
		return
	}
	// Data is valid until the tree changes: OnMembership parses it at once.
	if n, ok := s.fsm.Tree().Get(fsm.ConfigPath); ok && len(n.Data()) > 0 {
		s.cfg.OnMembership(n.Data())
	}
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
		if s.readOnly.Load() {
			// Back to read-write: read-only sessions end here, as they do
			// when ZooKeeper's read-only server shuts down; their clients
			// reconnect and find a read-write server.
			s.readOnly.Store(false)
			s.log.Info("leader back; closing read-only sessions", "leader", s.repl.Leader())
			s.closeAllClients()
		}
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
		"for", now.Sub(s.leaderSeen).Round(time.Millisecond), "connections", len(s.conns), "readOnlyMode", s.cfg.ReadOnlyMode)
	s.closeAllClients()
	s.readOnly.Store(s.cfg.ReadOnlyMode)
}

func (s *Server) closeAllClients() {
	for _, c := range s.sortedConns() {
		s.detach(c)
		c.kill()
	}
}

// connectReadOnly answers a handshake while this server has no leader and
// serves read-only clients: a client that asked for read-only access gets
// a session that lives only on this server (a new one, or its existing
// session reattached), answered with readOnly=true; writes on it are
// answered NotReadOnly. Other clients are refused.
func (s *Server) connectReadOnly(c *conn, req *proto.ConnectRequest, timeout int32, result chan bool) {
	if !s.readOnly.Load() || !req.ReadOnly {
		s.log.Info("refusing a client: no leader", "remote", c.remote, "readOnlyRequested", req.ReadOnly)
		s.closeConn(c)
		result <- false
		return
	}
	id, pw := req.SessionID, req.Passwd
	if id == 0 {
		id = s.nextSID
		s.nextSID = session.NextID(id)
		pw = make([]byte, 16)
		_, _ = rand.Read(pw)
	} else if sess, ok := s.fsm.Sessions().Get(id); ok && subtle.ConstantTimeCompare(sess.Password, req.Passwd) == 1 {
		pw = sess.Password
	} else {
		s.pushFrame(c, s.frame(&proto.ConnectResponse{Passwd: make([]byte, 16), HasReadOnly: req.HasReadOnly}, nil))
		s.closeConn(c)
		result <- false
		return
	}
	if old := s.bySession[id]; old != nil && old != c {
		s.detach(old)
		old.kill()
	}
	c.readOnly = true
	c.session, c.timeout = id, timeout
	s.bySession[id] = c
	s.pushFrame(c, s.frame(&proto.ConnectResponse{TimeOut: timeout, SessionID: id, Passwd: pw, ReadOnly: true, HasReadOnly: req.HasReadOnly}, nil))
	result <- true
}

// checkWrites closes the connections whose oldest write has waited for
// its entry longer than WriteTimeout, or was proposed before the leader
// changed, and fails handshakes whose session entry did. In an ensemble a
// proposal can be lost with a leader change (raft forwards a follower's
// proposals to a leader that may be dead); the client then sees
// ConnectionLoss, which is what it means: the write may or may not have
// happened. Failing them as soon as the change is seen, rather than after
// WriteTimeout, lets clients retry on the new leader within about an
// election timeout.
func (s *Server) checkWrites(now time.Time) {
	if s.cfg.WriteTimeout == 0 {
		return
	}
	lead := s.repl.Leader()
	if lead != s.lastLeader {
		if s.lastLeader != 0 {
			// Proposals made under the previous leader may be lost
			// (while there is none, raft refuses them outright).
			s.leaderChanged = now
		}
		s.lastLeader = lead
	}
	stale := func(proposed time.Time) bool {
		return now.Sub(proposed) >= s.cfg.WriteTimeout || (!s.leaderChanged.IsZero() && proposed.Before(s.leaderChanged))
	}
	for _, c := range s.sortedConns() {
		if c.closed || len(c.inflight) == 0 || !stale(c.inflight[0].proposed) {
			continue
		}
		s.log.Warn("write not applied in time; closing connection", "remote", c.remote,
			"session", hexID(c.session), "xid", c.inflight[0].xid, "waited", now.Sub(c.inflight[0].proposed).Round(time.Millisecond))
		s.detach(c)
		c.kill()
	}
	for id, p := range s.pending {
		if !stale(p.proposed) {
			continue
		}
		delete(s.pending, id)
		s.closeConn(p.c)
		p.result <- false
	}
}
