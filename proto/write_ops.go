package proto

import "github.com/zkd-io/zkd/jute"

// DeleteRequest is the body of delete (2). Version -1 matches any version.
type DeleteRequest struct {
	Path    string
	Version int32
}

// Encode appends d.
func (x *DeleteRequest) Encode(w *jute.Writer) { w.String(x.Path); w.Int(x.Version) }

// Decode reads d.
func (x *DeleteRequest) Decode(r *jute.Reader) { x.Path = r.String(); x.Version = r.Int() }

// DeleteContainerRequest is the body of deleteContainer (20). ZooKeeper
// writes the path as a buffer, which has the same bytes as a ustring.
type DeleteContainerRequest struct {
	Path string
}

// Encode appends d.
func (x *DeleteContainerRequest) Encode(w *jute.Writer) { w.String(x.Path) }

// Decode reads d.
func (x *DeleteContainerRequest) Decode(r *jute.Reader) { x.Path = r.String() }

// SetDataRequest is the body of setData (5).
type SetDataRequest struct {
	Path    string
	Data    []byte
	Version int32
}

// Encode appends s.
func (x *SetDataRequest) Encode(w *jute.Writer) {
	w.String(x.Path)
	w.Buffer(x.Data)
	w.Int(x.Version)
}

// Decode reads s.
func (x *SetDataRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Data = r.Buffer()
	x.Version = r.Int()
}

// SetDataResponse answers setData (5) with the node's new Stat.
type SetDataResponse struct {
	Stat Stat
}

// Encode appends s.
func (x *SetDataResponse) Encode(w *jute.Writer) { x.Stat.Encode(w) }

// Decode reads s.
func (x *SetDataResponse) Decode(r *jute.Reader) { x.Stat.Decode(r) }

// SetACLRequest is the body of setACL (7); Version is the expected aversion.
type SetACLRequest struct {
	Path    string
	ACL     []ACL
	Version int32
}

// Encode appends s.
func (x *SetACLRequest) Encode(w *jute.Writer) {
	w.String(x.Path)
	EncodeACLs(w, x.ACL)
	w.Int(x.Version)
}

// Decode reads s.
func (x *SetACLRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.ACL = DecodeACLs(r)
	x.Version = r.Int()
}

// SetACLResponse answers setACL (7).
type SetACLResponse struct {
	Stat Stat
}

// Encode appends s.
func (x *SetACLResponse) Encode(w *jute.Writer) { x.Stat.Encode(w) }

// Decode reads s.
func (x *SetACLResponse) Decode(r *jute.Reader) { x.Stat.Decode(r) }

// CheckVersionRequest is the body of check (13), valid only inside multi.
type CheckVersionRequest struct {
	Path    string
	Version int32
}

// Encode appends c.
func (x *CheckVersionRequest) Encode(w *jute.Writer) { w.String(x.Path); w.Int(x.Version) }

// Decode reads c.
func (x *CheckVersionRequest) Decode(r *jute.Reader) { x.Path = r.String(); x.Version = r.Int() }
