package raftnode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// startStandalone starts member 1 alone and closes it at cleanup.
func startStandalone(t *testing.T, cfg Config) *Node {
	t.Helper()
	cfg.ID = 1
	cfg.Peers = []uint64{1}
	if cfg.TickInterval == 0 {
		cfg.TickInterval = 10 * time.Millisecond
	}
	n, err := Start(testCtx(t, 5*time.Second), cfg)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func TestStartStandaloneIsLeader(t *testing.T) {
	n := startStandalone(t, Config{})
	if !n.IsLeader() || n.Leader() != 1 {
		t.Fatalf("IsLeader=%v Leader=%d, want true 1", n.IsLeader(), n.Leader())
	}
	st := n.Status()
	if st.RaftState != raft.StateLeader || st.ID != 1 {
		t.Fatalf("status state=%v id=%d", st.RaftState, st.ID)
	}
	if got := st.Config.Voters.IDs(); len(got) != 1 {
		t.Fatalf("voters %v, want {1}", got)
	}
}

func TestProposeCommitsInOrder(t *testing.T) {
	n := startStandalone(t, Config{})
	rec := record(n, true)
	const count = 200
	want := make([]string, count)
	ctx := testCtx(t, 5*time.Second)
	for i := range count {
		want[i] = fmt.Sprintf("entry-%03d", i)
		if err := n.Propose(ctx, []byte(want[i])); err != nil {
			t.Fatalf("propose %d: %v", i, err)
		}
	}
	waitFor(t, "all entries committed", 500, func() bool { return len(rec.normalData()) == count })
	if got := rec.normalData(); !slices.Equal(got, want) {
		t.Fatalf("committed data out of order:\n got %v\nwant %v", got, want)
	}
	// Every index appears once, contiguously from 1: bootstrap conf change,
	// the leader's empty entry, then the proposals.
	ents := rec.snapshot()
	for i, e := range ents {
		if e.GetIndex() != uint64(i+1) {
			t.Fatalf("entry %d has index %d, want %d", i, e.GetIndex(), i+1)
		}
	}
	if ents[0].GetType() != raftpb.EntryConfChange {
		t.Fatalf("first entry type %v, want conf change", ents[0].GetType())
	}
	if ents[1].GetType() != raftpb.EntryNormal || len(ents[1].GetData()) != 0 {
		t.Fatalf("second entry should be the leader's empty entry, got %v", ents[1])
	}
}

// gatedStorage blocks the Save that carries an entry with the gate's data
// until release is closed, so a test can queue proposals while the loop is
// busy persisting.
type gatedStorage struct {
	*MemoryStorage
	gate    []byte
	entered chan struct{}
	release chan struct{}
	once    sync.Once // closes release

	mu         sync.Mutex
	entrySaves int // Saves that carried entries
	gatePassed bool
}

func newGatedStorage(t *testing.T, gate string) *gatedStorage {
	s := &gatedStorage{
		MemoryStorage: NewMemoryStorage(),
		gate:          []byte(gate),
		entered:       make(chan struct{}),
		release:       make(chan struct{}),
	}
	return s
}

func (s *gatedStorage) open() { s.once.Do(func() { close(s.release) }) }

func (s *gatedStorage) Save(hs *raftpb.HardState, ents []*raftpb.Entry) error {
	s.mu.Lock()
	if len(ents) > 0 {
		s.entrySaves++
	}
	hold := false
	if !s.gatePassed && slices.ContainsFunc(ents, func(e *raftpb.Entry) bool { return bytes.Equal(e.GetData(), s.gate) }) {
		s.gatePassed, hold = true, true
	}
	s.mu.Unlock()
	if hold {
		close(s.entered)
		<-s.release
	}
	return s.MemoryStorage.Save(hs, ents)
}

func (s *gatedStorage) saves() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.entrySaves
}

