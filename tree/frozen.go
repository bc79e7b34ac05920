package tree

import (
	"bufio"
	"errors"
	"io"
	"maps"
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
// Freeze costs O(number of distinct ACL lists): nothing is copied up front.
// Instead, until Thaw, the first change to a node that existed at Freeze
// saves a copy of the node as it was (its pre-image: its fields and a copy
// of its children map) under the view's lock, before the change. The
// encoder, also under the lock, reads each node's pre-image when it has
// one and the node itself otherwise, so it sees exactly the tree of the
// moment of Freeze. Data slices and interned ACL lists are never modified
// in place, so sharing them is safe.
//
// Costs while a view is open: one lock and map lookup for the first change
// of each node; a node with many children copies its children map once.
// Nodes created after Freeze are skipped without locking (they carry the
// view's epoch). Memory grows with the number of nodes changed during the
// view's life and is released at Thaw.
type Frozen struct {
	mu    Locker
	pre   map[*Node]*Node // live node -> its state at Freeze
	root  *Node
	count int
	acls  map[string]*aclEntry
	epoch uint32
	// scratch is the encoder's per-depth children buffers, borrowed from
	// the tree and given back at Thaw: a node with a million children
	// needs a 24 MB buffer, which need not become garbage every snapshot.
	scratch [][]child
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
	t.epoch++
	t.frozen = &Frozen{
		mu:    mu,
		pre:   make(map[*Node]*Node),
		root:  t.nodes[rootPath],
		count: len(t.nodes),
		acls:  maps.Clone(t.acls.byKey),
		epoch: t.epoch,

		scratch: t.scratch,
	}
	t.scratch = nil
	return t.frozen, nil
}

// Thaw closes the open frozen view (a no-op when none is open): changes no
// longer save pre-images. The view must not be read afterwards; an encode
// of it must have returned.
func (t *Tree) Thaw() {
	if t.frozen != nil {
		t.scratch = t.frozen.scratch
	}
	t.frozen = nil
}

// touch saves n's pre-image for the open frozen view before n changes.
func (t *Tree) touch(n *Node) {
	f := t.frozen
	if f == nil || n.epoch == f.epoch {
		return
	}
	f.mu.Lock()
	if _, ok := f.pre[n]; !ok {
		cp := *n
		if n.children != nil {
			cp.children = maps.Clone(n.children)
		}
		f.pre[n] = &cp
	}
	n.epoch = f.epoch
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
	e := snapEncoder{w: bw, buf: make([]byte, 0, 256), path: make([]byte, 0, 256), view: f.view, lvl: f.scratch}
	err := e.encode(f.root, f.count, f.acls)
	for i := range e.lvl {
		clear(e.lvl[i][:cap(e.lvl[i])]) // keep no node alive
		e.lvl[i] = e.lvl[i][:0]
	}
	f.scratch = e.lvl
	if err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, fmtWrite(err)
	}
	return e.digest, nil
}

// view reads n as it was at Freeze.
func (f *Frozen) view(n *Node, kids []child) (Node, []child) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.pre[n]; ok {
		n = p
	}
	for name, c := range n.children {
		kids = append(kids, child{name: name, node: c})
	}
	return *n, kids
}
