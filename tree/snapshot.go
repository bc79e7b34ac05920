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
// trips. Nodes come in depth-first pre-order; a node of depth d is a child
// of the latest node of depth d-1 (the root has depth 0). Siblings come in
// the order of the tree's child links (newest first) and the decoder
// links them in the order read, so decoding and encoding again gives the
// same bytes, and so do two members that applied the same transactions.
// Two equal trees built in different orders may encode their siblings in
// different orders; their digests (an order-free sum) are equal. The
// encoder sorts nothing: a parent with a million children costs no more
// per child than any other node, and needs no buffer. The ACL lists are
// those in use by some node, each once, sorted by their key: the
// concatenation over the list's entries of {uint32 big-endian perms;
// uvarint len; scheme; uvarint len; id}, compared as bytes. The decoder
// also accepts an ACL list given twice (the copies are merged) and lists
// no node uses (they are dropped).
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
	lvl [][]rec  // per depth: the batch of children being written

	path   []byte // full path of the node being written
	digest uint64 // sum of the node digests so far
	sink   byte   // keeps the blob loads of touch
}

// noACL marks an ACL table id that no snapshot ACL id was given to.
const noACL = ^uint64(0)

// encBatch is how many children of one node the encoder reads at a time.
const encBatch = 64

// encFrame is one node on the depth-first stack: the batch of its
// children still to write, the child after that batch (0 when none) and
// the length of the node's path.
type encFrame struct {
	kids    []rec
	cont    uint32
	pathLen int
}

// encode writes the view's tree of count nodes. It follows the child
// links as they are, newest child first, so it sorts nothing and needs
// no buffer as large as a parent's children: it reads them encBatch at a
// time, under one hold of the view's lock, and touches their blobs before
// writing any, so the memory loads of a batch overlap instead of waiting
// for each other when the nodes are scattered in memory.
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
	stack := []encFrame{{cont: root.first}}
	for len(stack) > 0 && written <= count {
		depth := len(stack)
		top := &stack[depth-1]
		if len(top.kids) == 0 {
			if top.cont == 0 {
				stack = stack[:depth-1]
				continue
			}
			top.kids, top.cont = e.batch(top.cont, depth)
		}
		r := &top.kids[0]
		top.kids = top.kids[1:]
		b := binary.AppendUvarint(e.buf[:0], uint64(depth))
		name := nameOf(&e.v.blobs, r)
		b = binary.AppendUvarint(b, uint64(len(name)))
		e.buf = append(b, name...)
		e.path = append(append(e.path[:top.pathLen], '/'), name...)
		if err := e.writeNode(r); err != nil {
			return err
		}
		written++
		if r.first != 0 {
			stack = append(stack, encFrame{cont: r.first, pathLen: len(e.path)})
		}
	}
	if written != count {
		return errors.New("tree: encode snapshot: child links and node count disagree")
	}
	return nil
}

// batch reads up to encBatch siblings starting at node i into the scratch
// slice of the given depth (valid until that depth is read again) and
// returns them with the sibling after the last one (0 when none).
func (e *snapEncoder) batch(i uint32, depth int) ([]rec, uint32) {
	for len(e.lvl) <= depth {
		e.lvl = append(e.lvl, make([]rec, 0, encBatch))
	}
	kids := e.lvl[depth][:0]
	e.v.lock()
	for ; i != 0 && len(kids) < encBatch; i = kids[len(kids)-1].next {
		kids = append(kids, e.v.at(i))
	}
	e.v.unlock()
	var s byte
	for k := range kids {
		if n := kids[k].blobLen(); n > 0 {
			blob := e.v.blobs.bytes(kids[k].blob, n)
			s += blob[0] + blob[n-1]
		}
	}
	e.sink += s
	return kids, i
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
	x := extOf(&e.v.blobs, n)
	e.digest += nodeDigest(e.path, n, x, data, e.v.acls[n.acl].key)
	b := binary.AppendUvarint(e.buf, e.ids[n.acl])
	b = binary.AppendVarint(b, n.czxid)
	b = binary.AppendVarint(b, x.mzxid-n.czxid)
	b = binary.AppendVarint(b, n.pzxid-n.czxid)
	b = binary.AppendVarint(b, n.ctime)
	b = binary.AppendVarint(b, x.mtime-n.ctime)
	b = binary.AppendUvarint(b, uint64(x.owner))
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

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func fmtWrite(err error) error {
	return fmt.Errorf("tree: encode snapshot: write: %w", err)
}
