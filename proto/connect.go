package proto

import "github.com/zkd-io/zkd/jute"

// ConnectRequest is the first client packet of a connection (no header).
//
// ReadOnly is optional on the wire: Decode sets HasReadOnly iff the byte is
// present, and Encode writes ReadOnly iff HasReadOnly is set.
type ConnectRequest struct {
	ProtocolVersion int32
	LastZxidSeen    int64
	TimeOut         int32
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool
	HasReadOnly     bool
}

// Encode appends c.
func (x *ConnectRequest) Encode(w *jute.Writer) {
	w.Int(x.ProtocolVersion)
	w.Long(x.LastZxidSeen)
	w.Int(x.TimeOut)
	w.Long(x.SessionID)
	w.Buffer(x.Passwd)
	if x.HasReadOnly {
		w.Bool(x.ReadOnly)
	}
}

// Decode reads c, including the readOnly byte when one follows the password.
func (x *ConnectRequest) Decode(r *jute.Reader) {
	x.ProtocolVersion = r.Int()
	x.LastZxidSeen = r.Long()
	x.TimeOut = r.Int()
	x.SessionID = r.Long()
	x.Passwd = r.Buffer()
	x.ReadOnly, x.HasReadOnly = decodeOptionalBool(r)
}

// ConnectResponse is the first server packet of a connection (no header).
// A TimeOut <= 0 tells the client its session is invalid or expired.
//
// ReadOnly follows the same optional-byte rule as in ConnectRequest; a
// server sets HasReadOnly to the request's HasReadOnly.
type ConnectResponse struct {
	ProtocolVersion int32
	TimeOut         int32
	SessionID       int64
	Passwd          []byte
	ReadOnly        bool
	HasReadOnly     bool
}

// Encode appends c.
func (x *ConnectResponse) Encode(w *jute.Writer) {
	w.Int(x.ProtocolVersion)
	w.Int(x.TimeOut)
	w.Long(x.SessionID)
	w.Buffer(x.Passwd)
	if x.HasReadOnly {
		w.Bool(x.ReadOnly)
	}
}

// Decode reads c, including the readOnly byte when one follows the password.
func (x *ConnectResponse) Decode(r *jute.Reader) {
	x.ProtocolVersion = r.Int()
	x.TimeOut = r.Int()
	x.SessionID = r.Long()
	x.Passwd = r.Buffer()
	x.ReadOnly, x.HasReadOnly = decodeOptionalBool(r)
}

// decodeOptionalBool reads a trailing boolean if the input holds one more
// byte and no error occurred so far.
func decodeOptionalBool(r *jute.Reader) (v, present bool) {
	if r.Err() != nil || r.Remaining() < 1 {
		return false, false
	}
	return r.Bool(), true
}
