package fsm

import (
	"fmt"
	"strings"

	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/tree"
)

// createArgs is a create request of any of the four create opcodes; ttl is
// -1 for the opcodes without a TTL field.
type createArgs struct {
	path  string
	data  []byte
	acl   []proto.ACL
	flags proto.CreateMode
	ttl   int64
}

// create applies a create of kind op (1, 15, 19 or 21) in
// PrepRequestProcessor order and returns the response of that opcode:
// CreateResponse for 1, Create2Response otherwise.
func (f *FSM) create(rq *request, op proto.OpCode, c createArgs) (proto.Record, []Change, proto.Code) {
	if f.tooLarge(c.data) {
		return nil, nil, proto.ErrBadArguments
	}
	mode := c.flags
	if !mode.Valid() {
		return nil, nil, proto.ErrBadArguments
	}
	if mode.TTL() && !f.cfg.ExtendedTypes {
		return nil, nil, proto.ErrUnimplemented
	}
	if mode.TTL() {
		if c.ttl <= 0 || c.ttl > proto.MaxTTL {
			return nil, nil, proto.ErrBadArguments
		}
	} else if c.ttl >= 0 {
		return nil, nil, proto.ErrBadArguments
	}
	if op == proto.OpCreateTTL && !mode.TTL() {
		// ZooKeeper accepts this in prep and then fails to apply it.
		return nil, nil, proto.ErrBadArguments
	}
	if !f.live(rq) {
		return nil, nil, proto.ErrSessionExpired
	}
	path := c.path
	slash := strings.LastIndexByte(path, '/')
	if slash < 0 || strings.IndexByte(path, 0) >= 0 {
		return nil, nil, proto.ErrBadArguments
	}
	parentPath := path[:slash]
	if parentPath == "" {
		parentPath = "/"
	}
	acl, code := fixupACL(c.acl, rq.auth)
	if code != proto.OK {
		return nil, nil, code
	}
	parent, ok := f.tree.Get(parentPath)
	if !ok {
		return nil, nil, proto.ErrNoNode
	}
	if !f.allowed(parent.ACL(), rq.auth, proto.PermCreate) {
		return nil, nil, proto.ErrNoAuth
	}
	if mode.Sequential() {
		path += sequenceSuffix(parent.StoredCversion())
	}
	if tree.ValidatePath(path) != nil {
		return nil, nil, proto.ErrBadArguments
	}
	if _, ok := f.tree.Get(path); ok {
		return nil, nil, proto.ErrNodeExists
	}
	if isNormalEphemeral(parent.Owner()) {
		return nil, nil, proto.ErrNoChildrenForEphemerals
	}
	if err := f.checkQuota(path, 1, int64(len(c.data))); err != nil {
		return nil, nil, proto.ErrQuotaExceeded
	}

	var owner int64
	switch {
	case op == proto.OpCreateContainer:
		owner = proto.ContainerOwner
	case op == proto.OpCreateTTL:
		owner = proto.TTLOwnerMask | c.ttl
	case mode.Ephemeral():
		owner = rq.session
	}
	f.tree.Create(path, c.data, acl, owner, rq.zxid, rq.time)
	node, _ := f.tree.Get(path)
	changes := []Change{
		{Type: proto.EventNodeCreated, Path: path, ACL: node.ACL()},
		{Type: proto.EventNodeChildrenChanged, Path: parentPath, ACL: parent.ACL()},
	}
	if op == proto.OpCreate {
		return &proto.CreateResponse{Path: path}, changes, proto.OK
	}
	return &proto.Create2Response{Path: path, Stat: node.Stat()}, changes, proto.OK
}

// sequenceSuffix formats a parent's stored cversion as ZooKeeper's
// String.format("%010d") does (the sign counts towards the width).
func sequenceSuffix(cversion int32) string {
	return fmt.Sprintf("%010d", cversion)
}

// isNormalEphemeral reports whether a raw owner marks a session-owned
// ephemeral (not persistent, container or TTL), classified as the tree
// does.
func isNormalEphemeral(owner int64) bool {
	return owner != 0 && owner != proto.ContainerOwner && !isTTLOwner(owner)
}

// isTTLOwner reports whether a raw owner marks a TTL node.
func isTTLOwner(owner int64) bool {
	return owner != proto.ContainerOwner && owner&proto.TTLOwnerMask == proto.TTLOwnerMask
}
