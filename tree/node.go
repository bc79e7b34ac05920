package tree

import (
	"slices"

	"github.com/zkd-io/zkd/proto"
)

// Node is one znode. Its fields change only through Tree methods; a *Node
// obtained from Get stays valid (and reflects later changes) until the node
// is deleted. Callers must not modify the slices it returns.
type Node struct {
	data     []byte
	acl      *aclEntry
	children map[string]*Node // nil when the node has no children

	czxid int64
	mzxid int64
	pzxid int64
	ctime int64
	mtime int64
	owner int64

	version  int32
	cversion int32 // stored: number of children ever created
	aversion int32
	// epoch is the frozen view this node was created in or last saved its
	// pre-image for (see frozen.go); written only under that view's lock.
	epoch uint32
}

// Data returns the node's data; nil stays nil.
func (n *Node) Data() []byte { return n.data }

// ACL returns the node's ACL list. The slice is shared with every node that
// has the same list; callers must not modify it.
func (n *Node) ACL() []proto.ACL { return n.acl.acl }

// Stat returns the client-visible stat: cversion is 2*stored-numChildren
// (int32 arithmetic) and container/TTL owners are reported as 0.
func (n *Node) Stat() proto.Stat {
	nc := int32(len(n.children))
	return proto.Stat{
		Czxid:          n.czxid,
		Mzxid:          n.mzxid,
		Ctime:          n.ctime,
		Mtime:          n.mtime,
		Version:        n.version,
		Cversion:       n.cversion*2 - nc,
		Aversion:       n.aversion,
		EphemeralOwner: clientOwner(n.owner),
		DataLength:     int32(len(n.data)),
		NumChildren:    nc,
		Pzxid:          n.pzxid,
	}
}

// StoredCversion returns the number of children ever created under the
// node (int32, wrapping); it is the sequence suffix of the next sequential
// child and the container "has had a child" test.
func (n *Node) StoredCversion() int32 { return n.cversion }

// Owner returns the raw ephemeralOwner: a session id, proto.ContainerOwner,
// a TTL encoding (proto.TTLOwnerMask | ttl) or 0.
func (n *Node) Owner() int64 { return n.owner }

// Children returns the names of the node's children, sorted.
func (n *Node) Children() []string {
	out := make([]string, 0, len(n.children))
	for name := range n.children {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// NumChildren returns the number of direct children.
func (n *Node) NumChildren() int { return len(n.children) }

// Version returns the data version.
func (n *Node) Version() int32 { return n.version }

// Aversion returns the ACL version.
func (n *Node) Aversion() int32 { return n.aversion }

// Mtime returns the time of the last setData (ms since the epoch).
func (n *Node) Mtime() int64 { return n.mtime }

// Mzxid returns the zxid of the last setData.
func (n *Node) Mzxid() int64 { return n.mzxid }

// Pzxid returns the zxid of the last child create or delete.
func (n *Node) Pzxid() int64 { return n.pzxid }

// ownerKind classifies a raw ephemeralOwner.
type ownerKind uint8

const (
	ownerNone      ownerKind = iota // 0: persistent
	ownerSession                    // a session id: normal ephemeral
	ownerContainer                  // proto.ContainerOwner
	ownerTTL                        // top byte 0xFF: TTL node
)

func kindOf(owner int64) ownerKind {
	switch {
	case owner == 0:
		return ownerNone
	case owner == proto.ContainerOwner:
		return ownerContainer
	case owner&proto.TTLOwnerMask == proto.TTLOwnerMask:
		return ownerTTL
	}
	return ownerSession
}

// clientOwner is the ephemeralOwner clients see: the session id for normal
// ephemerals, 0 for everything else.
func clientOwner(owner int64) int64 {
	if kindOf(owner) == ownerSession {
		return owner
	}
	return 0
}
