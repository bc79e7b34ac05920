package watch

// mode is a set of watcher modes held by one connection on one path.
type mode uint8

const (
	modeStandard   mode = 1 << iota // one-shot; consumed when it fires
	modePersistent                  // addWatch mode 0
	modeRecursive                   // addWatch mode 1; data table only
)

// table is one watch table, indexed both ways. An entry with an empty mode
// set is never stored.
type table struct {
	byPath    map[string]map[ConnID]mode
	byConn    map[ConnID]map[string]mode
	recursive int // entries holding modeRecursive
}

func newTable() table {
	return table{
		byPath: make(map[string]map[ConnID]mode),
		byConn: make(map[ConnID]map[string]mode),
	}
}

func (t *table) get(c ConnID, path string) mode {
	return t.byPath[path][c]
}

func (t *table) add(c ConnID, path string, m mode) {
	t.set(c, path, t.get(c, path)|m)
}

// set stores m for (c, path), deleting the entry when m is empty, and keeps
// both indexes and the recursive count in step.
func (t *table) set(c ConnID, path string, m mode) {
	conns := t.byPath[path]
	old := conns[c]
	if old == m {
		return
	}
	if old&modeRecursive != 0 {
		t.recursive--
	}
	if m&modeRecursive != 0 {
		t.recursive++
	}
	if m == 0 {
		delete(conns, c)
		if len(conns) == 0 {
			delete(t.byPath, path)
		}
		paths := t.byConn[c]
		delete(paths, path)
		if len(paths) == 0 {
			delete(t.byConn, c)
		}
		return
	}
	if conns == nil {
		conns = make(map[ConnID]mode, 1)
		t.byPath[path] = conns
	}
	conns[c] = m
	paths := t.byConn[c]
	if paths == nil {
		paths = make(map[string]mode)
		t.byConn[c] = paths
	}
	paths[path] = m
}

// clear removes the modes in m from (c, path) and reports whether any was
// present.
func (t *table) clear(c ConnID, path string, m mode) bool {
	old := t.get(c, path)
	if old&m == 0 {
		return false
	}
	t.set(c, path, old&^m)
	return true
}

func (t *table) dropConn(c ConnID) {
	for path, m := range t.byConn[c] {
		if m&modeRecursive != 0 {
			t.recursive--
		}
		conns := t.byPath[path]
		delete(conns, c)
		if len(conns) == 0 {
			delete(t.byPath, path)
		}
	}
	delete(t.byConn, c)
}

// triggerAt appends every connection watching path to out and consumes their
// STANDARD modes.
func (t *table) triggerAt(path string, out []ConnID) []ConnID {
	conns := t.byPath[path]
	for c, m := range conns {
		out = append(out, c)
		if m&modeStandard != 0 {
			t.set(c, path, m&^modeStandard)
		}
	}
	return out
}

// triggerAncestors appends every connection holding a recursive watch on a
// proper ancestor of path.
func (t *table) triggerAncestors(path string, out []ConnID) []ConnID {
	if t.recursive == 0 {
		return out
	}
	for p := path; p != "/" && p != ""; {
		p = parent(p)
		for c, m := range t.byPath[p] {
			if m&modeRecursive != 0 {
				out = append(out, c)
			}
		}
	}
	return out
}

// parent returns the parent of an absolute path; "/" for top-level nodes and
// "" for "/" itself or a path without a slash.
func parent(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			if i == 0 {
				if len(p) == 1 {
					return ""
				}
				return "/"
			}
			return p[:i]
		}
	}
	return ""
}
