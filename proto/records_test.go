package proto

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/zkd-io/zkd/jute"
)

func encode(rec Record) []byte {
	var w jute.Writer
	rec.Encode(&w)
	return w.Bytes()
}

func TestRecordsRoundTrip(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			b := encode(s.rec)
			got := s.fresh()
			if got == nil {
				t.Fatalf("no record for op %v", s.op)
			}
			r := jute.NewReader(b)
			got.Decode(r)
			if err := r.Err(); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if r.Remaining() != 0 {
				t.Fatalf("%d bytes left after decode", r.Remaining())
			}
			if !reflect.DeepEqual(got, s.rec) {
				t.Fatalf("round trip\n got %#v\nwant %#v", got, s.rec)
			}
			if again := encode(got); !bytes.Equal(again, b) {
				t.Fatalf("re-encode differs\n got %x\nwant %x", again, b)
			}
		})
	}
}

// TestRecordsTruncated checks that every proper prefix of a valid encoding
// fails to decode (or, for the optional readOnly byte, decodes without it),
// without panicking.
func TestRecordsTruncated(t *testing.T) {
	for _, s := range samples() {
		b := encode(s.rec)
		for n := 0; n < len(b); n++ {
			r := jute.NewReader(b[:n])
			s.fresh().Decode(r)
			_, optional := s.rec.(*ConnectRequest)
			if _, ok := s.rec.(*ConnectResponse); ok {
				optional = true
			}
			if r.Err() == nil && !(optional && n == len(b)-1) {
				t.Errorf("%s: prefix of %d/%d bytes decoded without error", s.name, n, len(b))
			}
		}
	}
}

func TestDecodeOverwritesReusedRecord(t *testing.T) {
	rec := &ConnectRequest{ReadOnly: true, HasReadOnly: true, Passwd: []byte{1}}
	old := &ConnectRequest{TimeOut: 1, Passwd: nil}
	r := jute.NewReader(encode(old))
	rec.Decode(r)
	if r.Err() != nil || !reflect.DeepEqual(rec, old) {
		t.Fatalf("got %#v, want %#v", rec, old)
	}
	m := sampleMultiWrite()
	r = jute.NewReader(encode(&MultiRequest{}))
	m.Decode(r)
	if r.Err() != nil || m.Ops != nil {
		t.Fatalf("reused multi: ops %v err %v", m.Ops, r.Err())
	}
}

func TestNullVersusEmptyWireForm(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
		want []byte
	}{
		{"null data", &SetDataRequest{Path: "", Data: nil, Version: 0}, []byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}},
		{"empty data", &SetDataRequest{Path: "", Data: []byte{}, Version: 0}, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"null children", &GetChildrenResponse{}, []byte{0xff, 0xff, 0xff, 0xff}},
		{"empty children", &GetChildrenResponse{Children: []string{}}, []byte{0, 0, 0, 0}},
		{"null reconfig strings", &ReconfigRequest{JoiningNull: true, LeavingNull: true, NewMembersNull: true},
			[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"empty reconfig strings", &ReconfigRequest{},
			[]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		if got := encode(tt.rec); !bytes.Equal(got, tt.want) {
			t.Errorf("%s: got %x, want %x", tt.name, got, tt.want)
		}
	}
}

func TestNewRequestCoversEveryOpcode(t *testing.T) {
	noBody := map[OpCode]bool{OpNotification: true, OpPing: true, OpWhoAmI: true,
		OpCreateSession: true, OpCloseSession: true, OpError: true}
	for op := range opNames {
		rec := NewRequest(op)
		if noBody[op] != (rec == nil) {
			t.Errorf("NewRequest(%v) = %T", op, rec)
		}
	}
	for _, op := range []OpCode{10, 23, 99, 108, -2} {
		if rec := NewRequest(op); rec != nil {
			t.Errorf("NewRequest(%d) = %T, want nil", op, rec)
		}
		if rec := NewResponse(op); rec != nil {
			t.Errorf("NewResponse(%d) = %T, want nil", op, rec)
		}
	}
}

func TestNewResponse(t *testing.T) {
	tests := []struct {
		op   OpCode
		want string
	}{
		{OpCreate, "*proto.CreateResponse"},
		{OpCreate2, "*proto.Create2Response"},
		{OpCreateContainer, "*proto.Create2Response"},
		{OpCreateTTL, "*proto.Create2Response"},
		{OpDelete, "<nil>"},
		{OpExists, "*proto.ExistsResponse"},
		{OpGetData, "*proto.GetDataResponse"},
		{OpReconfig, "*proto.GetDataResponse"},
		{OpCheck, "<nil>"},
		{OpMultiRead, "*proto.MultiResponse"},
		{OpAuth, "<nil>"},
		{OpSetWatches, "<nil>"},
		{OpAddWatch, "*proto.ErrorResponse"},
		{OpWhoAmI, "*proto.WhoAmIResponse"},
		{OpCloseSession, "<nil>"},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf("%T", NewResponse(tt.op)); got != tt.want {
			t.Errorf("NewResponse(%v) = %s, want %s", tt.op, got, tt.want)
		}
	}
}

func TestDecodeRejectsBadLengths(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
		in   []byte
		want error
	}{
		{"negative path length", &GetDataRequest{}, []byte{0xff, 0xff, 0xff, 0xfe, 1}, jute.ErrLength},
		{"path longer than input", &GetDataRequest{}, []byte{0x7f, 0xff, 0xff, 0xff, 1}, jute.ErrShort},
		{"huge acl vector", &SetACLRequest{}, []byte{0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff}, jute.ErrShort},
		{"huge children vector", &GetChildrenResponse{}, []byte{0x10, 0, 0, 0, 0, 0, 0, 0}, jute.ErrShort},
		{"huge whoami vector", &WhoAmIResponse{}, []byte{0x10, 0, 0, 0}, jute.ErrShort},
		{"empty input", &ReplyHeader{}, nil, jute.ErrShort},
	}
	for _, tt := range tests {
		r := jute.NewReader(tt.in)
		tt.rec.Decode(r)
		if !errors.Is(r.Err(), tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, r.Err(), tt.want)
		}
	}
}
