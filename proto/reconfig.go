package proto

import "github.com/zkd-io/zkd/jute"

// ReconfigRequest is the body of reconfig (16); the reply body is a
// GetDataResponse holding the new configuration. Each string may be null
// on the wire: the matching *Null flag is set by Decode and, when set,
// makes Encode write a null string (the string field is then ignored).
type ReconfigRequest struct {
	JoiningServers string
	LeavingServers string
	NewMembers     string
	JoiningNull    bool
	LeavingNull    bool
	NewMembersNull bool
	CurConfigID    int64
}

// Encode appends rc.
func (x *ReconfigRequest) Encode(w *jute.Writer) {
	encodeNullable(w, x.JoiningServers, x.JoiningNull)
	encodeNullable(w, x.LeavingServers, x.LeavingNull)
	encodeNullable(w, x.NewMembers, x.NewMembersNull)
	w.Long(x.CurConfigID)
}

// Decode reads rc.
func (x *ReconfigRequest) Decode(r *jute.Reader) {
	x.JoiningServers, x.JoiningNull = r.NullableString()
	x.LeavingServers, x.LeavingNull = r.NullableString()
	x.NewMembers, x.NewMembersNull = r.NullableString()
	x.CurConfigID = r.Long()
}

func encodeNullable(w *jute.Writer, s string, null bool) {
	if null {
		w.NullString()
		return
	}
	w.String(s)
}
