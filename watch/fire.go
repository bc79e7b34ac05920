package watch

import (
	"slices"

	"github.com/zkd-io/zkd/proto"
)

// Fire applies one trigger of event typ on path and returns the deliveries,
// at most one per connection, sorted by connection. Matching STANDARD watches
// are consumed. See the package documentation for which watches match.
func (r *Registry) Fire(typ proto.EventType, path string) []Delivery {
	var conns []ConnID
	switch typ {
	case proto.EventNodeCreated, proto.EventNodeDataChanged:
		conns = r.data.triggerAt(path, conns)
		conns = r.data.triggerAncestors(path, conns)
	case proto.EventNodeDeleted:
		conns = r.data.triggerAt(path, conns)
		conns = r.data.triggerAncestors(path, conns)
		// Child-table watchers already notified through the data table are
		// suppressed; deduplication below does exactly that.
		conns = r.child.triggerAt(path, conns)
	case proto.EventNodeChildrenChanged:
		conns = r.child.triggerAt(path, conns)
	default:
		return nil
	}
	if len(conns) == 0 {
		return nil
	}
	slices.Sort(conns)
	conns = slices.Compact(conns)
	out := make([]Delivery, len(conns))
	for i, c := range conns {
		out[i] = Delivery{Conn: c, Type: typ, Path: path}
	}
	return out
}
