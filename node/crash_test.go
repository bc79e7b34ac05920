package node_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/node"
	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/storage"
)

// crashPoint picks the moment a simulated power loss hits: the nth
// FaultFS point matching match.
type crashPoint struct {
	name  string
	match func(p storage.Point) bool
	nth   int
	torn  bool // CrashTorn: unsynced writes survive in part
}

// opOn matches op before (or after) it acts on a path ending in suffix.
// Files report the name they were opened with: the live WAL segment was
// created as <name>.wal.tmp and keeps that name; a rename reports its new
// path.
func opOn(op, suffix string, after bool) func(storage.Point) bool {
	return func(p storage.Point) bool {
		return p.Op == op && p.After == after && strings.HasSuffix(p.Path, suffix)
	}
}

// crashPoints cover every step of the write path: WAL append and fsync,
// segment cut, snapshot write, and the steps between the snapshot's rename
// and log compaction (WAL marker, purge, segment release).
var crashPoints = []crashPoint{
	{name: "before wal append", match: opOn("write", ".wal.tmp", false), nth: 40},
	{name: "after wal append before fsync", match: opOn("write", ".wal.tmp", true), nth: 41, torn: true},
	{name: "before wal fsync", match: opOn("sync", ".wal.tmp", false), nth: 30},
	{name: "after wal fsync", match: opOn("sync", ".wal.tmp", true), nth: 35},
	{name: "segment cut: temp created", match: opOn("create", ".wal.tmp", true), nth: 2},
	{name: "segment cut: before rename", match: opOn("rename", ".wal", false), nth: 2},
	{name: "segment cut: after rename before dir fsync", match: opOn("rename", ".wal", true), nth: 3, torn: true},
	{name: "snapshot: writing temp file", match: opOn("write", ".snap.tmp", true), nth: 3, torn: true},
	{name: "snapshot: before fsync", match: opOn("sync", ".snap.tmp", false), nth: 2},
	{name: "snapshot: before rename", match: opOn("rename", ".snap", false), nth: 2},
	{name: "snapshot: renamed, dir not synced", match: opOn("rename", ".snap", true), nth: 2, torn: true},
	{name: "snapshot: durable, before wal marker", match: opOn("syncdir", "zkd-snap", true), nth: 2},
	{name: "purge: removing an old snapshot", match: opOn("remove", ".snap", false), nth: 2},
	{name: "compaction: releasing a wal segment", match: opOn("remove", ".wal", false), nth: 1},
	{name: "compaction: segment released, dir not synced", match: opOn("remove", ".wal", true), nth: 2, torn: true},
}

// TestCrashAtEveryPoint runs a server on an in-memory disk with small WAL
// segments and a small snapCount under a stream of creates, cuts the power
// at one point of the write path, restarts on what the disk kept, and
// checks that every acknowledged create is there and that the server
// starts without any repair by hand.
func TestCrashAtEveryPoint(t *testing.T) {
	for i, cp := range crashPoints {
		t.Run(cp.name, func(t *testing.T) {
			runCrash(t, cp, uint64(i+1))
		})
	}
}

func crashConfig() config.Config {
	cfg := config.Default()
	cfg.DataDir = "/data"
	cfg.DataLogDir = "/data"
	cfg.TickTime = 200 * time.Millisecond
	cfg.SnapCount = 16
	return cfg
}

func startOn(t *testing.T, fsys storage.FS) (*node.Node, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := node.Start(ctx, crashConfig(), node.Options{Listener: ln, FS: fsys, WALSegmentSize: 16 << 10})
	if err != nil {
		ln.Close()
	}
	return n, err
}

// startFresh starts a node on a new in-memory disk.
func startFresh(t *testing.T) (*node.Node, *storage.FaultFS) {
	t.Helper()
	fsys := storage.NewFaultFS()
	if err := fsys.MkdirAll("/data", 0o755); err != nil {
		t.Fatal(err)
	}
	n, err := startOn(t, fsys)
	if err != nil {
		t.Fatal(err)
	}
	return n, fsys
}

