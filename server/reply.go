package server

import (
	"github.com/zkd-io/zkd/proto"
)

// frame encodes a length-prefixed reply in one allocation for the common
// replies (see frameSize). State loop only.
func (s *Server) frame(hdr proto.Record, body proto.Record) []byte {
	w := &s.fw
	w.Buf = make([]byte, 4, frameSize(body))
	hdr.Encode(w)
	if body != nil {
		body.Encode(w)
	}
	w.PutIntAt(0, int32(w.Len()-4))
	b := w.Buf
	w.Buf = nil
	return b
}

// frameSize is the capacity frame starts with: the length and the reply
// header (16 bytes), then the body's size (bodySize).
func frameSize(body proto.Record) int { return 4 + 16 + bodySize(body) }

// bodySize is room for a reply body: a Stat (68 bytes) and a little more
// for most, plus the variable part of the common ones. Multi adds a
// result header (9 bytes) and the size of each result.
func bodySize(body proto.Record) int {
	const fixed = 68 + 12
	switch r := body.(type) {
	case *proto.GetDataResponse:
		return fixed + 4 + len(r.Data)
	case *proto.CreateResponse:
		return fixed + 4 + len(r.Path)
	case *proto.Create2Response:
		return fixed + 4 + len(r.Path)
	case *proto.MultiResponse:
		n := 9
		for i := range r.Results {
			n += 9 + bodySize(r.Results[i].Resp)
		}
		return n
	}
	return fixed
}

// reply queues a reply on c. A body is sent only when err is OK (multi
// carries its results in a body with err OK). A reply that would exceed
// the client's jute.maxbuffer is replaced by a MarshallingError header.
func (s *Server) reply(c *conn, xid int32, zxid int64, err proto.Code, body proto.Record) {
	if err != proto.OK {
		body = nil
	}
	f := s.frame(&proto.ReplyHeader{Xid: xid, Zxid: zxid, Err: err}, body)
	if len(f)-4 > s.cfg.MaxBuffer {
		s.log.Warn("reply larger than jute.maxbuffer; sending MarshallingError", "remote", c.remote, "xid", xid, "size", len(f)-4)
		f = s.frame(&proto.ReplyHeader{Xid: xid, Zxid: zxid, Err: proto.ErrMarshallingError}, nil)
	}
	c.lastXid = xid
	c.lastZxid = zxid
	s.pushFrame(c, f)
}

// notify queues a watch notification on c.
func (s *Server) notify(c *conn, typ proto.EventType, path string, zxid int64) {
	s.pushFrame(c, s.frame(&proto.ReplyHeader{Xid: proto.XidNotification, Zxid: zxid, Err: proto.OK},
		&proto.WatcherEvent{Type: typ, State: proto.StateSyncConnected, Path: path}))
}

// closeConn flushes what is queued on c and closes it.
func (s *Server) closeConn(c *conn) {
	c.closed = true
	c.out.closeAfterFlush()
}

// pushFrame queues an already encoded frame on c and counts it.
func (s *Server) pushFrame(c *conn, f []byte) {
	if c.out.push(f) {
		s.sent.Add(1)
	}
}
