package wal

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/zkd-io/zkd/storage"
)

func isErr(err, target error) bool { return errors.Is(err, target) }

func TestNewLogIsEmpty(t *testing.T) {
	d := storage.NewFaultFS()
	w := mustOpen(t, testOpts(d))
	h, es, snap, err := w.ReadAll()
	if err != nil || !sameHS(h, &raftpb.HardState{}) || len(es) != 0 || snap != (SnapshotMarker{}) {
		t.Fatalf("ReadAll = %v %v %v %v", h, es, snap, err)
	}
	if _, _, _, err := w.ReadAll(); err == nil {
		t.Fatal("second ReadAll succeeded")
	}
	segs := segmentFiles(t, d)
	if len(segs) != 1 || filepath.Base(segs[0]) != "0000000000000000-0000000000000001.wal" {
		t.Fatalf("segments %v", segs)
	}
	if got := len(readFile(t, d, segs[0])); got != smallSeg {
		t.Fatalf("segment is %d bytes, want pre-allocated %d", got, smallSeg)
	}
	// The new directory and segment survive a crash right after Open.
	d.Crash()
	d.Reboot()
	_, _, es, _ = reopen(t, nil, testOpts(d))
	if len(es) != 0 {
		t.Fatalf("entries after crash: %d", len(es))
	}
}

func TestRoundTrip(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	mustSave(t, w, hs(1, 1, 0), ents(1, 3, 1, 10))
	mustSave(t, w, nil, ents(4, 4, 1, 0))
	mustSave(t, w, hs(1, 1, 4), nil)
	confChange := ent(5, 2, 20)
	confChange.Type = raftpb.EntryConfChange.Enum()
	mustSave(t, w, hs(2, 3, 4), []*raftpb.Entry{confChange})
	mustSave(t, w, &raftpb.HardState{}, nil) // empty: no-op
	want := append(ents(1, 4, 1, 10)[:3], ent(4, 1, 0), confChange)
	_, h, es, snap := reopen(t, w, opts)
	checkEntries(t, es, want)
	if !sameHS(h, hs(2, 3, 4)) || snap != (SnapshotMarker{}) {
		t.Fatalf("hs %v snap %v", h, snap)
	}
	if es[3].Data != nil {
		t.Fatalf("empty data came back as %v", es[3].Data)
	}
}

func TestManySegments(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	want, next := saveBatches(t, w, func(int) uint64 { return 1 })
	// One batch larger than a whole segment goes to a segment of its own.
	big := ents(next, next+40, 1, 150)
	want = append(want, big...)
	mustSave(t, w, nil, big)
	segs := segmentFiles(t, d)
	if len(segs) < 10 {
		t.Fatalf("only %d segments", len(segs))
	}
	for i, p := range segs {
		s, ok := parseSegmentName(filepath.Base(p))
		if !ok || s.seq != uint64(i) {
			t.Fatalf("segment %d is %s", i, p)
		}
	}
	_, h, es, _ := reopen(t, w, opts)
	checkEntries(t, es, want)
	if !sameHS(h, hs(1, 1, next-1)) {
		t.Fatalf("hs %v", h)
	}
}

func TestOverwriteConflictingTail(t *testing.T) {
	tests := []struct {
		name string
		seg  int64
	}{
		{"within a segment", 1 << 20},
		{"across segments", smallSeg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := storage.NewFaultFS()
			opts := testOpts(d)
			opts.SegmentSize = tc.seg
			w := mustOpen(t, opts)
			for i := uint64(1); i <= 60; i += 10 {
				mustSave(t, w, nil, ents(i, i+9, 1, 100))
			}
			mustSave(t, w, hs(2, 2, 5), ents(6, 8, 2, 30)) // raft replaced 6..60
			mustSave(t, w, nil, ents(9, 9, 2, 30))
			w, _, es, _ := reopen(t, w, opts)
			want := append(ents(1, 5, 1, 100), ents(6, 9, 2, 30)...)
			checkEntries(t, es, want)
			// The overwrite also holds when the log is appended to after reopening.
			mustSave(t, w, nil, ents(10, 12, 2, 30))
			_, _, es, _ = reopen(t, w, opts)
			checkEntries(t, es, append(want, ents(10, 12, 2, 30)...))
		})
	}
}

