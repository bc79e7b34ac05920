package tree

import "encoding/binary"

// rec is one znode's record: fixed size (72 bytes) and free of Go
// pointers, so chunks of records are never traced by the garbage
// collector. See "Representation" in doc.go for the layout contract.
//
// mzxid, mtime and the raw owner are not in the record: most nodes are
// never changed after their create and are not ephemeral, so their mzxid
// and mtime equal czxid and ctime and their owner is 0. A node whose
// values differ keeps them at the start of its blob, flagged in nameLen
// (see ext).
type rec struct {
	czxid int64
	pzxid int64
	ctime int64

	version  int32
	cversion int32 // stored: number of children ever created
	aversion int32
	acl      uint32 // id in the ACL table

	parent uint32 // 0 for the root
	first  uint32 // newest child, 0 when none
	next   uint32 // older sibling, 0 at the end
	prev   uint32 // newer sibling, 0 at the start
	nkids  uint32

	blob    uint32 // [ext] name data (see ext and blob.go); 0 when empty
	nameLen uint32 // the name's length, and the ext flags in the top bits
	dataLen int32  // -1 for nil data; freeMark on a free slot
}

// ext is the part of a node kept out of its record: mzxid and mtime
// (czxid and ctime until the first setData) and the raw owner (0 for a
// persistent node). A blob starts with the values that differ from those
// defaults, as little-endian int64s: mzxid and mtime when extMod is set in
// nameLen, then the owner when extOwner is set.
type ext struct {
	mzxid int64
	mtime int64
	owner int64
}

// Flags in rec.nameLen; the name's length is the rest.
const (
	extMod   = 1 << 31
	extOwner = 1 << 30
	nameMask = extOwner - 1 // also the longest name a node can have
)

var le = binary.LittleEndian

// nameSize is the length of the record's name.
func (r *rec) nameSize() int { return int(r.nameLen & nameMask) }

// extSize is the length of the ext values at the start of the blob.
func (r *rec) extSize() int {
	n := 0
	if r.nameLen&extMod != 0 {
		n += 16
	}
	if r.nameLen&extOwner != 0 {
		n += 8
	}
	return n
}

// freeMark in dataLen marks a record whose slot is on the free list.
const freeMark = -2

// blobLen returns the length of the record's blob: ext, name and data.
func (r *rec) blobLen() int { return r.extSize() + r.nameSize() + max(int(r.dataLen), 0) }

// extOf returns the ext values of the node with record r.
func extOf(b *blobStore, r *rec) ext {
	e := ext{mzxid: r.czxid, mtime: r.ctime}
	n := r.extSize()
	if n == 0 {
		return e
	}
	p := b.bytes(r.blob, n)
	if r.nameLen&extMod != 0 {
		e.mzxid = int64(le.Uint64(p))
		e.mtime = int64(le.Uint64(p[8:]))
		p = p[16:]
	}
	if r.nameLen&extOwner != 0 {
		e.owner = int64(le.Uint64(p))
	}
	return e
}

// nameOf returns the name held in r's blob.
func nameOf(b *blobStore, r *rec) []byte {
	x, n := r.extSize(), r.nameSize()
	if n == 0 {
		return nil
	}
	return b.bytes(r.blob, x+n)[x:]
}

// setExt sets r.nameLen, the flags and the length of a name of n bytes,
// for ext values e (r's czxid and ctime must be set) and appends to dst the
// ext bytes that start the blob. It panics on a name longer than nameMask,
// which no request can carry.
func setExt(r *rec, e ext, n int, dst []byte) []byte {
	if n > nameMask {
		panic("tree: node name too long")
	}
	flags := uint32(0)
	if e.mzxid != r.czxid || e.mtime != r.ctime {
		flags |= extMod
		dst = le.AppendUint64(dst, uint64(e.mzxid))
		dst = le.AppendUint64(dst, uint64(e.mtime))
	}
	if e.owner != 0 {
		flags |= extOwner
		dst = le.AppendUint64(dst, uint64(e.owner))
	}
	r.nameLen = flags | uint32(n)
	return dst
}

// putBlob stores e, name and data in a new blob and points r at it
// (blob, nameLen and dataLen); r's czxid and ctime must be set. The
// caller frees r's previous blob, if any.
func putBlob[T string | []byte](b *blobStore, r *rec, e ext, name T, data []byte) {
	var buf [24]byte
	head := setExt(r, e, len(name), buf[:0])
	r.dataLen = dataLenOf(data)
	n := len(head) + len(name) + len(data)
	if n == 0 {
		r.blob = 0
		return
	}
	r.blob = b.alloc(n)
	dst := b.bytes(r.blob, n)
	dst = dst[copy(dst, head):]
	copy(dst[copy(dst, name):], data)
}

