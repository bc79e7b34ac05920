package node_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/zktest"
)

// dialPlain opens a TCP connection that has sent nothing yet.
func dialPlain(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// closedWithin reports whether the server closes nc within d, reading and
// discarding anything it sends first. It fails the test on any outcome
// other than EOF, a reset, or the deadline passing.
func closedWithin(t *testing.T, nc net.Conn, d time.Duration) bool {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 4096)
	for i := 0; i < 1000; i++ {
		_, err := nc.Read(buf)
		switch {
		case err == nil:
			continue
		case errors.Is(err, os.ErrDeadlineExceeded):
			return false
		case err == io.EOF, errors.Is(err, syscall.ECONNRESET):
			return true
		default:
			t.Fatalf("read: %v, want EOF or reset", err)
		}
	}
	t.Fatalf("server kept sending")
	return false
}

// handshakes reports whether a fresh connection to addr gets a session.
func handshakes(addr string) bool {
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return false
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(2 * time.Second))
	f := proto.AppendFrame(nil, nil, &proto.ConnectRequest{TimeOut: 4000, Passwd: make([]byte, 16)})
	if _, err := nc.Write(f); err != nil {
		return false
	}
	body, err := proto.ReadFrame(nc, nil, proto.DefaultMaxBuffer)
	if err != nil {
		return false
	}
	var resp proto.ConnectResponse
	rd := jute.NewReader(body)
	resp.Decode(rd)
	return rd.Err() == nil && resp.TimeOut > 0 && resp.SessionID != 0
}

func TestBoundsMaxClientCnxnsClosesTheFourthConnectionFromOneIP(t *testing.T) {
	s := zktest.Start(t, func(c *config.Config) { c.MaxClientCnxns = 3 })
	var held [3]*raw
	for i := range held {
		r, resp := dialRaw(t, s.Addr, 0, nil, 0, 4000)
		if resp == nil {
			t.Fatalf("connection %d of 3 got no session", i+1)
		}
		held[i] = r
	}
	// The fourth is closed at accept: well before the 10 s handshake
	// deadline, and without the client sending anything.
	fourth := dialPlain(t, s.Addr)
	if !closedWithin(t, fourth, 2*time.Second) {
		t.Fatalf("4th connection from 127.0.0.1 was not closed at once (maxClientCnxns=3)")
	}
	for i, r := range held {
		r.mustOK(fmt.Sprintf("connection %d after the refusal", i+1), proto.OpCreate, create(fmt.Sprintf("/n%d", i), nil, 0))
	}
	// Closing one frees its slot once the server has noticed.
	held[0].nc.Close()
	waitFor(t, "a slot to free after a connection closed", func() bool { return handshakes(s.Addr) })
	held[1].mustOK("connection 2 at the end", proto.OpExists, &proto.ExistsRequest{Path: "/n1"})
}

func TestBoundsMalformedHandshakeClosesAtOnce(t *testing.T) {
	s := zktest.Start(t, func(c *config.Config) { c.JuteMaxBuffer = 4096 })
	cases := []struct {
		name string
		send []byte
	}{
		{"connect request cut inside lastZxidSeen", []byte{0, 0, 0, 5, 0, 0, 0, 0, 0}},
		{"connect frame longer than jute.maxbuffer", []byte{0, 0, 0x10, 0x01}},
		{"negative connect frame length", []byte{0xff, 0xff, 0xff, 0xfe}},
	}
	for _, tc := range cases {
		nc := dialPlain(t, s.Addr)
		if _, err := nc.Write(tc.send); err != nil {
			t.Fatalf("%s: write: %v", tc.name, err)
		}
		if !closedWithin(t, nc, 2*time.Second) {
			t.Errorf("%s: connection not closed at once", tc.name)
		}
	}
	if !handshakes(s.Addr) {
		t.Fatalf("a good handshake failed after the bad ones")
	}
}

