package tree

import (
	"encoding/binary"
	"slices"

	"github.com/zkd-io/zkd/proto"
)

// aclEntry is one interned ACL list shared by every node that carries it.
// An entry with no references is free (and its id on the free list).
type aclEntry struct {
	acl  []proto.ACL
	key  string
	refs int
}

// aclTable interns ACL lists: identical lists (same entries, same order)
// share one entry, reference-counted by the nodes holding it, so a million
// nodes with OPEN_ACL_UNSAFE hold one slice between them. Nodes hold the
// entry's id, an index into entries.
type aclTable struct {
	entries []aclEntry
	byKey   map[string]uint32
	free    []uint32 // ids of entries without references
	buf     []byte   // scratch for building keys
}

func newACLTable() aclTable {
	return aclTable{byKey: make(map[string]uint32)}
}

// appendKey appends an unambiguous encoding of acl to dst.
func appendKey(dst []byte, acl []proto.ACL) []byte {
	for i := range acl {
		a := &acl[i]
		dst = binary.BigEndian.AppendUint32(dst, uint32(a.Perms))
		dst = binary.AppendUvarint(dst, uint64(len(a.ID.Scheme)))
		dst = append(dst, a.ID.Scheme...)
		dst = binary.AppendUvarint(dst, uint64(len(a.ID.ID)))
		dst = append(dst, a.ID.ID...)
	}
	return dst
}

// acquire returns the id of the shared entry for acl, creating it (with a
// private copy of the list) on first use, and counts one more reference.
func (t *aclTable) acquire(acl []proto.ACL) uint32 {
	t.buf = appendKey(t.buf[:0], acl)
	if id, ok := t.byKey[string(t.buf)]; ok {
		t.entries[id].refs++
		return id
	}
	return t.add(slices.Clone(acl), string(t.buf), 1)
}

// add stores a new entry (a list the table may keep) and returns its id.
func (t *aclTable) add(acl []proto.ACL, key string, refs int) uint32 {
	if acl == nil {
		acl = []proto.ACL{}
	}
	e := aclEntry{acl: acl, key: key, refs: refs}
	var id uint32
	if k := len(t.free); k > 0 {
		id = t.free[k-1]
		t.free = t.free[:k-1]
		t.entries[id] = e
	} else {
		id = uint32(len(t.entries))
		t.entries = append(t.entries, e)
	}
	t.byKey[key] = id
	return id
}

// release drops one reference and frees the entry when none is left.
func (t *aclTable) release(id uint32) {
	e := &t.entries[id]
	e.refs--
	if e.refs < 0 {
		panic("tree: acl reference count below zero")
	}
	if e.refs == 0 {
		delete(t.byKey, e.key)
		*e = aclEntry{}
		t.free = append(t.free, id)
	}
}

// list returns entry id's ACL list (shared; not to be modified).
func (t *aclTable) list(id uint32) []proto.ACL { return t.entries[id].acl }

// size returns the number of distinct ACL lists in use.
func (t *aclTable) size() int { return len(t.byKey) }
