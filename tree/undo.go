package tree

import "github.com/zkd-io/zkd/proto"

// undoKind names the inverse of one primitive change.
type undoKind uint8

const (
	undoCreate undoKind = iota + 1 // detach path; parent cversion = i32, pzxid = zxid
	undoDelete                     // reattach node at path; parent pzxid = zxid
	undoData                       // node data = data, version = i32, mzxid = zxid, mtime = time
	undoACL                        // node acl = acl, aversion = i32
	undoQuota                      // quota prefix path registered = flag
)

// undoRec records what one change overwrote. One flat struct (no
// interfaces) keeps the log a single allocation-free slice in steady state.
type undoRec struct {
	kind undoKind
	flag bool
	i32  int32
	path string
	node *Node
	data []byte
	acl  []proto.ACL
	zxid int64
	time int64
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
	clear(t.undo) // drop references to old data and nodes
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

// revert applies the inverse of one recorded change.
func (t *Tree) revert(r *undoRec) {
	switch r.kind {
	case undoCreate:
		t.detach(r.path)
		parent := t.nodes[ParentOf(r.path)]
		t.touch(parent)
		parent.cversion = r.i32
		parent.pzxid = r.zxid
	case undoDelete:
		n := r.node
		t.touch(n)
		n.acl = t.acls.acquire(n.acl.acl)
		t.attach(r.path, n)
		parent := t.nodes[ParentOf(r.path)]
		t.touch(parent)
		parent.pzxid = r.zxid
	case undoData:
		n := t.nodes[r.path]
		t.touch(n)
		t.replaceData(n, r.data)
		n.version = r.i32
		n.mzxid = r.zxid
		n.mtime = r.time
	case undoACL:
		n := t.nodes[r.path]
		t.touch(n)
		t.replaceACL(n, r.acl)
		n.aversion = r.i32
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
