package compat

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/go-zookeeper/zk"
)

// writeKind is what a writer asked the server to do.
type writeKind int

const (
	writeCreate writeKind = iota
	writeSet
)

// write is one request of a writer: a create of a new unique znode, or a
// setData on one of the writer's own znodes with the version it expects.
// Version is the znode's data version once the write is applied.
type write struct {
	kind    writeKind
	path    string
	data    []byte
	version int32
	zxid    int64 // Mzxid the server returned (setData only)
}

// writerResult is what one writer saw during a round: the writes the
// server acknowledged, in order, and the one that was in flight (or about
// to be sent) when the connection died. That one may or may not have been
// applied.
type writerResult struct {
	acked    []write
	inflight *write
	stopErr  error
	anomaly  error // an acknowledgement that contradicts the request
}

// runWriter issues writes one at a time on c until a write fails (the
// kill) or maxWrites is reached. Creates are /k/w<id>-r<round>-<n>; about a
// third of the writes are setData on a znode this writer created in this
// round, conditional on its last acknowledged version.
func runWriter(c *zk.Conn, id, round int, seed uint64, maxWrites int) writerResult {
	rng := rand.New(rand.NewPCG(seed, uint64(id)))
	acl := zk.WorldACL(zk.PermAll)
	var res writerResult
	var mine []int // indexes into res.acked of this round's creates
	version := map[string]int32{}
	for n := range maxWrites {
		if len(mine) > 0 && rng.IntN(3) == 0 {
			path := res.acked[mine[rng.IntN(len(mine))]].path
			w := write{kind: writeSet, path: path, version: version[path] + 1}
			w.data = fmt.Appendf(nil, "w%d-r%d-%d set v%d", id, round, n, w.version)
			res.inflight = &w
			st, err := c.Set(path, w.data, version[path])
			if err != nil {
				res.stopErr = err
				return res
			}
			if st.Version != w.version {
				res.anomaly = fmt.Errorf("setData %s: acknowledged with version %d, want %d", path, st.Version, w.version)
				return res
			}
			w.zxid = st.Mzxid
			version[path] = w.version
			res.acked = append(res.acked, w)
			res.inflight = nil
			continue
		}
		w := write{kind: writeCreate, path: fmt.Sprintf("/k/w%d-r%d-%d", id, round, n)}
		w.data = fmt.Appendf(nil, "w%d-r%d-%d created", id, round, n)
		res.inflight = &w
		if _, err := c.Create(w.path, w.data, 0, acl); err != nil {
			res.stopErr = err
			return res
		}
		version[w.path] = 0
		mine = append(mine, len(res.acked))
		res.acked = append(res.acked, w)
		res.inflight = nil
	}
	return res
}

// connectionError reports whether err is what a client sees when the
// server goes away under it.
func connectionError(err error) bool {
	return errors.Is(err, zk.ErrConnectionClosed) || errors.Is(err, zk.ErrClosing) ||
		errors.Is(err, zk.ErrNoServer) || errors.Is(err, zk.ErrSessionExpired)
}

// ackedNode is what the clients know about one znode: the data and
// version of its last acknowledged write, and the setData that was in
// flight on it when the server was killed, if any (which may show up, now
// or after a later restart, but nothing else may).
type ackedNode struct {
	data    []byte
	version int32
	pending *write
}

// ackModel accumulates every acknowledged write across rounds.
type ackModel struct {
	nodes   map[string]*ackedNode
	maybe   map[string][]byte // in-flight creates not yet seen on the server
	maxZxid int64             // highest zxid the server acknowledged or showed
	creates int
	sets    int
}

func newAckModel() *ackModel {
	return &ackModel{nodes: map[string]*ackedNode{}, maybe: map[string][]byte{}}
}

// add folds one writer's round into the model.
func (m *ackModel) add(r writerResult) {
	for _, w := range r.acked {
		switch w.kind {
		case writeCreate:
			m.nodes[w.path] = &ackedNode{data: w.data}
			m.creates++
		case writeSet:
			n := m.nodes[w.path]
			n.data, n.version, n.pending = w.data, w.version, nil
			m.sets++
			m.maxZxid = max(m.maxZxid, w.zxid)
		}
	}
	if w := r.inflight; w != nil {
		switch w.kind {
		case writeCreate:
			m.maybe[w.path] = w.data
		case writeSet:
			m.nodes[w.path].pending = w
		}
	}
}

// observed is one znode as a reader saw it after a restart.
type observed struct {
	exists  bool
	data    []byte
	version int32
	mzxid   int64
}

// check compares what the server holds (children of /k and each znode the
// model names) with the model. It returns one line per violation and the
// number of znodes it checked. A znode the server shows becomes part of
// the model: once seen after a restart, it must never go away.
func (m *ackModel) check(children []string, seen map[string]observed) (problems []string, checked int) {
	for _, c := range children {
		p := "/k/" + c
		if _, ok := m.nodes[p]; !ok {
			if _, ok := m.maybe[p]; !ok {
				problems = append(problems, fmt.Sprintf("%s exists but no client ever wrote it", p))
			}
		}
	}
	paths := make([]string, 0, len(m.nodes))
	for p := range m.nodes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		n, o := m.nodes[p], seen[p]
		checked++
		switch {
		case !o.exists:
			problems = append(problems, fmt.Sprintf("%s: acknowledged (version %d, %q) but missing", p, n.version, n.data))
		case o.version == n.version && bytes.Equal(o.data, n.data):
		case n.pending != nil && o.version == n.pending.version && bytes.Equal(o.data, n.pending.data):
			n.data, n.version, n.pending = n.pending.data, n.pending.version, nil
		case o.version < n.version:
			problems = append(problems, fmt.Sprintf("%s: version %d %q is older than the acknowledged version %d %q", p, o.version, o.data, n.version, n.data))
		default:
			problems = append(problems, fmt.Sprintf("%s: version %d %q, want acknowledged version %d %q", p, o.version, o.data, n.version, n.data))
		}
		if o.exists {
			m.maxZxid = max(m.maxZxid, o.mzxid)
		}
	}
	for p, data := range m.maybe {
		o := seen[p]
		if !o.exists {
			continue
		}
		checked++
		if o.version != 0 || !bytes.Equal(o.data, data) {
			problems = append(problems, fmt.Sprintf("%s: in-flight create shows version %d %q, want version 0 %q", p, o.version, o.data, data))
			continue
		}
		m.nodes[p] = &ackedNode{data: data}
		delete(m.maybe, p)
		m.maxZxid = max(m.maxZxid, o.mzxid)
	}
	return problems, checked
}

// paths lists every znode the model wants read back: acknowledged ones
// and in-flight creates.
func (m *ackModel) paths() []string {
	out := make([]string, 0, len(m.nodes)+len(m.maybe))
	for p := range m.nodes {
		out = append(out, p)
	}
	for p := range m.maybe {
		out = append(out, p)
	}
	return out
}
