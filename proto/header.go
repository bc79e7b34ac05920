package proto

import "github.com/zkd-io/zkd/jute"

// RequestHeader precedes every client request after the handshake.
type RequestHeader struct {
	Xid  int32
	Type OpCode
}

// RequestHeaderSize is the encoded size of a RequestHeader.
const RequestHeaderSize = 8

// Encode appends h.
func (x *RequestHeader) Encode(w *jute.Writer) { w.Int(x.Xid); w.Int(int32(x.Type)) }

// Decode reads h.
func (x *RequestHeader) Decode(r *jute.Reader) { x.Xid = r.Int(); x.Type = OpCode(r.Int()) }

// ReplyHeader precedes every server reply and notification after the
// handshake.
type ReplyHeader struct {
	Xid  int32
	Zxid int64
	Err  Code
}

// ReplyHeaderSize is the encoded size of a ReplyHeader.
const ReplyHeaderSize = 16

// Encode appends h.
func (x *ReplyHeader) Encode(w *jute.Writer) {
	w.Int(x.Xid)
	w.Long(x.Zxid)
	w.Int(int32(x.Err))
}

// Decode reads h.
func (x *ReplyHeader) Decode(r *jute.Reader) {
	x.Xid = r.Int()
	x.Zxid = r.Long()
	x.Err = Code(r.Int())
}

// MultiHeader precedes each sub-request and sub-result of multi/multiRead.
type MultiHeader struct {
	Type OpCode
	Done bool
	Err  Code
}

// MultiHeaderSize is the encoded size of a MultiHeader.
const MultiHeaderSize = 9

// Encode appends h.
func (x *MultiHeader) Encode(w *jute.Writer) {
	w.Int(int32(x.Type))
	w.Bool(x.Done)
	w.Int(int32(x.Err))
}

// Decode reads h.
func (x *MultiHeader) Decode(r *jute.Reader) {
	x.Type = OpCode(r.Int())
	x.Done = r.Bool()
	x.Err = Code(r.Int())
}

// WatcherEvent is the body of a notification (xid -1).
type WatcherEvent struct {
	Type  EventType
	State KeeperState
	Path  string
}

// Encode appends e.
func (x *WatcherEvent) Encode(w *jute.Writer) {
	w.Int(int32(x.Type))
	w.Int(int32(x.State))
	w.String(x.Path)
}

// Decode reads e.
func (x *WatcherEvent) Decode(r *jute.Reader) {
	x.Type = EventType(r.Int())
	x.State = KeeperState(r.Int())
	x.Path = r.String()
}

// ErrorResponse carries a bare error code: the body of a failed multi
// sub-result and of a successful addWatch reply.
type ErrorResponse struct {
	Err Code
}

// Encode appends e.
func (x *ErrorResponse) Encode(w *jute.Writer) { w.Int(int32(x.Err)) }

// Decode reads e.
func (x *ErrorResponse) Decode(r *jute.Reader) { x.Err = Code(r.Int()) }
