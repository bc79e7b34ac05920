package watch

import "slices"

// Summary describes the data table for wchs: the number of connections
// watching, the number of paths watched and the number of (connection, path)
// pairs.
func (r *Registry) Summary() (conns, paths, total int) {
	for _, ps := range r.data.byConn {
		total += len(ps)
	}
	return len(r.data.byConn), len(r.data.byPath), total
}

// Count is the number of (connection, path) pairs in both tables together
// (mntr's zk_watch_count).
func (r *Registry) Count() int {
	n := 0
	for _, ps := range r.data.byConn {
		n += len(ps)
	}
	for _, ps := range r.child.byConn {
		n += len(ps)
	}
	return n
}

// ByConn lists the data table by connection for wchc; each path list is
// sorted.
func (r *Registry) ByConn() map[ConnID][]string {
	out := make(map[ConnID][]string, len(r.data.byConn))
	for c, ps := range r.data.byConn {
		list := make([]string, 0, len(ps))
		for p := range ps {
			list = append(list, p)
		}
		slices.Sort(list)
		out[c] = list
	}
	return out
}

// ByPath lists the data table by path for wchp; each connection list is
// sorted.
func (r *Registry) ByPath() map[string][]ConnID {
	out := make(map[string][]ConnID, len(r.data.byPath))
	for p, cs := range r.data.byPath {
		list := make([]ConnID, 0, len(cs))
		for c := range cs {
			list = append(list, c)
		}
		slices.Sort(list)
		out[p] = list
	}
	return out
}
