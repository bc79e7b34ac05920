package tree

import "math/bits"

// Digest returns a deterministic 64-bit digest of the tree's content:
// every node's path, data (nil distinct from empty), ACL list and stored
// stat fields (czxid, mzxid, pzxid, ctime, mtime, raw owner, version,
// stored cversion, aversion). Derived state (indexes, counts, reference
// counts) is not hashed; it follows from the content.
//
// Each node is hashed on its own and the digest is the sum of the node
// hashes modulo 2^64. The sum does not depend on the order of the nodes,
// so Digest needs no sorting (and could be kept up to date incrementally,
// as ZooKeeper's digest is); equal trees have equal digests on every
// replica and after a snapshot round trip.
//
// A node hash starts from a fixed seed, absorbs the fixed-width fields
// (the lengths of path, data and ACL key, data -1 for nil, then the stat
// fields) one 64-bit word each, then the bytes of the path, the data and
// the ACL list's interned key as little-endian 64-bit words (a short last
// word is zero-padded; the lengths make that unambiguous), and ends with
// the SplitMix64 finaliser. A word w is absorbed as
// h = rotl64(h + w*p2, 31) * p1, the xxHash64 round with its primes p1, p2.
// This is not a cryptographic digest: it detects divergence and
// corruption, not tampering.
func (t *Tree) Digest() uint64 {
	var sum uint64
	t.walk(func(path []byte, i uint32) {
		r := t.r(i)
		sum += nodeDigest(path, r, t.ext(i), t.data(i), t.acls.entries[r.acl].key)
	})
	return sum
}

const (
	digestSeed = 0x9e3779b97f4a7c15
	digestP1   = 11400714785074694791
	digestP2   = 14029467366897019727
)

// nodeDigest hashes one node: its full path, record and ext values, data
// and ACL key.
func nodeDigest(path []byte, n *rec, e ext, data []byte, aclKey string) uint64 {
	dataLen := int64(-1)
	if data != nil {
		dataLen = int64(len(data))
	}
	h := uint64(digestSeed)
	h = round(h, uint64(len(path)))
	h = round(h, uint64(dataLen))
	h = round(h, uint64(len(aclKey)))
	h = round(h, uint64(n.czxid))
	h = round(h, uint64(e.mzxid))
	h = round(h, uint64(n.pzxid))
	h = round(h, uint64(n.ctime))
	h = round(h, uint64(e.mtime))
	h = round(h, uint64(e.owner))
	h = round(h, uint64(uint32(n.version))|uint64(uint32(n.cversion))<<32)
	h = round(h, uint64(uint32(n.aversion)))
	h = absorb(h, path)
	h = absorb(h, data)
	h = absorb(h, aclKey)
	return mix64(h)
}

// round absorbs one 64-bit word.
func round(h, w uint64) uint64 {
	return bits.RotateLeft64(h+w*digestP2, 31) * digestP1
}

// absorb feeds b to h as little-endian 64-bit words, the last one
// zero-padded.
func absorb[T string | []byte](h uint64, b T) uint64 {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := uint64(b[i]) | uint64(b[i+1])<<8 | uint64(b[i+2])<<16 | uint64(b[i+3])<<24 |
			uint64(b[i+4])<<32 | uint64(b[i+5])<<40 | uint64(b[i+6])<<48 | uint64(b[i+7])<<56
		h = round(h, w)
	}
	if i < len(b) {
		var w uint64
		for j := 0; i+j < len(b); j++ {
			w |= uint64(b[i+j]) << (8 * j)
		}
		h = round(h, w)
	}
	return h
}

// mix64 is the SplitMix64 finaliser: a bijection that spreads every input
// bit over the output.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
