package tree

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"unsafe"
)

// TestBlobChurnReusesSpace rewrites the data of a few nodes many times with
// random sizes (nil, empty, small, over 1 KiB), with frozen views opened and
// closed on the way, and checks every value against a model and that the
// blob chunks stop growing: freed blobs are reused, not leaked.
func TestBlobChurnReusesSpace(t *testing.T) {
	const nodes, steps, maxLen = 200, 20000, 1200
	rng := rand.New(rand.NewPCG(7, 7))
	tr := New()
	model := map[string][]byte{}
	for i := range nodes {
		p := "/n" + strconv.Itoa(i)
		tr.Create(p, nil, open, 0, int64(i+1), 1)
		model[p] = nil
	}
	var mu sync.Mutex
	for step := range steps {
		if step%1000 == 0 {
			if tr.frozen != nil {
				tr.Thaw()
			} else if _, err := tr.Freeze(&mu); err != nil {
				t.Fatal(err)
			}
		}
		p := "/n" + strconv.Itoa(rng.IntN(nodes))
		var data []byte
		switch k := rng.IntN(10); {
		case k == 0:
		case k == 1:
			data = []byte{}
		default:
			data = bytes.Repeat([]byte{byte(step)}, rng.IntN(maxLen))
		}
		tr.SetData(p, data, int64(nodes+step), 2)
		model[p] = data
	}
	tr.Thaw()
	for p, want := range model {
		got := mustGet(t, tr, p).Data()
		if !bytes.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("%s data %d bytes (nil %v), want %d (nil %v)", p, len(got), got == nil, len(want), want == nil)
		}
	}
	// At most nodes*maxLen live bytes (~240 KB), plus what one frozen view
	// holds back: without reuse the churn would need ~180 chunks.
	t.Logf("blob chunks: %d", len(tr.blobs.chunks))
	if n := len(tr.blobs.chunks); n > 40 {
		t.Errorf("blob chunks grew to %d", n)
	}
	checkIndexes(t, tr, nil)
}

// TestManyChildrenCreateDelete deletes the children of one parent in random
// order and checks the links, the path index and the sorted names on the
// way, then reuses the freed slots.
func TestManyChildrenCreateDelete(t *testing.T) {
	const n = 3000
	tr := New()
	tr.Create("/p", nil, open, 0, 1, 1)
	var names []string
	for i := range n {
		name := "c" + strconv.Itoa(i)
		names = append(names, name)
		tr.Create("/p/"+name, []byte(name), open, 0, int64(i+2), 1)
	}
	slots := tr.slab.next
	rng := rand.New(rand.NewPCG(3, 3))
	rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for k, name := range names[:n/2] {
		tr.Delete("/p/"+name, int64(n+k+2))
		if k%500 == 0 {
			checkIndexes(t, tr, nil)
		}
	}
	left := slices.Clone(names[n/2:])
	slices.Sort(left)
	if got := mustGet(t, tr, "/p").Children(); !slices.Equal(got, left) {
		t.Fatalf("children after deletes: %d names, want %d", len(got), len(left))
	}
	for _, name := range left {
		if d := mustGet(t, tr, "/p/"+name).Data(); string(d) != name {
			t.Fatalf("%s data %q", name, d)
		}
	}
	for i := range n / 2 {
		tr.Create("/p/again"+strconv.Itoa(i), nil, open, 0, int64(2*n+i), 1)
	}
	if tr.slab.next != slots {
		t.Errorf("slots grew from %d to %d: freed slots not reused", slots, tr.slab.next)
	}
	checkIndexes(t, tr, nil)
	if back := decodeTree(t, encodeTree(t, tr)); dump(back) != dump(tr) {
		t.Error("snapshot round trip differs")
	}
}

// TestRecordSize pins the record's size: a million nodes cost 72 MB of
// records, and a larger record is a deliberate change of doc.go's layout.
func TestRecordSize(t *testing.T) {
	if got := unsafe.Sizeof(rec{}); got != 72 {
		t.Fatalf("rec is %d bytes, want 72", got)
	}
}
