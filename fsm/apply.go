package fsm

import (
	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// isWriteOp reports whether Apply accepts op in an EntryRequest.
func isWriteOp(op proto.OpCode) bool {
	switch op {
	case proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL,
		proto.OpDelete, proto.OpSetData, proto.OpSetACL, proto.OpMulti,
		proto.OpReconfig, proto.OpSync:
		return true
	}
	return false
}

// applyRequest decodes and applies one client write request.
func (f *FSM) applyRequest(rq *request, op proto.OpCode, body []byte) Result {
	if !isWriteOp(op) {
		return Result{Err: proto.ErrUnimplemented}
	}
	rec := proto.NewRequest(op)
	r := jute.NewReader(body)
	// The request's data is a slice of the entry: the tree copies what it
	// stores, and no reply carries request data back.
	r.Alias = true
	rec.Decode(r)
	if r.Err() != nil {
		return Result{Err: proto.ErrMarshallingError}
	}
	var (
		resp    proto.Record
		changes []Change
		code    proto.Code
	)
	switch req := rec.(type) {
	case *proto.CreateRequest:
		resp, changes, code = f.create(rq, op, createArgs{
			path: req.Path, data: req.Data, acl: req.ACL, flags: req.Flags, ttl: -1,
		})
	case *proto.CreateTTLRequest:
		resp, changes, code = f.create(rq, op, createArgs{
			path: req.Path, data: req.Data, acl: req.ACL, flags: req.Flags, ttl: req.TTL,
		})
	case *proto.DeleteRequest:
		changes, code = f.delete(rq, req)
	case *proto.SetDataRequest:
		resp, changes, code = f.setData(rq, req)
	case *proto.SetACLRequest:
		resp, code = f.setACL(rq, req)
	case *proto.MultiRequest:
		return f.multi(rq, req)
	case *proto.ReconfigRequest:
		resp, changes, code = f.reconfig(rq, req)
	case *proto.SyncRequest:
		if !f.live(rq) {
			code = proto.ErrSessionExpired
		} else {
			resp = &proto.SyncResponse{Path: req.Path}
		}
	default:
		code = proto.ErrUnimplemented
	}
	if code != proto.OK {
		return Result{Err: code}
	}
	return Result{Resp: resp, Changes: changes}
}
