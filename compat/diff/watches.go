package diff

import (
	"github.com/zkd-io/zkd/proto"
)

// Watch kinds a connection holds on one path, as far as the runner can
// tell from the requests it sent (a bit set per path).
const (
	wData       uint8 = 1 << iota // standard watch in the data table (exists, getData)
	wChild                        // standard watch in the child table (getChildren)
	wPersistent                   // addWatch mode 0 (both tables)
	wRecursive                    // addWatch mode 1 (data table)
)

// Taint marks a (session, path) whose watch state may legitimately differ
// between the servers from the op that set it until the session's
// connection is replaced: events there, and checkWatches/removeWatches
// answers for it, are not compared. Subtree extends it to descendants
// (recursive watches); DataOnly limits it to data-table events
// (NodeCreated/NodeDeleted/NodeDataChanged).
type Taint struct {
	Session  int
	Path     string // relative to the run root
	Subtree  bool
	DataOnly bool
	Reason   string // the allowList or versionGaps entry that explains it
}

func (t Taint) covers(session int, path string, ev proto.EventType) bool {
	if session != t.Session {
		return false
	}
	if t.DataOnly && ev == proto.EventNodeChildrenChanged {
		return false
	}
	if path == t.Path {
		return true
	}
	return t.Subtree && len(path) > len(t.Path) && path[:len(t.Path)] == t.Path && path[len(t.Path)] == '/'
}

// tableMix reports whether adding kind to a path holding have puts two
// watch modes into one of ZooKeeper's watch tables for one connection,
// which 3.8 cannot represent (ZOOKEEPER-4466: one mode per watcher and
// path; the newer registration overwrites the older one).
func tableMix(have, kind uint8) bool {
	var conflicts uint8
	switch kind {
	case wData:
		conflicts = wPersistent | wRecursive
	case wChild:
		conflicts = wPersistent | wRecursive // 3.8 puts recursive watches in the child table too
	case wPersistent:
		conflicts = wData | wChild | wRecursive
	case wRecursive:
		conflicts = wData | wChild | wPersistent
	}
	return have&conflicts != 0
}

// addWatch records a watch registration on the slot's connection and
// taints the path when the modes mix.
func (r *runner) addWatch(sl *slot, abs string, kind uint8) {
	have := sl.watches[abs]
	if tableMix(have, kind) {
		r.taint(sl, abs, (have|kind)&wRecursive != 0, "watch-modes-per-path")
	}
	sl.watches[abs] = have | kind
}

func (r *runner) taint(sl *slot, abs string, subtree bool, reason string) {
	r.taints = append(r.taints, Taint{Session: sl.index, Path: r.norm.rel(abs), Subtree: subtree, Reason: reason})
}

// noteWatches updates the slot's watch model after a reply with code to
// a single-request op.
func (r *runner) noteWatches(o Op, sl *slot, code proto.Code) {
	abs := r.resolve(o.Path)
	switch o.Kind {
	case KindExists:
		if o.Watch && (code == proto.OK || code == proto.ErrNoNode) {
			r.addWatch(sl, abs, wData)
		}
	case KindGetData:
		if o.Watch && code == proto.OK {
			r.addWatch(sl, abs, wData)
		}
	case KindGetChildren, KindGetChildren2:
		if o.Watch && code == proto.OK {
			r.addWatch(sl, abs, wChild)
		}
	case KindAddWatch:
		if code == proto.OK && o.Mode == int32(proto.AddWatchPersistent) {
			r.addWatch(sl, abs, wPersistent)
		} else if code == proto.OK && o.Mode == int32(proto.AddWatchPersistentRecursive) {
			r.addWatch(sl, abs, wRecursive)
		}
	case KindCheckWatches, KindRemoveWatches:
		r.noteRemoval(o, sl, abs, code)
	}
}

