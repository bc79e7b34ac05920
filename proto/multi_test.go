package proto

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/zkd-io/zkd/jute"
)

// multiBytes builds a multi body from (header, record) pairs followed by
// the standard terminator.
func multiBytes(parts ...Record) []byte {
	var w jute.Writer
	for _, p := range parts {
		p.Encode(&w)
	}
	end := MultiHeader{Type: OpError, Done: true, Err: -1}
	end.Encode(&w)
	return w.Bytes()
}

func TestMultiRequestWireForm(t *testing.T) {
	m := &MultiRequest{Ops: []MultiOp{
		{Type: OpDelete, Req: &DeleteRequest{Path: "/a", Version: 3}},
		{Type: OpCheck, Req: &CheckVersionRequest{Path: "/b", Version: -1}},
	}}
	want := []byte{
		0, 0, 0, 2, 0, 0xff, 0xff, 0xff, 0xff, // header delete
		0, 0, 0, 2, '/', 'a', 0, 0, 0, 3,
		0, 0, 0, 13, 0, 0xff, 0xff, 0xff, 0xff, // header check
		0, 0, 0, 2, '/', 'b', 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 1, 0xff, 0xff, 0xff, 0xff, // terminator
	}
	if got := encode(m); !bytes.Equal(got, want) {
		t.Fatalf("got  %x\nwant %x", got, want)
	}
}

func TestMultiRequestNilReqEncodesEmptyRecord(t *testing.T) {
	m := &MultiRequest{Ops: []MultiOp{{Type: OpDelete}}}
	var got MultiRequest
	r := jute.NewReader(encode(m))
	got.Decode(r)
	want := MultiRequest{Ops: []MultiOp{{Type: OpDelete, Req: &DeleteRequest{}}}}
	if r.Err() != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v err %v", got, r.Err())
	}
}

func TestMultiRequestDecodeErrors(t *testing.T) {
	hdr := func(op OpCode) *MultiHeader { return &MultiHeader{Type: op, Done: false, Err: -1} }
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"mixed write then read", multiBytes(hdr(OpDelete), &DeleteRequest{Path: "/a"}, hdr(OpGetData), &GetDataRequest{Path: "/a"}), ErrMarshallingError},
		{"mixed read then write", multiBytes(hdr(OpGetChildren), &GetChildrenRequest{Path: "/a"}, hdr(OpSetData), &SetDataRequest{Path: "/a"}), ErrMarshallingError},
		{"unknown sub-type", multiBytes(hdr(OpExists), &ExistsRequest{Path: "/a"}), ErrMarshallingError},
		{"nested multi", multiBytes(hdr(OpMulti)), ErrMarshallingError},
		{"error type not done", multiBytes(hdr(OpError)), ErrMarshallingError},
		{"no terminator", encode(hdr(OpDelete)), jute.ErrShort},
		{"truncated sub-record", append(encode(hdr(OpDelete)), 0, 0, 0, 5, '/'), jute.ErrShort},
	}
	for _, tt := range tests {
		var m MultiRequest
		r := jute.NewReader(tt.in)
		m.Decode(r)
		if !errors.Is(r.Err(), tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, r.Err(), tt.want)
		}
		if m.Ops != nil {
			t.Errorf("%s: ops kept after failure: %v", tt.name, m.Ops)
		}
		if CodeOf(r.Err()) != ErrMarshallingError && tt.want == ErrMarshallingError {
			t.Errorf("%s: CodeOf = %v", tt.name, CodeOf(r.Err()))
		}
	}
}

