package tree

import "math/bits"

// Blob sizes: small blobs are carved out of shared chunks in 8-byte units;
// larger ones get their own allocation in the large-blob table.
const (
	blobUnit      = 8
	blobChunk     = 64 << 10
	chunkShift    = 13 // units per chunk: blobChunk / blobUnit
	chunkUnits    = 1 << chunkShift
	maxSmallUnits = 128 // 1 KiB
	bigFlag       = 1 << 31
)

// blobStore keeps the name+data blobs of the nodes (see "Representation" in
// doc.go). A reference is a unit number below bigFlag, or bigFlag | slot of
// the large-blob table. Unit 0 is never handed out.
type blobStore struct {
	chunks [][]byte
	top    uint32                    // next unit of the current (last) chunk
	runs   [maxSmallUnits + 1]uint32 // free runs by size in units, linked
	// some has bit u set when runs[u] is not empty.
	some    [(maxSmallUnits + 64) / 64]uint64
	big     [][]byte
	bigFree []uint32
}

// units returns the number of units a small blob of n bytes occupies.
func units(n int) uint32 { return uint32((n + blobUnit - 1) / blobUnit) }

// bytes returns the n bytes of blob ref, capped so that an append copies.
func (b *blobStore) bytes(ref uint32, n int) []byte {
	if n == 0 {
		return nil
	}
	if ref&bigFlag != 0 {
		return b.big[ref&^bigFlag][:n:n]
	}
	off := int(ref&(chunkUnits-1)) * blobUnit
	return b.chunks[ref>>chunkShift][off : off+n : off+n]
}

// alloc returns a blob of n > 0 bytes with unspecified content.
func (b *blobStore) alloc(n int) uint32 {
	if n > maxSmallUnits*blobUnit {
		return b.adoptBig(make([]byte, n))
	}
	u := units(n)
	if ref := b.pop(u); ref != 0 {
		return ref
	}
	if v := b.larger(u); v != 0 {
		ref := b.pop(v)
		b.push(ref+u, v-u)
		return ref
	}
	return b.carve(u)
}

// adoptBig stores a large blob's own slice and returns its reference.
func (b *blobStore) adoptBig(s []byte) uint32 {
	if k := len(b.bigFree); k > 0 {
		slot := b.bigFree[k-1]
		b.bigFree = b.bigFree[:k-1]
		b.big[slot] = s
		return bigFlag | slot
	}
	if len(b.big) == bigFlag-1 {
		panic("tree: too many large blobs")
	}
	b.big = append(b.big, s)
	return bigFlag | uint32(len(b.big)-1)
}

// carve takes u units from the current chunk, starting a new chunk (and
// keeping the old one's tail on the free lists) when it has no room.
func (b *blobStore) carve(u uint32) uint32 {
	end := uint32(len(b.chunks)) << chunkShift
	if end-b.top < u {
		if end > b.top {
			b.push(b.top, end-b.top)
		}
		if len(b.chunks) == bigFlag>>chunkShift {
			panic("tree: blob arena full (16 GiB)")
		}
		b.top = end
		if end == 0 {
			b.top = 1 // unit 0 means "no blob"
		}
		b.chunks = append(b.chunks, make([]byte, blobChunk))
	}
	ref := b.top
	b.top += u
	return ref
}

// free releases blob ref of n > 0 bytes for reuse.
func (b *blobStore) free(ref uint32, n int) {
	if ref&bigFlag != 0 {
		slot := ref &^ bigFlag
		b.big[slot] = nil
		b.bigFree = append(b.bigFree, slot)
		return
	}
	b.push(ref, units(n))
}

// push puts the free run of u units at ref on its free list; the list
// link is kept in the run's first four bytes.
func (b *blobStore) push(ref, u uint32) {
	for u > maxSmallUnits { // a chunk tail longer than any class
		b.push(ref, maxSmallUnits)
		ref += maxSmallUnits
		u -= maxSmallUnits
	}
	off := int(ref&(chunkUnits-1)) * blobUnit
	le.PutUint32(b.chunks[ref>>chunkShift][off:], b.runs[u])
	b.runs[u] = ref
	b.some[u/64] |= 1 << (u % 64)
}

// pop takes a run from the free list of size u (0 when it is empty).
func (b *blobStore) pop(u uint32) uint32 {
	ref := b.runs[u]
	if ref == 0 {
		return 0
	}
	off := int(ref&(chunkUnits-1)) * blobUnit
	b.runs[u] = le.Uint32(b.chunks[ref>>chunkShift][off:])
	if b.runs[u] == 0 {
		b.some[u/64] &^= 1 << (u % 64)
	}
	return ref
}

// larger returns the smallest size above u with a free run, 0 when none.
func (b *blobStore) larger(u uint32) uint32 {
	for w := (u + 1) / 64; int(w) < len(b.some); w++ {
		m := b.some[w]
		if w == (u+1)/64 {
			m &^= 1<<((u+1)%64) - 1
		}
		if m != 0 {
			return w*64 + uint32(bits.TrailingZeros64(m))
		}
	}
	return 0
}
