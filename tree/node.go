package tree

import (
	"slices"

	"github.com/zkd-io/zkd/proto"
)

// Node is a handle on one znode, as returned by Get: the tree and the
// node's index. It reads the node's record on every call, so it reflects
// later changes; it is valid until the node is deleted (the slot may then
// hold another node). Callers must not modify the slices it returns.
type Node struct {
	t *Tree
	i uint32
}

func (n Node) rec() *rec { return n.t.r(n.i) }

// Data returns the node's data; nil stays nil. The slice points into the
// tree's storage: it is valid until the tree next changes.
func (n Node) Data() []byte { return n.t.data(n.i) }

// ACL returns the node's ACL list. The slice is shared with every node that
// has the same list; callers must not modify it.
func (n Node) ACL() []proto.ACL { return n.t.acls.list(n.rec().acl) }

// Stat returns the client-visible stat: cversion is 2*stored-numChildren
// (int32 arithmetic) and container/TTL owners are reported as 0.
func (n Node) Stat() proto.Stat { return statOf(n.rec(), n.t.ext(n.i)) }

// statOf builds the client-visible stat of a record and its ext values.
func statOf(r *rec, e ext) proto.Stat {
	nc := int32(r.nkids)
	return proto.Stat{
		Czxid:          r.czxid,
		Mzxid:          e.mzxid,
		Ctime:          r.ctime,
		Mtime:          e.mtime,
		Version:        r.version,
		Cversion:       r.cversion*2 - nc,
		Aversion:       r.aversion,
		EphemeralOwner: clientOwner(e.owner),
		DataLength:     max(r.dataLen, 0),
		NumChildren:    nc,
		Pzxid:          r.pzxid,
	}
}

// StoredCversion returns the number of children ever created under the
// node (int32, wrapping); it is the sequence suffix of the next sequential
// child and the container "has had a child" test.
func (n Node) StoredCversion() int32 { return n.rec().cversion }

// Owner returns the raw ephemeralOwner: a session id, proto.ContainerOwner,
// a TTL encoding (proto.TTLOwnerMask | ttl) or 0.
func (n Node) Owner() int64 { return n.t.ext(n.i).owner }

// Children returns the names of the node's children, sorted.
func (n Node) Children() []string {
	out := make([]string, 0, n.rec().nkids)
	for c := n.rec().first; c != 0; c = n.t.r(c).next {
		out = append(out, string(n.t.name(c)))
	}
	slices.Sort(out)
	return out
}

// NumChildren returns the number of direct children.
func (n Node) NumChildren() int { return int(n.rec().nkids) }

// Version returns the data version.
func (n Node) Version() int32 { return n.rec().version }

// Aversion returns the ACL version.
func (n Node) Aversion() int32 { return n.rec().aversion }

// Mtime returns the time of the last setData (ms since the epoch).
func (n Node) Mtime() int64 { return n.t.ext(n.i).mtime }

// Mzxid returns the zxid of the last setData.
func (n Node) Mzxid() int64 { return n.t.ext(n.i).mzxid }

// Pzxid returns the zxid of the last child create or delete.
func (n Node) Pzxid() int64 { return n.rec().pzxid }

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
