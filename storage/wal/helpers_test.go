package wal

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/zkd-io/zkd/storage"
)

const (
	testDir  = "/data/wal"
	smallSeg = MinSegmentSize
)

func testOpts(d storage.FS) Options {
	return Options{Dir: testDir, FS: d, SegmentSize: smallSeg, NodeID: 1, ClusterID: 7}
}

func mustOpen(t testing.TB, opts Options) *WAL {
	t.Helper()
	w, err := Open(opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return w
}

// payload returns n non-zero bytes that depend on index and term.
func payload(index, term uint64, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(index*31+term*7+uint64(i)) | 1
	}
	return b
}

func ent(index, term uint64, n int) *raftpb.Entry {
	return &raftpb.Entry{Index: new(index), Term: new(term), Type: raftpb.EntryNormal.Enum(), Data: payload(index, term, n)}
}

// ents returns entries lo..hi of term, each with n bytes of data.
func ents(lo, hi, term uint64, n int) []*raftpb.Entry {
	var out []*raftpb.Entry
	for i := lo; i <= hi; i++ {
		out = append(out, ent(i, term, n))
	}
	return out
}

func hs(term, vote, commit uint64) *raftpb.HardState {
	return &raftpb.HardState{Term: new(term), Vote: new(vote), Commit: new(commit)}
}

func mustSave(t testing.TB, w *WAL, h *raftpb.HardState, es []*raftpb.Entry) {
	t.Helper()
	if err := w.Save(h, es); err != nil {
		t.Fatalf("save: %v", err)
	}
}

// saveBatches saves 120 batches of 1 to 5 entries of growing size from
// index 1, enough to fill several test segments; batch i has term
// term(i). It returns the entries saved and the index after the last.
func saveBatches(t testing.TB, w *WAL, term func(i int) uint64) ([]*raftpb.Entry, uint64) {
	t.Helper()
	var saved []*raftpb.Entry
	next := uint64(1)
	for i := range 120 {
		batch := ents(next, next+uint64(i%5), term(i), 40+i)
		next += uint64(len(batch))
		saved = append(saved, batch...)
		mustSave(t, w, hs(1, 1, next-1), batch)
	}
	return saved, next
}

func entString(e *raftpb.Entry) string {
	return fmt.Sprintf("%d/%d/%d/%x", e.GetIndex(), e.GetTerm(), e.GetType(), e.GetData())
}

func sameEntries(a, b []*raftpb.Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if entString(a[i]) != entString(b[i]) {
			return false
		}
	}
	return true
}

func describe(es []*raftpb.Entry) string {
	if len(es) == 0 {
		return "[]"
	}
	return fmt.Sprintf("[%d..%d] (%d entries)", es[0].GetIndex(), es[len(es)-1].GetIndex(), len(es))
}

func checkEntries(t testing.TB, got, want []*raftpb.Entry) {
	t.Helper()
	if !sameEntries(got, want) {
		t.Fatalf("entries %s, want %s", describe(got), describe(want))
	}
}

func sameHS(a, b *raftpb.HardState) bool {
	return hardStateOf(a) == hardStateOf(b)
}

// reopen closes w (ignoring errors) and reads the log back.
func reopen(t testing.TB, w *WAL, opts Options) (*WAL, *raftpb.HardState, []*raftpb.Entry, SnapshotMarker) {
	t.Helper()
	if w != nil {
		w.Close()
	}
	w = mustOpen(t, opts)
	h, es, snap, err := w.ReadAll()
	if err != nil {
		t.Fatalf("read all: %v", err)
	}
	return w, h, es, snap
}

// segmentFiles lists the segment paths in dir.
func segmentFiles(t testing.TB, d storage.FS) []string {
	t.Helper()
	des, err := d.ReadDir(testDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		if strings.HasSuffix(de.Name(), segmentExt) {
			out = append(out, filepath.Join(testDir, de.Name()))
		}
	}
	return out
}

func readFile(t testing.TB, d storage.FS, path string) []byte {
	t.Helper()
	f, err := d.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeFile writes a file durably.
func writeFile(t testing.TB, d storage.FS, path string, data []byte) {
	t.Helper()
	f, err := d.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := d.SyncDir(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
}

// cloneDisk copies every file of the log directory to a fresh FaultFS,
// passing each through edit (which may return nil to leave a file out).
func cloneDisk(t testing.TB, src storage.FS, edit func(path string, data []byte) []byte) *storage.FaultFS {
	t.Helper()
	dst := storage.NewFaultFS()
	if err := dst.MkdirAll(testDir, 0o755); err != nil {
		t.Fatal(err)
	}
	des, err := src.ReadDir(testDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		path := filepath.Join(testDir, de.Name())
		data := readFile(t, src, path)
		if edit != nil {
			data = edit(path, bytes.Clone(data))
		}
		if data != nil {
			writeFile(t, dst, path, data)
		}
	}
	return dst
}

// wantRefusal checks that err wraps kind and names the file, the offset
// and the remedy.
func wantRefusal(t testing.TB, err, kind error, mentions ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("open succeeded, want %v", kind)
	}
	if !isErr(err, kind) {
		t.Fatalf("error %q does not wrap %v", err, kind)
	}
	for _, m := range append(mentions, "restore this member") {
		if !strings.Contains(err.Error(), m) {
			t.Fatalf("error %q does not mention %q", err, m)
		}
	}
}