// TestAppendsQueuedDuringPersistShareOneSave: entries proposed while the
// storage is busy persisting are appended by one Save (one fsync) once it
// is done, however many Readies they came in.
func TestAppendsQueuedDuringPersistShareOneSave(t *testing.T) {
	st := newGatedStorage(t, "first")
	n := startStandalone(t, Config{Storage: st})
	t.Cleanup(st.open) // runs before Close: never leave the appender stuck in Save
	rec := record(n, true)
	ctx := testCtx(t, 5*time.Second)

	if err := n.Propose(ctx, []byte("first")); err != nil {
		t.Fatalf("propose first: %v", err)
	}
	<-st.entered // the appender is now blocked persisting "first"
	before := st.saves()

	const count = 100
	var wg sync.WaitGroup
	errs := make(chan error, count)
	for i := range count {
		wg.Go(func() { errs <- n.Propose(ctx, fmt.Appendf(nil, "batched-%d", i)) })
	}
	wg.Wait() // every proposal is in raft's log: the loop is not blocked by the persist
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("propose: %v", err)
		}
	}
	if got := rec.normalData(); len(got) != 0 {
		t.Fatalf("delivered %q before it was persisted", got)
	}
	settle(t, n) // the Readies of the last proposals are handled too
	st.open()
	waitFor(t, "batch committed", 500, func() bool { return len(rec.normalData()) == count+1 })
	if got := st.saves() - before; got > 1 {
		t.Fatalf("%d proposals queued during one persist took %d more Saves, want 1", count, got)
	}
}

