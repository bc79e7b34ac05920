package tree

// # Tree snapshot format (version 1)
//
// EncodeSnapshot writes the whole tree as one self-delimiting stream;
// DecodeSnapshot reads it back and rebuilds every index. Integers are
// varints of encoding/binary: "uvarint" is unsigned LEB128, "varint" is
// the zig-zag signed form. Two derived forms:
//
//	str(s)     uvarint len(s), then the bytes of s
//	nbytes(b)  uvarint 0 for nil; else uvarint len(b)+1, then the bytes
//
// The stream:
//
//	[4]byte  magic "ZKDT"
//	uvarint  version = 1
//	uvarint  aclCount
//	aclCount × ACL list (ids 0, 1, ... in this order):
//	    uvarint n, then n × { uvarint perms (as uint32); str scheme; str id }
//	uvarint  nodeCount (every node, "/" included)
//	the root's node fields
//	nodeCount-1 × { uvarint depth (>= 1); str name; node fields }
//
// node fields:
//
//	uvarint  acl id (index into the ACL lists above)
//	varint   czxid
//	varint   mzxid - czxid
//	varint   pzxid - czxid
//	varint   ctime
//	varint   mtime - ctime
//	uvarint  uint64(owner)            raw ephemeralOwner (session, container, TTL)
//	varint   version
//	varint   cversion                 the stored cversion (children ever created)
//	varint   aversion
//	nbytes   data                     nil and empty stay distinct
//
// Differences use int64 two's complement wrapping, so every value round
// trips. Nodes come in depth-first pre-order with each node's children
// sorted by name (byte order); a node of depth d is a child of the latest
// node of depth d-1 (the root has depth 0). The ACL lists are those in use
// by some node, each once, sorted by their key: the concatenation over the
// list's entries of {uint32 big-endian perms; uvarint len; scheme;
// uvarint len; id}, compared as bytes. The encoding of a tree is therefore
// canonical: equal trees give equal bytes. The decoder does not insist on
// that order: it accepts children in any order, an ACL list given twice
// (the copies are merged) and lists no node uses (they are dropped).
//
// Nothing derived is stored. DecodeSnapshot recomputes the path map, the
// child links, the ephemeral/container/TTL indexes, the ephemeral count,
// the approximate data size, the ACL reference counts and the quota
// registrations (a quota is registered exactly when its
// /zookeeper/quota<p>/zookeeper_limits node exists). Quota usage lives in
// the zookeeper_stats nodes' data and is restored as it was.
//
// A typical node costs about 20 bytes plus its name and data (ZooKeeper's
// own snapshot spends about 80 bytes plus the full path and data).
//
// DecodeSnapshot reads exactly the snapshot's bytes when r is an
// io.ByteReader (a *bufio.Reader, say), so another record may follow the
// tree in the same stream; otherwise it buffers r and may read past the
// end. It rejects a bad magic or version, a truncated stream, an ACL id
// out of range, a depth that skips a level, an empty name or one holding
// '/', a duplicate node, an int32 field out of range, a non-persistent
// root, an oversized length and a tree without the pre-created nodes, with
// an error wrapping ErrBadSnapshot. It never panics, and it allocates
// little beyond what the bytes read so far justify: a length is trusted
// up to 64 KiB before its bytes arrive, a count up to 65536 entries.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

const (
	snapshotMagic   = "ZKDT"
	snapshotVersion = 1
	// snapshotBufSize is the buffer put around a writer or reader that
	// does not bring its own.
	snapshotBufSize = 64 << 10
)

// ErrBadSnapshot is wrapped by every error DecodeSnapshot returns for
// malformed input.
var ErrBadSnapshot = errors.New("tree: bad snapshot")

// EncodeSnapshot writes the tree in the snapshot format described at the
// top of this file. It streams through a bufio.Writer (w itself when it is
// one, and flushes it) and allocates nothing per node. It fails when a
// transaction is open: the snapshot would hold uncommitted changes.
func (t *Tree) EncodeSnapshot(w io.Writer) error {
	_, err := t.EncodeSnapshotDigest(w)
	return err
}

// EncodeSnapshotDigest is EncodeSnapshot that also returns the tree's
// Digest, computed in the same pass over the nodes (a separate Digest call
// would walk the whole tree again).
func (t *Tree) EncodeSnapshotDigest(w io.Writer) (uint64, error) {
	if t.inTxn {
		return 0, errors.New("tree: encode snapshot: transaction open")
	}
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriterSize(w, snapshotBufSize)
	}
	e := snapEncoder{w: bw, buf: make([]byte, 0, 256), path: make([]byte, 0, 256), view: liveView}
	if err := e.encode(t.nodes[rootPath], len(t.nodes), t.acls.byKey); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, fmtWrite(err)
	}
	return e.digest, nil
}

// snapEncoder holds the scratch state of one EncodeSnapshot call.
type snapEncoder struct {
	w   *bufio.Writer
	buf []byte               // one node record, reused
	ids map[*aclEntry]uint64 // ACL list -> id
	lvl [][]child            // sorted children, one reusable slice per depth

	path   []byte // full path of the node being written
	digest uint64 // sum of the node digests so far

	// view reads one node: a copy of its fields and its children appended
	// to kids (the live tree, or a frozen view of it).
	view func(n *Node, kids []child) (Node, []child)
}

