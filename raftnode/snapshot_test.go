package raftnode

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/zkd-io/zkd/storage"
	"github.com/zkd-io/zkd/storage/wal"
)

// diskMember is a member whose storage is a WAL on an in-memory disk, so
// it can be stopped and restarted from what it persisted.
type diskMember struct {
	id   uint64
	n    *Node
	disk *DiskStorage
	rec  *recorder
	done bool // stopped
}

// startDisk starts member id of ids over net from its WAL in fsys, on top
// of base (the snapshot its state machine would have restored; nil for
// none).
func startDisk(t *testing.T, fsys storage.FS, net *router, ids []uint64, id uint64, base *raftpb.SnapshotMetadata) *diskMember {
	t.Helper()
	w, err := wal.Open(wal.Options{Dir: fmt.Sprintf("/wal/%d", id), FS: fsys, SegmentSize: 64 << 10, NodeID: id, ClusterID: 7})
	if err != nil {
		t.Fatalf("open wal of %d: %v", id, err)
	}
	disk, err := OpenDiskStorage(w, base)
	if err != nil {
		t.Fatalf("open storage of %d: %v", id, err)
	}
	n, err := Start(testCtx(t, 5*time.Second), Config{ID: id, Peers: ids, Storage: disk, Applied: base.GetIndex(),
		Transport: net.transport(), TickInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatalf("start %d: %v", id, err)
	}
	m := &diskMember{id: id, n: n, disk: disk, rec: record(n, true)}
	net.attach(id, n)
	t.Cleanup(m.stop) // before the router's cleanup (LIFO)
	return m
}

// stop closes the member and its WAL; it may be called more than once.
func (m *diskMember) stop() {
	if !m.done {
		m.done = true
		m.n.Close()
		m.disk.Close()
	}
}

func proposeN(t *testing.T, n *Node, tag string, count int) {
	t.Helper()
	ctx := testCtx(t, 5*time.Second)
	for i := range count {
		if err := n.Propose(ctx, fmt.Appendf(nil, "%s%d", tag, i)); err != nil {
			t.Fatalf("propose %s%d: %v", tag, i, err)
		}
	}
}

// startDiskCluster starts members 1, 2 and 3 over one router, their WALs
// on one in-memory disk.
func startDiskCluster(t *testing.T) ([]uint64, *router, *storage.FaultFS, map[uint64]*diskMember) {
	t.Helper()
	ids := []uint64{1, 2, 3}
	net := newRouter(ids)
	t.Cleanup(net.close)
	fsys := storage.NewFaultFS()
	ms := map[uint64]*diskMember{}
	for _, id := range ids {
		ms[id] = startDisk(t, fsys, net, ids, id, nil)
	}
	return ids, net, fsys, ms
}

// leadAndCommit waits for one of ms to lead, proposes count entries
// tag0, tag1, ... there and waits until every member delivered the last.
func leadAndCommit(t *testing.T, ms map[uint64]*diskMember, tag string, count int) *diskMember {
	t.Helper()
	var leader *diskMember
	waitFor(t, "a leader", 500, func() bool {
		for _, m := range ms {
			if m.n.IsLeader() {
				leader = m
				return true
			}
		}
		return false
	})
	proposeN(t, leader.n, tag, count)
	last := fmt.Sprintf("%s%d", tag, count-1)
	for _, m := range ms {
		waitFor(t, fmt.Sprintf("member %d to commit %s", m.id, last), 500, func() bool { return m.hasData(last) })
	}
	return leader
}

// hasData reports whether the member delivered a normal entry with data.
func (m *diskMember) hasData(data string) bool {
	return slices.Contains(m.rec.normalData(), data)
}

// TestStoppedMemberCatchesUpBySnapshot: a member stopped while the
// leader compacts its log past it gets the leader's snapshot when it
// restarts. Committed hands it a Batch with the snapshot set, in order:
// after the entries its own log replayed and before every entry that
// follows the snapshot. A second restart, from that snapshot, replays only
// what came after it.
func TestStoppedMemberCatchesUpBySnapshot(t *testing.T) {
	ids, net, fsys, ms := startDiskCluster(t)
	leader := leadAndCommit(t, ms, "a", 10)

	var lag, other *diskMember
	for _, id := range ids {
		if m := ms[id]; m != leader {
			if lag == nil {
				lag = m
			} else {
				other = m
			}
		}
	}
	lag.stop()
	net.detach(lag.id)
	lagLast, _ := lag.disk.LastIndex()

	proposeN(t, leader.n, "b", 30)
	waitFor(t, "b29 applied on the leader and the other follower", 500, func() bool {
		return leader.hasData("b29") && other.hasData("b29")
	})
	// The leader snapshots everything it applied and drops its log up
	// to there, so the stopped member can only catch up by snapshot.
	snapIndex := leader.n.AppliedIndex()
	if err := leader.disk.CreateSnapshot(snapIndex, leader.n.ConfState()); err != nil {
		t.Fatal(err)
	}
	if err := leader.disk.Compact(snapIndex+1, 0); err != nil {
		t.Fatal(err)
	}
	if first, _ := leader.disk.FirstIndex(); first != snapIndex+1 || lagLast >= snapIndex {
		t.Fatalf("leader log starts at %d, snapshot at %d, stopped member's log ends at %d", first, snapIndex, lagLast)
	}
	proposeN(t, leader.n, "c", 5)

	lag = startDisk(t, fsys, net, ids, lag.id, nil)
	waitFor(t, "the restarted member to apply c4", 500, func() bool { return lag.hasData("c4") })
	proposeN(t, leader.n, "d", 5)
	waitFor(t, "the restarted member to apply d4", 500, func() bool { return lag.hasData("d4") })

	snaps := lag.rec.installs()
	if len(snaps) != 1 || snaps[0].meta.GetIndex() != snapIndex {
		t.Fatalf("snapshots delivered: %v, want one at %d", snaps, snapIndex)
	}
	ents := lag.rec.snapshot()
	before, after := ents[:snaps[0].before], ents[snaps[0].before:]
	for i, e := range before {
		if e.GetIndex() != uint64(i+1) || e.GetIndex() > lagLast {
			t.Fatalf("entry %d before the snapshot has index %d (own log ends at %d)", i, e.GetIndex(), lagLast)
		}
	}
	for i, e := range after {
		if e.GetIndex() != snapIndex+1+uint64(i) {
			t.Fatalf("entry %d after the snapshot has index %d, want %d", i, e.GetIndex(), snapIndex+1+uint64(i))
		}
	}
	var got []string
	for _, e := range after {
		if len(e.GetData()) > 0 {
			got = append(got, string(e.GetData()))
		}
	}
	if want := "c0 c1 c2 c3 c4 d0 d1 d2 d3 d4"; strings.Join(got, " ") != want {
		t.Fatalf("entries after the snapshot carry %v, want %s", got, want)
	}

	// Restarting from the installed snapshot (as the consumer would, having
	// restored it) replays only the entries after it.
	lag.stop()
	lag = startDisk(t, fsys, net, ids, lag.id, snaps[0].meta)
	waitFor(t, "the member restarted from the snapshot to replay d4", 500, func() bool { return lag.hasData("d4") })
	if ents := lag.rec.snapshot(); ents[0].GetIndex() != snapIndex+1 || len(lag.rec.installs()) != 0 {
		t.Fatalf("restart from the snapshot delivered index %d first and %d snapshots", ents[0].GetIndex(), len(lag.rec.installs()))
	}
}
