package proto

import "github.com/zkd-io/zkd/jute"

// AuthPacket is the body of auth (100), sent with xid -4. Clients send
// Type 0; for digest, Auth is "user:password".
type AuthPacket struct {
	Type   int32
	Scheme string
	Auth   []byte
}

// Encode appends a.
func (x *AuthPacket) Encode(w *jute.Writer) {
	w.Int(x.Type)
	w.String(x.Scheme)
	w.Buffer(x.Auth)
}

// Decode reads a.
func (x *AuthPacket) Decode(r *jute.Reader) {
	x.Type = r.Int()
	x.Scheme = r.String()
	x.Auth = r.Buffer()
}

// GetSASLRequest is the body of sasl (102).
type GetSASLRequest struct {
	Token []byte
}

// Encode appends g.
func (x *GetSASLRequest) Encode(w *jute.Writer) { w.Buffer(x.Token) }

// Decode reads g.
func (x *GetSASLRequest) Decode(r *jute.Reader) { x.Token = r.Buffer() }

// SetSASLResponse answers sasl (102).
type SetSASLResponse struct {
	Token []byte
}

// Encode appends s.
func (x *SetSASLResponse) Encode(w *jute.Writer) { w.Buffer(x.Token) }

// Decode reads s.
func (x *SetSASLResponse) Decode(r *jute.Reader) { x.Token = r.Buffer() }

// ClientInfo describes one auth identity of a connection (whoAmI).
type ClientInfo struct {
	AuthScheme string
	User       string
}

// Encode appends c.
func (x *ClientInfo) Encode(w *jute.Writer) { w.String(x.AuthScheme); w.String(x.User) }

// Decode reads c.
func (x *ClientInfo) Decode(r *jute.Reader) { x.AuthScheme = r.String(); x.User = r.String() }

// WhoAmIResponse answers whoAmI (107), which has no request body. A nil
// list is sent as a null vector.
type WhoAmIResponse struct {
	ClientInfo []ClientInfo
}

// Encode appends wr.
func (x *WhoAmIResponse) Encode(w *jute.Writer) {
	if x.ClientInfo == nil {
		w.Int(-1)
		return
	}
	w.Int(int32(len(x.ClientInfo)))
	for i := range x.ClientInfo {
		x.ClientInfo[i].Encode(w)
	}
}

// Decode reads wr.
func (x *WhoAmIResponse) Decode(r *jute.Reader) {
	x.ClientInfo = nil
	n := r.VectorLen(8)
	if n < 0 || r.Err() != nil {
		return
	}
	out := make([]ClientInfo, n)
	for i := range out {
		out[i].Decode(r)
	}
	if r.Err() != nil {
		return
	}
	x.ClientInfo = out
}
