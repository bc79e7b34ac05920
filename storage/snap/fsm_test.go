package snap_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/zkd-io/zkd/fsm"
	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/storage"
	"github.com/zkd-io/zkd/storage/snap"
)

// TestFSMSnapshotThroughStore saves fsm snapshots in a Store, damages the
// newest and restores the previous one, end to end.
func TestFSMSnapshotThroughStore(t *testing.T) {
	s, err := snap.Open(t.TempDir(), storage.OS{})
	if err != nil {
		t.Fatal(err)
	}
	f := fsm.New(fsm.Config{})
	idx := uint64(1)
	open := fsm.Entry{Type: fsm.EntryCreateSession, Session: 7, Timeout: 5000, Password: make([]byte, 16)}
	f.Apply(idx, &open)
	encoded := map[uint64][]byte{}
	for round := range 3 {
		for i := range 50 {
			var w jute.Writer
			(&proto.CreateRequest{Path: fmt.Sprintf("/n-%d-%d", round, i), Data: []byte("payload"), ACL: proto.OpenACLUnsafe}).Encode(&w)
			idx++
			e := fsm.Entry{Type: fsm.EntryRequest, Session: 7, Op: proto.OpCreate, Time: int64(idx), Body: w.Bytes()}
			if r := f.Apply(idx, &e); r.Err != proto.OK {
				t.Fatalf("create: %v", r.Err)
			}
		}
		var buf bytes.Buffer
		if err := f.EncodeSnapshot(&buf); err != nil {
			t.Fatal(err)
		}
		encoded[idx] = buf.Bytes()
		if err := s.Save(idx, 1, f.EncodeSnapshot); err != nil {
			t.Fatalf("save: %v", err)
		}
	}
	restore := func() (snap.Meta, []byte) {
		t.Helper()
		m, rc, err := s.Load()
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		defer rc.Close()
		g, err := fsm.RestoreSnapshot(fsm.Config{}, rc)
		if err != nil {
			t.Fatalf("restore %s: %v", m.Path, err)
		}
		if uint64(g.LastZxid()) != m.Index {
			t.Errorf("restored zxid %d from the snapshot at %d", g.LastZxid(), m.Index)
		}
		var buf bytes.Buffer
		if err := g.EncodeSnapshot(&buf); err != nil {
			t.Fatal(err)
		}
		return m, buf.Bytes()
	}
	m, b := restore()
	if m.Index != idx || !bytes.Equal(b, encoded[idx]) {
		t.Fatalf("restored newest (%d) differs from what was saved", m.Index)
	}
	raw, err := os.ReadFile(m.Path)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	if err := os.WriteFile(m.Path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	s2, err := snap.Open(filepath.Dir(m.Path), storage.OS{})
	if err != nil {
		t.Fatal(err)
	}
	s = s2
	m2, b2 := restore()
	if m2.Index != idx-50 || !bytes.Equal(b2, encoded[idx-50]) {
		t.Errorf("fallback restored index %d, want %d with its saved state", m2.Index, idx-50)
	}
}
