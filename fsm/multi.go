package fsm

import "github.com/zkd-io/zkd/proto"

// multi applies a multi (14) atomically; see the package documentation for
// the result shape.
func (f *FSM) multi(rq *request, req *proto.MultiRequest) Result {
	if len(req.Ops) == 0 {
		if !f.live(rq) {
			return Result{Err: proto.ErrSessionExpired}
		}
		return Result{Resp: &proto.MultiResponse{}}
	}
	if req.IsRead() {
		return Result{Err: proto.ErrMarshallingError}
	}
	results := make([]proto.MultiResult, len(req.Ops))
	changes := make([]Change, 0, len(req.Ops)) // most sub-ops fire one watch
	failed := -1
	var failCode proto.Code
	f.tree.Begin()
	for i := range req.Ops {
		res, ch, code, applicable := f.subOp(rq, &req.Ops[i])
		if !applicable {
			// A whole-request failure, as ZooKeeper's ClassCastException.
			f.tree.Rollback()
			return Result{Err: proto.ErrMarshallingError}
		}
		if code != proto.OK {
			failed, failCode = i, code
			break
		}
		results[i] = res
		changes = append(changes, ch...)
	}
	if failed < 0 {
		f.tree.Commit()
		return Result{Resp: &proto.MultiResponse{Results: results}, Changes: changes}
	}
	f.tree.Rollback()
	for i := range results {
		code := proto.OK
		switch {
		case i == failed:
			code = failCode
		case i > failed:
			code = proto.ErrRuntimeInconsistency
		}
		results[i] = proto.MultiResult{Type: proto.OpError, Err: code}
	}
	return Result{Resp: &proto.MultiResponse{Results: results}}
}

// subOp applies one sub-op of a multi and returns its result, changes,
// code and whether it was applicable: false when it cannot be applied (a
// record that does not fit its type), which fails the whole request.
func (f *FSM) subOp(rq *request, op *proto.MultiOp) (proto.MultiResult, []Change, proto.Code, bool) {
	switch op.Type {
	case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL:
		args, kind, ok := multiCreate(op)
		if !ok {
			return proto.MultiResult{}, nil, proto.ErrMarshallingError, false
		}
		resp, ch, code := f.create(rq, kind, args)
		if code != proto.OK {
			return proto.MultiResult{}, nil, code, true
		}
		if kind == proto.OpCreate {
			return proto.MultiResult{Type: proto.OpCreate, Resp: resp}, ch, proto.OK, true
		}
		return proto.MultiResult{Type: proto.OpCreate2, Resp: resp}, ch, proto.OK, true
	case proto.OpDelete:
		req, ok := op.Req.(*proto.DeleteRequest)
		if !ok {
			return proto.MultiResult{}, nil, proto.ErrMarshallingError, false
		}
		ch, code := f.delete(rq, req)
		if code != proto.OK {
			return proto.MultiResult{}, nil, code, true
		}
		return proto.MultiResult{Type: proto.OpDelete}, ch, proto.OK, true
	case proto.OpSetData:
		req, ok := op.Req.(*proto.SetDataRequest)
		if !ok {
			return proto.MultiResult{}, nil, proto.ErrMarshallingError, false
		}
		resp, ch, code := f.setData(rq, req)
		if code != proto.OK {
			return proto.MultiResult{}, nil, code, true
		}
		return proto.MultiResult{Type: proto.OpSetData, Resp: resp}, ch, proto.OK, true
	case proto.OpCheck:
		req, ok := op.Req.(*proto.CheckVersionRequest)
		if !ok {
			return proto.MultiResult{}, nil, proto.ErrMarshallingError, false
		}
		if code := f.check(rq, req); code != proto.OK {
			return proto.MultiResult{}, nil, code, true
		}
		return proto.MultiResult{Type: proto.OpCheck}, nil, proto.OK, true
	}
	return proto.MultiResult{}, nil, proto.ErrMarshallingError, false
}

// multiCreate derives a create sub-op's kind from its flags, as
// ZooKeeper's MultiOperationRecord does: TTL flags make a createTTL (only a
// header of 21 carries the TTL; any other header cannot be applied), flag
// 4 a createContainer, anything else a plain create (its TTL, if any, is
// dropped; invalid flags fail later as BadArguments).
func multiCreate(op *proto.MultiOp) (createArgs, proto.OpCode, bool) {
	var args createArgs
	switch req := op.Req.(type) {
	case *proto.CreateRequest:
		if op.Type == proto.OpCreateTTL {
			return args, 0, false
		}
		args = createArgs{path: req.Path, data: req.Data, acl: req.ACL, flags: req.Flags, ttl: -1}
	case *proto.CreateTTLRequest:
		if op.Type != proto.OpCreateTTL {
			return args, 0, false
		}
		args = createArgs{path: req.Path, data: req.Data, acl: req.ACL, flags: req.Flags, ttl: req.TTL}
	default:
		return args, 0, false
	}
	switch {
	case args.flags.Valid() && args.flags.TTL():
		if op.Type != proto.OpCreateTTL {
			return args, 0, false
		}
		return args, proto.OpCreateTTL, true
	case args.flags.Valid() && args.flags.Container():
		args.ttl = -1
		return args, proto.OpCreateContainer, true
	}
	args.ttl = -1
	return args, proto.OpCreate, true
}
