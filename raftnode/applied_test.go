package raftnode

import (
	"context"
	"errors"
	"testing"
)

func TestAppliedTrackerReleasesWaitersInOrder(t *testing.T) {
	tests := []struct {
		name    string
		waits   []uint64 // indexes waited for, each in its own goroutine
		reports []uint64 // Applied reports, in order
		want    []bool   // whether each waiter is released
	}{
		{"exact", []uint64{5}, []uint64{5}, []bool{true}},
		{"past", []uint64{5}, []uint64{9}, []bool{true}},
		{"short", []uint64{5}, []uint64{4}, []bool{false}},
		{"backwards ignored", []uint64{5}, []uint64{3, 2}, []bool{false}},
		{"several", []uint64{3, 7, 5, 10}, []uint64{2, 5, 8}, []bool{true, true, true, false}},
		{"partial", []uint64{3, 7, 5}, []uint64{6}, []bool{true, false, true}},
		{"already applied", []uint64{0}, nil, []bool{true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tr appliedTracker
			stop := make(chan struct{})
			ctx, cancel := context.WithCancel(context.Background())
			results := make([]chan error, len(tt.waits))
			registered := 0
			for i, idx := range tt.waits {
				results[i] = make(chan error, 1)
				go func() { results[i] <- tr.wait(ctx, idx, stop) }()
				if idx > 0 {
					registered++
				}
			}
			waitFor(t, "waiters registered", 200, func() bool {
				tr.mu.Lock()
				defer tr.mu.Unlock()
				return len(tr.waiters) == registered
			})
			for _, r := range tt.reports {
				tr.report(r)
			}
			cancel()
			for i, want := range tt.want {
				err := <-results[i]
				if released := err == nil; released != want {
					t.Errorf("waiter %d (index %d): err=%v, want released=%v", i, tt.waits[i], err, want)
				}
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("waiter %d: err=%v, want context.Canceled", i, err)
				}
			}
			if len(tr.waiters) != 0 {
				t.Errorf("%d waiters left in the heap", len(tr.waiters))
			}
		})
	}
}

func TestAppliedTrackerStop(t *testing.T) {
	var tr appliedTracker
	stop := make(chan struct{})
	close(stop)
	if err := tr.wait(context.Background(), 1, stop); !errors.Is(err, ErrStopped) {
		t.Fatalf("wait after stop = %v, want ErrStopped", err)
	}
	if len(tr.waiters) != 0 {
		t.Fatalf("stopped waiter left in the heap")
	}
}
