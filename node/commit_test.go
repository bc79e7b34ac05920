package node

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/zkd-io/zkd/raftnode"
	"github.com/zkd-io/zkd/server"
	"go.etcd.io/raft/v3/raftpb"
)

func entries(from, to uint64) []*raftpb.Entry {
	var out []*raftpb.Entry
	for i := from; i <= to; i++ {
		idx := i
		out = append(out, &raftpb.Entry{Index: &idx, Data: []byte{byte(i)}})
	}
	return out
}

// TestCommitterKeepsOrderAcrossASnapshot: batches of entries go straight
// to the state loop's channel, but once a batch carries a snapshot from the
// leader, it and every batch after it wait for the pump, which loads the
// snapshot off the raft goroutine; nothing overtakes it, and afterwards
// batches go straight again.
func TestCommitterKeepsOrderAcrossASnapshot(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := newCommitter()
	release := make(chan struct{})
	loaded := make(chan struct{})
	load := func(meta *raftpb.SnapshotMetadata) (server.Committed, error) {
		close(loaded)
		<-release // a slow snapshot load
		return server.Committed{Index: meta.GetIndex()}, nil
	}
	go c.pump(ctx, load, func(*raftpb.SnapshotMetadata, error) { t.Error("load failed") })

	must := func(b raftnode.Batch) {
		t.Helper()
		if err := c.deliver(ctx, b); err != nil {
			t.Fatalf("deliver: %v", err)
		}
	}
	must(raftnode.Batch{Entries: entries(1, 2)})
	snapIdx := uint64(10)
	must(raftnode.Batch{Snapshot: &raftpb.SnapshotMetadata{Index: &snapIdx}, Entries: entries(11, 11)})
	<-loaded
	must(raftnode.Batch{Entries: entries(12, 13)}) // must wait behind the snapshot
	select {
	case got := <-c.out:
		if got[0].Index != 1 || len(got) != 2 {
			t.Fatalf("first batch = %+v", got)
		}
	case <-ctx.Done():
		t.Fatal("first batch not delivered")
	}
	select {
	case got := <-c.out:
		t.Fatalf("delivered %+v while the snapshot before it is still loading", got)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	var idx []uint64
	for len(idx) < 4 {
		select {
		case got := <-c.out:
			for _, e := range got {
				idx = append(idx, e.Index)
			}
		case <-ctx.Done():
			t.Fatalf("got %v, want [10 11 12 13]", idx)
		}
	}
	if want := []uint64{10, 11, 12, 13}; !slices.Equal(idx, want) {
		t.Fatalf("order %v, want %v", idx, want)
	}
	// The pump has caught up: the next batch goes straight through.
	waitQueued := time.Now().Add(time.Second)
	for c.queued.Load() != 0 && time.Now().Before(waitQueued) {
		time.Sleep(time.Millisecond)
	}
	must(raftnode.Batch{Entries: entries(14, 14)})
	if got := <-c.out; got[0].Index != 14 {
		t.Fatalf("after catching up got %+v", got)
	}
	if c.queued.Load() != 0 {
		t.Fatalf("queued = %d after the pump caught up, want 0", c.queued.Load())
	}
}

// TestCommitterDeliverHonoursContext: a deliver that cannot hand its batch
// over returns the context's error instead of blocking raft forever.
func TestCommitterDeliverHonoursContext(t *testing.T) {
	c := newCommitter()
	ctx, cancel := context.WithCancel(context.Background())
	for i := range commitBuffer {
		idx := uint64(i + 1)
		if err := c.deliver(ctx, raftnode.Batch{Entries: entries(idx, idx)}); err != nil {
			t.Fatalf("deliver %d: %v", idx, err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- c.deliver(ctx, raftnode.Batch{Entries: entries(999, 999)}) }()
	select {
	case err := <-done:
		t.Fatalf("deliver returned %v with the state loop's channel full", err)
	case <-time.After(20 * time.Millisecond):
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("deliver after cancel = %v, want context.Canceled", err)
	}
}
