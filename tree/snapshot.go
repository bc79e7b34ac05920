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
// Nothing derived is stored. DecodeSnapshot recomputes the path index, the
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
	"bytes"
	"cmp"
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
	v := liveView(t)
	e := snapEncoder{w: bw, buf: make([]byte, 0, 256), path: make([]byte, 0, 256), v: &v}
	if err := e.encode(t.count); err != nil {
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
	buf []byte   // one node record, reused
	v   *view    // what is encoded: the live tree or a frozen view
	ids []uint64 // ACL table id -> snapshot ACL id (noACL: not in use)
	lvl [][]child

	path   []byte // full path of the node being written
	digest uint64 // sum of the node digests so far
}

// noACL marks an ACL table id that no snapshot ACL id was given to.
const noACL = ^uint64(0)

// encFrame is one node on the depth-first stack: its sorted children, the
// next one to visit and the length of its path.
type encFrame struct {
	children []child
	next     int
	pathLen  int
}

// child is one child of the node being encoded: where its name is (its
// blob and length), its index, and a sort key. key holds the 8 bytes of
// the name that follow the prefix all names of the list share,
// big-endian and zero-padded: ordering by key orders by name whenever the
// keys differ, with no access to the names themselves, and only equal
// keys compare the names. Sorting the million children of one parent
// this way costs about a third of sorting name slices.
type child struct {
	key  uint64
	blob uint32
	i    uint32
	n    uint32
}

// name is c's name in the view's blobs.
func (c *child) name(b *blobStore) []byte { return b.bytes(c.blob, int(c.n)) }

// encode writes the view's tree of count nodes.
func (e *snapEncoder) encode(count int) error {
	b := append(e.buf[:0], snapshotMagic...)
	b = binary.AppendUvarint(b, snapshotVersion)
	e.buf = b
	if err := e.flushBuf(); err != nil {
		return err
	}
	if err := e.writeACLs(); err != nil {
		return err
	}
	e.buf = binary.AppendUvarint(e.buf[:0], uint64(count))
	e.path = append(e.path[:0], rootPath...)
	root := e.v.get(rootIdx)
	if err := e.writeNode(&root); err != nil {
		return err
	}
	written := 1
	stack := []encFrame{{children: e.children(&root, 0), pathLen: 0}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next == len(top.children) {
			stack = stack[:len(stack)-1]
			continue
		}
		c := top.children[top.next]
		top.next++
		depth := len(stack)
		b := binary.AppendUvarint(e.buf[:0], uint64(depth))
		name := c.name(&e.v.blobs)
		b = binary.AppendUvarint(b, uint64(len(name)))
		e.buf = append(b, name...)
		e.path = append(append(e.path[:top.pathLen], '/'), name...)
		r := e.v.get(c.i)
		if err := e.writeNode(&r); err != nil {
			return err
		}
		written++
		if r.first != 0 {
			stack = append(stack, encFrame{children: e.children(&r, depth), pathLen: len(e.path)})
		}
	}
	if written != count {
		return errors.New("tree: encode snapshot: child links and node count disagree")
	}
	return nil
}

// writeACLs writes the ACL lists in use, sorted by key, and numbers them.
func (e *snapEncoder) writeACLs() error {
	acls := e.v.acls
	used := make([]uint32, 0, len(acls))
	e.ids = make([]uint64, len(acls))
	for id := range acls {
		e.ids[id] = noACL
		if acls[id].refs > 0 {
			used = append(used, uint32(id))
		}
	}
	slices.SortFunc(used, func(a, b uint32) int { return strings.Compare(acls[a].key, acls[b].key) })
	e.buf = binary.AppendUvarint(e.buf[:0], uint64(len(used)))
	for i, id := range used {
		entry := &acls[id]
		e.ids[id] = uint64(i)
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
// last and straight from the blob.
func (e *snapEncoder) writeNode(n *rec) error {
	if int(n.acl) >= len(e.ids) || e.ids[n.acl] == noACL {
		return errors.New("tree: encode snapshot: node ACL not interned")
	}
	data := blobData(&e.v.blobs, n)
	e.digest += nodeDigest(e.path, n, data, e.v.acls[n.acl].key)
	b := binary.AppendUvarint(e.buf, e.ids[n.acl])
	b = binary.AppendVarint(b, n.czxid)
	b = binary.AppendVarint(b, n.mzxid-n.czxid)
	b = binary.AppendVarint(b, n.pzxid-n.czxid)
	b = binary.AppendVarint(b, n.ctime)
	b = binary.AppendVarint(b, n.mtime-n.ctime)
	b = binary.AppendUvarint(b, uint64(n.owner))
	b = binary.AppendVarint(b, int64(n.version))
	b = binary.AppendVarint(b, int64(n.cversion))
	b = binary.AppendVarint(b, int64(n.aversion))
	if data == nil {
		b = append(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(data))+1)
	}
	e.buf = b
	if err := e.flushBuf(); err != nil {
		return err
	}
	if len(data) > 0 {
		if _, err := e.w.Write(data); err != nil {
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

// children returns the children of the node with record r, sorted by name,
// in the scratch slice of the given depth (valid until a node of the same
// depth is read again). The list is read under one hold of the lock.
func (e *snapEncoder) children(r *rec, depth int) []child {
	for len(e.lvl) <= depth {
		e.lvl = append(e.lvl, nil)
	}
	list := e.lvl[depth][:0]
	e.v.lock()
	for c := r.first; c != 0; {
		cr := e.v.at(c)
		list = append(list, child{blob: cr.blob, i: c, n: cr.nameLen})
		c = cr.next
	}
	e.v.unlock()
	e.lvl[depth] = list
	if len(list) < 2 {
		return list
	}
	blobs := &e.v.blobs
	// The names' common prefix: the keys start after it.
	prefix := list[0].name(blobs)
	for k := 1; k < len(list) && len(prefix) > 0; k++ {
		prefix = prefix[:commonPrefix(prefix, list[k].name(blobs))]
	}
	for k := range list {
		list[k].key = sortKey(list[k].name(blobs)[len(prefix):])
	}
	slices.SortFunc(list, func(a, b child) int {
		if a.key != b.key {
			return cmp.Compare(a.key, b.key)
		}
		return bytes.Compare(a.name(blobs), b.name(blobs))
	})
	return list
}

// commonPrefix is the length of the longest common prefix of a and b.
func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// sortKey is the first 8 bytes of b as a big-endian number, zero-padded:
// keys of different value order as the byte strings do.
func sortKey(b []byte) uint64 {
	if len(b) >= 8 {
		return binary.BigEndian.Uint64(b)
	}
	var k [8]byte
	copy(k[:], b)
	return binary.BigEndian.Uint64(k[:])
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func fmtWrite(err error) error {
	return fmt.Errorf("tree: encode snapshot: write: %w", err)
}
