package server

import "github.com/zkd-io/zkd/proto"

// StorageFailing tells the server that its log cannot take writes (err)
// or can again (nil). While it cannot, new writes are answered at once
// with NotReadOnly, in order behind the session's writes already on their
// way, and new sessions are refused (creating one is a write); reads,
// reattaching sessions and watches go on. Writes already proposed stay
// pending and are answered once the log takes them: nothing is
// acknowledged before it is durable.
func (s *Server) StorageFailing(err error) {
	s.post(func() {
		if s.storageFatal {
			return
		}
		if err != nil && s.storageErr == nil {
			s.log.Error("storage cannot take writes; answering writes with NotReadOnly, serving reads", "err", err)
		} else if err == nil && s.storageErr != nil {
			s.log.Warn("storage takes writes again")
		}
		s.storageErr = err
		if err == nil {
			for _, c := range s.conns {
				s.drain(c)
			}
		}
	})
}

// StorageFailed tells the server that its log is gone for good (a failed
// fsync: what is durable is unknown until a restart recovers from the
// disk). Writes are refused as for StorageFailing until the process
// restarts, and the connections whose writes, syncs or session creations
// were in flight are closed: those will never be answered, and to their
// clients the outcome is unknown, which is ConnectionLoss.
func (s *Server) StorageFailed(err error) {
	s.post(func() {
		s.log.Error("storage failed; serving reads only until restarted", "err", err)
		s.storageErr, s.storageFatal = err, true
		for id, p := range s.pending {
			delete(s.pending, id)
			s.closeConn(p.c)
			p.result <- false
		}
		for _, c := range s.conns {
			if !c.closed && (len(c.inflight) > 0 || c.syncing != nil) {
				s.closeConn(c)
			}
		}
	})
}

// refuseWrite answers a write while the storage cannot take it.
func (s *Server) refuseWrite(c *conn, r *request) {
	if r.op == proto.OpCloseSession {
		// The session stays until it expires; the client is leaving.
		c.release()
		s.closeConn(c)
		return
	}
	s.reply(c, r.xid, s.fsm.LastZxid(), proto.ErrNotReadOnly, nil)
	c.release()
	s.observe(c, r)
}