const (
	recShift = 10
	recChunk = 1 << recShift // records per chunk
	recMask  = recChunk - 1
	rootIdx  = 1 // index 0 means "no node"
)

// slab holds the records in fixed chunks and the free slot list.
type slab struct {
	chunks [][]rec
	next   uint32 // slots handed out so far, slot 0 included
	free   uint32 // head of the free slot list (linked through rec.next)
}

// at returns the record of node i.
func (s *slab) at(i uint32) *rec { return &s.chunks[i>>recShift][i&recMask] }

// alloc returns a zeroed slot, reusing a freed one first.
func (s *slab) alloc() uint32 {
	if i := s.free; i != 0 {
		r := s.at(i)
		s.free = r.next
		*r = rec{}
		return i
	}
	if s.next == 0 {
		s.next = 1 // slot 0 stays unused: index 0 means "none"
	}
	i := s.next
	if i > maxNodes {
		panic("tree: more than 2^28-1 node slots")
	}
	if int(i>>recShift) == len(s.chunks) {
		s.chunks = append(s.chunks, make([]rec, recChunk))
	}
	s.next++
	return i
}

// release puts slot i on the free list.
func (s *slab) release(i uint32) {
	r := s.at(i)
	*r = rec{dataLen: freeMark, next: s.free}
	s.free = i
}

// r returns node i's record for reading.
func (t *Tree) r(i uint32) *rec { return t.slab.at(i) }

// w returns node i's record for writing: when a frozen view is open, it
// first saves the record's pre-image (see frozen.go). Every write to a
// record of a live node goes through w.
func (t *Tree) w(i uint32) *rec {
	t.touch(i)
	return t.slab.at(i)
}

// name returns node i's name (a slice of its blob).
func (t *Tree) name(i uint32) []byte { return nameOf(&t.blobs, t.r(i)) }

// ext returns node i's ext values.
func (t *Tree) ext(i uint32) ext { return extOf(&t.blobs, t.r(i)) }

// data returns node i's data: nil, or a capped slice of its blob.
func (t *Tree) data(i uint32) []byte { return blobData(&t.blobs, t.r(i)) }

// blobData returns the data held in r's blob.
func blobData(b *blobStore, r *rec) []byte {
	switch {
	case r.dataLen < 0:
		return nil
	case r.dataLen == 0:
		return []byte{}
	}
	all := b.bytes(r.blob, r.blobLen())
	return all[r.extSize()+r.nameSize():]
}

// link makes c the newest child of p.
func (t *Tree) link(p, c uint32) {
	pr := t.w(p)
	old := pr.first
	pr.first = c
	pr.nkids++
	cr := t.w(c)
	cr.parent = p
	cr.prev = 0
	cr.next = old
	if old != 0 {
		t.w(old).prev = c
	}
}

// linkAfter makes c a child of p right after its child prev, or the
// newest child when prev is 0: a decoder keeps the order it reads.
func (t *Tree) linkAfter(p, prev, c uint32) {
	if prev == 0 {
		t.link(p, c)
		return
	}
	t.w(p).nkids++
	next := t.r(prev).next
	cr := t.w(c)
	cr.parent = p
	cr.prev = prev
	cr.next = next
	t.w(prev).next = c
	if next != 0 {
		t.w(next).prev = c
	}
}

// unlink removes c from its parent's children.
func (t *Tree) unlink(c uint32) {
	cr := t.w(c)
	p, prev, next := cr.parent, cr.prev, cr.next
	cr.prev, cr.next = 0, 0
	if prev != 0 {
		t.w(prev).next = next
	} else {
		t.w(p).first = next
	}
	if next != 0 {
		t.w(next).prev = prev
	}
	t.w(p).nkids--
}

// freeNode releases node i's slot and blob, at once or, while a frozen
// view is open, at Thaw.
func (t *Tree) freeNode(i uint32) {
	r := t.r(i)
	t.freeBlob(r.blob, r.blobLen())
	if t.frozen != nil {
		t.frozen.slots = append(t.frozen.slots, i)
		return
	}
	t.slab.release(i)
}

// freeBlob releases a blob, at once or, while a frozen view is open, at
// Thaw.
func (t *Tree) freeBlob(ref uint32, n int) {
	if n == 0 {
		return
	}
	if t.frozen != nil {
		t.frozen.blobs = append(t.frozen.blobs, pendingBlob{ref: ref, n: n})
		return
	}
	t.blobs.free(ref, n)
}

// dataLenOf returns the stored data length for data: -1 for nil.
func dataLenOf(data []byte) int32 {
	if data == nil {
		return -1
	}
	return int32(len(data))
}
