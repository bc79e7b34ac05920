package tree

import "github.com/zkd-io/zkd/proto"

// Create adds a node. The caller has validated the request (path, parent
// existence, absence of the node, ACL fix-up); Create panics only when the
// parent is missing or the node exists. The tree takes ownership of data
// (nil stays nil) and interns acl (the caller may reuse acl afterwards).
//
// The new node gets czxid = mzxid = pzxid = zxid, ctime = mtime = timeMs,
// versions 0 and the given raw owner. The parent's stored cversion grows by
// one and its pzxid becomes zxid; its mzxid, mtime and version are unchanged.
// Creating a quota limits or stats node registers the quota or recomputes
// its stats; a node under a quota root updates that quota's stats node.
func (t *Tree) Create(path string, data []byte, acl []proto.ACL, owner int64, zxid, timeMs int64) {
	parentPath, name := splitPath(path)
	parent := t.nodes[parentPath]
	if parent == nil {
		panic("tree: create " + path + ": parent missing")
	}
	if t.nodes[path] != nil {
		panic("tree: create " + path + ": node exists")
	}
	t.log(undoRec{kind: undoCreate, path: path, i32: parent.cversion, zxid: parent.pzxid})
	t.touch(parent)
	parent.cversion++
	parent.pzxid = zxid
	t.attach(path, &Node{
		data:  data,
		acl:   t.acls.acquire(acl),
		czxid: zxid,
		mzxid: zxid,
		pzxid: zxid,
		ctime: timeMs,
		mtime: timeMs,
		owner: owner,
		epoch: t.epoch,
	})
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
	n := t.nodes[path]
	if n == nil || path == rootPath {
		panic("tree: delete " + path + ": no such node")
	}
	if len(n.children) > 0 {
		panic("tree: delete " + path + ": node has children")
	}
	parentPath, name := splitPath(path)
	parent := t.nodes[parentPath]
	if parent == nil {
		panic("tree: delete " + path + ": parent missing")
	}
	t.log(undoRec{kind: undoDelete, path: path, node: n, zxid: parent.pzxid})
	t.touch(parent)
	parent.pzxid = zxid
	t.detach(path)
	if prefix, ok := quotaNodePrefix(parentPath); ok && name == limitsName {
		t.setQuotaRegistered(prefix, false)
	}
	t.updateQuotaStats(path, -1, -int64(len(n.data)))
}

// SetData replaces the node's data (the tree takes ownership; nil stays
// nil), increments its version (int32, wrapping) and sets mzxid and mtime.
// It panics when the node does not exist.
func (t *Tree) SetData(path string, data []byte, zxid, timeMs int64) {
	n := t.nodes[path]
	if n == nil {
		panic("tree: set data " + path + ": no node")
	}
	old := n.data
	t.log(undoRec{kind: undoData, path: path, data: old, i32: n.version, zxid: n.mzxid, time: n.mtime})
	t.touch(n)
	t.replaceData(n, data)
	n.version++
	n.mzxid = zxid
	n.mtime = timeMs
	t.updateQuotaStats(path, 0, int64(len(data))-int64(len(old)))
}

// SetACL replaces the node's ACL list and increments its aversion. It
// panics when the node does not exist.
func (t *Tree) SetACL(path string, acl []proto.ACL) {
	n := t.nodes[path]
	if n == nil {
		panic("tree: set acl " + path + ": no node")
	}
	t.log(undoRec{kind: undoACL, path: path, acl: n.acl.acl, i32: n.aversion})
	t.touch(n)
	t.replaceACL(n, acl)
	n.aversion++
}

// attach links a fully built node (its ACL already acquired) into the tree
// and every index.
func (t *Tree) attach(path string, n *Node) {
	parentPath, name := splitPath(path)
	parent := t.nodes[parentPath]
	t.touch(parent)
	if parent.children == nil {
		parent.children = make(map[string]*Node, 1)
	}
	parent.children[name] = n
	t.index(path, n)
}

// index adds a node to the path map and the indexes, but not to its
// parent's children.
func (t *Tree) index(path string, n *Node) {
	t.nodes[path] = n
	t.dataSize += javaLength(path) + int64(len(n.data))
	switch kindOf(n.owner) {
	case ownerContainer:
		t.containers[path] = struct{}{}
	case ownerTTL:
		t.ttls[path] = struct{}{}
	case ownerSession:
		set := t.ephemerals[n.owner]
		if set == nil {
			set = make(map[string]struct{}, 1)
			t.ephemerals[n.owner] = set
		}
		set[path] = struct{}{}
		t.ephemeralCount++
	}
}

// detach unlinks the childless node at path from the tree and every index
// and releases its ACL; the node object itself is left intact.
func (t *Tree) detach(path string) *Node {
	n := t.nodes[path]
	parentPath, name := splitPath(path)
	parent := t.nodes[parentPath]
	t.touch(parent)
	delete(parent.children, name)
	if len(parent.children) == 0 {
		parent.children = nil
	}
	delete(t.nodes, path)
	t.dataSize -= javaLength(path) + int64(len(n.data))
	switch kindOf(n.owner) {
	case ownerContainer:
		delete(t.containers, path)
	case ownerTTL:
		delete(t.ttls, path)
	case ownerSession:
		set := t.ephemerals[n.owner]
		delete(set, path)
		if len(set) == 0 {
			delete(t.ephemerals, n.owner)
		}
		t.ephemeralCount--
	}
	t.acls.release(n.acl)
	return n
}

// replaceData swaps n's data, keeping the data size index exact.
func (t *Tree) replaceData(n *Node, data []byte) {
	t.touch(n)
	t.dataSize += int64(len(data)) - int64(len(n.data))
	n.data = data
}

// replaceACL swaps n's interned ACL list.
func (t *Tree) replaceACL(n *Node, acl []proto.ACL) {
	e := t.acls.acquire(acl)
	t.touch(n)
	t.acls.release(n.acl)
	n.acl = e
}
