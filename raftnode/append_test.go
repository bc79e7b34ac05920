package raftnode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"
)

// saveRecorder is a MemoryStorage that records each Save's first and last
// entry index and HardState commit.
type saveRecorder struct {
	*MemoryStorage
	saves []string
}

func (s *saveRecorder) Save(hs *raftpb.HardState, ents []*raftpb.Entry) error {
	rec := "-"
	if len(ents) > 0 {
		rec = fmt.Sprintf("%d-%d", ents[0].GetIndex(), ents[len(ents)-1].GetIndex())
	}
	if hs != nil {
		rec += fmt.Sprintf("/c%d", hs.GetCommit())
	}
	s.saves = append(s.saves, rec)
	return s.MemoryStorage.Save(hs, ents)
}

func appendMsg(term uint64, commit *uint64, first, last uint64) *raftpb.Message {
	m := &raftpb.Message{}
	for i := first; i != 0 && i <= last; i++ {
		m.Entries = append(m.Entries, &raftpb.Entry{Index: new(i), Term: new(term)})
	}
	if commit != nil {
		m.Term, m.Vote, m.Commit = new(term), new(uint64(1)), commit
	}
	return m
}

// TestAppenderCoalesces: appends whose entries follow each other share one
// Save with the newest HardState; an append that replaces part of what is
// pending (a new leader's conflicting entries) starts a new Save after it.
func TestAppenderCoalesces(t *testing.T) {
	st := &saveRecorder{MemoryStorage: NewMemoryStorage()}
	a := newAppender(Config{Storage: st})
	batch := []*raftpb.Message{
		appendMsg(1, nil, 1, 2),
		appendMsg(1, new(uint64(2)), 0, 0), // HardState only
		appendMsg(1, nil, 3, 5),
		appendMsg(2, new(uint64(3)), 4, 4), // replaces 4 and 5
		appendMsg(2, nil, 5, 6),
	}
	if err := a.persist(context.Background(), batch); err != nil {
		t.Fatalf("persist: %v", err)
	}
	if want := []string{"1-5/c2", "4-6/c3"}; !slices.Equal(st.saves, want) {
		t.Fatalf("saves %v, want %v", st.saves, want)
	}
	ents, err := st.Entries(1, 7, 1<<20)
	if err != nil {
		t.Fatalf("entries: %v", err)
	}
	var terms []uint64
	for _, e := range ents {
		terms = append(terms, e.GetTerm())
	}
	if want := []uint64{1, 1, 1, 2, 2, 2}; !slices.Equal(terms, want) {
		t.Fatalf("terms after the saves %v, want %v", terms, want)
	}
}

// failOnIndex is a MemoryStorage whose Save fails for good once it is
// given the entry at index fail.
type failOnIndex struct {
	*MemoryStorage
	fail uint64
}

var errDiskGone = errors.New("disk gone")

func (s *failOnIndex) Save(hs *raftpb.HardState, ents []*raftpb.Entry) error {
	if slices.ContainsFunc(ents, func(e *raftpb.Entry) bool { return e.GetIndex() == s.fail }) {
		return errDiskGone
	}
	return s.MemoryStorage.Save(hs, ents)
}

// TestAppenderFailureAcknowledgesNothing: when a Save fails for good, the
// appender hands back the error and none of the messages of that Save, so
// the loop delivers none of their responses (a follower's acknowledgement
// of entries that may not be durable); earlier appends come back as usual.
func TestAppenderFailureAcknowledgesNothing(t *testing.T) {
	a := newAppender(Config{Storage: &failOnIndex{MemoryStorage: NewMemoryStorage(), fail: 3}, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); a.run(ctx) }()
	wait := func() ([]*raftpb.Message, error) {
		t.Helper()
		select {
		case <-a.wake:
		case <-time.After(5 * time.Second):
			t.Fatal("the appender did not report")
		}
		return a.take()
	}
	ack := &raftpb.Message{Type: raftpb.MessageType_MsgAppResp.Enum(), To: new(uint64(2))}
	ok := appendMsg(1, nil, 1, 2)
	ok.Responses = []*raftpb.Message{ack}
	a.in <- ok
	if got, err := wait(); len(got) != 1 || err != nil {
		t.Fatalf("after a good Save: %d messages, err %v; want 1, nil", len(got), err)
	}
	bad := appendMsg(1, nil, 3, 3)
	bad.Responses = []*raftpb.Message{ack}
	a.in <- bad
	if got, err := wait(); len(got) != 0 || !errors.Is(err, errDiskGone) {
		t.Fatalf("after a failed Save: %d messages, err %v; want 0, %v", len(got), err, errDiskGone)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the appender kept running after a fatal error")
	}
}
