package raftnode

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/zkd-io/zkd/storage"
	"github.com/zkd-io/zkd/storage/wal"
)

func openTestDisk(t *testing.T, fsys storage.FS, base *raftpb.SnapshotMetadata) *DiskStorage {
	t.Helper()
	w, err := wal.Open(wal.Options{Dir: "/wal", FS: fsys, SegmentSize: 64 << 10, NodeID: 1, ClusterID: 7})
	if err != nil {
		t.Fatal(err)
	}
	d, err := OpenDiskStorage(w, base)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func testEntry(index, term uint64) *raftpb.Entry {
	return &raftpb.Entry{Index: new(index), Term: new(term), Type: raftpb.EntryNormal.Enum(), Data: fmt.Appendf(nil, "entry %d of term %d", index, term)}
}

// termOf is the term testEntries gives entry i: 1 up to 40, then 2, and 3
// from 90 on.
func termOf(i uint64) uint64 {
	switch {
	case i == 0:
		return 0
	case i <= 40:
		return 1
	case i < 90:
		return 2
	}
	return 3
}

// checkLog reads entries lo..hi-1 and every term from lo-1 on through the
// raft.Storage interface and compares them with what was saved.
func checkLog(t *testing.T, d *DiskStorage, lo, hi uint64) {
	t.Helper()
	ents, err := d.Entries(lo, hi, math.MaxUint64)
	if err != nil || uint64(len(ents)) != hi-lo {
		t.Fatalf("entries %d..%d: %d entries, err %v", lo, hi-1, len(ents), err)
	}
	for k, e := range ents {
		if want := testEntry(lo+uint64(k), termOf(lo+uint64(k))); !proto.Equal(e, want) {
			t.Fatalf("entry %d is %v, want %v", lo+uint64(k), e, want)
		}
	}
	for i := lo - 1; i < hi; i++ {
		if got, err := d.Term(i); err != nil || got != termOf(i) {
			t.Fatalf("term of %d = %d, %v; want %d", i, got, err, termOf(i))
		}
	}
}

// TestDiskStorageTrimsMemoryAndReadsTheWAL pins the memory window: after
// Trim, entries behind it come back from the WAL with their terms, across
// the boundary with memory, under the size limit, after Compact, a
// snapshot at an index only on disk and a restart.
func TestDiskStorageTrimsMemoryAndReadsTheWAL(t *testing.T) {
	fsys := storage.NewFaultFS()
	d := openTestDisk(t, fsys, nil)
	d.KeepInMemory(10)
	for lo := uint64(1); lo <= 100; lo += 7 {
		var batch []*raftpb.Entry
		for i := lo; i < lo+7 && i <= 100; i++ {
			batch = append(batch, testEntry(i, termOf(i)))
		}
		if err := d.Save(nil, batch); err != nil {
			t.Fatal(err)
		}
	}
	memFirst := func() uint64 { f, _ := d.ms.FirstIndex(); return f }

	d.Trim(10) // only keep (10) entries delivered: nothing moves
	if memFirst() != 1 {
		t.Fatalf("memory starts at %d after Trim(10)", memFirst())
	}
	d.Trim(95)
	if memFirst() != 86 {
		t.Fatalf("memory starts at %d after Trim(95), want 86", memFirst())
	}
	if first, _ := d.FirstIndex(); first != 1 {
		t.Fatalf("first index %d after a trim, want 1", first)
	}
	checkLog(t, d, 1, 101)
	checkLog(t, d, 80, 90) // across the boundary
	// A second trim moves more entries out.
	var more []*raftpb.Entry
	for i := uint64(101); i <= 140; i++ {
		more = append(more, testEntry(i, termOf(i)))
	}
	if err := d.Save(nil, more); err != nil {
		t.Fatal(err)
	}
	d.Trim(135)
	if memFirst() != 126 {
		t.Fatalf("memory starts at %d after Trim(135), want 126", memFirst())
	}
	checkLog(t, d, 1, 141)
	// Size limits hold across the boundary too.
	size := func(lo, hi uint64) uint64 {
		n := uint64(0)
		for i := lo; i < hi; i++ {
			n += uint64(proto.Size(testEntry(i, termOf(i))))
		}
		return n
	}
	for _, c := range []struct{ lo, max, want uint64 }{
		{50, 1, 1}, {80, size(80, 86), 6}, {80, size(80, 88), 8}, {80, size(80, 88) + 1, 8},
	} {
		if ents, err := d.Entries(c.lo, 101, c.max); err != nil || uint64(len(ents)) != c.want {
			t.Fatalf("entries from %d under %d bytes: %d, %v; want %d", c.lo, c.max, len(ents), err, c.want)
		}
	}

	// A snapshot at an index that is only in the WAL.
	cs := &raftpb.ConfState{Voters: []uint64{1}}
	if err := d.CreateSnapshot(60, cs); err != nil {
		t.Fatal(err)
	}
	if s, _ := d.Snapshot(); s.GetMetadata().GetIndex() != 60 || s.GetMetadata().GetTerm() != 2 {
		t.Fatalf("snapshot %v", s.GetMetadata())
	}
	// Compacting inside the WAL-only part, then past it.
	if err := d.Compact(55, 0); err != nil {
		t.Fatal(err)
	}
	if first, _ := d.FirstIndex(); first != 55 {
		t.Fatalf("first index %d after Compact(55)", first)
	}
	if _, err := d.Entries(54, 60, math.MaxUint64); !errors.Is(err, raft.ErrCompacted) {
		t.Fatalf("entries before the first: %v", err)
	}
	if _, err := d.Term(53); !errors.Is(err, raft.ErrCompacted) {
		t.Fatalf("term before the first: %v", err)
	}
	checkLog(t, d, 55, 141)

	// A restart from the snapshot replays the log after it; trimming works
	// on replayed entries too.
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	s, _ := d.Snapshot()
	d = openTestDisk(t, fsys, s.GetMetadata())
	d.KeepInMemory(10)
	checkLog(t, d, 61, 141)
	d.Trim(140)
	if memFirst() != 131 {
		t.Fatalf("memory starts at %d after a restart and Trim(140), want 131", memFirst())
	}
	checkLog(t, d, 61, 141)
	if err := d.Compact(95, 60); err != nil {
		t.Fatal(err)
	}
	checkLog(t, d, 95, 141)

	// A snapshot from the leader replaces everything.
	if err := d.ApplySnapshot(&raftpb.Snapshot{Metadata: &raftpb.SnapshotMetadata{Index: new(uint64(200)), Term: new(uint64(4)), ConfState: cs}}); err != nil {
		t.Fatal(err)
	}
	if first, _ := d.FirstIndex(); first != 201 {
		t.Fatalf("first index %d after installing a snapshot at 200", first)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestLaggingMemberCatchesUpFromTheWAL: with a memory window of 8
// entries, a member stopped for 200 entries catches up from the leader's
// WAL, without a snapshot.
func TestLaggingMemberCatchesUpFromTheWAL(t *testing.T) {
	ids, net, fsys, ms := startDiskCluster(t)
	for _, m := range ms {
		m.disk.KeepInMemory(8)
	}
	leader := leadAndCommit(t, ms, "a", 10)
	var lag *diskMember
	for _, id := range ids {
		if ms[id] != leader {
			lag = ms[id]
			break
		}
	}
	lag.stop()
	net.detach(lag.id)
	lagLast, _ := lag.disk.LastIndex()

	proposeN(t, leader.n, "b", 200)
	waitFor(t, "b199 applied on the leader", 500, func() bool { return leader.hasData("b199") })
	memFirst, _ := leader.disk.ms.FirstIndex()
	if first, _ := leader.disk.FirstIndex(); first > lagLast || memFirst <= lagLast+1 {
		t.Fatalf("leader's log starts at %d, its memory at %d; the stopped member ends at %d", first, memFirst, lagLast)
	}

	lag = startDisk(t, fsys, net, ids, lag.id, nil)
	lag.disk.KeepInMemory(8)
	waitFor(t, "the restarted member to apply b199", 500, func() bool { return lag.hasData("b199") })
	if n := len(lag.rec.installs()); n != 0 {
		t.Fatalf("the member got %d snapshots, want none", n)
	}
	got := lag.rec.normalData()
	for i := range 200 {
		if !lag.hasData(fmt.Sprintf("b%d", i)) {
			t.Fatalf("restarted member lacks b%d (has %d entries)", i, len(got))
		}
	}
}

// TestDiskStorageReleaseKeepsWhatRaftReads: a WAL release keeps the
// segments of entries that are only on disk; and entries whose segments a
// release removed before they left memory leave the log when they leave
// memory (the snapshot covers them).
func TestDiskStorageReleaseKeepsWhatRaftReads(t *testing.T) {
	entry := func(i uint64) *raftpb.Entry {
		e := testEntry(i, 1)
		e.Data = append(e.Data, make([]byte, 100)...)
		return e
	}
	fill := func(t *testing.T) (*DiskStorage, storage.FS) {
		fsys := storage.NewFaultFS()
		d := openTestDisk(t, fsys, nil)
		d.KeepInMemory(10)
		for i := uint64(1); i <= 3000; i++ {
			if err := d.Save(nil, []*raftpb.Entry{entry(i)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.CreateSnapshot(2000, &raftpb.ConfState{Voters: []uint64{1}}); err != nil {
			t.Fatal(err)
		}
		return d, fsys
	}
	readFrom := func(t *testing.T, d *DiskStorage, first uint64) {
		t.Helper()
		if got, _ := d.FirstIndex(); got != first {
			t.Fatalf("first index %d, want %d", got, first)
		}
		ents, err := d.Entries(first, 3001, math.MaxUint64)
		if err != nil || uint64(len(ents)) != 3001-first {
			t.Fatalf("entries from %d: %d, %v", first, len(ents), err)
		}
		for k, e := range ents {
			if !proto.Equal(e, entry(first+uint64(k))) {
				t.Fatalf("entry %d differs", first+uint64(k))
			}
		}
		if term, err := d.Term(first - 1); err != nil || term != min(first-1, 1) {
			t.Fatalf("term of %d: %d, %v", first-1, term, err)
		}
		if first > 1 {
			if _, err := d.Entries(first-1, first+1, math.MaxUint64); !errors.Is(err, raft.ErrCompacted) {
				t.Fatalf("entry before the first: %v", err)
			}
		}
	}
	t.Run("release after trim", func(t *testing.T) {
		d, fsys := fill(t)
		d.Trim(2990)
		before := len(segments(t, fsys))
		if err := d.Compact(1, 2000); err != nil {
			t.Fatal(err)
		}
		if after := len(segments(t, fsys)); after != before {
			t.Fatalf("release removed %d of %d segments holding entries raft may read", before-after, before)
		}
		readFrom(t, d, 1)
		d.Close()
	})
	t.Run("trim after release", func(t *testing.T) {
		d, fsys := fill(t)
		before := len(segments(t, fsys))
		if err := d.Compact(1, 2000); err != nil {
			t.Fatal(err)
		}
		if after := len(segments(t, fsys)); after >= before {
			t.Fatalf("release kept all %d segments", before)
		}
		readFrom(t, d, 1) // still in memory
		d.Trim(2990)
		first, _ := d.FirstIndex()
		if first <= 1 || first > 2000 {
			t.Fatalf("first index %d after the trim, want the first entry still on disk", first)
		}
		readFrom(t, d, first)
		d.Close()
	})
}

// segments lists the WAL's segment files.
func segments(t *testing.T, fsys storage.FS) []string {
	t.Helper()
	des, err := fsys.ReadDir("/wal")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		if strings.HasSuffix(de.Name(), ".wal") {
			out = append(out, de.Name())
		}
	}
	return out
}
