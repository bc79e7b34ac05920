package node_test

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// raw is a minimal wire-level client for the opcodes go-zookeeper does not
// speak (addWatch, multiRead, getEphemerals, getAllChildrenNumber, whoAmI,
// checkWatches, removeWatches, setWatches2) and for malformed input.
type raw struct {
	t       *testing.T
	nc      net.Conn
	xid     int32
	session int64
	passwd  []byte
	events  []proto.WatcherEvent
}

func dialRaw(t *testing.T, addr string, sessionID int64, passwd []byte, lastZxid int64, timeoutMs int32) (*raw, *proto.ConnectResponse) {
	t.Helper()
	if passwd == nil {
		passwd = make([]byte, 16)
	}
	return dialRawReq(t, addr, &proto.ConnectRequest{LastZxidSeen: lastZxid, TimeOut: timeoutMs, SessionID: sessionID, Passwd: passwd, HasReadOnly: true})
}

// dialRawReq connects and sends req as the handshake; the response is nil
// when the server closed the connection instead of answering.
func dialRawReq(t *testing.T, addr string, req *proto.ConnectRequest) (*raw, *proto.ConnectResponse) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	r := &raw{t: t, nc: nc}
	r.send(nil, req, nil)
	body, err := r.readFrame()
	if err != nil {
		return r, nil
	}
	var resp proto.ConnectResponse
	rd := jute.NewReader(body)
	resp.Decode(rd)
	if rd.Err() != nil {
		t.Fatalf("decode connect response: %v", rd.Err())
	}
	r.session, r.passwd = resp.SessionID, resp.Passwd
	return r, &resp
}

func (r *raw) send(hdr proto.Record, body proto.Record, extra []byte) {
	r.t.Helper()
	f := proto.AppendFrame(nil, hdr, body)
	if extra != nil {
		f = append(f, extra...)
		binary.BigEndian.PutUint32(f, uint32(len(f)-4))
	}
	_ = r.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if _, err := r.nc.Write(f); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

func (r *raw) readFrame() ([]byte, error) {
	_ = r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	return proto.ReadFrame(r.nc, nil, proto.DefaultMaxBuffer)
}

// call sends one request and returns the reply header and body reader,
// collecting notifications that arrive first.
func (r *raw) call(op proto.OpCode, req proto.Record) (proto.ReplyHeader, *jute.Reader) {
	r.t.Helper()
	r.xid++
	xid := r.xid
	switch op {
	case proto.OpSetWatches, proto.OpSetWatches2:
		xid = proto.XidSetWatches
	}
	r.send(&proto.RequestHeader{Xid: xid, Type: op}, req, nil)
	return r.expectReply(xid)
}

func (r *raw) expectReply(xid int32) (proto.ReplyHeader, *jute.Reader) {
	r.t.Helper()
	for i := 0; i < 1000; i++ {
		body, err := r.readFrame()
		if err != nil {
			r.t.Fatalf("read reply to xid %d: %v", xid, err)
		}
		rd := jute.NewReader(body)
		var h proto.ReplyHeader
		h.Decode(rd)
		if h.Xid == proto.XidNotification {
			var ev proto.WatcherEvent
			ev.Decode(rd)
			r.events = append(r.events, ev)
			continue
		}
		if h.Xid != xid {
			r.t.Fatalf("reply xid %d, want %d", h.Xid, xid)
		}
		return h, rd
	}
	r.t.Fatal("no reply")
	return proto.ReplyHeader{}, nil
}

// expectClosed asserts the server closes the connection.
func (r *raw) expectClosed() {
	r.t.Helper()
	_ = r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	for i := 0; i < 100; i++ {
		if _, err := r.nc.Read(buf); err != nil {
			if err == io.EOF || isReset(err) {
				return
			}
			r.t.Fatalf("expected close, got %v", err)
		}
	}
	r.t.Fatalf("connection not closed")
}

func isReset(err error) bool {
	ne, ok := err.(*net.OpError)
	return ok && !ne.Timeout()
}

func (r *raw) mustOK(what string, op proto.OpCode, req proto.Record) *jute.Reader {
	r.t.Helper()
	h, rd := r.call(op, req)
	if h.Err != proto.OK {
		r.t.Fatalf("%s: %v", what, h.Err)
	}
	return rd
}

func (r *raw) mustErr(what string, want proto.Code, op proto.OpCode, req proto.Record) {
	r.t.Helper()
	h, _ := r.call(op, req)
	if h.Err != want {
		r.t.Fatalf("%s: err %v, want %v", what, h.Err, want)
	}
}

// waitEvents reads until n notifications have been collected.
func (r *raw) waitEvents(n int) []proto.WatcherEvent {
	r.t.Helper()
	for len(r.events) < n {
		body, err := r.readFrame()
		if err != nil {
			r.t.Fatalf("waiting for %d events (have %v): %v", n, r.events, err)
		}
		rd := jute.NewReader(body)
		var h proto.ReplyHeader
		h.Decode(rd)
		if h.Xid != proto.XidNotification {
			r.t.Fatalf("unexpected reply xid %d while waiting for events", h.Xid)
		}
		var ev proto.WatcherEvent
		ev.Decode(rd)
		r.events = append(r.events, ev)
	}
	out := r.events
	r.events = nil
	return out
}

func create(path string, data []byte, mode proto.CreateMode) *proto.CreateRequest {
	return &proto.CreateRequest{Path: path, Data: data, ACL: proto.OpenACLUnsafe, Flags: mode}
}
