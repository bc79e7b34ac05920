package proto

import "github.com/zkd-io/zkd/jute"

// ExistsRequest is the body of exists (3).
type ExistsRequest struct {
	Path  string
	Watch bool
}

// Encode appends e.
func (x *ExistsRequest) Encode(w *jute.Writer) { w.String(x.Path); w.Bool(x.Watch) }

// Decode reads e.
func (x *ExistsRequest) Decode(r *jute.Reader) { x.Path = r.String(); x.Watch = r.Bool() }

// ExistsResponse answers exists (3) when the node exists.
type ExistsResponse struct {
	Stat Stat
}

// Encode appends e.
func (x *ExistsResponse) Encode(w *jute.Writer) { x.Stat.Encode(w) }

// Decode reads e.
func (x *ExistsResponse) Decode(r *jute.Reader) { x.Stat.Decode(r) }

// GetDataRequest is the body of getData (4).
type GetDataRequest struct {
	Path  string
	Watch bool
}

// Encode appends g.
func (x *GetDataRequest) Encode(w *jute.Writer) { w.String(x.Path); w.Bool(x.Watch) }

// Decode reads g.
func (x *GetDataRequest) Decode(r *jute.Reader) { x.Path = r.String(); x.Watch = r.Bool() }

// GetDataResponse answers getData (4) and reconfig (16). Data nil is a
// null buffer (a node created with null data).
type GetDataResponse struct {
	Data []byte
	Stat Stat
}

// Encode appends g.
func (x *GetDataResponse) Encode(w *jute.Writer) { w.Buffer(x.Data); x.Stat.Encode(w) }

// Decode reads g.
func (x *GetDataResponse) Decode(r *jute.Reader) { x.Data = r.Buffer(); x.Stat.Decode(r) }

// GetACLRequest is the body of getACL (6).
type GetACLRequest struct {
	Path string
}

// Encode appends g.
func (x *GetACLRequest) Encode(w *jute.Writer) { w.String(x.Path) }

// Decode reads g.
func (x *GetACLRequest) Decode(r *jute.Reader) { x.Path = r.String() }

// GetACLResponse answers getACL (6).
type GetACLResponse struct {
	ACL  []ACL
	Stat Stat
}

// Encode appends g.
func (x *GetACLResponse) Encode(w *jute.Writer) { EncodeACLs(w, x.ACL); x.Stat.Encode(w) }

// Decode reads g.
func (x *GetACLResponse) Decode(r *jute.Reader) { x.ACL = DecodeACLs(r); x.Stat.Decode(r) }

// GetChildrenRequest is the body of getChildren (8).
type GetChildrenRequest struct {
	Path  string
	Watch bool
}

// Encode appends g.
func (x *GetChildrenRequest) Encode(w *jute.Writer) { w.String(x.Path); w.Bool(x.Watch) }

// Decode reads g.
func (x *GetChildrenRequest) Decode(r *jute.Reader) { x.Path = r.String(); x.Watch = r.Bool() }

// GetChildrenResponse answers getChildren (8) with child names.
type GetChildrenResponse struct {
	Children []string
}

// Encode appends g.
func (x *GetChildrenResponse) Encode(w *jute.Writer) { w.Strings(x.Children) }

// Decode reads g.
func (x *GetChildrenResponse) Decode(r *jute.Reader) { x.Children = r.Strings() }

// GetChildren2Request is the body of getChildren2 (12).
type GetChildren2Request struct {
	Path  string
	Watch bool
}

// Encode appends g.
func (x *GetChildren2Request) Encode(w *jute.Writer) { w.String(x.Path); w.Bool(x.Watch) }

// Decode reads g.
func (x *GetChildren2Request) Decode(r *jute.Reader) { x.Path = r.String(); x.Watch = r.Bool() }

// GetChildren2Response answers getChildren2 (12) with the parent's Stat.
type GetChildren2Response struct {
	Children []string
	Stat     Stat
}

// Encode appends g.
func (x *GetChildren2Response) Encode(w *jute.Writer) { w.Strings(x.Children); x.Stat.Encode(w) }

// Decode reads g.
func (x *GetChildren2Response) Decode(r *jute.Reader) { x.Children = r.Strings(); x.Stat.Decode(r) }

// SyncRequest is the body of sync (9).
type SyncRequest struct {
	Path string
}

// Encode appends s.
func (x *SyncRequest) Encode(w *jute.Writer) { w.String(x.Path) }

// Decode reads s.
func (x *SyncRequest) Decode(r *jute.Reader) { x.Path = r.String() }

// SyncResponse answers sync (9), echoing the path.
type SyncResponse struct {
	Path string
}

// Encode appends s.
func (x *SyncResponse) Encode(w *jute.Writer) { w.String(x.Path) }

// Decode reads s.
func (x *SyncResponse) Decode(r *jute.Reader) { x.Path = r.String() }

// GetEphemeralsRequest is the body of getEphemerals (103).
type GetEphemeralsRequest struct {
	PrefixPath string
}

// Encode appends g.
func (x *GetEphemeralsRequest) Encode(w *jute.Writer) { w.String(x.PrefixPath) }

// Decode reads g.
func (x *GetEphemeralsRequest) Decode(r *jute.Reader) { x.PrefixPath = r.String() }

// GetEphemeralsResponse answers getEphemerals (103).
type GetEphemeralsResponse struct {
	Ephemerals []string
}

// Encode appends g.
func (x *GetEphemeralsResponse) Encode(w *jute.Writer) { w.Strings(x.Ephemerals) }

// Decode reads g.
func (x *GetEphemeralsResponse) Decode(r *jute.Reader) { x.Ephemerals = r.Strings() }

// GetAllChildrenNumberRequest is the body of getAllChildrenNumber (104).
type GetAllChildrenNumberRequest struct {
	Path string
}

// Encode appends g.
func (x *GetAllChildrenNumberRequest) Encode(w *jute.Writer) { w.String(x.Path) }

// Decode reads g.
func (x *GetAllChildrenNumberRequest) Decode(r *jute.Reader) { x.Path = r.String() }

// GetAllChildrenNumberResponse answers getAllChildrenNumber (104) with the
// number of all descendants.
type GetAllChildrenNumberResponse struct {
	TotalNumber int32
}

// Encode appends g.
func (x *GetAllChildrenNumberResponse) Encode(w *jute.Writer) { w.Int(x.TotalNumber) }

// Decode reads g.
func (x *GetAllChildrenNumberResponse) Decode(r *jute.Reader) { x.TotalNumber = r.Int() }
