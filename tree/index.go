package tree

import (
	"bytes"
	"hash/maphash"
	"strings"
)

// pathIndex maps (parent index, name) to a node index: open addressing
// with linear probing over uint32 node indexes (0 = empty slot). The key
// of an occupied slot is read back from the node's record and blob.
type pathIndex struct {
	seed  maphash.Seed
	slots []uint32
	count int
}

// minIndexSlots is the size of a new tree's table (a power of two).
const minIndexSlots = 16

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

// find returns the child of parent named name, 0 when there is none.
func (t *Tree) find(parent uint32, name string) uint32 {
	x := &t.index
	mask := uint64(len(x.slots) - 1)
	for s := keyHash(x.seed, parent, name) & mask; ; s = (s + 1) & mask {
		i := x.slots[s]
		if i == 0 {
			return 0
		}
		if t.r(i).parent == parent && string(t.name(i)) == name {
			return i
		}
	}
}

// home returns the slot node i's key hashes to.
func (t *Tree) home(i uint32) uint64 {
	return keyHashBytes(t.index.seed, t.r(i).parent, t.name(i)) & uint64(len(t.index.slots)-1)
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
	s := keyHashBytes(x.seed, parent, name) & mask
	for ; x.slots[s] != 0; s = (s + 1) & mask {
		if o := x.slots[s]; t.r(o).parent == parent && bytes.Equal(t.name(o), name) {
			return false
		}
	}
	x.slots[s] = i
	x.count++
	return true
}

// indexGrow doubles the table and reinserts every node.
func (t *Tree) indexGrow() {
	old := t.index.slots
	t.index.slots = make([]uint32, 2*len(old))
	mask := uint64(len(t.index.slots) - 1)
	for _, i := range old {
		if i == 0 {
			continue
		}
		s := t.home(i)
		for t.index.slots[s] != 0 {
			s = (s + 1) & mask
		}
		t.index.slots[s] = i
	}
}

// indexRemove removes node i, shifting later entries of its probe run back
// so that no tombstone is needed.
func (t *Tree) indexRemove(i uint32) {
	x := &t.index
	mask := uint64(len(x.slots) - 1)
	s := t.home(i)
	for x.slots[s] != i {
		if x.slots[s] == 0 {
			panic("tree: node missing from the path index")
		}
		s = (s + 1) & mask
	}
	hole := s
	for s = (s + 1) & mask; x.slots[s] != 0; s = (s + 1) & mask {
		// The entry at s may move to the hole when its home is not in the
		// cyclic range (hole, s].
		h := t.home(x.slots[s])
		if (s-h)&mask >= (s-hole)&mask {
			x.slots[hole] = x.slots[s]
			hole = s
		}
	}
	x.slots[hole] = 0
	x.count--
}

// lookup returns the node at path, 0 when there is none. The empty path
// and "/" name the root.
func (t *Tree) lookup(path string) uint32 {
	if path == "" || path == rootPath {
		return rootIdx
	}
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