// The server's handshake deadline (server.Config.HandshakeTimeout, 10 s)
// cannot be shortened through config.Config, so this test waits it out with
// three stalled clients at once; it runs in parallel with the rest of the
// package and is skipped with -short.
func TestBoundsHandshakeDeadlineClosesStalledClients(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 10 s handshake deadline")
	}
	t.Parallel()
	s := zktest.Start(t)
	type client struct {
		name    string
		first   []byte
		dribble bool // send one more body byte on every poll
		nc      net.Conn
		took    time.Duration // 0 while open
	}
	clients := []*client{
		{name: "sends nothing"},
		{name: "sends half a frame length", first: []byte{0, 0}},
		{name: "dribbles a connect frame byte by byte", first: []byte{0, 0, 0, 44}, dribble: true},
	}
	start := time.Now()
	for _, c := range clients {
		c.nc = dialPlain(t, s.Addr)
		if _, err := c.nc.Write(c.first); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	open := len(clients)
	for i := 0; i < 200 && open > 0 && time.Since(start) < 13*time.Second; i++ {
		for _, c := range clients {
			if c.took != 0 {
				continue
			}
			closed := false
			if c.dribble {
				_, err := c.nc.Write([]byte{0})
				closed = err != nil // reset by the server
			}
			if closed || closedWithin(t, c.nc, 80*time.Millisecond) {
				c.took = time.Since(start)
				open--
			}
		}
	}
	for _, c := range clients {
		switch {
		case c.took == 0:
			t.Errorf("%s: still open after %v; the handshake deadline is 10 s", c.name, time.Since(start))
		case c.took < 9*time.Second || c.took > 12*time.Second:
			t.Errorf("%s: closed after %v, want about 10 s (the handshake deadline)", c.name, c.took)
		}
	}
}

func TestBoundsOversizeRequestFrameClosesOnlyThatConnection(t *testing.T) {
	const limit = 4096
	s := zktest.Start(t, func(c *config.Config) { c.JuteMaxBuffer = limit })
	bystander, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	bystander.mustOK("create /big", proto.OpCreate, create("/big", nil, 0))
	c, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)

	// setData frame payload: header 8 + path 4+4 + data 4+n + version 4.
	at := func(payload int) *proto.SetDataRequest {
		return &proto.SetDataRequest{Path: "/big", Data: make([]byte, payload-24), Version: -1}
	}
	if n := len(proto.AppendFrame(nil, &proto.RequestHeader{Xid: 1, Type: proto.OpSetData}, at(limit))) - 4; n != limit {
		t.Fatalf("test frame is %d bytes, want %d", n, limit)
	}
	c.mustOK("setData in a frame of exactly jute.maxbuffer", proto.OpSetData, at(limit))
	c.xid++
	c.send(&proto.RequestHeader{Xid: c.xid, Type: proto.OpSetData}, at(limit+1), nil)
	c.expectClosed()

	var st proto.ExistsResponse
	rd := bystander.mustOK("exists /big after the oversize frame", proto.OpExists, &proto.ExistsRequest{Path: "/big"})
	st.Decode(rd)
	if st.Stat.DataLength != limit-24 || st.Stat.Version != 1 {
		t.Fatalf("/big stat %+v: the oversize setData must not have applied", st.Stat)
	}
	bystander.mustOK("setData by the bystander", proto.OpSetData, &proto.SetDataRequest{Path: "/big", Data: []byte("ok"), Version: 1})
}

func TestBoundsReplyLargerThanJuteMaxBufferIsMarshallingError(t *testing.T) {
	const limit = 4096
	s := zktest.Start(t, func(c *config.Config) { c.JuteMaxBuffer = limit })
	c, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	c.mustOK("create /many", proto.OpCreate, create("/many", nil, 0))
	// 60 names of 80 bytes: a children list of 60*(4+80) = 5040 bytes.
	const kids = 60
	for i := 0; i < kids; i++ {
		name := fmt.Sprintf("/many/c%02d-%s", i, strings.Repeat("x", 76))
		c.mustOK("create "+name, proto.OpCreate, create(name, nil, 0))
	}
	c.mustErr("getChildren over jute.maxbuffer", proto.ErrMarshallingError, proto.OpGetChildren, &proto.GetChildrenRequest{Path: "/many"})
	c.mustErr("getChildren2 over jute.maxbuffer", proto.ErrMarshallingError, proto.OpGetChildren2, &proto.GetChildren2Request{Path: "/many"})
	// The connection and the session stay usable.
	var st proto.ExistsResponse
	rd := c.mustOK("exists /many afterwards", proto.OpExists, &proto.ExistsRequest{Path: "/many"})
	st.Decode(rd)
	if st.Stat.NumChildren != kids {
		t.Fatalf("/many has %d children, want %d", st.Stat.NumChildren, kids)
	}
	var ch proto.GetChildrenResponse
	rd = c.mustOK("getChildren of a small node", proto.OpGetChildren, &proto.GetChildrenRequest{Path: "/zookeeper"})
	ch.Decode(rd)
	if len(ch.Children) != 2 {
		t.Fatalf("/zookeeper children %v", ch.Children)
	}
	c.mustOK("delete one child", proto.OpDelete, &proto.DeleteRequest{Path: fmt.Sprintf("/many/c00-%s", strings.Repeat("x", 76)), Version: -1})
}

