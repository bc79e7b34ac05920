package raftnode

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestEnqueueCommitsInOrderSharingOnePersist: entries enqueued while the
// storage persists an earlier one commit in enqueue order, all in the
// next Save, and none is refused.
func TestEnqueueCommitsInOrderSharingOnePersist(t *testing.T) {
	st := newGatedStorage(t, "first")
	n := startStandalone(t, Config{Storage: st})
	t.Cleanup(st.open) // runs before Close: never leave the appender stuck in Save
	rec := record(n, true)
	failed := make(chan error, 1)
	fail := func(err error) {
		select {
		case failed <- err:
		default:
		}
	}

	n.Enqueue([]byte("first"), fail)
	<-st.entered // the appender is now blocked persisting "first"
	before := st.saves()
	const count = 2500 // more than one MsgProp's worth (maxQueuedBatch)
	want := []string{"first"}
	for i := range count {
		want = append(want, fmt.Sprintf("queued-%04d", i))
		n.Enqueue([]byte(want[len(want)-1]), fail)
	}
	settle(t, n) // every entry is in an append waiting for the storage
	st.open()
	waitFor(t, "all entries committed", 500, func() bool { return len(rec.normalData()) == count+1 })
	if got := rec.normalData(); !slices.Equal(got, want) {
		t.Fatalf("committed out of order: first %v…, want %v…", got[:min(5, len(got))], want[:5])
	}
	if got := st.saves() - before; got > 1 {
		t.Fatalf("%d entries queued during one persist took %d more Saves, want 1", count, got)
	}
	select {
	case err := <-failed:
		t.Fatalf("an entry was refused: %v", err)
	default:
	}
}

// TestEnqueueRefusals: without a leader each entry's onFail gets
// ErrNoLeader; after Close it gets ErrStopped; a nil onFail is allowed.
func TestEnqueueRefusals(t *testing.T) {
	n, err := Start(testCtx(t, time.Second), Config{ID: 1, Peers: []uint64{1, 2, 3}, TickInterval: time.Millisecond})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	record(n, true)
	errs := make(chan error, 3)
	for range 3 {
		n.Enqueue([]byte("x"), func(err error) { errs <- err })
	}
	n.Enqueue([]byte("y"), nil)
	for range 3 {
		select {
		case err := <-errs:
			if !errors.Is(err, ErrNoLeader) {
				t.Fatalf("onFail without leader: %v, want ErrNoLeader", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("onFail not called without a leader")
		}
	}
	if err := n.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	n.Enqueue([]byte("after"), func(err error) { errs <- err })
	select {
	case err := <-errs:
		if !errors.Is(err, ErrStopped) {
			t.Fatalf("onFail after Close: %v, want ErrStopped", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("onFail not called after Close")
	}
}
