package tree

import (
	"bytes"
	"hash/maphash"
	"strings"
)

// pathIndex maps (parent index, name) to a node index: open addressing
// with linear probing over uint32 slots (0 = empty). A slot holds the node
// index in its low idxBits bits and the top tagBits bits of the key's hash
// above them; the key itself is read back from the node's record and blob,
// which a probe does only when the tag matches (one probe in 2^tagBits
// otherwise).
type pathIndex struct {
	seed  maphash.Seed
	slots []uint32
	count int
}

const (
	idxBits  = 28
	tagBits  = 32 - idxBits
	idxMask  = 1<<idxBits - 1
	maxNodes = idxMask // node indexes must fit in a slot
	// minIndexSlots is the size of a new tree's table (a power of two).
	minIndexSlots = 16
)

func newPathIndex(hint int) pathIndex {
	n := minIndexSlots
	for n*3/4 < hint {
		n *= 2
	}
	return pathIndex{seed: maphash.MakeSeed(), slots: make([]uint32, n)}
}

// keyHash hashes a (parent, name) key. maphash.Bytes of a blob name
// equals maphash.String of the same text.
func keyHash(seed maphash.Seed, parent uint32, name string) uint64 {
	return mix64(maphash.String(seed, name) ^ uint64(parent))
}

func keyHashBytes(seed maphash.Seed, parent uint32, name []byte) uint64 {
	return mix64(maphash.Bytes(seed, name) ^ uint64(parent))
}

// tagOf returns the tag bits of hash h, in slot position.
func tagOf(h uint64) uint32 { return uint32(h>>(64-tagBits)) << idxBits }

// find returns the child of parent named name, 0 when there is none.
func (t *Tree) find(parent uint32, name string) uint32 {
	x := &t.index
	mask := uint64(len(x.slots) - 1)
	h := keyHash(x.seed, parent, name)
	tag := tagOf(h)
	for s := h & mask; ; s = (s + 1) & mask {
		v := x.slots[s]
		if v == 0 {
			return 0
		}
		if v&^idxMask != tag {
			continue
		}
		if i := v & idxMask; t.r(i).parent == parent && string(t.name(i)) == name {
			return i
		}
	}
}

// hashOf returns the hash of node i's key.
func (t *Tree) hashOf(i uint32) uint64 {
	return keyHashBytes(t.index.seed, t.r(i).parent, t.name(i))
}

// indexAdd enters node i (its parent and name already set). It reports
// false, changing nothing, when another node has the same key.
func (t *Tree) indexAdd(i uint32) bool {
	x := &t.index
	if (x.count+1)*4 > len(x.slots)*3 {
		t.indexGrow()
	}
	mask := uint64(len(x.slots) - 1)
	parent, name := t.r(i).parent, t.name(i)
	h := keyHashBytes(x.seed, parent, name)
	tag := tagOf(h)
	s := h & mask
	for ; x.slots[s] != 0; s = (s + 1) & mask {
		v := x.slots[s]
		if o := v & idxMask; v&^idxMask == tag && t.r(o).parent == parent && bytes.Equal(t.name(o), name) {
			return false
		}
	}
	x.slots[s] = i | tag
	x.count++
	return true
}

// indexGrow doubles the table and reinserts every node.
func (t *Tree) indexGrow() {
	old := t.index.slots
	t.index.slots = make([]uint32, 2*len(old))
	mask := uint64(len(t.index.slots) - 1)
	for _, v := range old {
		if v == 0 {
			continue
		}
		s := t.hashOf(v&idxMask) & mask
		for t.index.slots[s] != 0 {
			s = (s + 1) & mask
		}
		t.index.slots[s] = v
	}
}

// indexRemove removes node i, shifting later entries of its probe run back
// so that no tombstone is needed.
func (t *Tree) indexRemove(i uint32) {
	for k := range t.recent {
		if t.recent[k].i == i {
			t.recent[k] = recentPath{}
		}
	}
	x := &t.index
	mask := uint64(len(x.slots) - 1)
	s := t.hashOf(i) & mask
	for x.slots[s]&idxMask != i {
		if x.slots[s] == 0 {
			panic("tree: node missing from the path index")
		}
		s = (s + 1) & mask
	}
	hole := s
	for s = (s + 1) & mask; x.slots[s] != 0; s = (s + 1) & mask {
		// The entry at s may move to the hole when its home is not in the
		// cyclic range (hole, s].
		h := t.hashOf(x.slots[s]&idxMask) & mask
		if (s-h)&mask >= (s-hole)&mask {
			x.slots[hole] = x.slots[s]
			hole = s
		}
	}
	x.slots[hole] = 0
	x.count--
}

// recentPath is a path lookup found and its node.
type recentPath struct {
	path string
	i    uint32
}

// lookup returns the node at path, 0 when there is none. The empty path
// and "/" name the root. The last two paths found are remembered until
// their node leaves the index (indexRemove): a path names the same node
// for as long as that node is in the index.
func (t *Tree) lookup(path string) uint32 {
	if path == "" || path == rootPath {
		return rootIdx
	}
	for k := range t.recent {
		if r := &t.recent[k]; r.i != 0 && r.path == path {
			return r.i
		}
	}
	i := t.walkPath(path)
	if i != 0 {
		t.recent[t.recentNext] = recentPath{path: path, i: i}
		t.recentNext ^= 1
	}
	return i
}

// walkPath finds the node at path (not the root) through the index.
func (t *Tree) walkPath(path string) uint32 {
	if path[0] != '/' {
		return 0
	}
	i := uint32(rootIdx)
	rest := path[1:]
	for {
		name, tail, more := strings.Cut(rest, "/")
		if name == "" {
			return 0
		}
		if i = t.find(i, name); i == 0 || !more {
			return i
		}
		rest = tail
	}
}
