package tree

import (
	"bufio"
	"errors"
	"io"
	"slices"
)

// Locker is the mutual exclusion a frozen view shares between the tree's
// owner and the goroutine that encodes the view (a *sync.Mutex; the
// package itself stays free of sync).
type Locker interface {
	Lock()
	Unlock()
}

// Frozen is a point-in-time view of a tree that stays readable from
// another goroutine while the owner keeps changing the tree.
//
// Freeze costs O(number of distinct ACL lists + record chunks): nothing is
// copied up front but the chunk directories and the ACL table. Instead,
// until Thaw, the first write to a record that existed at Freeze saves a
// copy of the record as it was (its pre-image) under the view's lock,
// before the write. Records hold the sibling links, so a parent's children
// list is preserved by the pre-images of the parent and of the siblings a
// create or delete relinks. The encoder, also under the lock, reads each
// record's pre-image when it has one and the record itself otherwise, so it
// sees exactly the tree of the moment of Freeze. Blobs are never written
// in place, and slots and blobs freed while the view is open are only
// released at Thaw, so everything a pre-Freeze record points to keeps its
// content.
//
// Costs while a view is open: one map lookup (and for the first write one
// lock) per record write; records created after Freeze are skipped without
// either. Memory grows with the number of records changed and the space
// freed during the view's life, and is released at Thaw.
type Frozen struct {
	mu    Locker
	v     view
	limit uint32 // slots handed out at Freeze: later slots are new nodes
	count int

	// Freed while the view is open, released at Thaw (owner only).
	slots []uint32
	blobs []pendingBlob
}

// pendingBlob is a blob freed while a frozen view is open.
type pendingBlob struct {
	ref uint32
	n   int
}

// view reads a tree's records, blobs and ACL lists: the live tree (no
// pre-images, no lock) or a frozen view of it.
type view struct {
	recs  [][]rec
	blobs blobStore // chunks and big only
	acls  []aclEntry
	pre   map[uint32]rec // frozen only: pre-images by node index
	saved []uint64       // frozen only: bit i set when pre holds node i
	mu    Locker         // frozen only
}

// liveView reads t itself; nobody else may change t meanwhile.
func liveView(t *Tree) view {
	return view{recs: t.slab.chunks, blobs: blobStore{chunks: t.blobs.chunks, big: t.blobs.big}, acls: t.acls.entries}
}

func (v *view) lock() {
	if v.mu != nil {
		v.mu.Lock()
	}
}

func (v *view) unlock() {
	if v.mu != nil {
		v.mu.Unlock()
	}
}

// at returns node i's record as the view sees it; the caller holds the lock.
func (v *view) at(i uint32) rec {
	if w := i >> 6; w < uint32(len(v.saved)) && v.saved[w]&(1<<(i&63)) != 0 {
		return v.pre[i]
	}
	return v.recs[i>>recShift][i&recMask]
}

// get is at under the lock.
func (v *view) get(i uint32) rec {
	v.lock()
	defer v.unlock()
	return v.at(i)
}

// Freeze opens a frozen view of the tree as it is now. mu guards the view
// against the owner's changes; the caller must not hold it. Only one view
// may be open at a time, and not inside a transaction (the view would hold
// uncommitted changes).
func (t *Tree) Freeze(mu Locker) (*Frozen, error) {
	switch {
	case t.inTxn:
		return nil, errors.New("tree: freeze: transaction open")
	case t.frozen != nil:
		return nil, errors.New("tree: freeze: a frozen view is already open")
	}
	v := liveView(t)
	v.acls = slices.Clone(v.acls)
	v.pre = make(map[uint32]rec)
	v.mu = mu
	v.saved = make([]uint64, (t.slab.next+63)/64)
	t.frozen = &Frozen{mu: mu, v: v, limit: t.slab.next, count: t.count}
	return t.frozen, nil
}

// Thaw closes the open frozen view (a no-op when none is open): writes no
// longer save pre-images, and the slots and blobs freed meanwhile are
// released. The view must not be read afterwards; an encode of it must
// have returned.
func (t *Tree) Thaw() {
	f := t.frozen
	if f == nil {
		return
	}
	t.frozen = nil
	for _, b := range f.blobs {
		t.blobs.free(b.ref, b.n)
	}
	for _, i := range f.slots {
		t.slab.release(i)
	}
}

// touch saves record i's pre-image for the open frozen view before it is
// written.
func (t *Tree) touch(i uint32) {
	f := t.frozen
	if f == nil || i >= f.limit {
		return
	}
	if f.v.saved[i>>6]&(1<<(i&63)) != 0 { // only the owner writes pre
		return
	}
	f.mu.Lock()
	f.v.pre[i] = *t.slab.at(i)
	f.v.saved[i>>6] |= 1 << (i & 63)
	f.mu.Unlock()
}

// NodeCount is the number of nodes in the view.
func (f *Frozen) NodeCount() int { return f.count }

// EncodeSnapshotDigest writes the view in the snapshot format (see
// snapshot.go) and returns its Digest, exactly as Tree.EncodeSnapshotDigest
// would have at the moment of Freeze. It may run on any goroutine while the
// owner changes the tree.
func (f *Frozen) EncodeSnapshotDigest(w io.Writer) (uint64, error) {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriterSize(w, snapshotBufSize)
	}
	e := snapEncoder{w: bw, buf: make([]byte, 0, 256), path: make([]byte, 0, 256), v: &f.v}
	if err := e.encode(f.count); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, fmtWrite(err)
	}
	return e.digest, nil
}
