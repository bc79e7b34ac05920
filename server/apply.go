package server

import (
	"github.com/zkd-io/zkd/fsm"
	"github.com/zkd-io/zkd/proto"
)

// applyBatch applies committed entries in log order, fires watches and
// answers the requests of this server's connections that waited on them.
func (s *Server) applyBatch(batch []Committed) {
	for _, ce := range batch {
		if ce.Restore != nil {
			s.restore(ce.Restore, ce.Index)
			continue
		}
		if ce.Index <= s.applied {
			continue
		}
		s.applied = ce.Index
		if len(ce.Data) == 0 {
			continue
		}
		e, err := fsm.UnmarshalEntry(ce.Data)
		if err != nil {
			// Every replica refuses the same bytes the same way, so
			// skipping keeps replicas identical; it is still a bug.
			s.log.Error("undecodable log entry skipped", "index", ce.Index, "err", err)
			continue
		}
		res := s.fsm.Apply(ce.Index, &e)
		zxid := int64(ce.Index)
		for _, p := range res.SoftQuota {
			s.softQuota.Add(1)
			s.log.Warn("quota exceeded; write allowed (soft limit or enforceQuota off)", "path", p, "zxid", zxid)
		}
		s.deliver(res.Changes, zxid)
		s.route(&e, &res, zxid)
		s.countApplied(len(ce.Data))
	}
	if len(batch) > 0 {
		s.appliedIdx.Store(s.applied)
		s.repl.Applied(s.applied)
		s.finishSyncs()
	}
}

// deliver turns applied changes into notifications, ACL-filtered by READ
// on the notified node (CVE-2024-23944).
func (s *Server) deliver(changes []fsm.Change, zxid int64) {
	for _, ch := range changes {
		for _, d := range s.watches.Fire(ch.Type, ch.Path) {
			c := s.conns[d.Conn]
			if c == nil || c.closed {
				continue
			}
			if !s.cfg.SkipACL && !fsm.CheckACL(ch.ACL, c.auth, proto.PermRead) {
				continue
			}
			s.notify(c, d.Type, d.Path, zxid)
		}
	}
}

// route answers whoever on this server waits for the applied entry.
func (s *Server) route(e *fsm.Entry, res *fsm.Result, zxid int64) {
	switch e.Type {
	case fsm.EntryCreateSession:
		if res.Err == proto.OK {
			// Every session is tracked from the moment it exists, also
			// sessions replayed from the log after a restart: each gets a
			// full timeout from now.
			s.tracker.Touch(e.Session, e.Timeout, s.nowMs())
			s.finishCreate(e.Session)
		} else if p := s.pending[e.Session]; p != nil {
			delete(s.pending, e.Session)
			s.closeConn(p.c)
			p.result <- false
		}
	case fsm.EntryCloseSession:
		s.tracker.Remove(e.Session)
		s.own(e.Session, false)
		delete(s.expiring, e.Session)
		c := s.bySession[e.Session]
		if c == nil {
			return
		}
		r := c.popInflight(e.Xid)
		if r != nil {
			s.reply(c, r.xid, zxid, proto.OK, nil)
			c.release()
			s.observe(c, r)
		}
		s.detach(c)
		if r == nil {
			// Expired (or closed elsewhere): as ZooKeeper does, drop the
			// socket at once, queued output included; waiting for a flush
			// would let a client that stopped reading pin its replies.
			c.closed = true
			c.kill()
			return
		}
		s.closeConn(c)
	case fsm.EntryMoveSession:
		s.sessionMoved(e)
	case fsm.EntryConfig:
		s.membershipChanged()
	case fsm.EntryRequest:
		if e.Op == proto.OpReconfig && res.Err == proto.OK {
			s.membershipChanged()
		}
		c := s.bySession[e.Session]
		if c == nil {
			return
		}
		r := c.popInflight(e.Xid)
		if r == nil {
			return
		}
		s.reply(c, r.xid, zxid, res.Err, res.Resp)
		c.release()
		s.observe(c, r)
		s.drain(c)
	}
}

// popInflight removes and returns the oldest in-flight write if it carries
// xid. Writes of one session apply in the order they were proposed, so the
// head is the only candidate.
func (c *conn) popInflight(xid int32) *request {
	if len(c.inflight) == 0 || c.inflight[0].xid != xid {
		return nil
	}
	r := c.inflight[0]
	c.inflight[0] = nil
	c.inflight = c.inflight[1:]
	if len(c.inflight) == 0 {
		c.inflight = nil
	}
	return r
}
