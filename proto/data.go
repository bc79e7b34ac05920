package proto

import "github.com/zkd-io/zkd/jute"

// Id is an ACL identity (scheme, id).
type Id struct {
	Scheme string
	ID     string
}

// Encode appends id.
func (x *Id) Encode(w *jute.Writer) { w.String(x.Scheme); w.String(x.ID) }

// Decode reads id.
func (x *Id) Decode(r *jute.Reader) { x.Scheme = r.String(); x.ID = r.String() }

// ACL is one access-control entry.
type ACL struct {
	Perms int32
	ID    Id
}

// Encode appends a.
func (x *ACL) Encode(w *jute.Writer) { w.Int(x.Perms); x.ID.Encode(w) }

// Decode reads a.
func (x *ACL) Decode(r *jute.Reader) { x.Perms = r.Int(); x.ID.Decode(r) }

// Predefined ACL lists.
var (
	WorldAnyone   = Id{Scheme: "world", ID: "anyone"}
	OpenACLUnsafe = []ACL{{Perms: PermAll, ID: WorldAnyone}}
	ReadACLUnsafe = []ACL{{Perms: PermRead, ID: WorldAnyone}}
	CreatorAllACL = []ACL{{Perms: PermAll, ID: Id{Scheme: "auth", ID: ""}}}
)

// EncodeACLs appends a vector<ACL>; nil encodes as null.
func EncodeACLs(w *jute.Writer, acls []ACL) {
	if acls == nil {
		w.Int(-1)
		return
	}
	w.Int(int32(len(acls)))
	for i := range acls {
		acls[i].Encode(w)
	}
}

// DecodeACLs reads a vector<ACL>; null decodes as nil.
func DecodeACLs(r *jute.Reader) []ACL {
	n := r.VectorLen(12)
	if n < 0 || r.Err() != nil {
		return nil
	}
	out := make([]ACL, n)
	for i := range out {
		out[i].Decode(r)
	}
	if r.Err() != nil {
		return nil
	}
	return out
}

// Stat is a znode's metadata as clients see it (68 bytes on the wire).
type Stat struct {
	Czxid          int64
	Mzxid          int64
	Ctime          int64
	Mtime          int64
	Version        int32
	Cversion       int32
	Aversion       int32
	EphemeralOwner int64
	DataLength     int32
	NumChildren    int32
	Pzxid          int64
}

// StatSize is the encoded size of a Stat.
const StatSize = 68

// Encode appends s.
func (x *Stat) Encode(w *jute.Writer) {
	w.Long(x.Czxid)
	w.Long(x.Mzxid)
	w.Long(x.Ctime)
	w.Long(x.Mtime)
	w.Int(x.Version)
	w.Int(x.Cversion)
	w.Int(x.Aversion)
	w.Long(x.EphemeralOwner)
	w.Int(x.DataLength)
	w.Int(x.NumChildren)
	w.Long(x.Pzxid)
}

// Decode reads s.
func (x *Stat) Decode(r *jute.Reader) {
	x.Czxid = r.Long()
	x.Mzxid = r.Long()
	x.Ctime = r.Long()
	x.Mtime = r.Long()
	x.Version = r.Int()
	x.Cversion = r.Int()
	x.Aversion = r.Int()
	x.EphemeralOwner = r.Long()
	x.DataLength = r.Int()
	x.NumChildren = r.Int()
	x.Pzxid = r.Long()
}
