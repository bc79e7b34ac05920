package server

import (
	"crypto/rand"
	"crypto/subtle"
	"time"

	"github.com/zkd-io/zkd/fsm"
	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/session"
	"github.com/zkd-io/zkd/watch"
)

// onConnect applies ZooKeeper's handshake rules to a ConnectRequest
// (PROTOCOL.md §2.2) on the state loop. result receives true once the
// session is established and the ConnectResponse queued, false when the
// connection must close.
func (s *Server) onConnect(c *conn, req *proto.ConnectRequest, result chan bool) {
	if c.closed {
		result <- false
		return
	}
	c.id = s.nextConnID()
	s.conns[c.id] = c
	c.auth = []proto.Id{{Scheme: "ip", ID: c.ip}}
	if last := s.fsm.LastZxid(); req.LastZxidSeen > last {
		s.log.Info("refusing client whose last zxid is ahead of this server",
			"remote", c.remote, "client_zxid", req.LastZxidSeen, "server_zxid", last)
		s.closeConn(c)
		result <- false
		return
	}
	timeout := s.negotiate(req.TimeOut)
	if s.leaderless {
		// A leader may have been found since the last periodic check.
		s.checkLeader(s.cfg.Now())
	}
	if s.leaderless {
		s.connectReadOnly(c, req, timeout, result)
		return
	}
	if req.SessionID == 0 && s.storageErr != nil {
		s.log.Warn("refusing a new session: storage cannot take writes", "remote", c.remote)
		s.closeConn(c)
		result <- false
		return
	}
	if req.SessionID == 0 {
		id := s.nextSID
		s.nextSID = session.NextID(id)
		pw := make([]byte, 16)
		_, _ = rand.Read(pw)
		s.pending[id] = &pendingConnect{c: c, timeout: timeout, password: pw, hasReadOnly: req.HasReadOnly, result: result, proposed: s.cfg.Now()}
		e := fsm.Entry{Type: fsm.EntryCreateSession, Session: id, Time: s.nowMs(), Timeout: timeout, Password: pw}
		s.propose(proposal{data: e.Marshal(nil), onFail: func(error) {
			if p := s.pending[id]; p != nil {
				delete(s.pending, id)
				s.closeConn(p.c)
				p.result <- false
			}
		}})
		return
	}
	s.reattach(c, req, timeout, result, false)
}

// reattach serves a reconnect to an existing session. A session this
// member does not know may have been created on a member that is ahead of
// it: a client moving from there must not be told it expired. As
// ZooKeeper asks the leader before it expires such a session, the first
// miss waits until this member has applied everything committed when it
// asks (a ReadIndex, as sync does) and looks again.
func (s *Server) reattach(c *conn, req *proto.ConnectRequest, timeout int32, result chan bool, synced bool) {
	if c.closed {
		result <- false
		return
	}
	sess, ok := s.fsm.Sessions().Get(req.SessionID)
	if !ok && !synced {
		s.goFunc(func() {
			idx, err := s.repl.ReadIndex(s.ctx)
			s.post(func() {
				if err != nil {
					s.log.Warn("cannot check an unknown session with the leader; closing connection",
						"remote", c.remote, "session", hexID(req.SessionID), "err", err)
					s.closeConn(c)
					result <- false
					return
				}
				s.syncs = append(s.syncs, &syncWait{c: c, at: idx, then: func() { s.reattach(c, req, timeout, result, true) }})
				s.finishSyncs()
			})
		})
		return
	}
	if !ok || s.expiring[req.SessionID] || subtle.ConstantTimeCompare(sess.Password, req.Passwd) != 1 {
		s.log.Info("invalid session on reconnect", "remote", c.remote, "session", hexID(req.SessionID), "known", ok)
		s.pushFrame(c, s.frame(&proto.ConnectResponse{Passwd: make([]byte, 16), ReadOnly: false, HasReadOnly: req.HasReadOnly}, nil))
		s.closeConn(c)
		result <- false
		return
	}
	if old := s.bySession[req.SessionID]; old != nil && old != c {
		s.detach(old)
		old.kill()
	}
	s.bind(c, req.SessionID, timeout)
	s.announceMove(c)
	s.pushFrame(c, s.frame(&proto.ConnectResponse{TimeOut: timeout, SessionID: req.SessionID, Passwd: sess.Password, HasReadOnly: req.HasReadOnly}, nil))
	result <- true
}

// finishCreate completes a handshake once its createSession entry applied.
func (s *Server) finishCreate(id int64) {
	p := s.pending[id]
	if p == nil {
		return
	}
	delete(s.pending, id)
	if p.c.closed {
		p.result <- false
		return
	}
	s.bind(p.c, id, p.timeout)
	s.own(id, true)
	s.pushFrame(p.c, s.frame(&proto.ConnectResponse{TimeOut: p.timeout, SessionID: id, Passwd: p.password, HasReadOnly: p.hasReadOnly}, nil))
	p.result <- true
}

// bind makes c the session's connection on this server.
func (s *Server) bind(c *conn, id int64, timeout int32) {
	c.session = id
	c.timeout = timeout
	s.bySession[id] = c
	s.tracker.Touch(id, timeout, s.nowMs())
	s.touched(id)
}

// detach unbinds c from its session and drops its watches.
func (s *Server) detach(c *conn) {
	if c.session != 0 && s.bySession[c.session] == c {
		delete(s.bySession, c.session)
	}
	s.watches.RemoveConn(c.id)
	c.closed = true
	for range c.queue {
		c.release()
	}
	c.queue = nil
}

// connGone is posted by a connection's reader when it ends.
func (s *Server) connGone(c *conn) {
	s.detach(c)
	delete(s.conns, c.id)
}

// negotiate clamps a requested session timeout to [min, max].
func (s *Server) negotiate(requested int32) int32 {
	min := int32(s.cfg.MinSessionTimeout / time.Millisecond)
	max := int32(s.cfg.MaxSessionTimeout / time.Millisecond)
	if requested < min {
		return min
	}
	if requested > max {
		return max
	}
	return requested
}

func (s *Server) nextConnID() watch.ConnID {
	s.nextConn++
	return s.nextConn
}

func (s *Server) nowMs() int64 { return s.cfg.Now().UnixMilli() }
