package proto

import "github.com/zkd-io/zkd/jute"

// SetWatches is the body of setWatches (101), sent with xid -8 on
// reconnect. Nil lists are sent as null vectors.
type SetWatches struct {
	RelativeZxid int64
	DataWatches  []string
	ExistWatches []string
	ChildWatches []string
}

// Encode appends s.
func (x *SetWatches) Encode(w *jute.Writer) {
	w.Long(x.RelativeZxid)
	w.Strings(x.DataWatches)
	w.Strings(x.ExistWatches)
	w.Strings(x.ChildWatches)
}

// Decode reads s.
func (x *SetWatches) Decode(r *jute.Reader) {
	x.RelativeZxid = r.Long()
	x.DataWatches = r.Strings()
	x.ExistWatches = r.Strings()
	x.ChildWatches = r.Strings()
}

// SetWatches2 is the body of setWatches2 (105): SetWatches plus the
// persistent and persistent-recursive watch lists.
type SetWatches2 struct {
	RelativeZxid               int64
	DataWatches                []string
	ExistWatches               []string
	ChildWatches               []string
	PersistentWatches          []string
	PersistentRecursiveWatches []string
}

// Encode appends s.
func (x *SetWatches2) Encode(w *jute.Writer) {
	w.Long(x.RelativeZxid)
	w.Strings(x.DataWatches)
	w.Strings(x.ExistWatches)
	w.Strings(x.ChildWatches)
	w.Strings(x.PersistentWatches)
	w.Strings(x.PersistentRecursiveWatches)
}

// Decode reads s.
func (x *SetWatches2) Decode(r *jute.Reader) {
	x.RelativeZxid = r.Long()
	x.DataWatches = r.Strings()
	x.ExistWatches = r.Strings()
	x.ChildWatches = r.Strings()
	x.PersistentWatches = r.Strings()
	x.PersistentRecursiveWatches = r.Strings()
}

// CheckWatchesRequest is the body of checkWatches (17).
type CheckWatchesRequest struct {
	Path string
	Type WatcherType
}

// Encode appends c.
func (x *CheckWatchesRequest) Encode(w *jute.Writer) { w.String(x.Path); w.Int(int32(x.Type)) }

// Decode reads c.
func (x *CheckWatchesRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Type = WatcherType(r.Int())
}

// RemoveWatchesRequest is the body of removeWatches (18).
type RemoveWatchesRequest struct {
	Path string
	Type WatcherType
}

// Encode appends rw.
func (x *RemoveWatchesRequest) Encode(w *jute.Writer) { w.String(x.Path); w.Int(int32(x.Type)) }

// Decode reads rw.
func (x *RemoveWatchesRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Type = WatcherType(r.Int())
}

// AddWatchRequest is the body of addWatch (106); the reply body is an
// ErrorResponse with Err 0.
type AddWatchRequest struct {
	Path string
	Mode AddWatchMode
}

// Encode appends a.
func (x *AddWatchRequest) Encode(w *jute.Writer) { w.String(x.Path); w.Int(int32(x.Mode)) }

// Decode reads a.
func (x *AddWatchRequest) Decode(r *jute.Reader) {
	x.Path = r.String()
	x.Mode = AddWatchMode(r.Int())
}
