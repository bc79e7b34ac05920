package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zkd-io/zkd/proto"
)

// FieldDiff is one field whose normalised values differ.
type FieldDiff struct {
	Key       string
	ZooKeeper string // "<absent>" when ZooKeeper's outcome lacks the field
	Zkd       string
}

// Difference is the first op whose outcomes differ after the allow-list.
type Difference struct {
	Op     int // index in the stream
	Kind   Kind
	Fields []FieldDiff
}

// Signature identifies a difference independent of where it happens: the
// op kind and the differing field names (multi result indexes dropped).
// Shrinking keeps only candidates with the same signature.
func (d *Difference) Signature() string {
	keys := make([]string, 0, len(d.Fields))
	for _, f := range d.Fields {
		k := f.Key
		if strings.HasPrefix(k, "r") {
			if i := strings.IndexByte(k, '.'); i > 0 {
				k = "r*" + k[i:]
			}
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return d.Kind.String() + ":" + strings.Join(keys, ",")
}

func (d *Difference) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "op %d (%s):\n", d.Op, d.Kind)
	for _, f := range d.Fields {
		fmt.Fprintf(&b, "    %-22s zookeeper=%s\n    %-22s zkd      =%s\n", f.Key, f.ZooKeeper, "", f.Zkd)
	}
	return b.String()
}

// Report is the verdict of Compare.
type Report struct {
	Compared int            // ops compared (all, or up to and including the stop)
	Diff     *Difference    // first unexplained difference, nil if none
	Known    *Difference    // set when the comparison stopped at a known bug
	KnownBug string         // its name
	Allowed  map[string]int // allowList and versionGaps entries used (count of rewrites)
	// KnownHits counts ops explained by knownBugs (the stop included).
	KnownHits map[string]int
}

// pairCtx is what an allowance sees and may rewrite for one op.
type pairCtx struct {
	op    Op
	zk    *Outcome
	zkd   *Outcome
	taint map[int][]Taint // slot -> marks whose watch state is not compared
}

func (c *pairCtx) addTaint(t Taint) {
	c.taint[t.Session] = append(c.taint[t.Session], t)
}

// Compare compares two traces of the same stream op by op. It stops at the
// first op with a difference that the allow-list does not explain: that is
// Diff, or Known when every remaining field is explained by knownBugs.
func Compare(ops []Op, zk, zkd *Trace) Report {
	return compareWith(ops, zk, zkd, append(append([]Allowance(nil), allowList...), versionGaps...), knownBugs)
}

func compareWith(ops []Op, zk, zkd *Trace, allow []Allowance, known []knownBug) Report {
	rep := Report{Allowed: map[string]int{}, KnownHits: map[string]int{}}
	taint := map[int][]Taint{}
	n := len(ops)
	if len(zk.Outcomes) < n || len(zkd.Outcomes) < n {
		n = min(len(zk.Outcomes), len(zkd.Outcomes))
	}
	for i := 0; i < n; i++ {
		a, b := zk.Outcomes[i].clone(), zkd.Outcomes[i].clone()
		c := &pairCtx{op: ops[i], zk: &a, zkd: &b, taint: taint}
		// A reattaching op replaces the session's connection: marks set
		// by this op belong to the new connection, older ones still cover
		// what the old connection delivered during this op.
		s := ops[i].Session
		var old []Taint
		if ops[i].Kind.reattaches() {
			old = taint[s]
			delete(taint, s)
		}
		for _, al := range allow {
			if al.Apply(c) {
				rep.Allowed[al.Name]++
			}
		}
		fresh := taint[s]
		taint[s] = append(append([]Taint(nil), fresh...), old...)
		applyTaints(c, rep.Allowed)
		taint[s] = fresh
		ends := ops[i].Kind == KindCloseSession || ops[i].Kind == KindExpireSession
		if ends {
			// ZooKeeper deletes a session's ephemerals in the iteration
			// order of a hash set: the events are a multiset.
			sortEvents(a.Events)
			sortEvents(b.Events)
		}
		if ops[i].Kind.reattaches() && len(fresh) == 0 || ends {
			delete(taint, s)
		}
		rep.Compared = i + 1
		diffs := diffOutcomes(&a, &b)
		if len(diffs) == 0 {
			continue
		}
		d := &Difference{Op: i, Kind: ops[i].Kind, Fields: diffs}
		if k := matchKnown(known, &bugCtx{ops: ops, i: i, zk: &a, zkd: &b}, diffs); k != nil {
			rep.KnownHits[k.Name]++
			if k.Continue {
				continue
			}
			rep.Known, rep.KnownBug = d, k.Name
			return rep
		}
		rep.Diff = d
		return rep
	}
	return rep
}

func sortEvents(es []Event) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Session != es[j].Session {
			return es[i].Session < es[j].Session
		}
		return es[i].String() < es[j].String()
	})
}

// diffOutcomes lists the differing fields (events included), ZooKeeper's
// field order first.
func diffOutcomes(a, b *Outcome) []FieldDiff {
	fa := append(append([]Field(nil), a.Fields...), a.eventFields()...)
	fb := append(append([]Field(nil), b.Fields...), b.eventFields()...)
	vb := map[string]string{}
	for _, f := range fb {
		vb[f.Key] = f.Val
	}
	seen := map[string]bool{}
	var out []FieldDiff
	for _, f := range fa {
		seen[f.Key] = true
		v, ok := vb[f.Key]
		if !ok {
			v = "<absent>"
		}
		if v != f.Val {
			out = append(out, FieldDiff{f.Key, f.Val, v})
		}
	}
	for _, f := range fb {
		if !seen[f.Key] {
			out = append(out, FieldDiff{f.Key, "<absent>", f.Val})
		}
	}
	return out
}

// applyTaints drops the events that tainted (session, path) marks cover
// from both outcomes and stops comparing checkWatches/removeWatches
// answers for a tainted path, counting each use under the mark's reason.
func applyTaints(c *pairCtx, used map[string]int) {
	covering := func(session int, path string, ev proto.EventType) string {
		for _, t := range c.taint[session] {
			if t.covers(session, path, ev) {
				return t.Reason
			}
		}
		return ""
	}
	drop := func(es []Event) []Event {
		out := es[:0]
		for _, e := range es {
			if r := covering(e.Session, e.Path, e.Type); r != "" {
				used[r]++
				continue
			}
			out = append(out, e)
		}
		return out
	}
	c.zk.Events = drop(c.zk.Events)
	c.zkd.Events = drop(c.zkd.Events)
	if k := c.op.Kind; k == KindCheckWatches || k == KindRemoveWatches {
		ev := proto.EventNodeDataChanged
		if c.op.Mode == int32(proto.WatcherChildren) {
			ev = proto.EventNodeChildrenChanged
		}
		if r := covering(c.op.Session, c.zk.Path, ev); r != "" && erase(c, "err") {
			erase(c, "zxid")
			used[r]++
		}
	}
}

// bugCtx is what a knownBug matcher sees: the stream, the op's index and
// both outcomes (after the allow-list).
type bugCtx struct {
	ops     []Op
	i       int
	zk, zkd *Outcome
}

// matchKnown returns the known bug that explains every differing field,
// or nil.
func matchKnown(known []knownBug, c *bugCtx, diffs []FieldDiff) *knownBug {
	for i := range known {
		k := &known[i]
		all := true
		for _, d := range diffs {
			if !k.Match(c, d) {
				all = false
				break
			}
		}
		if all {
			return k
		}
	}
	return nil
}