// liveView reads a node of a tree nobody else is changing.
func liveView(n *Node, kids []child) (Node, []child) {
	for name, c := range n.children {
		kids = append(kids, child{name: name, node: c})
	}
	return *n, kids
}

// encFrame is one node on the depth-first stack: its sorted children, the
// next one to visit and the length of its path.
type encFrame struct {
	children []child
	next     int
	pathLen  int
}

// child is one entry of a node's children map.
type child struct {
	name string
	node *Node
}

// encode writes the tree of count nodes below root, whose ACL lists in
// use are acls (keyed by their interned key).
func (e *snapEncoder) encode(root *Node, count int, acls map[string]*aclEntry) error {
	b := append(e.buf[:0], snapshotMagic...)
	b = binary.AppendUvarint(b, snapshotVersion)
	e.buf = b
	if err := e.flushBuf(); err != nil {
		return err
	}
	if err := e.writeACLs(acls); err != nil {
		return err
	}
	if root == nil {
		return errors.New("tree: encode snapshot: no root")
	}
	e.buf = binary.AppendUvarint(e.buf[:0], uint64(count))
	e.path = append(e.path[:0], rootPath...)
	rn, kids := e.read(root, 0)
	if err := e.writeNode(&rn); err != nil {
		return err
	}
	written := 1
	stack := []encFrame{{children: kids, pathLen: 0}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next == len(top.children) {
			stack = stack[:len(stack)-1]
			continue
		}
		name, node := top.children[top.next].name, top.children[top.next].node
		top.next++
		depth := len(stack)
		b := binary.AppendUvarint(e.buf[:0], uint64(depth))
		b = binary.AppendUvarint(b, uint64(len(name)))
		e.buf = append(b, name...)
		e.path = append(append(e.path[:top.pathLen], '/'), name...)
		n, kids := e.read(node, depth)
		if err := e.writeNode(&n); err != nil {
			return err
		}
		written++
		if len(kids) > 0 {
			stack = append(stack, encFrame{children: kids, pathLen: len(e.path)})
		}
	}
	if written != count {
		return errors.New("tree: encode snapshot: child links and path map disagree")
	}
	return nil
}

// writeACLs writes the ACL lists in use, sorted by key, and numbers them.
func (e *snapEncoder) writeACLs(acls map[string]*aclEntry) error {
	keys := make([]string, 0, len(acls))
	for k := range acls {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.ids = make(map[*aclEntry]uint64, len(keys))
	e.buf = binary.AppendUvarint(e.buf[:0], uint64(len(keys)))
	for i, k := range keys {
		entry := acls[k]
		e.ids[entry] = uint64(i)
		b := binary.AppendUvarint(e.buf, uint64(len(entry.acl)))
		for _, a := range entry.acl {
			b = binary.AppendUvarint(b, uint64(uint32(a.Perms)))
			b = appendStr(b, a.ID.Scheme)
			b = appendStr(b, a.ID.ID)
		}
		e.buf = b
		if err := e.flushBuf(); err != nil {
			return err
		}
	}
	return nil
}

// writeNode appends n's fields to whatever e.buf already holds (the depth
// and name, or the node count before the root) and writes it all, data
// last and straight from the node.
func (e *snapEncoder) writeNode(n *Node) error {
	id, ok := e.ids[n.acl]
	if !ok {
		return errors.New("tree: encode snapshot: node ACL not interned")
	}
	e.digest += nodeDigest(e.path, n)
	b := binary.AppendUvarint(e.buf, id)
	b = binary.AppendVarint(b, n.czxid)
	b = binary.AppendVarint(b, n.mzxid-n.czxid)
	b = binary.AppendVarint(b, n.pzxid-n.czxid)
	b = binary.AppendVarint(b, n.ctime)
	b = binary.AppendVarint(b, n.mtime-n.ctime)
	b = binary.AppendUvarint(b, uint64(n.owner))
	b = binary.AppendVarint(b, int64(n.version))
	b = binary.AppendVarint(b, int64(n.cversion))
	b = binary.AppendVarint(b, int64(n.aversion))
	if n.data == nil {
		b = append(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(n.data))+1)
	}
	e.buf = b
	if err := e.flushBuf(); err != nil {
		return err
	}
	if len(n.data) > 0 {
		if _, err := e.w.Write(n.data); err != nil {
			return fmtWrite(err)
		}
	}
	return nil
}

// flushBuf writes e.buf to the buffered writer.
func (e *snapEncoder) flushBuf() error {
	if _, err := e.w.Write(e.buf); err != nil {
		return fmtWrite(err)
	}
	e.buf = e.buf[:0]
	return nil
}

// read returns a copy of n's fields and its children sorted by name, in
// the scratch slice of the given depth (valid until a node of the same
// depth is read again).
func (e *snapEncoder) read(n *Node, depth int) (Node, []child) {
	for len(e.lvl) <= depth {
		e.lvl = append(e.lvl, nil)
	}
	fields, list := e.view(n, e.lvl[depth][:0])
	slices.SortFunc(list, func(a, b child) int { return strings.Compare(a.name, b.name) })
	e.lvl[depth] = list
	return fields, list
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func fmtWrite(err error) error {
	return fmt.Errorf("tree: encode snapshot: write: %w", err)
}