func TestSaveRefusesIndexGap(t *testing.T) {
	d := storage.NewFaultFS()
	w := mustOpen(t, testOpts(d))
	mustSave(t, w, nil, ents(1, 3, 1, 10))
	if err := w.Save(nil, ents(5, 6, 1, 10)); !errors.Is(err, ErrIndexGap) {
		t.Fatalf("gap after the log: %v", err)
	}
	if err := w.Save(nil, []*raftpb.Entry{ent(4, 1, 1), ent(6, 1, 1)}); !errors.Is(err, ErrIndexGap) {
		t.Fatalf("gap inside a batch: %v", err)
	}
	mustSave(t, w, nil, ents(4, 4, 1, 10)) // still usable
}

func TestSnapshotMarker(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	mustSave(t, w, hs(1, 1, 20), ents(1, 20, 1, 50))
	if err := w.SaveSnapshot(SnapshotMarker{Index: 10, Term: 1}); err != nil {
		t.Fatal(err)
	}
	w, _, es, snap := reopen(t, w, opts)
	checkEntries(t, es, ents(11, 20, 1, 50))
	if snap != (SnapshotMarker{Index: 10, Term: 1}) {
		t.Fatalf("snap %v", snap)
	}
	// A follower installs a snapshot beyond its log and continues after it.
	if err := w.SaveSnapshot(SnapshotMarker{Index: 100, Term: 3}); err != nil {
		t.Fatal(err)
	}
	mustSave(t, w, hs(3, 2, 102), ents(101, 102, 3, 50))
	if err := w.Save(nil, ents(21, 21, 1, 5)); !errors.Is(err, ErrIndexGap) {
		t.Fatalf("entry below the marker accepted after it: %v", err)
	}
	_, h, es, snap := reopen(t, w, opts)
	checkEntries(t, es, ents(101, 102, 3, 50))
	if snap != (SnapshotMarker{Index: 100, Term: 3}) || !sameHS(h, hs(3, 2, 102)) {
		t.Fatalf("snap %v hs %v", snap, h)
	}
}

// TestInstallSnapshotInsideTheLog: a snapshot from the leader whose index
// the log holds with another term replaces the log; the old tail after it
// is dead, live and after a restart.
func TestInstallSnapshotInsideTheLog(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	mustSave(t, w, hs(1, 1, 5), ents(1, 20, 1, 50))
	if err := w.InstallSnapshot(SnapshotMarker{Index: 15, Term: 2}); err != nil {
		t.Fatal(err)
	}
	w, _, es, snap := reopen(t, w, opts)
	if len(es) != 0 || snap != (SnapshotMarker{Index: 15, Term: 2}) {
		t.Fatalf("after install: %d entries, marker %v; want none and {15 2}", len(es), snap)
	}
	if err := w.Save(nil, ents(18, 18, 2, 5)); !errors.Is(err, ErrIndexGap) {
		t.Fatalf("entry past the installed snapshot's end accepted: %v", err)
	}
	mustSave(t, w, hs(2, 3, 17), ents(16, 17, 2, 50))
	_, h, es, snap := reopen(t, w, opts)
	checkEntries(t, es, ents(16, 17, 2, 50))
	if snap != (SnapshotMarker{Index: 15, Term: 2}) || !sameHS(h, hs(2, 3, 17)) {
		t.Fatalf("snap %v hs %v", snap, h)
	}
}

