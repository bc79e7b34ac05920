package node_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/node"
	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/zktest"
)

// snapFiles lists the snapshot files of a data directory.
func snapFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, "zkd-snap"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".snap") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestSnapshotsTakenPurgedAndLoaded runs with a small snapCount: the
// server writes snapshots while clients write, purging keeps the retain
// count, and a restart loads the newest snapshot and replays only the
// log after it, with every acknowledged write present.
func TestSnapshotsTakenPurgedAndLoaded(t *testing.T) {
	dir := t.TempDir()
	small := func(c *config.Config) { c.SnapCount = 60 }
	s1 := zktest.Start(t, zktest.DataDir(dir), small)
	c, _ := dialRaw(t, s1.Addr, 0, nil, 0, 10000)
	c.mustOK("create /s", proto.OpCreate, create("/s", nil, 0))
	const n = 500
	for i := range n {
		c.mustOK("create", proto.OpCreate, create(fmt.Sprintf("/s/n%04d", i), []byte(fmt.Sprint(i)), 0))
		if i%7 == 0 {
			c.mustOK("set", proto.OpSetData, &proto.SetDataRequest{Path: "/s", Data: []byte(fmt.Sprint(i)), Version: -1})
		}
	}
	h, rd := c.call(proto.OpGetData, &proto.GetDataRequest{Path: "/s"})
	var before proto.GetDataResponse
	before.Decode(rd)
	// Snapshots are written in the background: wait for the purge to
	// settle at the retain count (3 by default).
	deadline := time.Now().Add(10 * time.Second)
	for len(snapFiles(t, dir)) != 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := snapFiles(t, dir); len(got) != 3 {
		t.Fatalf("snapshot files = %v, want the 3 newest kept", got)
	}
	if err := s1.Stop(); err != nil {
		t.Fatal(err)
	}

	s2 := zktest.Start(t, zktest.DataDir(dir), small)
	if got := s2.Node.AppliedIndex(); got < uint64(h.Zxid) {
		t.Fatalf("after restart the server applied up to %d, before %d", got, h.Zxid)
	}
	c2, _ := dialRaw(t, s2.Addr, 0, nil, 0, 10000)
	h2, rd := c2.call(proto.OpGetData, &proto.GetDataRequest{Path: "/s"})
	var after proto.GetDataResponse
	after.Decode(rd)
	if h2.Err != proto.OK || string(after.Data) != string(before.Data) || after.Stat != before.Stat {
		t.Fatalf("/s after restart: %v %q %+v, before %q %+v", h2.Err, after.Data, after.Stat, before.Data, before.Stat)
	}
	checkNumbered(t, c2, "/s/n%04d", n, "after restart")
}

// checkNumbered reads fmt.Sprintf(format, i) for i < n and requires the
// data fmt.Sprint(i).
func checkNumbered(t *testing.T, c *raw, format string, n int, when string) {
	t.Helper()
	for i := range n {
		p := fmt.Sprintf(format, i)
		h, rd := c.call(proto.OpGetData, &proto.GetDataRequest{Path: p})
		var r proto.GetDataResponse
		r.Decode(rd)
		if h.Err != proto.OK || string(r.Data) != fmt.Sprint(i) {
			t.Fatalf("%s %s: %v %q", p, when, h.Err, r.Data)
		}
	}
}

// TestCorruptNewestSnapshotFallsBack flips one bit in the middle of the
// newest snapshot: the restart skips it with a warning, loads the one
// before and replays the log from that older index (the log still holds
// it: segments are released only behind the oldest retained snapshot),
// so nothing acknowledged is lost. A flipped bit in the middle of a WAL
// segment instead refuses to start, naming the file and offset.
func TestCorruptNewestSnapshotFallsBack(t *testing.T) {
	dir := t.TempDir()
	small := func(c *config.Config) { c.SnapCount = 40 }
	s1 := zktest.Start(t, zktest.DataDir(dir), small)
	c, _ := dialRaw(t, s1.Addr, 0, nil, 0, 10000)
	const n = 300
	for i := range n {
		c.mustOK("create", proto.OpCreate, create(fmt.Sprintf("/f%04d", i), []byte(fmt.Sprint(i)), 0))
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(snapFiles(t, dir)) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := s1.Stop(); err != nil {
		t.Fatal(err)
	}
	snaps := snapFiles(t, dir)
	if len(snaps) < 2 {
		t.Fatalf("want at least 2 snapshots, have %v", snaps)
	}
	newest := filepath.Join(dir, "zkd-snap", snaps[len(snaps)-1])
	flipMiddleBit(t, newest)

	s2 := zktest.Start(t, zktest.DataDir(dir), small)
	c2, _ := dialRaw(t, s2.Addr, 0, nil, 0, 10000)
	checkNumbered(t, c2, "/f%04d", n, "after falling back to an older snapshot")
	if err := s2.Stop(); err != nil {
		t.Fatal(err)
	}

	// A flipped bit in the middle of the (only, live) WAL segment's
	// records: refused, with the file named.
	segs, _ := filepath.Glob(filepath.Join(dir, "zkd-wal", "*.wal"))
	if len(segs) == 0 {
		t.Fatal("no wal segment")
	}
	flipBitAt(t, segs[0], 2000)
	cfg := config.Default()
	cfg.DataDir, cfg.DataLogDir = dir, dir
	small(&cfg)
	_, err := node.Start(context.Background(), cfg, node.Options{Listener: mustListen(t)})
	if err == nil || !strings.Contains(err.Error(), filepath.Base(segs[0])) {
		t.Fatalf("start on a corrupt wal: %v; want a refusal naming %s", err, filepath.Base(segs[0]))
	}
}

func flipMiddleBit(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	flipBitAt(t, path, st.Size()/2)
}

func flipBitAt(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x10
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func mustListen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// TestShutdownWritesSnapshot: a clean shutdown leaves a snapshot of
// everything applied (snapCount is far away), so the next start loads it
// and replays no log entry.
func TestShutdownWritesSnapshot(t *testing.T) {
	dir := t.TempDir()
	s1 := zktest.Start(t, zktest.DataDir(dir))
	c, _ := dialRaw(t, s1.Addr, 0, nil, 0, 10000)
	for i := range 50 {
		c.mustOK("create", proto.OpCreate, create(fmt.Sprintf("/sd%02d", i), nil, 0))
	}
	applied := s1.Node.AppliedIndex()
	if got := snapFiles(t, dir); len(got) != 0 {
		t.Fatalf("snapshots before the shutdown: %v", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s1.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	files := snapFiles(t, dir)
	if len(files) != 1 || !strings.Contains(files[0], fmt.Sprintf("%016x", applied)) {
		t.Fatalf("snapshots after the shutdown: %v, want one at index %d (0x%x)", files, applied, applied)
	}
	s2 := zktest.Start(t, zktest.DataDir(dir))
	c2, _ := dialRaw(t, s2.Addr, 0, nil, 0, 10000)
	c2.mustOK("read after restart", proto.OpGetData, &proto.GetDataRequest{Path: "/sd49"})
}
