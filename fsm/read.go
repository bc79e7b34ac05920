package fsm

import (
	"strings"

	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/tree"
)

// Read answers a read request from the current state: exists, getData,
// getACL, getChildren, getChildren2, getAllChildrenNumber, getEphemerals
// and multiRead. req must be the record proto.NewRequest(op) returns for
// op (else ErrMarshallingError); other opcodes answer ErrUnimplemented.
// exists on an absent node answers ErrNoNode. Read checks neither the
// session nor registers watches; session is used by getEphemerals only.
func (f *FSM) Read(session int64, auth []proto.Id, op proto.OpCode, req proto.Record) (proto.Record, proto.Code) {
	switch op {
	case proto.OpExists:
		r, ok := req.(*proto.ExistsRequest)
		if !ok {
			return nil, proto.ErrMarshallingError
		}
		return f.exists(auth, r.Path)
	case proto.OpGetData:
		r, ok := req.(*proto.GetDataRequest)
		if !ok {
			return nil, proto.ErrMarshallingError
		}
		return f.getData(auth, r.Path)
	case proto.OpGetACL:
		r, ok := req.(*proto.GetACLRequest)
		if !ok {
			return nil, proto.ErrMarshallingError
		}
		return f.getACL(auth, r.Path)
	case proto.OpGetChildren:
		r, ok := req.(*proto.GetChildrenRequest)
		if !ok {
			return nil, proto.ErrMarshallingError
		}
		return f.getChildren(auth, r.Path)
	case proto.OpGetChildren2:
		r, ok := req.(*proto.GetChildren2Request)
		if !ok {
			return nil, proto.ErrMarshallingError
		}
		node, code := f.readable(auth, r.Path)
		if code != proto.OK {
			return nil, code
		}
		return &proto.GetChildren2Response{Children: node.Children(), Stat: node.Stat()}, proto.OK
	case proto.OpGetAllChildrenNumber:
		r, ok := req.(*proto.GetAllChildrenNumberRequest)
		if !ok {
			return nil, proto.ErrMarshallingError
		}
		if _, code := f.readable(auth, r.Path); code != proto.OK {
			return nil, code
		}
		return &proto.GetAllChildrenNumberResponse{TotalNumber: int32(f.tree.AllChildrenNumber(r.Path))}, proto.OK
	case proto.OpGetEphemerals:
		r, ok := req.(*proto.GetEphemeralsRequest)
		if !ok {
			return nil, proto.ErrMarshallingError
		}
		return f.getEphemerals(session, r.PrefixPath), proto.OK
	case proto.OpMultiRead:
		r, ok := req.(*proto.MultiRequest)
		if !ok || (len(r.Ops) > 0 && !r.IsRead()) {
			return nil, proto.ErrMarshallingError
		}
		return f.multiRead(auth, r), proto.OK
	}
	return nil, proto.ErrUnimplemented
}

// readable returns the node at path if it exists and the caller may READ
// it.
func (f *FSM) readable(auth []proto.Id, path string) (tree.Node, proto.Code) {
	node, ok := f.tree.Get(path)
	if !ok {
		return tree.Node{}, proto.ErrNoNode
	}
	if !f.allowed(node.ACL(), auth, proto.PermRead) {
		return tree.Node{}, proto.ErrNoAuth
	}
	return node, proto.OK
}

// exists: a NUL in the path is BadArguments; an absent node NoNode; a
// present one needs READ.
func (f *FSM) exists(auth []proto.Id, path string) (proto.Record, proto.Code) {
	if strings.IndexByte(path, 0) >= 0 {
		return nil, proto.ErrBadArguments
	}
	node, code := f.readable(auth, path)
	if code != proto.OK {
		return nil, code
	}
	return &proto.ExistsResponse{Stat: node.Stat()}, proto.OK
}

func (f *FSM) getData(auth []proto.Id, path string) (proto.Record, proto.Code) {
	node, code := f.readable(auth, path)
	if code != proto.OK {
		return nil, code
	}
	return &proto.GetDataResponse{Data: node.Data(), Stat: node.Stat()}, proto.OK
}

func (f *FSM) getChildren(auth []proto.Id, path string) (proto.Record, proto.Code) {
	node, code := f.readable(auth, path)
	if code != proto.OK {
		return nil, code
	}
	return &proto.GetChildrenResponse{Children: node.Children()}, proto.OK
}

// getACL needs READ or ADMIN; without ADMIN every digest id is masked to
// "user:x".
func (f *FSM) getACL(auth []proto.Id, path string) (proto.Record, proto.Code) {
	node, ok := f.tree.Get(path)
	if !ok {
		return nil, proto.ErrNoNode
	}
	acl := node.ACL()
	if !f.allowed(acl, auth, proto.PermRead|proto.PermAdmin) {
		return nil, proto.ErrNoAuth
	}
	if !f.allowed(acl, auth, proto.PermAdmin) {
		acl = maskDigests(acl)
	}
	return &proto.GetACLResponse{ACL: acl, Stat: node.Stat()}, proto.OK
}

// maskDigests returns a copy of acl with every digest id's text after the
// first ':' replaced by "x".
func maskDigests(acl []proto.ACL) []proto.ACL {
	out := make([]proto.ACL, len(acl))
	copy(out, acl)
	for i := range out {
		if out[i].ID.Scheme != schemeDigest {
			continue
		}
		if user, _, found := strings.Cut(out[i].ID.ID, ":"); found {
			out[i].ID.ID = user + ":x"
		}
	}
	return out
}

// getEphemerals lists the session's ephemerals: all of them when prefix is
// empty, blank or "/" (after trimming as Java's String.trim does),
// otherwise those whose path starts with prefix.
func (f *FSM) getEphemerals(session int64, prefix string) proto.Record {
	all := f.tree.Ephemerals(session)
	trimmed := strings.TrimFunc(prefix, func(r rune) bool { return r <= ' ' })
	out := make([]string, 0, len(all))
	for _, p := range all {
		if trimmed == "" || trimmed == "/" || strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	return &proto.GetEphemeralsResponse{Ephemerals: out}
}

// multiRead evaluates each sub-op independently; failures become error
// results.
func (f *FSM) multiRead(auth []proto.Id, req *proto.MultiRequest) proto.Record {
	results := make([]proto.MultiResult, len(req.Ops))
	for i := range req.Ops {
		op := &req.Ops[i]
		var (
			resp proto.Record
			code proto.Code
		)
		switch r := op.Req.(type) {
		case *proto.GetDataRequest:
			resp, code = f.getData(auth, r.Path)
		case *proto.GetChildrenRequest:
			resp, code = f.getChildren(auth, r.Path)
		default:
			code = proto.ErrMarshallingError
		}
		if code != proto.OK {
			results[i] = proto.MultiResult{Type: proto.OpError, Err: code}
			continue
		}
		results[i] = proto.MultiResult{Type: op.Type, Resp: resp}
	}
	return &proto.MultiResponse{Results: results}
}
