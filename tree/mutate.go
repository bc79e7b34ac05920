package tree

import (
	"bytes"

	"github.com/zkd-io/zkd/proto"
)

// Create adds a node. The caller has validated the request (path, parent
// existence, absence of the node, ACL fix-up); Create panics only when the
// parent is missing or the node exists. The tree copies data (nil stays
// nil) and interns acl (the caller may reuse both afterwards).
//
// The new node gets czxid = mzxid = pzxid = zxid, ctime = mtime = timeMs,
// versions 0 and the given raw owner. The parent's stored cversion grows by
// one and its pzxid becomes zxid; its mzxid, mtime and version are unchanged.
// Creating a quota limits or stats node registers the quota or recomputes
// its stats; a node under a quota root updates that quota's stats node.
func (t *Tree) Create(path string, data []byte, acl []proto.ACL, owner int64, zxid, timeMs int64) {
	parentPath, name := splitPath(path)
	parent := t.lookup(parentPath)
	if parent == 0 || parentPath == "" {
		panic("tree: create " + path + ": parent missing")
	}
	if name == "" || t.find(parent, name) != 0 {
		panic("tree: create " + path + ": node exists")
	}
	pr := t.r(parent)
	t.log(undoRec{kind: undoCreate, path: path, i32: pr.cversion, zxid: pr.pzxid})
	pr = t.w(parent)
	pr.cversion++
	pr.pzxid = zxid
	t.attach(path, rec{
		acl:   t.acls.acquire(acl),
		czxid: zxid,
		pzxid: zxid,
		ctime: timeMs,
	}, ext{mzxid: zxid, mtime: timeMs, owner: owner}, data)
	if prefix, ok := quotaNodePrefix(parentPath); ok {
		switch name {
		case limitsName:
			t.setQuotaRegistered(prefix, true)
		case statsName:
			t.recountQuota(prefix)
		}
	}
	t.updateQuotaStats(path, 1, int64(len(data)))
}

// Delete removes the node at path. The caller has checked that it exists,
// has no children and is not special; Delete panics on a missing node, a
// node with children or "/". The parent's pzxid becomes zxid; its stored
// cversion is unchanged (the visible cversion still grows by one).
// Deleting a quota limits node unregisters the quota; a node under a quota
// root updates that quota's stats node.
func (t *Tree) Delete(path string, zxid int64) {
	i := t.lookup(path)
	if i == 0 || i == rootIdx {
		panic("tree: delete " + path + ": no such node")
	}
	r := t.r(i)
	if r.nkids > 0 {
		panic("tree: delete " + path + ": node has children")
	}
	parent := r.parent
	dataLen := int64(max(r.dataLen, 0))
	if t.inTxn {
		t.log(undoRec{kind: undoDelete, path: path, node: *r, ext: t.ext(i), data: bytes.Clone(t.data(i)),
			acl: t.acls.list(r.acl), zxid: t.r(parent).pzxid})
	}
	t.w(parent).pzxid = zxid
	t.detach(path, i)
	parentPath, name := splitPath(path)
	if prefix, ok := quotaNodePrefix(parentPath); ok && name == limitsName {
		t.setQuotaRegistered(prefix, false)
	}
	t.updateQuotaStats(path, -1, -dataLen)
}

// SetData replaces the node's data (the tree copies it; nil stays nil),
// increments its version (int32, wrapping) and sets mzxid and mtime. It
// panics when the node does not exist.
func (t *Tree) SetData(path string, data []byte, zxid, timeMs int64) {
	i := t.lookup(path)
	if i == 0 {
		panic("tree: set data " + path + ": no node")
	}
	r := t.r(i)
	oldLen := int64(max(r.dataLen, 0))
	t.logData(path, i)
	t.replaceData(i, data, ext{mzxid: zxid, mtime: timeMs, owner: t.ext(i).owner})
	t.w(i).version++
	t.updateQuotaStats(path, 0, int64(len(data))-oldLen)
}

// SetACL replaces the node's ACL list and increments its aversion. It
// panics when the node does not exist.
func (t *Tree) SetACL(path string, acl []proto.ACL) {
	i := t.lookup(path)
	if i == 0 {
		panic("tree: set acl " + path + ": no node")
	}
	r := t.r(i)
	t.log(undoRec{kind: undoACL, path: path, acl: t.acls.list(r.acl), i32: r.aversion})
	t.replaceACL(i, acl)
	t.w(i).aversion++
}

// attach links a new node built from r and e (its ACL already acquired;
// links, blob and data length are filled in here) into the tree and every
// index, and returns its index.
func (t *Tree) attach(path string, r rec, e ext, data []byte) uint32 {
	parentPath, name := splitPath(path)
	parent := t.lookup(parentPath)
	i := t.slab.alloc()
	putBlob(&t.blobs, &r, e, name, data)
	*t.r(i) = r
	t.link(parent, i)
	if !t.indexAdd(i) {
		panic("tree: attach " + path + ": node exists")
	}
	indexNode(t, path, i)
	return i
}

// indexNode counts node i at path and adds it to the ephemeral, container
// and TTL indexes.
func indexNode[P string | []byte](t *Tree, path P, i uint32) {
	r := t.r(i)
	owner := t.ext(i).owner
	t.count++
	t.dataSize += javaLength(path) + int64(max(r.dataLen, 0))
	switch kindOf(owner) {
	case ownerContainer:
		t.containers[string(path)] = struct{}{}
	case ownerTTL:
		t.ttls[string(path)] = struct{}{}
	case ownerSession:
		set := t.ephemerals[owner]
		if set == nil {
			set = make(map[string]struct{}, 1)
			t.ephemerals[owner] = set
		}
		set[string(path)] = struct{}{}
		t.ephemeralCount++
	}
}

// detach unlinks the childless node i at path from the tree and every
// index, releases its ACL and frees its slot and blob.
func (t *Tree) detach(path string, i uint32) {
	r := t.r(i)
	t.indexRemove(i)
	t.unlink(i)
	t.count--
	t.dataSize -= javaLength(path) + int64(max(r.dataLen, 0))
	owner := t.ext(i).owner
	switch kindOf(owner) {
	case ownerContainer:
		delete(t.containers, path)
	case ownerTTL:
		delete(t.ttls, path)
	case ownerSession:
		set := t.ephemerals[owner]
		delete(set, path)
		if len(set) == 0 {
			delete(t.ephemerals, owner)
		}
		t.ephemeralCount--
	}
	t.acls.release(r.acl)
	t.freeNode(i)
}

// replaceData swaps node i's data for a copy of data and its ext values
// for e, keeping the data size index exact. The blob is always a new one:
// a frozen view may still read the old.
func (t *Tree) replaceData(i uint32, data []byte, e ext) {
	old := *t.r(i)
	r := t.w(i)
	putBlob(&t.blobs, r, e, nameOf(&t.blobs, &old), data)
	t.freeBlob(old.blob, old.blobLen())
	t.dataSize += int64(len(data)) - int64(max(old.dataLen, 0))
}

// replaceACL swaps node i's interned ACL list.
func (t *Tree) replaceACL(i uint32, acl []proto.ACL) {
	id := t.acls.acquire(acl)
	r := t.w(i)
	t.acls.release(r.acl)
	r.acl = id
}
