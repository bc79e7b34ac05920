package diff

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/zkd-io/zkd/proto"
)

// Field is one named, normalised value of an op's result.
type Field struct {
	Key, Val string
}

// Event is one notification a session received, normalised.
type Event struct {
	Session int
	Type    proto.EventType
	State   proto.KeeperState
	Path    string // relative to the run root ("R/a")
	Zxid    string // "-1", "trigger" (the zxid of the op that caused it) or a zxid token
	// Readable is whether the receiving connection may READ the node at
	// Path (per this run's model of ACLs and auth), i.e. whether ZooKeeper
	// 3.8.4+/3.9.2+ delivers it.
	Readable bool
}

func (e Event) String() string {
	s := fmt.Sprintf("%s %q z=%s", e.Type, e.Path, e.Zxid)
	if e.State != proto.StateSyncConnected {
		s += fmt.Sprintf(" state=%d", e.State)
	}
	return s
}

// Outcome is the normalised result of one op on one server.
type Outcome struct {
	Fields []Field
	Events []Event // in arrival order per session, sessions in slot order
	// Path is the op's resolved path relative to the run root; CanRead is
	// whether the op's connection could READ it before the op (model).
	Path    string
	CanRead bool
	// Taints are the (session, path) pairs whose watch state the servers
	// may legitimately disagree on from this op on (runner's model).
	Taints []Taint
	// Gaps names versionGaps entries that apply to this op's reply only.
	Gaps []string
}

// Get returns the value of key, or "" when absent.
func (o *Outcome) Get(key string) string {
	for _, f := range o.Fields {
		if f.Key == key {
			return f.Val
		}
	}
	return ""
}

// Set replaces the value of key (adding it when absent).
func (o *Outcome) Set(key, val string) {
	for i := range o.Fields {
		if o.Fields[i].Key == key {
			o.Fields[i].Val = val
			return
		}
	}
	o.Fields = append(o.Fields, Field{key, val})
}

func (o *Outcome) clone() Outcome {
	c := *o
	c.Fields = append([]Field(nil), o.Fields...)
	c.Events = append([]Event(nil), o.Events...)
	c.Taints = append([]Taint(nil), o.Taints...)
	c.Gaps = append([]string(nil), o.Gaps...)
	return c
}

// eventFields renders the events as one field per session that received
// any.
func (o *Outcome) eventFields() []Field {
	by := map[int][]string{}
	var slots []int
	for _, e := range o.Events {
		if _, ok := by[e.Session]; !ok {
			slots = append(slots, e.Session)
		}
		by[e.Session] = append(by[e.Session], e.String())
	}
	sort.Ints(slots)
	var out []Field
	for _, s := range slots {
		out = append(out, Field{fmt.Sprintf("events.s%d", s), strings.Join(by[s], "; ")})
	}
	return out
}

// rawField is a field before zxid and time normalisation.
type rawField struct {
	key  string
	val  string
	kind int // rawPlain, rawZxid, rawTime
	zxid int64
	time int64
}

const (
	rawPlain = iota
	rawZxid
	rawTime
	rawHeaderZxid
)

// builder collects one op's fields.
type builder struct {
	fields []rawField
}

func (b *builder) add(key, val string) { b.fields = append(b.fields, rawField{key: key, val: val}) }

func (b *builder) addInt(key string, v int64) { b.add(key, strconv.FormatInt(v, 10)) }

func (b *builder) addZxid(key string, z int64) {
	b.fields = append(b.fields, rawField{key: key, kind: rawZxid, zxid: z})
}

// addHeaderZxid adds a reply header's zxid, which is compared by its
// relation to the largest zxid the run had seen before the op: "=max"
// (a read, or a request that consumed no zxid), ">max" (the op, or a
// transaction the run could not see, consumed a new one) or "<max".
func (b *builder) addHeaderZxid(key string, z int64) {
	b.fields = append(b.fields, rawField{key: key, kind: rawHeaderZxid, zxid: z})
}

func (b *builder) addTime(key string, z, t int64) {
	b.fields = append(b.fields, rawField{key: key, kind: rawTime, zxid: z, time: t})
}

// normaliser turns server-specific values into comparable tokens; one per
// run and server.
type normaliser struct {
	root   string
	tokens map[int64]string // zxid -> token
	times  map[int64]int64  // zxid -> the time first paired with it
	owners map[int64]string // session id -> slot token
	max    int64            // largest registered zxid
}

func newNormaliser(root string) *normaliser {
	return &normaliser{root: root, tokens: map[int64]string{}, times: map[int64]int64{}, owners: map[int64]string{}}
}

// rel renders an absolute path relative to the run root.
func (n *normaliser) rel(p string) string {
	switch {
	case p == n.root:
		return "R"
	case strings.HasPrefix(p, n.root+"/"):
		return "R" + p[len(n.root):]
	}
	return p
}

