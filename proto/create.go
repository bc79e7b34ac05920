package proto

import "github.com/zkd-io/zkd/jute"

// CreateRequest is the body of create (1), create2 (15) and
// createContainer (19). Data nil is sent as a null buffer; ACL nil as a
// null vector.
type CreateRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags CreateMode
}

// Encode appends c.
func (x *CreateRequest) Encode(w *jute.Writer) {
	w.String(x.Path)
	w.Buffer(x.Data)
	EncodeACLs(w, x.ACL)
	w.Int(int32(x.Flags))
}

// Decode reads c.
func (x *CreateRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Data = r.Buffer()
	x.ACL = DecodeACLs(r)
	x.Flags = CreateMode(r.Int())
}

// CreateTTLRequest is the body of createTTL (21).
type CreateTTLRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags CreateMode
	TTL   int64
}

// Encode appends c.
func (x *CreateTTLRequest) Encode(w *jute.Writer) {
	w.String(x.Path)
	w.Buffer(x.Data)
	EncodeACLs(w, x.ACL)
	w.Int(int32(x.Flags))
	w.Long(x.TTL)
}

// Decode reads c.
func (x *CreateTTLRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Data = r.Buffer()
	x.ACL = DecodeACLs(r)
	x.Flags = CreateMode(r.Int())
	x.TTL = r.Long()
}

// CreateResponse answers create (1): the created path, sequence suffix
// included.
type CreateResponse struct {
	Path string
}

// Encode appends c.
func (x *CreateResponse) Encode(w *jute.Writer) { w.String(x.Path) }

// Decode reads c.
func (x *CreateResponse) Decode(r *jute.Reader) { x.Path = r.String() }

// Create2Response answers create2 (15), createContainer (19) and
// createTTL (21).
type Create2Response struct {
	Path string
	Stat Stat
}

// Encode appends c.
func (x *Create2Response) Encode(w *jute.Writer) { w.String(x.Path); x.Stat.Encode(w) }

// Decode reads c.
func (x *Create2Response) Decode(r *jute.Reader) { x.Path = r.String(); x.Stat.Decode(r) }