func runCrash(t *testing.T, cp crashPoint, seed uint64) {
	n, fsys := startFresh(t)
	var (
		seen    atomic.Int64
		crashed = make(chan struct{})
		once    sync.Once
	)
	fsys.SetHook(func(p storage.Point) {
		if !cp.match(p) || seen.Add(1) != int64(cp.nth) {
			return
		}
		once.Do(func() {
			if cp.torn {
				fsys.CrashTorn(seed)
			} else {
				fsys.Crash()
			}
			close(crashed)
		})
	})
	acked := writeUntilFailure(t, n.Addr().String(), 3000, 20*time.Second)
	select {
	case <-crashed:
	default:
		t.Fatalf("the crash point was reached %d times, never the %dth, in %d writes", seen.Load(), cp.nth, len(acked))
	}
	n.Close() // errors expected: the disk is gone
	fsys.SetHook(nil)
	fsys.Reboot()

	n2, err := startOn(t, fsys)
	if err != nil {
		t.Fatalf("restart after the crash needs repair: %v", err)
	}
	defer n2.Close()
	missing := missingNodes(t, n2.Addr().String(), acked)
	if len(missing) > 0 {
		t.Fatalf("%d of %d acknowledged creates lost, e.g. %v", len(missing), len(acked), missing[:min(5, len(missing))])
	}
	t.Logf("%d acknowledged creates survived", len(acked))
}

// crashConn is a bare client connection that reports errors instead of failing
// the test: after a crash, failures are expected.
type crashConn struct {
	nc  net.Conn
	xid int32
}

func dialCrash(addr string) (*crashConn, error) {
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	c := &crashConn{nc: nc}
	if _, err := c.roundTrip(nil, &proto.ConnectRequest{TimeOut: 10000, Passwd: make([]byte, 16), HasReadOnly: true}); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func (c *crashConn) roundTrip(hdr *proto.RequestHeader, body proto.Record) ([]byte, error) {
	var h proto.Record
	if hdr != nil {
		h = hdr
	}
	_ = c.nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(proto.AppendFrame(nil, h, body)); err != nil {
		return nil, err
	}
	return proto.ReadFrame(c.nc, nil, proto.DefaultMaxBuffer)
}

// call sends one request and returns the reply's error code.
func (c *crashConn) call(op proto.OpCode, req proto.Record) (proto.Code, *jute.Reader, error) {
	c.xid++
	b, err := c.roundTrip(&proto.RequestHeader{Xid: c.xid, Type: op}, req)
	if err != nil {
		return 0, nil, err
	}
	r := jute.NewReader(b)
	var h proto.ReplyHeader
	h.Decode(r)
	if r.Err() != nil || h.Xid != c.xid {
		return 0, nil, fmt.Errorf("bad reply (xid %d, want %d): %v", h.Xid, c.xid, r.Err())
	}
	return h.Err, r, nil
}

// writeUntilFailure creates /w<i> with data "v<i>" one at a time until a
// request fails (the crash), and returns the paths acknowledged with OK.
func writeUntilFailure(t *testing.T, addr string, limit int, budget time.Duration) []string {
	t.Helper()
	c, err := dialCrash(addr)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.nc.Close()
	var acked []string
	deadline := time.Now().Add(budget)
	for i := 0; i < limit && time.Now().Before(deadline); i++ {
		p := fmt.Sprintf("/w%05d", i)
		code, _, err := c.call(proto.OpCreate, &proto.CreateRequest{Path: p, Data: []byte("v" + p), ACL: proto.OpenACLUnsafe})
		if err != nil || code != proto.OK {
			break
		}
		acked = append(acked, p)
	}
	return acked
}

// missingNodes returns the paths that do not exist with their data.
func missingNodes(t *testing.T, addr string, paths []string) []string {
	t.Helper()
	c, err := dialCrash(addr)
	if err != nil {
		t.Fatalf("connect after restart: %v", err)
	}
	defer c.nc.Close()
	var missing []string
	for _, p := range paths {
		code, r, err := c.call(proto.OpGetData, &proto.GetDataRequest{Path: p})
		if err != nil {
			t.Fatalf("read %s after restart: %v", p, err)
		}
		var resp proto.GetDataResponse
		if code == proto.OK {
			resp.Decode(r)
		}
		if code != proto.OK || string(resp.Data) != "v"+p {
			missing = append(missing, p)
		}
	}
	return missing
}
