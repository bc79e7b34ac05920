package raftnode

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
)

// holdStorage holds each Save that carries one of its gate entries until
// that gate is opened.
type holdStorage struct {
	*MemoryStorage
	mu    sync.Mutex
	gates map[string]*hold
}

type hold struct {
	entered, release chan struct{}
	once             sync.Once
}

func (h *hold) open() { h.once.Do(func() { close(h.release) }) }

func newHoldStorage(t *testing.T, gates ...string) *holdStorage {
	s := &holdStorage{MemoryStorage: NewMemoryStorage(), gates: map[string]*hold{}}
	for _, g := range gates {
		h := &hold{entered: make(chan struct{}), release: make(chan struct{})}
		s.gates[g] = h
		t.Cleanup(h.open) // runs before Close: never leave the loop stuck in Save
	}
	return s
}

func (s *holdStorage) Save(hs *raftpb.HardState, ents []*raftpb.Entry) error {
	s.mu.Lock()
	var held *hold
	for g, h := range s.gates {
		if slices.ContainsFunc(ents, func(e *raftpb.Entry) bool { return bytes.Equal(e.GetData(), []byte(g)) }) {
			held = h
			delete(s.gates, g)
			break
		}
	}
	s.mu.Unlock()
	if held != nil {
		close(held.entered)
		<-held.release
	}
	return s.MemoryStorage.Save(hs, ents)
}

// TestCommittedDeliveredWhileNextPersists: an entry that is committed and
// durable reaches the consumer while the appender persists the entries
// that came after it, not once that persist returns; an entry reaches the
// consumer only after its own persist.
func TestCommittedDeliveredWhileNextPersists(t *testing.T) {
	st := newHoldStorage(t, "first", "second")
	first, second := st.gates["first"], st.gates["second"]
	n := startStandalone(t, Config{Storage: st})
	rec := record(n, true)

	n.Enqueue([]byte("first"), nil)
	<-first.entered // persisting "first"
	n.Enqueue([]byte("second"), nil)
	if got := rec.normalData(); len(got) != 0 {
		t.Fatalf("delivered %q before its persist returned", got)
	}
	first.open()
	<-second.entered // persisting "second"
	waitFor(t, `"first" delivered while "second" is persisted`, 300, func() bool {
		return slices.Equal(rec.normalData(), []string{"first"})
	})
	if got := rec.normalData(); !slices.Equal(got, []string{"first"}) {
		t.Fatalf("delivered %q while \"second\" is still being persisted", got)
	}
	second.open()
	waitFor(t, `"second" delivered`, 300, func() bool {
		return slices.Equal(rec.normalData(), []string{"first", "second"})
	})
}

// TestDeliverReplacesCommitted: with Config.Deliver, the batches reach
// Deliver, in order, and the Committed channel stays empty.
func TestDeliverReplacesCommitted(t *testing.T) {
	var mu sync.Mutex
	var got []string
	deliver := func(_ context.Context, b Batch) error {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range b.Entries {
			if e.GetType() == raftpb.EntryNormal && len(e.GetData()) > 0 {
				got = append(got, string(e.GetData()))
			}
		}
		return nil
	}
	n := startStandalone(t, Config{Deliver: deliver})
	want := []string{"a", "b", "c"}
	for _, d := range want {
		n.Enqueue([]byte(d), nil)
	}
	waitFor(t, "entries delivered", 300, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == len(want)
	})
	mu.Lock()
	if !slices.Equal(got, want) {
		t.Fatalf("delivered %q, want %q", got, want)
	}
	mu.Unlock()
	select {
	case b := <-n.Committed():
		t.Fatalf("Committed carried %d entries with Deliver set", len(b.Entries))
	default:
	}
}
