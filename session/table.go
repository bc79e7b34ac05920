package session

import "slices"

// Session is one replicated client session.
type Session struct {
	ID       int64
	Timeout  int32 // negotiated timeout, ms
	Password []byte
}

// Table is the replicated session table. It is not safe for concurrent use.
type Table struct {
	sessions map[int64]Session
}

// NewTable returns an empty table.
func NewTable() *Table {
	return &Table{sessions: make(map[int64]Session)}
}

// Add stores s and reports true, or reports false and changes nothing when
// a session with s.ID exists. The password is copied.
func (t *Table) Add(s Session) bool {
	if _, ok := t.sessions[s.ID]; ok {
		return false
	}
	s.Password = slices.Clone(s.Password)
	t.sessions[s.ID] = s
	return true
}

// Get returns the session with the given id.
func (t *Table) Get(id int64) (Session, bool) {
	s, ok := t.sessions[id]
	return s, ok
}

// Remove deletes the session and reports whether it existed.
func (t *Table) Remove(id int64) bool {
	if _, ok := t.sessions[id]; !ok {
		return false
	}
	delete(t.sessions, id)
	return true
}

// Len is the number of sessions.
func (t *Table) Len() int {
	return len(t.sessions)
}

// IDs returns every session id, sorted ascending (as signed integers).
func (t *Table) IDs() []int64 {
	ids := make([]int64, 0, len(t.sessions))
	for id := range t.sessions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
