package server

import (
	"fmt"
	"time"

	"github.com/zkd-io/zkd/fsm"
	"github.com/zkd-io/zkd/proto"
)

func hexID(id int64) string { return fmt.Sprintf("0x%x", uint64(id)) }

// opKind says how the pipeline treats an opcode.
type opKind uint8

const (
	kindUnknown opKind = iota
	kindRead           // answered from applied state, in session order
	kindWrite          // proposed to the log
	kindSync           // read-index barrier
)

func classify(op proto.OpCode) opKind {
	switch op {
	case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL,
		proto.OpDelete, proto.OpSetData, proto.OpSetACL, proto.OpMulti,
		proto.OpReconfig, proto.OpCloseSession:
		return kindWrite
	case proto.OpExists, proto.OpGetData, proto.OpGetACL, proto.OpGetChildren,
		proto.OpGetChildren2, proto.OpGetAllChildrenNumber, proto.OpGetEphemerals,
		proto.OpMultiRead, proto.OpWhoAmI, proto.OpCheckWatches,
		proto.OpRemoveWatches, proto.OpAddWatch, proto.OpSetWatches, proto.OpSetWatches2:
		return kindRead
	case proto.OpSync:
		return kindSync
	}
	return kindUnknown
}

// onRequest takes one request from c's reader (state loop).
func (s *Server) onRequest(c *conn, r *request) {
	if c.closed {
		c.release()
		return
	}
	if s.expiring[c.session] {
		// The session is being closed by the tracker: nothing more runs.
		c.release()
		return
	}
	s.tracker.Touch(c.session, c.timeout, s.nowMs())
	s.touched(c.session)
	c.lastOp = r.op.String()
	switch r.op {
	case proto.OpPing:
		s.reply(c, proto.XidPing, s.fsm.LastZxid(), proto.OK, nil)
		c.release()
		return
	case proto.OpAuth:
		s.onAuth(c, r)
		c.release()
		return
	case proto.OpSASL:
		s.log.Info("SASL is not supported; refusing", "remote", c.remote)
		s.reply(c, r.xid, 0, proto.ErrAuthFailed, nil)
		c.release()
		s.closeConn(c)
		return
	}
	if classify(r.op) == kindUnknown {
		// Unknown opcodes, a standalone check, deleteContainer from a
		// client: Unimplemented, then close (ZooKeeper 3.9.3+).
		s.log.Info("unsupported opcode; closing", "remote", c.remote, "op", r.op)
		// ZooKeeper's reply carries zxid -1 here: the request never
		// reached the point where a zxid is assigned.
		s.reply(c, r.xid, -1, proto.ErrUnimplemented, nil)
		c.release()
		s.closeConn(c)
		return
	}
	c.queue = append(c.queue, r)
	s.drain(c)
}

// drain starts every request at the head of c's queue that may start now:
// writes are proposed in order; a read or sync waits until no earlier write
// or sync of the session is outstanding; nothing passes a pending sync.
func (s *Server) drain(c *conn) {
	for len(c.queue) > 0 && !c.closed {
		r := c.queue[0]
		if c.syncing != nil {
			return
		}
		switch classify(r.op) {
		case kindWrite, kindSync:
			refuse := c.readOnly || (s.storageErr != nil && r.op != proto.OpSync)
			if (refuse || r.op == proto.OpSync) && len(c.inflight) > 0 {
				// Refused or synced in order: behind the writes already
				// on their way.
				return
			}
			c.queue = c.queue[1:]
			switch {
			case refuse:
				s.refuseWrite(c, r)
			case r.op == proto.OpSync:
				s.startSync(c, r)
			default:
				s.startWrite(c, r)
			}
		default:
			if len(c.inflight) > 0 {
				return
			}
			c.queue = c.queue[1:]
			s.answerRead(c, r)
			c.release()
			s.observe(c, r)
		}
	}
	if len(c.queue) == 0 {
		c.queue = nil
	}
}

// startWrite proposes a write as an fsm entry.
func (s *Server) startWrite(c *conn, r *request) {
	now := s.cfg.Now()
	e := fsm.Entry{
		Type:    fsm.EntryRequest,
		Session: c.session,
		Xid:     r.xid,
		Op:      r.op,
		Time:    now.UnixMilli(),
		Auth:    c.auth,
		Body:    r.body,
	}
	if r.op == proto.OpCloseSession {
		e = fsm.Entry{Type: fsm.EntryCloseSession, Session: c.session, Xid: r.xid, Time: now.UnixMilli()}
	}
	r.proposed = now
	c.inflight = append(c.inflight, r)
	s.propose(proposal{data: e.Marshal(nil), onFail: func(err error) {
		// The log refused the write: the client cannot know whether it
		// happened, which is exactly ConnectionLoss. Close the connection.
		if !c.closed {
			s.log.Warn("write not proposed; closing connection", "remote", c.remote, "err", err)
			s.closeConn(c)
		}
	}})
}

// startSync asks the Replicator for a read index; the reply goes out once
// the state loop has applied it.
func (s *Server) startSync(c *conn, r *request) {
	c.syncing = r
	s.goFunc(func() {
		idx, err := s.repl.ReadIndex(s.ctx)
		s.post(func() {
			if c.syncing != r {
				return
			}
			if err != nil {
				s.log.Warn("sync failed; closing connection", "remote", c.remote, "err", err)
				c.syncing = nil
				c.release()
				s.closeConn(c)
				return
			}
			r.readIndex = idx
			s.syncs = append(s.syncs, &syncWait{c: c, req: r})
			s.finishSyncs()
		})
	})
}

// finishSyncs answers every sync whose read index has been applied.
func (s *Server) finishSyncs() {
	keep := s.syncs[:0]
	for _, w := range s.syncs {
		if w.then != nil {
			if w.at > s.applied {
				keep = append(keep, w)
			} else {
				w.then()
			}
			continue
		}
		if w.req.readIndex > s.applied {
			keep = append(keep, w)
			continue
		}
		c := w.c
		if c.syncing == w.req && !c.closed {
			var req proto.SyncRequest
			if err := decode(w.req.body, &req); err != nil {
				s.reply(c, w.req.xid, s.fsm.LastZxid(), proto.ErrMarshallingError, nil)
			} else {
				s.reply(c, w.req.xid, s.fsm.LastZxid(), proto.OK, &proto.SyncResponse{Path: req.Path})
			}
			c.syncing = nil
			c.release()
			s.observe(c, w.req)
			s.drain(c)
		}
	}
	for i := len(keep); i < len(s.syncs); i++ {
		s.syncs[i] = nil
	}
	s.syncs = keep
}

// observe records a finished request's latency for the stats words.
func (s *Server) observe(c *conn, r *request) {
	d := time.Since(r.arrived)
	c.lastLatency = d
	if c.cntLat == 0 || d < c.minLat {
		c.minLat = d
	}
	if d > c.maxLat {
		c.maxLat = d
	}
	c.sumLat += d
	c.cntLat++
	s.stats.add(d)
}
