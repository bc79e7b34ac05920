package tree

import (
	"encoding/binary"

	"github.com/zkd-io/zkd/proto"
)

// aclEntry is one interned ACL list shared by every node that carries it.
type aclEntry struct {
	acl  []proto.ACL
	key  string
	refs int
}

// aclTable interns ACL lists: identical lists (same entries, same order)
// share one entry, reference-counted by the nodes holding it, so a million
// nodes with OPEN_ACL_UNSAFE hold one slice between them.
type aclTable struct {
	byKey map[string]*aclEntry
	buf   []byte // scratch for building keys
}

func newACLTable() aclTable {
	return aclTable{byKey: make(map[string]*aclEntry)}
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

// acquire returns the shared entry for acl, creating it (with a private
// copy of the list) on first use, and counts one more reference.
func (t *aclTable) acquire(acl []proto.ACL) *aclEntry {
	t.buf = appendKey(t.buf[:0], acl)
	if e, ok := t.byKey[string(t.buf)]; ok {
		e.refs++
		return e
	}
	e := &aclEntry{acl: make([]proto.ACL, len(acl)), key: string(t.buf), refs: 1}
	copy(e.acl, acl)
	t.byKey[e.key] = e
	return e
}

// release drops one reference and forgets the entry when none is left.
func (t *aclTable) release(e *aclEntry) {
	e.refs--
	if e.refs < 0 {
		panic("tree: acl reference count below zero")
	}
	if e.refs == 0 && t.byKey[e.key] == e {
		delete(t.byKey, e.key)
	}
}

// size returns the number of distinct ACL lists in use.
func (t *aclTable) size() int { return len(t.byKey) }
