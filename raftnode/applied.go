package raftnode

import (
	"container/heap"
	"context"
	"sync"
)

// appliedTracker holds the index the consumer last reported applied and the
// WaitApplied callers waiting for it to pass their index. It is the only
// state in the package shared without going through the raft loop.
type appliedTracker struct {
	mu      sync.Mutex
	index   uint64     // highest index reported by Applied
	waiters waiterHeap // min-heap by index; every waiter's index > index
}

type waiter struct {
	index uint64
	ch    chan struct{} // closed when index is reached
	pos   int           // position in the heap, -1 once removed
}

// report records index as applied and releases every waiter at or below it.
// Lower or equal reports are ignored: the applied index never goes back.
func (t *appliedTracker) report(index uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if index <= t.index {
		return
	}
	t.index = index
	for len(t.waiters) > 0 && t.waiters[0].index <= index {
		w := heap.Pop(&t.waiters).(*waiter)
		close(w.ch)
	}
}

// current returns the last reported applied index.
func (t *appliedTracker) current() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.index
}

// wait blocks until index is reported applied, ctx is done or stopped is
// closed. It returns nil, ctx.Err() or ErrStopped respectively.
func (t *appliedTracker) wait(ctx context.Context, index uint64, stopped <-chan struct{}) error {
	t.mu.Lock()
	if index <= t.index {
		t.mu.Unlock()
		return nil
	}
	w := &waiter{index: index, ch: make(chan struct{})}
	heap.Push(&t.waiters, w)
	t.mu.Unlock()

	var err error
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-stopped:
		err = ErrStopped
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if w.pos < 0 {
		return nil // released while we were giving up: it is applied
	}
	heap.Remove(&t.waiters, w.pos)
	return err
}

// waiterHeap implements heap.Interface ordered by index.
type waiterHeap []*waiter

func (h waiterHeap) Len() int           { return len(h) }
func (h waiterHeap) Less(i, j int) bool { return h[i].index < h[j].index }

func (h waiterHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].pos = i
	h[j].pos = j
}

func (h *waiterHeap) Push(x any) {
	w := x.(*waiter)
	w.pos = len(*h)
	*h = append(*h, w)
}

func (h *waiterHeap) Pop() any {
	old := *h
	n := len(old)
	w := old[n-1]
	old[n-1] = nil
	w.pos = -1
	*h = old[:n-1]
	return w
}