func TestReadIndexAndWaitApplied(t *testing.T) {
	n := startStandalone(t, Config{})
	rec := record(n, false)
	ctx := testCtx(t, 5*time.Second)
	for i := range 10 {
		if err := n.Propose(ctx, fmt.Appendf(nil, "w%d", i)); err != nil {
			t.Fatalf("propose: %v", err)
		}
	}
	waitFor(t, "writes committed", 500, func() bool { return rec.indexOf("w9") != 0 })
	last := rec.indexOf("w9")

	idx, err := n.ReadIndex(ctx)
	if err != nil {
		t.Fatalf("read index: %v", err)
	}
	if idx < last {
		t.Fatalf("read index %d < last committed %d", idx, last)
	}

	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	err = n.WaitApplied(short, idx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitApplied before Applied = %v, want deadline exceeded", err)
	}

	waited := make(chan error, 1)
	go func() { waited <- n.WaitApplied(ctx, idx) }()
	n.Applied(idx - 1)
	select {
	case err := <-waited:
		t.Fatalf("WaitApplied returned %v before its index was applied", err)
	case <-time.After(20 * time.Millisecond):
	}
	n.Applied(idx)
	if err := <-waited; err != nil {
		t.Fatalf("WaitApplied: %v", err)
	}
	if err := n.WaitApplied(ctx, 1); err != nil {
		t.Fatalf("WaitApplied of an old index: %v", err)
	}
	if got := n.AppliedIndex(); got != idx {
		t.Fatalf("AppliedIndex = %d, want %d", got, idx)
	}

	// Consecutive reads never go backwards.
	idx2, err := n.ReadIndex(ctx)
	if err != nil || idx2 < idx {
		t.Fatalf("second read index %d, %v; want >= %d", idx2, err, idx)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	n := startStandalone(t, Config{})
	rec := record(n, true)
	ctx := testCtx(t, 5*time.Second)
	if err := n.Propose(ctx, []byte("before")); err != nil {
		t.Fatalf("propose: %v", err)
	}
	waiting := make(chan error, 1)
	go func() { waiting <- n.WaitApplied(ctx, 1<<40) }()

	if err := n.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	<-rec.done // Committed is closed once the loop exits

	if err := <-waiting; !errors.Is(err, ErrStopped) {
		t.Fatalf("pending WaitApplied = %v, want ErrStopped", err)
	}
	if err := n.Propose(ctx, []byte("after")); !errors.Is(err, ErrStopped) {
		t.Fatalf("Propose after Close = %v, want ErrStopped", err)
	}
	if _, err := n.ReadIndex(ctx); !errors.Is(err, ErrStopped) {
		t.Fatalf("ReadIndex after Close = %v, want ErrStopped", err)
	}
	m := &raftpb.Message{Type: raftpb.MsgHeartbeat.Enum(), From: new(uint64(2)), To: new(uint64(1))}
	if err := n.Step(ctx, m); !errors.Is(err, ErrStopped) {
		t.Fatalf("Step after Close = %v, want ErrStopped", err)
	}
	if err := n.ProposeConfChange(ctx, &raftpb.ConfChange{}); !errors.Is(err, ErrStopped) {
		t.Fatalf("ProposeConfChange after Close = %v, want ErrStopped", err)
	}
	if st := n.Status(); st.ID != 1 || st.RaftState != raft.StateLeader {
		t.Fatalf("final status id=%d state=%v", st.ID, st.RaftState)
	}
	if err := n.Close(); !errors.Is(err, ErrStopped) {
		t.Fatalf("second Close = %v, want ErrStopped", err)
	}
}

func TestProposeWithoutLeaderFailsFast(t *testing.T) {
	// Member 1 of a three-member group with no transport never hears from
	// the others, so it never has a leader.
	n, err := Start(testCtx(t, time.Second), Config{ID: 1, Peers: []uint64{1, 2, 3}, TickInterval: time.Millisecond})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	record(n, true)

	ctx := testCtx(t, 5*time.Second)
	if err := n.Propose(ctx, []byte("x")); !errors.Is(err, ErrNoLeader) {
		t.Fatalf("Propose without leader = %v, want ErrNoLeader", err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := n.ReadIndex(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ReadIndex without leader = %v, want deadline exceeded", err)
	}
	if n.IsLeader() || n.Leader() != 0 {
		t.Fatalf("IsLeader=%v Leader=%d with no quorum", n.IsLeader(), n.Leader())
	}
}

func TestStepRefusesLocalMessages(t *testing.T) {
	n := startStandalone(t, Config{})
	ctx := testCtx(t, time.Second)
	err := n.Step(ctx, &raftpb.Message{Type: raftpb.MsgHup.Enum()})
	if !errors.Is(err, raft.ErrStepLocalMsg) {
		t.Fatalf("Step(MsgHup) = %v, want ErrStepLocalMsg", err)
	}
	if err := n.Step(ctx, nil); err == nil {
		t.Fatal("Step(nil) succeeded")
	}
}

func TestStartStandaloneHonoursContext(t *testing.T) {
	// With an already-cancelled context Start gives up waiting for
	// leadership and stops the member it started (goleak checks). Winning
	// the race against the cancelled context is allowed.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n, err := Start(ctx, Config{ID: 1, Peers: []uint64{1}})
	if err == nil {
		n.Close()
		return
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Start with cancelled ctx = %v, want context.Canceled", err)
	}
}

func TestConfigValidation(t *testing.T) {
	nonEmpty := NewMemoryStorage()
	if err := nonEmpty.Save(&raftpb.HardState{Term: new(uint64(1))}, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"zero id", Config{Peers: []uint64{1}}},
		{"zero peer", Config{ID: 1, Peers: []uint64{1, 0}}},
		{"duplicate peer", Config{ID: 1, Peers: []uint64{1, 2, 2}}},
		{"election not above heartbeat", Config{ID: 1, Peers: []uint64{1}, ElectionTick: 2, HeartbeatTick: 2}},
		{"negative tick", Config{ID: 1, Peers: []uint64{1}, TickInterval: -time.Second}},
		{"fresh storage without peers", Config{ID: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Start(testCtx(t, time.Second), tt.cfg)
			if err == nil {
				n.Close()
				t.Fatal("Start succeeded, want a config error")
			}
		})
	}
}