func TestReleaseTo(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	mustSave(t, w, hs(1, 1, 0), nil) // only ever saved in the first segment
	for i := uint64(1); i <= 300; i += 10 {
		mustSave(t, w, nil, ents(i, i+9, 1, 100))
	}
	if err := w.ReleaseTo(200); !errors.Is(err, ErrNotSnapshotted) {
		t.Fatalf("release without snapshot: %v", err)
	}
	if err := w.SaveSnapshot(SnapshotMarker{Index: 200, Term: 1}); err != nil {
		t.Fatal(err)
	}
	before := len(segmentFiles(t, d))
	if err := w.ReleaseTo(200); err != nil {
		t.Fatal(err)
	}
	after := segmentFiles(t, d)
	if len(after) >= before-3 {
		t.Fatalf("release kept %d of %d segments", len(after), before)
	}
	first, _ := parseSegmentName(filepath.Base(after[0]))
	second, _ := parseSegmentName(filepath.Base(after[1]))
	if first.index > 200 || second.index <= 200 {
		t.Fatalf("kept segments start at %d and %d; the first must hold entry 200", first.index, second.index)
	}
	// Releases are durable, and what is left replays on its own.
	d.Crash()
	d.Reboot()
	w, h, es, snap := reopen(t, nil, opts)
	if got := segmentFiles(t, d); len(got) != len(after) {
		t.Fatalf("%d segments after crash, want %d", len(got), len(after))
	}
	checkEntries(t, es, ents(201, 300, 1, 100))
	if snap.Index != 200 || !sameHS(h, hs(1, 1, 0)) {
		t.Fatalf("snap %v hs %v", snap, h)
	}
	if err := w.ReleaseTo(200); err != nil {
		t.Fatalf("second release: %v", err)
	}
	if got := segmentFiles(t, d); len(got) != len(after) {
		t.Fatalf("repeated release removed more: %d", len(got))
	}
	w.Close()
}

