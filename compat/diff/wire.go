package diff

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// errClosed reports that the server closed the connection.
var errClosed = errors.New("diff: connection closed by server")

// errTimeout reports that the server did not answer in time.
var errTimeout = errors.New("diff: no reply in time")

// errUnanswered reports that the server answered a ping sent after the
// request first, so it will not answer the request.
var errUnanswered = errors.New("diff: request left unanswered before a later ping")

// notification is one watch event as received.
type notification struct {
	ev   proto.WatcherEvent
	zxid int64
}

// conn is a minimal wire-level client: one request at a time, replies
// matched by xid, notifications collected on the side.
type conn struct {
	nc       net.Conn
	xid      int32
	session  int64
	passwd   []byte
	lastZxid int64 // highest reply zxid seen, as a client tracks it
	// asked is the session timeout (ms) the connect request asked for; a
	// reattach asks for it again, as clients do.
	asked   int32
	timeout time.Duration
	pending []notification
	buf     []byte
	dead    bool
	// lastTouch is when the newest request that got its reply was sent
	// (the server touched the session after that); maxGap is the longest
	// span from such a send to the next reply or failure: the longest the
	// session may have gone untouched, as far as the runner can tell.
	lastTouch time.Time
	maxGap    time.Duration
}

// dial connects and performs the handshake (sessionID 0 for a new
// session), asking for a session timeout of asked ms; timeout bounds each
// network wait.
func dial(addr string, sessionID int64, passwd []byte, lastZxid int64, asked int32, timeout time.Duration) (*conn, proto.ConnectResponse, error) {
	var resp proto.ConnectResponse
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, resp, fmt.Errorf("dial %s: %w", addr, err)
	}
	if passwd == nil {
		passwd = make([]byte, 16)
	}
	c := &conn{nc: nc, timeout: timeout, lastZxid: lastZxid, asked: asked}
	req := proto.ConnectRequest{LastZxidSeen: lastZxid, TimeOut: asked, SessionID: sessionID, Passwd: passwd, HasReadOnly: true}
	c.lastTouch = time.Now()
	if err := c.write(nil, &req); err != nil {
		nc.Close()
		return nil, resp, err
	}
	body, err := c.readFrame()
	if err != nil {
		nc.Close()
		return nil, resp, fmt.Errorf("connect response: %w", err)
	}
	rd := jute.NewReader(body)
	resp.Decode(rd)
	if rd.Err() != nil {
		nc.Close()
		return nil, resp, fmt.Errorf("decode connect response: %w", rd.Err())
	}
	c.session, c.passwd = resp.SessionID, resp.Passwd
	return c, resp, nil
}

func (c *conn) close() {
	c.dead = true
	c.nc.Close()
}

func (c *conn) write(hdr, body proto.Record) error {
	return c.writeBytes(proto.AppendFrame(nil, hdr, body))
}

// writeBytes writes one or more whole frames in a single write.
func (c *conn) writeBytes(f []byte) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	if _, err := c.nc.Write(f); err != nil {
		c.dead = true
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

func (c *conn) readFrame() ([]byte, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(c.timeout))
	return c.readFrameDeadline()
}

func (c *conn) readFrameDeadline() ([]byte, error) {
	b, err := proto.ReadFrame(c.nc, c.buf, proto.DefaultMaxBuffer)
	if err != nil {
		c.dead = true
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, errTimeout
		}
		return nil, errClosed
	}
	// Copy: callers keep bodies while the next frame is read.
	return append([]byte(nil), b...), nil
}

// call sends one request and waits for the reply with the same xid,
// collecting notifications that come first. It returns the reply header
// and the body bytes after it.
func (c *conn) call(op proto.OpCode, req proto.Record) (proto.ReplyHeader, []byte, error) {
	xid := c.nextXid()
	switch op {
	case proto.OpSetWatches, proto.OpSetWatches2:
		xid = proto.XidSetWatches
	case proto.OpAuth:
		xid = proto.XidAuth
	}
	return c.callXid(xid, op, req)
}

func (c *conn) nextXid() int32 {
	c.xid++
	return c.xid
}

func (c *conn) callXid(xid int32, op proto.OpCode, req proto.Record) (proto.ReplyHeader, []byte, error) {
	if c.dead {
		return proto.ReplyHeader{}, nil, errClosed
	}
	sent := time.Now()
	if err := c.write(&proto.RequestHeader{Xid: xid, Type: op}, req); err != nil {
		c.touched(sent, false)
		return proto.ReplyHeader{}, nil, errClosed
	}
	h, body, err := c.await(xid)
	c.touched(sent, err == nil)
	return h, body, err
}

