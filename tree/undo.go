package tree

import (
	"bytes"

	"github.com/zkd-io/zkd/proto"
)

// undoKind names the inverse of one primitive change.
type undoKind uint8

const (
	undoCreate undoKind = iota + 1 // detach path; parent cversion = i32, pzxid = zxid
	undoDelete                     // recreate node (fields, data, acl) at path; parent pzxid = zxid
	undoData                       // node data = data, version = i32, ext values = ext
	undoACL                        // node acl = acl, aversion = i32
	undoQuota                      // quota prefix path registered = flag
)

// undoRec records what one change overwrote. One flat struct (no
// interfaces) keeps the log a single slice. Data is a copy: the blob it
// came from may be reused as soon as the change is made.
type undoRec struct {
	kind undoKind
	flag bool
	i32  int32
	path string
	node rec // undoDelete: the deleted node's fields
	ext  ext // undoDelete and undoData: the node's ext values
	data []byte
	acl  []proto.ACL
	zxid int64
}

// maxKeptUndo bounds the capacity of the undo log kept between transactions.
const maxKeptUndo = 1024

// Begin starts recording an undo log so that Rollback can restore the tree,
// byte for byte and index for index, to its state at Begin. Transactions
// do not nest: Begin inside a transaction panics.
func (t *Tree) Begin() {
	if t.inTxn {
		panic("tree: begin: transaction already open")
	}
	t.inTxn = true
}

// Commit keeps every change made since Begin and drops the undo log.
func (t *Tree) Commit() {
	if !t.inTxn {
		panic("tree: commit: no transaction")
	}
	t.endTxn()
}

// Rollback undoes every change made since Begin, newest first, and ends
// the transaction.
func (t *Tree) Rollback() {
	if !t.inTxn {
		panic("tree: rollback: no transaction")
	}
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.revert(&t.undo[i])
	}
	t.endTxn()
}

func (t *Tree) endTxn() {
	t.inTxn = false
	clear(t.undo) // drop references to old data
	if cap(t.undo) > maxKeptUndo {
		t.undo = nil
	} else {
		t.undo = t.undo[:0]
	}
}

// log records r when a transaction is open.
func (t *Tree) log(r undoRec) {
	if t.inTxn {
		t.undo = append(t.undo, r)
	}
}

// logData records node i's data, version, mzxid and mtime when a
// transaction is open.
func (t *Tree) logData(path string, i uint32) {
	if !t.inTxn {
		return
	}
	r := t.r(i)
	t.log(undoRec{kind: undoData, path: path, data: bytes.Clone(t.data(i)), i32: r.version, ext: t.ext(i)})
}

// revert applies the inverse of one recorded change.
func (t *Tree) revert(r *undoRec) {
	switch r.kind {
	case undoCreate:
		t.detach(r.path, t.lookup(r.path))
		pr := t.w(t.lookup(ParentOf(r.path)))
		pr.cversion = r.i32
		pr.pzxid = r.zxid
	case undoDelete:
		n := r.node
		n.acl = t.acls.acquire(r.acl)
		t.attach(r.path, n, r.ext, r.data)
		t.w(t.lookup(ParentOf(r.path))).pzxid = r.zxid
	case undoData:
		i := t.lookup(r.path)
		t.replaceData(i, r.data, r.ext)
		t.w(i).version = r.i32
	case undoACL:
		i := t.lookup(r.path)
		t.replaceACL(i, r.acl)
		t.w(i).aversion = r.i32
	case undoQuota:
		if r.flag {
			t.quotas[r.path] = struct{}{}
		} else {
			delete(t.quotas, r.path)
		}
	default:
		panic("tree: rollback: unknown undo record")
	}
}
