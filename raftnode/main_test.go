package raftnode

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitFor polls cond every 10ms, at most tries times, and fails the test if
// it never holds.
func waitFor(t *testing.T, what string, tries int, cond func() bool) {
	t.Helper()
	for range tries {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// testCtx returns a context that ends after d and is cancelled at cleanup.
func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// recorder drains a Node's Committed channel into a slice until the channel
// closes, reporting each batch as applied when autoApply is set.
type recorder struct {
	mu      sync.Mutex
	entries []*raftpb.Entry
	snaps   []installed // snapshots delivered, in order
	batches int
	done    chan struct{}
}

// installed is a snapshot delivered on Committed and how many entries
// had been delivered before it.
type installed struct {
	meta   *raftpb.SnapshotMetadata
	before int
}

func record(n *Node, autoApply bool) *recorder {
	r := &recorder{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for b := range n.Committed() {
			r.mu.Lock()
			if b.Snapshot != nil {
				r.snaps = append(r.snaps, installed{meta: b.Snapshot, before: len(r.entries)})
			}
			r.entries = append(r.entries, b.Entries...)
			r.batches++
			r.mu.Unlock()
			if autoApply {
				n.Applied(b.Last())
			}
		}
	}()
	return r
}

// installs returns the snapshots delivered so far.
func (r *recorder) installs() []installed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]installed(nil), r.snaps...)
}

func (r *recorder) snapshot() []*raftpb.Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*raftpb.Entry(nil), r.entries...)
}

// normalData returns the data of the non-empty normal entries, in order.
func (r *recorder) normalData() []string {
	var out []string
	for _, e := range r.snapshot() {
		if e.GetType() == raftpb.EntryNormal && len(e.GetData()) > 0 {
			out = append(out, string(e.GetData()))
		}
	}
	return out
}

// indexOf returns the index of the normal entry carrying data, 0 if absent.
func (r *recorder) indexOf(data string) uint64 {
	for _, e := range r.snapshot() {
		if e.GetType() == raftpb.EntryNormal && string(e.GetData()) == data {
			return e.GetIndex()
		}
	}
	return 0
}

// settle returns once the loop has proposed everything Enqueue queued
// before the call and handled the Readies that produced: the loop answers
// a request only when no Ready is pending, and checks the queue before
// each Ready, so the second of two requests comes after both.
func settle(t *testing.T, n *Node) {
	t.Helper()
	for range 2 {
		ran := make(chan struct{})
		if err := n.do(testCtx(t, 5*time.Second), func(*loop) { close(ran) }); err != nil {
			t.Fatalf("settle: %v", err)
		}
		select {
		case <-ran:
		case <-time.After(5 * time.Second):
			t.Fatal("settle: the loop did not answer")
		}
	}
}