// touched updates the touch bookkeeping after a request sent at sent got
// its reply (ok) or failed.
func (c *conn) touched(sent time.Time, ok bool) {
	c.maxGap = max(c.maxGap, time.Since(c.lastTouch))
	if ok {
		c.lastTouch = sent
	}
}

// callThenPing sends a request and a ping in one write and returns the
// reply to whichever comes first. A server answers a connection's requests
// in order, so the ping's reply coming first means the request will never
// be answered (ZooKeeper 3.8.0 drops a successful standalone check):
// errUnanswered. This replaces waiting out a deadline, which would leave
// every session unpinged meanwhile. The ping's reply may still follow the
// request's; the caller replaces the connection.
func (c *conn) callThenPing(op proto.OpCode, req proto.Record) (proto.ReplyHeader, []byte, error) {
	if c.dead {
		return proto.ReplyHeader{}, nil, errClosed
	}
	xid := c.nextXid()
	f := proto.AppendFrame(nil, &proto.RequestHeader{Xid: xid, Type: op}, req)
	f = proto.AppendFrame(f, &proto.RequestHeader{Xid: proto.XidPing, Type: proto.OpPing}, nil)
	sent := time.Now()
	if err := c.writeBytes(f); err != nil {
		c.touched(sent, false)
		return proto.ReplyHeader{}, nil, errClosed
	}
	h, body, err := c.awaitEither(xid, proto.XidPing)
	c.touched(sent, err == nil)
	if err == nil && h.Xid != xid {
		return proto.ReplyHeader{}, nil, errUnanswered
	}
	return h, body, err
}

// await reads frames until the reply to xid arrives (bounded count).
func (c *conn) await(xid int32) (proto.ReplyHeader, []byte, error) {
	return c.awaitEither(xid, xid)
}

// awaitEither reads frames until the reply to xid or alt arrives.
func (c *conn) awaitEither(xid, alt int32) (proto.ReplyHeader, []byte, error) {
	for i := 0; i < 10000; i++ {
		body, err := c.readFrame()
		if err != nil {
			return proto.ReplyHeader{}, nil, err
		}
		rd := jute.NewReader(body)
		var h proto.ReplyHeader
		h.Decode(rd)
		if rd.Err() != nil {
			c.close()
			return h, nil, fmt.Errorf("decode reply header: %w", rd.Err())
		}
		if h.Xid == proto.XidNotification {
			var ev proto.WatcherEvent
			ev.Decode(rd)
			c.pending = append(c.pending, notification{ev: ev, zxid: h.Zxid})
			continue
		}
		if h.Xid != xid && h.Xid != alt {
			c.close()
			return h, nil, fmt.Errorf("reply xid %d, want %d", h.Xid, xid)
		}
		if h.Zxid > c.lastZxid && h.Xid != proto.XidPing && h.Xid != proto.XidAuth {
			c.lastZxid = h.Zxid
		}
		return h, body[proto.ReplyHeaderSize:], nil
	}
	c.close()
	return proto.ReplyHeader{}, nil, fmt.Errorf("no reply to xid %d", xid)
}

// drain pings the server and returns every notification received before
// the ping's reply (the server queues a notification before any later
// reply on the connection).
func (c *conn) drain() ([]notification, error) {
	if !c.dead {
		_, _, err := c.callXid(proto.XidPing, proto.OpPing, nil)
		if err != nil {
			out := c.pending
			c.pending = nil
			return out, err
		}
	}
	out := c.pending
	c.pending = nil
	return out, nil
}

// awaitClose waits up to d for the server to close the connection and
// reports whether it did; notifications read meanwhile are kept.
func (c *conn) awaitClose(d time.Duration) bool {
	if c.dead {
		return true
	}
	deadline := time.Now().Add(d)
	for i := 0; i < 1000; i++ {
		_ = c.nc.SetReadDeadline(deadline)
		b, err := proto.ReadFrame(c.nc, nil, proto.DefaultMaxBuffer)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return false
			}
			c.dead = true
			return true
		}
		rd := jute.NewReader(b)
		var h proto.ReplyHeader
		h.Decode(rd)
		if h.Xid == proto.XidNotification {
			var ev proto.WatcherEvent
			ev.Decode(rd)
			c.pending = append(c.pending, notification{ev: ev, zxid: h.Zxid})
		}
	}
	return false
}
