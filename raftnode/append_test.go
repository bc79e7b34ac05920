package raftnode

import (
	"context"
	"fmt"
	"slices"
	"testing"

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