// noteRemoval handles checkWatches/removeWatches. ZooKeeper 3.8 has no
// watcher types 4/5 (ZOOKEEPER-4472) and removes or finds the persistent
// parts of a watch with types 1/2 (ZOOKEEPER-4471); both taint the path.
func (r *runner) noteRemoval(o Op, sl *slot, abs string, code proto.Code) {
	have := sl.watches[abs]
	switch proto.WatcherType(o.Mode) {
	case proto.WatcherPersistent, proto.WatcherPersistentRecursive:
		r.taint(sl, abs, have&wRecursive != 0 || o.Mode == int32(proto.WatcherPersistentRecursive), "watcher-types-persistent")
	case proto.WatcherChildren:
		if have&(wPersistent|wRecursive) != 0 {
			r.taint(sl, abs, have&wRecursive != 0, "remove-watch-type-split")
		}
	case proto.WatcherData:
		if have&(wPersistent|wRecursive) != 0 {
			r.taint(sl, abs, have&wRecursive != 0, "remove-watch-type-split")
		}
	}
	if o.Kind != KindRemoveWatches || code != proto.OK {
		return
	}
	switch proto.WatcherType(o.Mode) {
	case proto.WatcherChildren:
		have &^= wChild
	case proto.WatcherData:
		have &^= wData
	case proto.WatcherAny:
		have = 0
	case proto.WatcherPersistent:
		have &^= wPersistent
	case proto.WatcherPersistentRecursive:
		have &^= wRecursive
	}
	sl.watches[abs] = have
}

// noteSetWatches records the watches a setWatches(2) packet restored.
// The server registers a data/exist/child watch only when it sends no
// catch-up event for it (those precede the reply, in list order), so
// each catch-up event received cancels one registration.
func (r *runner) noteSetWatches(sl *slot, lists [5][]string, catchUp []notification) {
	type key struct {
		path string
		ev   proto.EventType
	}
	got := map[key]int{}
	for _, n := range catchUp {
		got[key{n.ev.Path, n.ev.Type}]++
	}
	take := func(path string, evs ...proto.EventType) bool {
		for _, ev := range evs {
			if got[key{path, ev}] > 0 {
				got[key{path, ev}]--
				return true
			}
		}
		return false
	}
	for _, p := range lists[0] {
		if !take(p, proto.EventNodeDeleted, proto.EventNodeDataChanged) {
			r.addWatch(sl, p, wData)
		}
	}
	for _, p := range lists[1] {
		if !take(p, proto.EventNodeCreated) {
			r.addWatch(sl, p, wData)
		}
	}
	for _, p := range lists[2] {
		if !take(p, proto.EventNodeDeleted, proto.EventNodeChildrenChanged) {
			r.addWatch(sl, p, wChild)
		}
	}
	for _, p := range lists[3] {
		r.addWatch(sl, p, wPersistent)
	}
	for _, p := range lists[4] {
		r.addWatch(sl, p, wRecursive)
	}
}

// noteEvent retires the standard watches a delivered event consumed.
func (sl *slot) noteEvent(abs string, ev proto.EventType) {
	have, ok := sl.watches[abs]
	if !ok {
		return
	}
	switch ev {
	case proto.EventNodeCreated, proto.EventNodeDataChanged:
		have &^= wData
	case proto.EventNodeDeleted:
		have &^= wData | wChild
	case proto.EventNodeChildrenChanged:
		have &^= wChild
	}
	sl.watches[abs] = have
}

// checkWatchesDiffers predicts checkWatches of type t on abs under both
// versions' rules and reports whether they disagree. 3.8
// (WatchManager.containsWatcher before ZOOKEEPER-4466) answers OK when any
// connection has an entry of any mode at abs in the table the type names,
// and 3.8 files recursive watches in the child table too; 3.9 answers OK
// only for the caller's own standard watch (Children, Data) or own watch
// of any mode (Any).
func (r *runner) checkWatchesDiffers(self *slot, abs string, t proto.WatcherType) bool {
	var mask38, mask39 uint8
	switch t {
	case proto.WatcherChildren:
		mask38, mask39 = wChild|wPersistent|wRecursive, wChild
	case proto.WatcherData:
		mask38, mask39 = wData|wPersistent|wRecursive, wData
	case proto.WatcherAny:
		mask38, mask39 = wData|wChild|wPersistent|wRecursive, wData|wChild|wPersistent|wRecursive
	default:
		return false
	}
	any38 := false
	for _, s := range r.slots {
		if s.c != nil && !s.c.dead && s.watches[abs]&mask38 != 0 {
			any38 = true
		}
	}
	own39 := self.watches[abs]&mask39 != 0
	return any38 != own39
}