func TestMultiRequestStopsAtDoneFlag(t *testing.T) {
	// ZooKeeper ends the list at the first header with done set, whatever
	// its type; bytes after the terminator are left unread.
	var w jute.Writer
	(&MultiHeader{Type: OpDelete, Err: -1}).Encode(&w)
	(&DeleteRequest{Path: "/a", Version: 1}).Encode(&w)
	(&MultiHeader{Type: 77, Done: true, Err: 0}).Encode(&w)
	w.Int(99)
	var m MultiRequest
	r := jute.NewReader(w.Bytes())
	m.Decode(r)
	if r.Err() != nil || len(m.Ops) != 1 || r.Remaining() != 4 {
		t.Fatalf("ops %v err %v remaining %d", m.Ops, r.Err(), r.Remaining())
	}
}

func TestMultiRequestIsRead(t *testing.T) {
	tests := []struct {
		name string
		m    *MultiRequest
		want bool
	}{
		{"reads", sampleMultiRead(), true},
		{"writes", sampleMultiWrite(), false},
		{"empty", &MultiRequest{}, false},
		{"mixed", &MultiRequest{Ops: []MultiOp{{Type: OpGetData}, {Type: OpDelete}}}, false},
	}
	for _, tt := range tests {
		if got := tt.m.IsRead(); got != tt.want {
			t.Errorf("%s: IsRead = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestMultiResponseWireForm(t *testing.T) {
	m := &MultiResponse{Results: []MultiResult{
		{Type: OpDelete},
		{Type: OpError, Err: ErrNoNode},
		{Type: OpCreate, Err: ErrRuntimeInconsistency}, // non-zero Err is written as an error result
	}}
	want := []byte{
		0, 0, 0, 2, 0, 0, 0, 0, 0,
		0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0xff, 0x9b, 0xff, 0xff, 0xff, 0x9b,
		0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xfe,
		0xff, 0xff, 0xff, 0xff, 1, 0xff, 0xff, 0xff, 0xff,
	}
	if got := encode(m); !bytes.Equal(got, want) {
		t.Fatalf("got  %x\nwant %x", got, want)
	}
}

func TestMultiResponseNilRespEncodesEmptyRecord(t *testing.T) {
	m := &MultiResponse{Results: []MultiResult{{Type: OpCreate2}, {Type: OpGetData}}}
	var got MultiResponse
	r := jute.NewReader(encode(m))
	got.Decode(r)
	want := MultiResponse{Results: []MultiResult{
		{Type: OpCreate2, Resp: &Create2Response{}},
		{Type: OpGetData, Resp: &GetDataResponse{}},
	}}
	if r.Err() != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v err %v", got, r.Err())
	}
}

func TestMultiResponseDecode(t *testing.T) {
	hdr := func(op OpCode, err Code) *MultiHeader { return &MultiHeader{Type: op, Err: err} }
	tests := []struct {
		name    string
		in      []byte
		want    []MultiResult
		wantErr error
	}{
		{"error code comes from the body", multiBytes(hdr(OpError, ErrNoAuth), &ErrorResponse{Err: ErrNoNode}),
			[]MultiResult{{Type: OpError, Err: ErrNoNode, Resp: &ErrorResponse{Err: ErrNoNode}}}, nil},
		{"header err ignored on success types", multiBytes(hdr(OpCheck, ErrBadVersion)),
			[]MultiResult{{Type: OpCheck}}, nil},
		{"createContainer is not a result type", multiBytes(hdr(OpCreateContainer, 0), &Create2Response{}), nil, ErrMarshallingError},
		{"unknown type", multiBytes(hdr(OpExists, 0)), nil, ErrMarshallingError},
		{"truncated", encode(hdr(OpCreate, 0)), nil, jute.ErrShort},
	}
	for _, tt := range tests {
		var m MultiResponse
		r := jute.NewReader(tt.in)
		m.Decode(r)
		if !errors.Is(r.Err(), tt.wantErr) || (tt.wantErr == nil && r.Err() != nil) {
			t.Errorf("%s: err %v, want %v", tt.name, r.Err(), tt.wantErr)
			continue
		}
		if !reflect.DeepEqual(m.Results, tt.want) {
			t.Errorf("%s: results %#v, want %#v", tt.name, m.Results, tt.want)
		}
	}
}