// buffered encodes requests back to back so they leave in one write.
type buffered struct {
	buf []byte
	xid int32
}

func (b *buffered) add(op proto.OpCode, req proto.Record) int32 {
	b.xid++
	b.buf = proto.AppendFrame(b.buf, &proto.RequestHeader{Xid: b.xid, Type: op}, req)
	return b.xid
}

// flush writes everything at once; a server that stops reading makes the
// write time out instead of hanging the test.
func (b *buffered) flush(t *testing.T, nc net.Conn) {
	t.Helper()
	_ = nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write(b.buf); err != nil {
		t.Fatalf("writing %d pipelined requests (%d bytes): %v", b.xid, len(b.buf), err)
	}
	b.buf = nil
}

func TestBoundsPipelinedReadsBeyondTheReadAheadCapAnswerInOrder(t *testing.T) {
	s := zktest.Start(t)
	c, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	// Long paths and 1000-byte replies: ~0.8 MB of requests and ~3.3 MB of
	// replies, more than the socket buffers hold, sent before any reply is
	// read, and three times the server's 1000-request read-ahead bound.
	path := "/" + strings.Repeat("p", 250)
	data := []byte(strings.Repeat("d", 1000))
	c.mustOK("create", proto.OpCreate, create(path, data, 0))
	const n = 3000
	b := buffered{xid: c.xid}
	for i := 0; i < n; i++ {
		b.add(proto.OpGetData, &proto.GetDataRequest{Path: path})
	}
	start := time.Now()
	b.flush(t, c.nc)
	for i := 1; i <= n; i++ {
		body, err := c.readFrame()
		if err != nil {
			t.Fatalf("reply %d of %d: %v", i, n, err)
		}
		rd := jute.NewReader(body)
		var h proto.ReplyHeader
		h.Decode(rd)
		var gd proto.GetDataResponse
		gd.Decode(rd)
		if want := c.xid + int32(i); h.Xid != want || h.Err != proto.OK || rd.Err() != nil || len(gd.Data) != len(data) {
			t.Fatalf("reply %d: xid %d err %v data %d bytes (decode %v), want xid %d OK %d bytes",
				i, h.Xid, h.Err, len(gd.Data), rd.Err(), want, len(data))
		}
	}
	t.Logf("%d pipelined getData answered in %v", n, time.Since(start))
	c.xid = b.xid
	c.mustOK("exists after the burst", proto.OpExists, &proto.ExistsRequest{Path: path})
}

func TestBoundsPipelinedWritesAndReadsKeepSessionOrder(t *testing.T) {
	s := zktest.Start(t)
	c, _ := dialRaw(t, s.Addr, 0, nil, 0, 4000)
	c.mustOK("create /o", proto.OpCreate, create("/o", []byte("v0"), 0))
	const pairs = 300
	b := buffered{xid: c.xid}
	for i := 1; i <= pairs; i++ {
		b.add(proto.OpSetData, &proto.SetDataRequest{Path: "/o", Data: []byte(fmt.Sprintf("v%d", i)), Version: -1})
		b.add(proto.OpGetData, &proto.GetDataRequest{Path: "/o"})
	}
	b.flush(t, c.nc)
	var lastZxid int64
	for i := 1; i <= pairs; i++ {
		h, rd := c.expectReply(c.xid + int32(2*i-1))
		var sd proto.SetDataResponse
		sd.Decode(rd)
		if h.Err != proto.OK || rd.Err() != nil || sd.Stat.Version != int32(i) || h.Zxid <= lastZxid {
			t.Fatalf("setData %d: err %v version %d zxid %d (previous %d)", i, h.Err, sd.Stat.Version, h.Zxid, lastZxid)
		}
		lastZxid = h.Zxid
		h, rd = c.expectReply(c.xid + int32(2*i))
		var gd proto.GetDataResponse
		gd.Decode(rd)
		if want := fmt.Sprintf("v%d", i); h.Err != proto.OK || rd.Err() != nil || string(gd.Data) != want || gd.Stat.Version != int32(i) {
			t.Fatalf("getData after setData %d = %q version %d (err %v), want %q version %d",
				i, gd.Data, gd.Stat.Version, h.Err, want, i)
		}
		if h.Zxid < lastZxid {
			t.Fatalf("getData after setData %d has zxid %d below the write's %d", i, h.Zxid, lastZxid)
		}
	}
}
