package tree

// rec is one znode's record: fixed size and free of Go pointers, so chunks
// of records are never traced by the garbage collector. See "Representation"
// in doc.go for the layout contract.
type rec struct {
	czxid int64
	mzxid int64
	pzxid int64
	ctime int64
	mtime int64
	owner int64

	version  int32
	cversion int32 // stored: number of children ever created
	aversion int32
	acl      uint32 // id in the ACL table

	parent uint32 // 0 for the root
	first  uint32 // newest child, 0 when none
	next   uint32 // older sibling, 0 at the end
	prev   uint32 // newer sibling, 0 at the start
	nkids  uint32

	blob    uint32 // name followed by data (see blob.go); 0 when both are empty
	nameLen uint32
	dataLen int32 // -1 for nil data; freeMark on a free slot
}

// freeMark in dataLen marks a record whose slot is on the free list.
const freeMark = -2

// blobLen returns the length of the record's blob: name plus data.
func (r *rec) blobLen() int { return int(r.nameLen) + max(int(r.dataLen), 0) }

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
func (t *Tree) name(i uint32) []byte {
	r := t.r(i)
	return t.blobs.bytes(r.blob, int(r.nameLen))
}

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
	return all[r.nameLen:]
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

// storeBlob stores name followed by data in a new blob (0 when both are
// empty).
func storeBlob[T string | []byte](b *blobStore, name T, data []byte) uint32 {
	n := len(name) + len(data)
	if n == 0 {
		return 0
	}
	ref := b.alloc(n)
	dst := b.bytes(ref, n)
	copy(dst[copy(dst, name):], data)
	return ref
}

// dataLenOf returns the stored data length for data: -1 for nil.
func dataLenOf(data []byte) int32 {
	if data == nil {
		return -1
	}
	return int32(len(data))
}