func TestIdentity(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	mustSave(t, w, nil, ents(1, 1, 1, 1))
	w.Close()
	tests := []struct {
		name            string
		node, cluster   uint64
		wantErr         bool
		mentionsNode    string
		mentionsCluster string
	}{
		{"same", 1, 7, false, "", ""},
		{"other node", 2, 7, true, "node 1", "node 2"},
		{"other cluster", 1, 8, true, "cluster 7", "cluster 8"},
		{"unspecified", 0, 0, false, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := opts
			o.NodeID, o.ClusterID = tc.node, tc.cluster
			w, err := Open(o)
			if !tc.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				if n, c := w.IDs(); n != 1 || c != 7 {
					t.Fatalf("IDs = %d, %d", n, c)
				}
				w.Close()
				return
			}
			if !errors.Is(err, ErrIdentity) {
				t.Fatalf("err %v", err)
			}
			for _, m := range []string{tc.mentionsNode, tc.mentionsCluster, "0000000000000000-0000000000000001.wal"} {
				if !strings.Contains(err.Error(), m) {
					t.Fatalf("%q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestClosed(t *testing.T) {
	w := mustOpen(t, testOpts(storage.NewFaultFS()))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		w.Save(nil, ents(1, 1, 1, 1)), w.SaveSnapshot(SnapshotMarker{Index: 1}), w.ReleaseTo(0), w.Close(),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("after close: %v", err)
		}
	}
}

func TestSlowSyncLogged(t *testing.T) {
	var logs bytes.Buffer
	opts := testOpts(storage.NewFaultFS())
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	opts.SlowSync = time.Nanosecond
	w := mustOpen(t, opts)
	mustSave(t, w, nil, ents(1, 1, 1, 1))
	if !strings.Contains(logs.String(), "slow fsync") {
		t.Fatalf("no slow fsync logged: %s", logs.String())
	}
}

func TestOptionsValidated(t *testing.T) {
	for _, o := range []Options{{}, {Dir: "/x", FS: storage.NewFaultFS(), SegmentSize: 100}} {
		if _, err := Open(o); err == nil {
			t.Fatalf("Open(%+v) succeeded", o)
		}
	}
}

// TestRealFilesystem runs the log on the OS: pre-allocation, fdatasync,
// cuts, release and a torn tail.
func TestRealFilesystem(t *testing.T) {
	opts := Options{Dir: filepath.Join(t.TempDir(), "wal"), SegmentSize: 16 << 10, NodeID: 1, ClusterID: 2}
	w := mustOpen(t, opts)
	for i := uint64(1); i <= 400; i += 4 {
		mustSave(t, w, hs(1, 1, i), ents(i, i+3, 1, 100))
	}
	if err := w.SaveSnapshot(SnapshotMarker{Index: 300, Term: 1}); err != nil {
		t.Fatal(err)
	}
	if err := w.ReleaseTo(300); err != nil {
		t.Fatal(err)
	}
	path, off := w.path, w.off
	w.Close()
	segs, err := listSegments(storage.OS{}, opts.Dir)
	if err != nil || len(segs) < 2 || segs[0].seq == 0 {
		t.Fatalf("segments after release: %v %v", segs, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() != opts.SegmentSize {
		t.Fatalf("live segment: %v, %v; want %d bytes", fi, err, opts.SegmentSize)
	}
	// Half a record at the end, as a crash mid-write leaves it.
	rec := appendEntry(nil, ent(401, 1, 100))
	seal(rec, 12345)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(rec[:len(rec)/2], off); err != nil {
		t.Fatal(err)
	}
	f.Close()
	w, _, es, snap := reopen(t, nil, opts)
	checkEntries(t, es, ents(301, 400, 1, 100))
	if snap.Index != 300 {
		t.Fatalf("snap %v", snap)
	}
	mustSave(t, w, nil, ents(401, 401, 2, 10))
	_, _, es, _ = reopen(t, w, opts)
	checkEntries(t, es, append(ents(301, 400, 1, 100), ents(401, 401, 2, 10)...))
}

// TestReadAllFrom replays from a snapshot older than the marker (the
// newest snapshot being unreadable) while the log still holds the entries,
// and refuses once they were released.
func TestReadAllFrom(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	for i := uint64(1); i <= 300; i += 10 {
		mustSave(t, w, hs(1, 1, i+9), ents(i, i+9, 1, 100))
	}
	if err := w.SaveSnapshot(SnapshotMarker{Index: 250, Term: 1}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	w = mustOpen(t, opts)
	h, es, snap, err := w.ReadAllFrom(120)
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, es, ents(121, 300, 1, 100))
	if snap.Index != 250 || !sameHS(h, hs(1, 1, 300)) {
		t.Fatalf("snap %v hs %v", snap, h)
	}
	// Releasing behind the marker removes what a replay from 120 needs.
	if err := w.ReleaseTo(250); err != nil {
		t.Fatal(err)
	}
	w.Close()
	w = mustOpen(t, opts)
	if _, _, _, err := w.ReadAllFrom(120); !errors.Is(err, ErrIndexGap) {
		t.Fatalf("replay from a released index: %v", err)
	}
	w.Close()
	w = mustOpen(t, opts)
	_, es, _, err = w.ReadAllFrom(260)
	if err != nil {
		t.Fatal(err)
	}
	checkEntries(t, es, ents(261, 300, 1, 100))
	w.Close()
}

// TestCommitOnlyHardStateIsLazy: a HardState changing only the commit
// index is not fsynced on its own (a crash may lose it, never an entry),
// and a segment cut first syncs it, so no non-last segment ends torn.
func TestCommitOnlyHardStateIsLazy(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	mustSave(t, w, hs(1, 1, 0), ents(1, 5, 1, 50))
	var syncs int
	d.SetHook(func(p storage.Point) {
		if p.Op == "sync" && !p.After {
			syncs++
		}
	})
	mustSave(t, w, hs(1, 1, 5), nil)
	if syncs != 0 {
		t.Fatalf("a commit-only HardState cost %d fsyncs", syncs)
	}
	mustSave(t, w, hs(2, 1, 5), nil)
	if syncs != 1 {
		t.Fatalf("a term change cost %d fsyncs, want 1", syncs)
	}
	mustSave(t, w, hs(2, 1, 6), nil)
	d.SetHook(nil)
	d.Crash()
	d.Reboot()
	w, h, es, _ := reopen(t, nil, opts)
	checkEntries(t, es, ents(1, 5, 1, 50))
	if h.GetTerm() != 2 || h.GetCommit() > 6 {
		t.Fatalf("hard state after crash: %v", h)
	}
	// Fill the segment with commit-only records, then force a cut: the
	// old segment is synced before the new one appears.
	for i := uint64(0); i < 300; i++ {
		mustSave(t, w, hs(2, 1, 6+i%2), nil)
	}
	mustSave(t, w, nil, ents(6, 6, 2, int(smallSeg)))
	d.CrashTorn(3)
	d.Reboot()
	w, _, es, _ = reopen(t, nil, opts)
	checkEntries(t, es, append(ents(1, 5, 1, 50), ents(6, 6, 2, int(smallSeg))...))
	w.Close()
}