func (n *normaliser) owner(id int64) string {
	if id == 0 {
		return "0"
	}
	if t, ok := n.owners[id]; ok {
		return t
	}
	return "foreign"
}

// zxidToken returns the token of a zxid already registered, or a literal
// for values that are not real zxids.
func (n *normaliser) zxidToken(z int64) (string, bool) {
	if z <= 0 {
		return strconv.FormatInt(z, 10), true
	}
	t, ok := n.tokens[z]
	return t, ok
}

// register gives each zxid first shown by op index its token: "z<op>" or,
// when the op shows several new ones, "z<op>.<rank>" by value.
func (n *normaliser) register(op int, zs []int64) {
	var fresh []int64
	for _, z := range zs {
		if _, ok := n.zxidToken(z); ok {
			continue
		}
		dup := false
		for _, f := range fresh {
			dup = dup || f == z
		}
		if !dup {
			fresh = append(fresh, z)
		}
	}
	sort.Slice(fresh, func(i, j int) bool { return fresh[i] < fresh[j] })
	for i, z := range fresh {
		n.max = max(n.max, z)
		if len(fresh) == 1 {
			n.tokens[z] = fmt.Sprintf("z%d", op)
		} else {
			n.tokens[z] = fmt.Sprintf("z%d.%d", op, i)
		}
	}
}

func relation(z, max int64) string {
	switch {
	case z <= 0:
		return strconv.FormatInt(z, 10)
	case z == max:
		return "=max"
	case z > max:
		return ">max"
	}
	return "<max"
}

// timeToken checks a (zxid, time) pair against the pairs seen so far: the
// same zxid must always come with the same time, and times must not
// decrease as zxids grow. Only the verdict is compared, never the value.
func (n *normaliser) timeToken(z, t int64) string {
	zt, _ := n.zxidToken(z)
	if z <= 0 {
		if t == 0 {
			return "t0"
		}
		return "t?" + zt
	}
	if prev, ok := n.times[z]; ok {
		if prev != t {
			return "t!=" + zt
		}
		return "t~" + zt
	}
	for oz, ot := range n.times {
		if (oz < z && ot > t) || (oz > z && ot < t) {
			n.times[z] = t
			return "t<order!" + zt
		}
	}
	n.times[z] = t
	return "t~" + zt
}

// finish normalises an op's fields (op is its index in the stream).
func (n *normaliser) finish(op int, b *builder) []Field {
	var zs []int64
	for _, f := range b.fields {
		if f.kind != rawPlain {
			zs = append(zs, f.zxid)
		}
	}
	before := n.max
	n.register(op, zs)
	out := make([]Field, 0, len(b.fields))
	for _, f := range b.fields {
		switch f.kind {
		case rawZxid:
			t, _ := n.zxidToken(f.zxid)
			out = append(out, Field{f.key, t})
		case rawTime:
			out = append(out, Field{f.key, n.timeToken(f.zxid, f.time)})
		case rawHeaderZxid:
			out = append(out, Field{f.key, relation(f.zxid, before)})
		default:
			out = append(out, Field{f.key, f.val})
		}
	}
	return out
}

// addStat adds the normalised fields of a Stat under prefix.
func (n *normaliser) addStat(b *builder, prefix string, s *proto.Stat) {
	b.addZxid(prefix+"czxid", s.Czxid)
	b.addZxid(prefix+"mzxid", s.Mzxid)
	b.addZxid(prefix+"pzxid", s.Pzxid)
	b.addTime(prefix+"ctime", s.Czxid, s.Ctime)
	b.addTime(prefix+"mtime", s.Mzxid, s.Mtime)
	b.addInt(prefix+"version", int64(s.Version))
	b.addInt(prefix+"cversion", int64(s.Cversion))
	b.addInt(prefix+"aversion", int64(s.Aversion))
	b.add(prefix+"owner", n.owner(s.EphemeralOwner))
	b.addInt(prefix+"dataLength", int64(s.DataLength))
	b.addInt(prefix+"numChildren", int64(s.NumChildren))
}

// showACL renders an ACL list as a sorted multiset: ZooKeeper expands an
// "auth" entry in the hash-set order of the connection's ids, so only the
// entries and their multiplicity are comparable, not their order.
func showACL(acl []proto.ACL) string {
	if acl == nil {
		return "null"
	}
	parts := make([]string, len(acl))
	for i, a := range acl {
		parts[i] = fmt.Sprintf("%d:%s:%s", a.Perms, a.ID.Scheme, a.ID.ID)
	}
	sort.Strings(parts)
	return "[" + strings.Join(parts, ", ") + "]"
}

// sortedSet renders names as a set.
func sortedSet(names []string, f func(string) string) string {
	if names == nil {
		return "null"
	}
	c := make([]string, len(names))
	for i, s := range names {
		c[i] = f(s)
	}
	sort.Strings(c)
	return "{" + strings.Join(c, ", ") + "}"
}
