package java

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zkd-io/zkd/compat/diff"
	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// mustCapture lists the opcodes a capture has to contain; a run that
// misses one fails rather than silently writing fewer files.
var mustCapture = []proto.OpCode{
	proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL, proto.OpDelete,
	proto.OpExists, proto.OpGetData, proto.OpSetData, proto.OpGetACL, proto.OpSetACL,
	proto.OpGetChildren, proto.OpGetChildren2, proto.OpSync, proto.OpPing, proto.OpCheck, proto.OpMulti,
	proto.OpMultiRead, proto.OpReconfig, proto.OpCheckWatches, proto.OpRemoveWatches, proto.OpAuth,
	proto.OpSetWatches, proto.OpSetWatches2, proto.OpGetEphemerals, proto.OpGetAllChildrenNumber,
	proto.OpAddWatch, proto.OpWhoAmI, proto.OpCloseSession,
}

// TestCaptureGolden records the probe's traffic with ZooKeeper 3.8 plus
// hand-built handshakes and rewrites proto/testdata/zk38. It runs only
// when asked: the files are committed and proto's tests read them.
func TestCaptureGolden(t *testing.T) {
	if os.Getenv("ZKD_CAPTURE_GOLDEN") != "1" {
		t.Skip("capture mode: ZKD_CAPTURE_GOLDEN=1 rewrites proto/testdata/zk38 from ZooKeeper 3.8")
	}
	p := compileProbe(t)
	zk := diff.StartZooKeeper(t, requireZooKeeper(t))
	rp := startRecordingProxy(t, zk.Addr)
	if _, err := p.run(rp.Addr()); err != nil {
		t.Fatal(err)
	}
	handBuilt(t, rp.Addr())
	conns := rp.stop(10 * time.Second)

	var all []exchange
	for _, c := range conns {
		all = append(all, pairConn(c.toServer.Bytes(), c.toClient.Bytes())...)
	}
	seen := map[proto.OpCode]bool{}
	for _, x := range all {
		seen[x.op] = true
	}
	for _, op := range mustCapture {
		if !seen[op] {
			t.Errorf("no %s exchange captured", op)
		}
	}
	if t.Failed() {
		return
	}
	names, err := writeGolden(goldenDir, selectGolden(all))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d connections, %d exchanges, %d golden files:\n%s", len(conns), len(all), len(names), strings.Join(names, "\n"))
}

// rawConn is a hand-driven client connection for the frames the Java
// client never sends.
type rawConn struct {
	t  *testing.T
	nc net.Conn
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc}
}

func (c *rawConn) send(hdr, body proto.Record) {
	c.t.Helper()
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(proto.AppendFrame(nil, hdr, body)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// read returns the next frame's payload, or nil once the server closed.
func (c *rawConn) read() []byte {
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := proto.ReadFrame(c.nc, nil, proto.DefaultMaxBuffer)
	if err != nil {
		return nil
	}
	return b
}

// connect performs a handshake and returns the server's answer.
func (c *rawConn) connect(req *proto.ConnectRequest) proto.ConnectResponse {
	c.t.Helper()
	c.send(nil, req)
	var resp proto.ConnectResponse
	b := c.read()
	if b == nil {
		c.t.Fatalf("no ConnectResponse")
	}
	r := jute.NewReader(b)
	resp.Decode(r)
	if r.Err() != nil {
		c.t.Fatalf("decode ConnectResponse: %v", r.Err())
	}
	return resp
}

// handBuilt sends what the Java client cannot: a ConnectRequest without
// the trailing readOnly byte (a pre-3.4 client), a ping on demand, a
// reattach and a wrong password on raw connections, a standalone check and
// a closeSession.
func handBuilt(t *testing.T, addr string) {
	t.Helper()
	a := dialRaw(t, addr)
	sess := a.connect(&proto.ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16)})
	a.send(&proto.RequestHeader{Xid: proto.XidPing, Type: proto.OpPing}, nil)
	a.read()

	b := dialRaw(t, addr)
	b.connect(&proto.ConnectRequest{TimeOut: 30000, SessionID: sess.SessionID, Passwd: sess.Passwd, HasReadOnly: true})
	wrong := append([]byte(nil), sess.Passwd...)
	wrong[0] ^= 0x55
	c := dialRaw(t, addr)
	c.connect(&proto.ConnectRequest{TimeOut: 30000, SessionID: sess.SessionID, Passwd: wrong, HasReadOnly: true})

	d := dialRaw(t, addr)
	d.connect(&proto.ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16), HasReadOnly: true})
	d.send(&proto.RequestHeader{Xid: 1, Type: proto.OpCheck}, &proto.CheckVersionRequest{Path: "/", Version: -1})
	d.read()
	d.send(&proto.RequestHeader{Xid: 2, Type: proto.OpCheck}, &proto.CheckVersionRequest{Path: "/zookeeper", Version: 7})
	d.read()
	d.send(&proto.RequestHeader{Xid: 3, Type: proto.OpCloseSession}, nil)
	d.read()
}
