package fsm

import (
	"strings"

	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/tree"
)

// delete applies a delete: session, path shape (no NUL, not special),
// parent exists, DELETE on the parent, node exists, version, no children.
func (f *FSM) delete(rq *request, req *proto.DeleteRequest) ([]Change, proto.Code) {
	if !f.live(rq) {
		return nil, proto.ErrSessionExpired
	}
	path := req.Path
	slash := strings.LastIndexByte(path, '/')
	if slash < 0 || strings.IndexByte(path, 0) >= 0 || tree.IsSpecialPath(path) {
		return nil, proto.ErrBadArguments
	}
	parentPath := path[:slash]
	if parentPath == "" {
		parentPath = "/"
	}
	parent := f.tree.Get(parentPath)
	if parent == nil {
		return nil, proto.ErrNoNode
	}
	if !f.allowed(parent.ACL(), rq.auth, proto.PermDelete) {
		return nil, proto.ErrNoAuth
	}
	node := f.tree.Get(path)
	if node == nil {
		return nil, proto.ErrNoNode
	}
	if req.Version != -1 && req.Version != node.Version() {
		return nil, proto.ErrBadVersion
	}
	if node.NumChildren() > 0 {
		return nil, proto.ErrNotEmpty
	}
	acl := node.ACL()
	f.tree.Delete(path, rq.zxid)
	return []Change{
		{Type: proto.EventNodeDeleted, Path: path, ACL: acl},
		{Type: proto.EventNodeChildrenChanged, Path: parentPath, ACL: parent.ACL()},
	}, proto.OK
}

// setData applies a setData: session, path, node exists, WRITE, quota,
// version.
func (f *FSM) setData(rq *request, req *proto.SetDataRequest) (proto.Record, []Change, proto.Code) {
	if f.tooLarge(req.Data) {
		return nil, nil, proto.ErrBadArguments
	}
	if !f.live(rq) {
		return nil, nil, proto.ErrSessionExpired
	}
	if tree.ValidatePath(req.Path) != nil {
		return nil, nil, proto.ErrBadArguments
	}
	node := f.tree.Get(req.Path)
	if node == nil {
		return nil, nil, proto.ErrNoNode
	}
	if !f.allowed(node.ACL(), rq.auth, proto.PermWrite) {
		return nil, nil, proto.ErrNoAuth
	}
	delta := int64(len(req.Data)) - int64(len(node.Data()))
	if err := f.checkQuota(req.Path, 0, delta); err != nil {
		return nil, nil, proto.ErrQuotaExceeded
	}
	if req.Version != -1 && req.Version != node.Version() {
		return nil, nil, proto.ErrBadVersion
	}
	f.tree.SetData(req.Path, req.Data, rq.zxid, rq.time)
	changes := []Change{{Type: proto.EventNodeDataChanged, Path: req.Path, ACL: node.ACL()}}
	return &proto.SetDataResponse{Stat: node.Stat()}, changes, proto.OK
}

// setACL applies a setACL: session, path, ACL fix-up, node exists, ADMIN,
// aversion. It fires no watch.
func (f *FSM) setACL(rq *request, req *proto.SetACLRequest) (proto.Record, proto.Code) {
	if !f.live(rq) {
		return nil, proto.ErrSessionExpired
	}
	if tree.ValidatePath(req.Path) != nil {
		return nil, proto.ErrBadArguments
	}
	acl, code := fixupACL(req.ACL, rq.auth)
	if code != proto.OK {
		return nil, code
	}
	node := f.tree.Get(req.Path)
	if node == nil {
		return nil, proto.ErrNoNode
	}
	if !f.allowed(node.ACL(), rq.auth, proto.PermAdmin) {
		return nil, proto.ErrNoAuth
	}
	if req.Version != -1 && req.Version != node.Aversion() {
		return nil, proto.ErrBadVersion
	}
	f.tree.SetACL(req.Path, acl)
	return &proto.SetACLResponse{Stat: node.Stat()}, proto.OK
}

// check validates a check sub-op of a multi: session, path, node exists,
// READ, version. It changes nothing.
func (f *FSM) check(rq *request, req *proto.CheckVersionRequest) proto.Code {
	if !f.live(rq) {
		return proto.ErrSessionExpired
	}
	if tree.ValidatePath(req.Path) != nil {
		return proto.ErrBadArguments
	}
	node := f.tree.Get(req.Path)
	if node == nil {
		return proto.ErrNoNode
	}
	if !f.allowed(node.ACL(), rq.auth, proto.PermRead) {
		return proto.ErrNoAuth
	}
	if req.Version != -1 && req.Version != node.Version() {
		return proto.ErrBadVersion
	}
	return proto.OK
}
