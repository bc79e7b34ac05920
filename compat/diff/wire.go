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
	timeout  time.Duration
	pending  []notification
	buf      []byte
	dead     bool
}

// dial connects and performs the handshake (sessionID 0 for a new session).
func dial(addr string, sessionID int64, passwd []byte, lastZxid int64, timeout time.Duration) (*conn, proto.ConnectResponse, error) {
	var resp proto.ConnectResponse
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, resp, fmt.Errorf("dial %s: %w", addr, err)
	}
	if passwd == nil {
		passwd = make([]byte, 16)
	}
	c := &conn{nc: nc, timeout: timeout, lastZxid: lastZxid}
	req := proto.ConnectRequest{LastZxidSeen: lastZxid, TimeOut: 10000, SessionID: sessionID, Passwd: passwd, HasReadOnly: true}
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
	f := proto.AppendFrame(nil, hdr, body)
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
	if err := c.write(&proto.RequestHeader{Xid: xid, Type: op}, req); err != nil {
		return proto.ReplyHeader{}, nil, errClosed
	}
	return c.await(xid)
}

// callShort is call with a short reply deadline, for requests a server
// may legitimately never answer (ZooKeeper 3.8.0 does not answer a
// successful standalone check).
func (c *conn) callShort(op proto.OpCode, req proto.Record, d time.Duration) (proto.ReplyHeader, []byte, error) {
	saved := c.timeout
	c.timeout = d
	defer func() { c.timeout = saved }()
	return c.call(op, req)
}

// await reads frames until the reply to xid arrives (bounded count).
func (c *conn) await(xid int32) (proto.ReplyHeader, []byte, error) {
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
		if h.Xid != xid {
			c.close()
			return h, nil, fmt.Errorf("reply xid %d, want %d", h.Xid, xid)
		}
		if h.Zxid > c.lastZxid && xid != proto.XidPing && xid != proto.XidAuth {
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
