package tree

import (
	"bytes"
	"strconv"
	"sync"
	"testing"
)

// encodeFrozen encodes f, failing the test on an error.
func encodeFrozen(t *testing.T, f *Frozen) ([]byte, uint64) {
	t.Helper()
	var buf bytes.Buffer
	d, err := f.EncodeSnapshotDigest(&buf)
	if err != nil {
		t.Fatalf("encode frozen: %v", err)
	}
	return buf.Bytes(), d
}

// TestFrozenSeesFreezeMoment changes the tree in every way the random
// driver knows (transactions rolled back included) after Freeze and checks
// that the view still encodes, byte for byte, the tree of the moment of
// Freeze, and that the live tree is untouched by the view.
func TestFrozenSeesFreezeMoment(t *testing.T) {
	const seeds, before, after = 8, 400, 600
	for seed := uint64(1); seed <= seeds; seed++ {
		tr, r := randomTree(t, seed, before)
		want, wantDigest := encodeTree(t, tr), tr.Digest()
		var mu sync.Mutex
		f, err := tr.Freeze(&mu)
		if err != nil {
			t.Fatal(err)
		}
		if f.NodeCount() != tr.NodeCount() {
			t.Fatalf("seed %d: view counts %d nodes, tree %d", seed, f.NodeCount(), tr.NodeCount())
		}
		for range after {
			r.step()
		}
		if tr.inTxn {
			tr.Commit()
		}
		got, gotDigest := encodeFrozen(t, f)
		if !bytes.Equal(got, want) || gotDigest != wantDigest {
			t.Fatalf("seed %d: frozen view changed with the tree (digest %x, want %x)", seed, gotDigest, wantDigest)
		}
		// The live tree is what the changes made of it.
		live := encodeTree(t, tr)
		tr.Thaw()
		back := decodeTree(t, live)
		if dump(back) != dump(tr) || back.Digest() != tr.Digest() {
			t.Fatalf("seed %d: live tree differs from its own snapshot after the view", seed)
		}
		checkIndexes(t, tr, nil)
		if bytes.Equal(live, want) {
			t.Fatalf("seed %d: the random steps changed nothing", seed)
		}
	}
}

func TestFreezeRefusals(t *testing.T) {
	tr := New()
	var mu sync.Mutex
	tr.Begin()
	if _, err := tr.Freeze(&mu); err == nil {
		t.Fatal("Freeze inside a transaction succeeded")
	}
	tr.Commit()
	if _, err := tr.Freeze(&mu); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Freeze(&mu); err == nil {
		t.Fatal("a second Freeze succeeded while a view is open")
	}
	tr.Thaw()
	if _, err := tr.Freeze(&mu); err != nil {
		t.Fatalf("Freeze after Thaw: %v", err)
	}
}

// TestFrozenConcurrent encodes a view on another goroutine while the owner
// keeps changing the tree (run it with -race).
func TestFrozenConcurrent(t *testing.T) {
	tr, r := randomTree(t, 42, 300)
	tr.Create("/big", nil, open, 0, 999, 5)
	for i := range 1500 {
		tr.Create("/big/n"+strconv.Itoa(i), []byte("data"), open, 0, int64(1000+i), 5)
	}
	r.zxid = 5000
	want := encodeTree(t, tr)
	var mu sync.Mutex
	f, err := tr.Freeze(&mu)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		var buf bytes.Buffer
		_, err := f.EncodeSnapshotDigest(&buf)
		done <- result{buf.Bytes(), err}
	}()
	for range 400 {
		r.step()
	}
	if tr.inTxn {
		tr.Rollback()
	}
	res := <-done
	tr.Thaw()
	if res.err != nil {
		t.Fatal(res.err)
	}
	if !bytes.Equal(res.b, want) {
		t.Fatal("view encoded concurrently with changes differs from the tree at Freeze")
	}
}
