package session

import (
	"slices"
	"testing"
)

func TestTable(t *testing.T) {
	tb := NewTable()
	pw := []byte{1, 2, 3}
	steps := []struct {
		name string
		do   func() bool
		want bool
	}{
		{"add 7", func() bool { return tb.Add(Session{ID: 7, Timeout: 4000, Password: pw}) }, true},
		{"add 7 again", func() bool { return tb.Add(Session{ID: 7, Timeout: 9999}) }, false},
		{"add negative id", func() bool { return tb.Add(Session{ID: -3, Timeout: 6000}) }, true},
		{"add 2", func() bool { return tb.Add(Session{ID: 2, Timeout: 5000}) }, true},
		{"remove 2", func() bool { return tb.Remove(2) }, true},
		{"remove 2 again", func() bool { return tb.Remove(2) }, false},
		{"remove unknown", func() bool { return tb.Remove(42) }, false},
	}
	for _, s := range steps {
		if got := s.do(); got != s.want {
			t.Fatalf("%s: got %v, want %v", s.name, got, s.want)
		}
	}
	pw[0] = 99 // the table holds its own copy
	s, ok := tb.Get(7)
	if !ok || s.ID != 7 || s.Timeout != 4000 || !slices.Equal(s.Password, []byte{1, 2, 3}) {
		t.Fatalf("Get(7) = %+v, %v", s, ok)
	}
	if _, ok := tb.Get(2); ok {
		t.Fatal("Get(2) found a removed session")
	}
	if tb.Len() != 2 {
		t.Fatalf("Len = %d, want 2", tb.Len())
	}
	if ids := tb.IDs(); !slices.Equal(ids, []int64{-3, 7}) {
		t.Fatalf("IDs = %v", ids)
	}
	if ids := NewTable().IDs(); len(ids) != 0 {
		t.Fatalf("empty IDs = %v", ids)
	}
}
