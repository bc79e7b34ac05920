package server

import (
	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// frame encodes a length-prefixed reply in one allocation for the common
// replies (see frameSize).
func frame(hdr proto.Record, body proto.Record) []byte {
	var w jute.Writer
	w.Buf = make([]byte, 4, frameSize(body))
	hdr.Encode(&w)
	if body != nil {
		body.Encode(&w)
	}
	w.PutIntAt(0, int32(w.Len()-4))
	return w.Buf
}

// frameSize is the capacity frame starts with: the length, the reply
// header (16 bytes) and a Stat (68 bytes) cover most replies; getData
// adds its data.
func frameSize(body proto.Record) int {
	const base = 4 + 16 + 68 + 12
	if r, ok := body.(*proto.GetDataResponse); ok {
		return base + 4 + len(r.Data)
	}
	return base
}

// reply queues a reply on c. A body is sent only when err is OK (multi
// carries its results in a body with err OK). A reply that would exceed
// the client's jute.maxbuffer is replaced by a MarshallingError header.
func (s *Server) reply(c *conn, xid int32, zxid int64, err proto.Code, body proto.Record) {
	if err != proto.OK {
		body = nil
	}
	f := frame(&proto.ReplyHeader{Xid: xid, Zxid: zxid, Err: err}, body)
	if len(f)-4 > s.cfg.MaxBuffer {
		s.log.Warn("reply larger than jute.maxbuffer; sending MarshallingError", "remote", c.remote, "xid", xid, "size", len(f)-4)
		f = frame(&proto.ReplyHeader{Xid: xid, Zxid: zxid, Err: proto.ErrMarshallingError}, nil)
	}
	c.lastXid = xid
	c.lastZxid = zxid
	s.pushFrame(c, f)
}

// notify queues a watch notification on c.
func (s *Server) notify(c *conn, typ proto.EventType, path string, zxid int64) {
	s.pushFrame(c, frame(&proto.ReplyHeader{Xid: proto.XidNotification, Zxid: zxid, Err: proto.OK},
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
