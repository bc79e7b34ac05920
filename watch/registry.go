package watch

import "github.com/zkd-io/zkd/proto"

// ConnID identifies a client connection; the server assigns it.
type ConnID uint64

// Delivery is one notification to send to one connection.
type Delivery struct {
	Conn ConnID
	Type proto.EventType
	Path string
}

// Registry holds a server's data and child watch tables. It is not safe for
// concurrent use.
type Registry struct {
	data  table
	child table
}

// New returns an empty registry.
func New() *Registry {
	return &Registry{data: newTable(), child: newTable()}
}

// AddData registers a STANDARD data watch (exists, getData).
func (r *Registry) AddData(c ConnID, path string) {
	r.data.add(c, path, modeStandard)
}

// AddChild registers a STANDARD child watch (getChildren).
func (r *Registry) AddChild(c ConnID, path string) {
	r.child.add(c, path, modeStandard)
}

// AddPersistent registers an addWatch watch: PERSISTENT in both tables, or
// PERSISTENT_RECURSIVE in the data table when recursive is set.
func (r *Registry) AddPersistent(c ConnID, path string, recursive bool) {
	if recursive {
		r.data.add(c, path, modeRecursive)
		return
	}
	r.data.add(c, path, modePersistent)
	r.child.add(c, path, modePersistent)
}

// RemoveConn drops every watch of connection c.
func (r *Registry) RemoveConn(c ConnID) {
	r.data.dropConn(c)
	r.child.dropConn(c)
}
