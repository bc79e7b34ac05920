package fsm

import (
	"errors"
	"fmt"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// EntryType says what a log entry does.
type EntryType uint8

// Entry types.
const (
	EntryRequest       EntryType = 1 // a client write request
	EntryCreateSession EntryType = 2 // add a session
	EntryCloseSession  EntryType = 3 // delete a session's ephemerals and the session
	EntryReap          EntryType = 4 // delete expired containers / TTL nodes
	EntryMoveSession   EntryType = 5 // a session reattached on server Owner (ensemble)
	EntryConfig        EntryType = 6 // record the ensemble's initial membership (Body: server lines)
)

func (t EntryType) String() string {
	switch t {
	case EntryRequest:
		return "request"
	case EntryCreateSession:
		return "createSession"
	case EntryCloseSession:
		return "closeSession"
	case EntryReap:
		return "reap"
	case EntryMoveSession:
		return "moveSession"
	case EntryConfig:
		return "config"
	}
	return fmt.Sprintf("EntryType(%d)", uint8(t))
}

// Entry is one replicated log entry. Which fields are used (and encoded)
// depends on Type; see the package documentation.
type Entry struct {
	Type     EntryType
	Session  int64
	Xid      int32
	Op       proto.OpCode // EntryRequest: the client opcode
	Time     int64        // proposer wall clock, ms since epoch (ctime/mtime, TTL checks)
	Auth     []proto.Id   // EntryRequest: the connection's auth ids when proposed
	Body     []byte       // EntryRequest: request record bytes after the RequestHeader
	Timeout  int32        // EntryCreateSession
	Password []byte       // EntryCreateSession (chosen by the proposer)
	Paths    []string     // EntryReap: candidate container/TTL paths (re-checked at apply)
	Owner    int64        // EntryMoveSession: the server id now serving the session
	Conn     int64        // EntryMoveSession: that server's connection id
}

// entryVersion is the version byte of the entry format.
const entryVersion = 1

// ErrBadEntry is wrapped by every UnmarshalEntry error.
var ErrBadEntry = errors.New("fsm: bad entry")

// Marshal appends the encoding of e to dst and returns the extended slice.
// A nil dst is allocated once at the size of the encoding.
func (e *Entry) Marshal(dst []byte) []byte {
	if dst == nil {
		dst = make([]byte, 0, e.size())
	}
	w := jute.Writer{Buf: dst}
	w.Byte(entryVersion)
	w.Byte(byte(e.Type))
	w.Long(e.Session)
	w.Int(e.Xid)
	w.Long(e.Time)
	switch e.Type {
	case EntryRequest:
		w.Int(int32(e.Op))
		if e.Auth == nil {
			w.Int(-1)
		} else {
			w.Int(int32(len(e.Auth)))
			for i := range e.Auth {
				e.Auth[i].Encode(&w)
			}
		}
		w.Buffer(e.Body)
	case EntryCreateSession:
		w.Int(e.Timeout)
		w.Buffer(e.Password)
	case EntryReap:
		w.Strings(e.Paths)
	case EntryMoveSession:
		w.Long(e.Owner)
		w.Long(e.Conn)
	case EntryConfig:
		w.Buffer(e.Body)
	}
	return w.Buf
}

// size is the length of e's encoding, or a little more.
func (e *Entry) size() int {
	n := 2 + 8 + 4 + 8 // version, type, session, xid, time
	n += 4 + 4 + 4 + len(e.Body) + 4 + 4 + len(e.Password) + 8 + 8
	for _, a := range e.Auth {
		n += 8 + len(a.Scheme) + len(a.ID)
	}
	for _, p := range e.Paths {
		n += 4 + len(p)
	}
	return n
}

// aliasBuffer reads a buffer as a slice of r's input.
func aliasBuffer(r *jute.Reader) []byte {
	r.Alias = true
	b := r.Buffer()
	r.Alias = false
	return b
}

// UnmarshalEntry decodes an entry written by Marshal. Errors wrap
// ErrBadEntry. Body is a slice of b (b must not change while it is used:
// the log's entries never do, and Apply copies what it keeps); nothing
// else aliases b.
func UnmarshalEntry(b []byte) (Entry, error) {
	var e Entry
	r := jute.NewReader(b)
	if v := r.Byte(); r.Err() == nil && v != entryVersion {
		return Entry{}, fmt.Errorf("%w: unsupported version %d", ErrBadEntry, v)
	}
	e.Type = EntryType(r.Byte())
	e.Session = r.Long()
	e.Xid = r.Int()
	e.Time = r.Long()
	if r.Err() != nil {
		return Entry{}, fmt.Errorf("%w: header: %w", ErrBadEntry, r.Err())
	}
	switch e.Type {
	case EntryRequest:
		e.Op = proto.OpCode(r.Int())
		e.Auth = decodeIDs(r)
		e.Body = aliasBuffer(r)
	case EntryCreateSession:
		e.Timeout = r.Int()
		e.Password = r.Buffer()
	case EntryCloseSession:
	case EntryReap:
		e.Paths = decodeStrings(r)
	case EntryMoveSession:
		e.Owner = r.Long()
		e.Conn = r.Long()
	case EntryConfig:
		e.Body = aliasBuffer(r)
	default:
		return Entry{}, fmt.Errorf("%w: unknown type %d", ErrBadEntry, uint8(e.Type))
	}
	if r.Err() != nil {
		return Entry{}, fmt.Errorf("%w: %s: %w", ErrBadEntry, e.Type, r.Err())
	}
	if n := r.Remaining(); n != 0 {
		return Entry{}, fmt.Errorf("%w: %s: %d trailing bytes", ErrBadEntry, e.Type, n)
	}
	return e, nil
}

// errNullString rejects a null string where Marshal never writes one, so
// that every accepted encoding is canonical.
var errNullString = errors.New("null string")

// decodeIDs reads a vector of Ids; null decodes as nil.
func decodeIDs(r *jute.Reader) []proto.Id {
	n := r.VectorLen(8)
	if n < 0 || r.Err() != nil {
		return nil
	}
	out := make([]proto.Id, n)
	for i := range out {
		out[i].Scheme = nonNullString(r)
		out[i].ID = nonNullString(r)
	}
	if r.Err() != nil {
		return nil
	}
	return out
}

// decodeStrings reads a vector<ustring>; null decodes as nil.
func decodeStrings(r *jute.Reader) []string {
	n := r.VectorLen(4)
	if n < 0 || r.Err() != nil {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = nonNullString(r)
	}
	if r.Err() != nil {
		return nil
	}
	return out
}

// nonNullString reads a ustring and fails the reader on null.
func nonNullString(r *jute.Reader) string {
	s, null := r.NullableString()
	if null {
		r.Fail(errNullString)
	}
	return s
}
