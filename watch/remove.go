package watch

import "github.com/zkd-io/zkd/proto"

const modeAll = modeStandard | modePersistent | modeRecursive

// Remove implements removeWatches for connection c on path and reports
// whether any watch was removed. The mapping of t to tables and modes is in
// the package documentation.
func (r *Registry) Remove(c ConnID, path string, t proto.WatcherType) bool {
	switch t {
	case proto.WatcherChildren:
		return r.child.clear(c, path, modeStandard)
	case proto.WatcherData:
		return r.data.clear(c, path, modeStandard)
	case proto.WatcherPersistent:
		fromChild := r.child.clear(c, path, modePersistent)
		fromData := r.data.clear(c, path, modePersistent)
		return fromChild || fromData
	case proto.WatcherPersistentRecursive:
		return r.data.clear(c, path, modeRecursive)
	case proto.WatcherAny:
		fromChild := r.child.clear(c, path, modeAll)
		fromData := r.data.clear(c, path, modeAll)
		return fromChild || fromData
	}
	return false
}

// Has implements checkWatches: it reports whether connection c holds a watch
// of type t on path.
func (r *Registry) Has(c ConnID, path string, t proto.WatcherType) bool {
	switch t {
	case proto.WatcherChildren:
		return r.child.get(c, path)&modeStandard != 0
	case proto.WatcherData:
		return r.data.get(c, path)&modeStandard != 0
	case proto.WatcherPersistent:
		return r.data.get(c, path)&modePersistent != 0
	case proto.WatcherPersistentRecursive:
		return r.data.get(c, path)&modeRecursive != 0
	case proto.WatcherAny:
		return r.child.get(c, path) != 0 || r.data.get(c, path) != 0
	}
	return false
}
