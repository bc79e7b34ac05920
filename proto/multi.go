package proto

import "github.com/zkd-io/zkd/jute"

// MultiOp is one sub-request of multi (14) or multiRead (22).
type MultiOp struct {
	Type OpCode
	Req  Record
}

// MultiRequest is the body of multi and multiRead: each op is a
// MultiHeader{Type, false, -1} plus its record, and the list ends with
// MultiHeader{-1, true, -1}.
//
// Decode accepts either only write sub-ops (create 1/15/19 ->
// *CreateRequest, createTTL 21 -> *CreateTTLRequest, delete 2 ->
// *DeleteRequest, setData 5 -> *SetDataRequest, check 13 ->
// *CheckVersionRequest) or only read sub-ops (getChildren 8 ->
// *GetChildrenRequest, getData 4 -> *GetDataRequest). Mixing the two kinds
// or an unknown sub-type fails the reader with ErrMarshallingError. Create
// flags are not checked here (ZooKeeper rejects them later, per sub-op).
// Whether the kind matches the opcode (14 writes, 22 reads) is the
// caller's check: see IsRead.
type MultiRequest struct {
	Ops []MultiOp
}

// Encode appends m. A nil Req is encoded as the empty record of its type.
func (x *MultiRequest) Encode(w *jute.Writer) {
	for i := range x.Ops {
		op := &x.Ops[i]
		h := MultiHeader{Type: op.Type, Done: false, Err: -1}
		h.Encode(w)
		req := op.Req
		if req == nil {
			req = newMultiRequestOp(op.Type)
		}
		if req != nil {
			req.Encode(w)
		}
	}
	encodeMultiEnd(w)
}

// Decode reads m. An empty list (just the terminator) decodes as nil Ops.
func (x *MultiRequest) Decode(r *jute.Reader) {
	x.Ops = nil
	var h MultiHeader
	var reads, writes bool
	for h.Decode(r); r.Err() == nil && !h.Done; h.Decode(r) {
		req := newMultiRequestOp(h.Type)
		if req == nil {
			r.Fail(ErrMarshallingError)
			break
		}
		if isMultiReadOp(h.Type) {
			reads = true
		} else {
			writes = true
		}
		if reads && writes {
			r.Fail(ErrMarshallingError)
			break
		}
		req.Decode(r)
		x.Ops = append(x.Ops, MultiOp{Type: h.Type, Req: req})
	}
	if r.Err() != nil {
		x.Ops = nil
	}
}

// IsRead reports whether m is a non-empty list of read sub-ops only, the
// shape multiRead (22) requires.
func (x *MultiRequest) IsRead() bool {
	if len(x.Ops) == 0 {
		return false
	}
	for i := range x.Ops {
		if !isMultiReadOp(x.Ops[i].Type) {
			return false
		}
	}
	return true
}

func isMultiReadOp(op OpCode) bool { return op == OpGetChildren || op == OpGetData }

// newMultiRequestOp returns the empty record of a sub-request type allowed
// inside multi or multiRead, nil otherwise.
func newMultiRequestOp(op OpCode) Record {
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer:
		return &CreateRequest{}
	case OpCreateTTL:
		return &CreateTTLRequest{}
	case OpDelete:
		return &DeleteRequest{}
	case OpSetData:
		return &SetDataRequest{}
	case OpCheck:
		return &CheckVersionRequest{}
	case OpGetChildren:
		return &GetChildrenRequest{}
	case OpGetData:
		return &GetDataRequest{}
	}
	return nil
}

func encodeMultiEnd(w *jute.Writer) {
	end := MultiHeader{Type: OpError, Done: true, Err: -1}
	end.Encode(w)
}

// MultiResult is one sub-result of a multi or multiRead reply.
//
// A result with Type OpError or a non-zero Err is an error result: it is
// encoded as MultiHeader{-1, false, Err} plus ErrorResponse{Err}, and Resp
// is ignored. Other results are MultiHeader{Type, false, 0} plus Resp
// (nil Resp encodes the empty record of that type). Decode sets Err only
// for error results (from the ErrorResponse body, as ZooKeeper's client
// does) and Resp to the record of the result type: create 1 ->
// *CreateResponse, create2 15 -> *Create2Response, setData 5 ->
// *SetDataResponse, delete 2 and check 13 -> nil, getChildren 8 ->
// *GetChildrenResponse, getData 4 -> *GetDataResponse, error -1 ->
// *ErrorResponse. Any other type fails the reader with ErrMarshallingError.
type MultiResult struct {
	Type OpCode
	Err  Code
	Resp Record
}

// MultiResponse is the body of a multi or multiRead reply (the reply
// header's err stays 0 even when a multi failed).
type MultiResponse struct {
	Results []MultiResult
}

// Encode appends m.
func (x *MultiResponse) Encode(w *jute.Writer) {
	for i := range x.Results {
		res := &x.Results[i]
		if res.Type == OpError || res.Err != OK {
			h := MultiHeader{Type: OpError, Done: false, Err: res.Err}
			h.Encode(w)
			body := ErrorResponse{Err: res.Err}
			body.Encode(w)
			continue
		}
		h := MultiHeader{Type: res.Type, Done: false, Err: OK}
		h.Encode(w)
		if !multiResultHasBody(res.Type) {
			continue
		}
		if res.Resp != nil {
			res.Resp.Encode(w)
			continue
		}
		if zero, _ := newMultiResult(res.Type); zero != nil {
			zero.Encode(w)
		}
	}
	encodeMultiEnd(w)
}

// Decode reads m. An empty list decodes as nil Results.
func (x *MultiResponse) Decode(r *jute.Reader) {
	x.Results = nil
	var h MultiHeader
	for h.Decode(r); r.Err() == nil && !h.Done; h.Decode(r) {
		resp, ok := newMultiResult(h.Type)
		if !ok {
			r.Fail(ErrMarshallingError)
			break
		}
		res := MultiResult{Type: h.Type}
		if resp != nil {
			resp.Decode(r)
			res.Resp = resp
		}
		if e, isErr := resp.(*ErrorResponse); isErr {
			res.Err = e.Err
		}
		x.Results = append(x.Results, res)
	}
	if r.Err() != nil {
		x.Results = nil
	}
}

// multiResultHasBody reports whether a successful sub-result of type op
// carries a record.
func multiResultHasBody(op OpCode) bool {
	switch op {
	case OpCreate, OpCreate2, OpSetData, OpGetChildren, OpGetData:
		return true
	}
	return false
}

// newMultiResult returns the empty record following a sub-result header of
// type op; ok is false for types that cannot appear in a multi reply.
func newMultiResult(op OpCode) (resp Record, ok bool) {
	switch op {
	case OpCreate:
		return &CreateResponse{}, true
	case OpCreate2:
		return &Create2Response{}, true
	case OpSetData:
		return &SetDataResponse{}, true
	case OpDelete, OpCheck:
		return nil, true
	case OpGetChildren:
		return &GetChildrenResponse{}, true
	case OpGetData:
		return &GetDataResponse{}, true
	case OpError:
		return &ErrorResponse{}, true
	}
	return nil, false
}
