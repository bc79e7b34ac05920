package fsm

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

// This file checks Apply against a small, independent reference model of
// ZooKeeper's tree semantics: random operation sequences (fixed seeds,
// bounded length) must produce the same error codes, names, data, versions,
// children and stats in both.

// mnode is one znode of the reference model.
type mnode struct {
	data         []byte
	version      int32
	cversion     int32 // stored: children ever created
	children     map[string]bool
	owner        int64 // session id of an ephemeral, else 0
	czxid, mzxid int64
	pzxid        int64
	ctime, mtime int64
}

type model struct {
	nodes    map[string]*mnode
	sessions map[int64]bool
}

func newModel() *model {
	m := &model{nodes: map[string]*mnode{}, sessions: map[int64]bool{}}
	for _, p := range []string{"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"} {
		m.nodes[p] = &mnode{data: []byte{}, children: map[string]bool{}}
	}
	m.nodes["/"].children["zookeeper"] = true
	m.nodes["/zookeeper"].children["quota"] = true
	m.nodes["/zookeeper"].children["config"] = true
	return m
}

func (m *model) clone() *model {
	c := &model{nodes: make(map[string]*mnode, len(m.nodes)), sessions: m.sessions}
	for p, n := range m.nodes {
		cp := *n
		cp.children = make(map[string]bool, len(n.children))
		for k := range n.children {
			cp.children[k] = true
		}
		c.nodes[p] = &cp
	}
	return c
}

// mSplit returns the parent and name of p the way ZooKeeper's request
// processor does (text before the last '/', "/" when that is empty).
func mSplit(p string) (parent, name string, ok bool) {
	i := strings.LastIndex(p, "/")
	if i < 0 {
		return "", "", false
	}
	if i == 0 {
		return "/", p[1:], true
	}
	return p[:i], p[i+1:], true
}

// mValid is the subset of the path rules the generator can violate.
func mValid(p string) bool {
	if p == "/" {
		return true
	}
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return false
	}
	for _, c := range strings.Split(p[1:], "/") {
		if c == "" || c == "." || c == ".." {
			return false
		}
	}
	return true
}

func mSpecial(p string) bool {
	return p == "/" || p == "/zookeeper" || p == "/zookeeper/quota" || p == "/zookeeper/config"
}

func (m *model) create(s int64, path string, data []byte, flags proto.CreateMode, zxid, now int64) (string, proto.Code) {
	if !m.sessions[s] {
		return "", proto.ErrSessionExpired
	}
	parent, _, ok := mSplit(path)
	if !ok {
		return "", proto.ErrBadArguments
	}
	pn := m.nodes[parent]
	if pn == nil {
		return "", proto.ErrNoNode
	}
	if flags == proto.ModePersistentSequential || flags == proto.ModeEphemeralSequential {
		path += fmt.Sprintf("%010d", pn.cversion)
	}
	if !mValid(path) {
		return "", proto.ErrBadArguments
	}
	if m.nodes[path] != nil {
		return "", proto.ErrNodeExists
	}
	if pn.owner != 0 {
		return "", proto.ErrNoChildrenForEphemerals
	}
	n := &mnode{data: bytes.Clone(data), children: map[string]bool{}, czxid: zxid, mzxid: zxid, pzxid: zxid, ctime: now, mtime: now}
	if flags == proto.ModeEphemeral || flags == proto.ModeEphemeralSequential {
		n.owner = s
	}
	m.nodes[path] = n
	_, name, _ := mSplit(path)
	pn.children[name] = true
	pn.cversion++
	pn.pzxid = zxid
	return path, proto.OK
}

func (m *model) remove(path string, zxid int64) {
	parent, name, _ := mSplit(path)
	delete(m.nodes, path)
	delete(m.nodes[parent].children, name)
	m.nodes[parent].pzxid = zxid
}

func (m *model) delete(s int64, path string, version int32, zxid int64) proto.Code {
	if !m.sessions[s] {
		return proto.ErrSessionExpired
	}
	parent, _, ok := mSplit(path)
	if !ok || mSpecial(path) {
		return proto.ErrBadArguments
	}
	if m.nodes[parent] == nil {
		return proto.ErrNoNode
	}
	n := m.nodes[path]
	if n == nil {
		return proto.ErrNoNode
	}
	if version != -1 && version != n.version {
		return proto.ErrBadVersion
	}
	if len(n.children) > 0 {
		return proto.ErrNotEmpty
	}
	m.remove(path, zxid)
	return proto.OK
}

func (m *model) setData(s int64, path string, data []byte, version int32, zxid, now int64) (int32, proto.Code) {
	if !m.sessions[s] {
		return 0, proto.ErrSessionExpired
	}
	if !mValid(path) {
		return 0, proto.ErrBadArguments
	}
	n := m.nodes[path]
	if n == nil {
		return 0, proto.ErrNoNode
	}
	if version != -1 && version != n.version {
		return 0, proto.ErrBadVersion
	}
	n.data = bytes.Clone(data)
	n.version++
	n.mzxid = zxid
	n.mtime = now
	return n.version, proto.OK
}

func (m *model) check(s int64, path string, version int32) proto.Code {
	if !m.sessions[s] {
		return proto.ErrSessionExpired
	}
	if !mValid(path) {
		return proto.ErrBadArguments
	}
	n := m.nodes[path]
	if n == nil {
		return proto.ErrNoNode
	}
	if version != -1 && version != n.version {
		return proto.ErrBadVersion
	}
	return proto.OK
}

// multi applies ops to a copy and keeps it only when all succeed. It
// returns the results rendered like resultsString.
func (m *model) multi(s int64, ops []proto.MultiOp, zxid, now int64) string {
	c := m.clone()
	res := make([]string, len(ops))
	failed := -1
	var failCode proto.Code
	for i, op := range ops {
		code := proto.OK
		switch r := op.Req.(type) {
		case *proto.CreateRequest:
			var path string
			path, code = c.create(s, r.Path, r.Data, r.Flags, zxid, now)
			res[i] = "1/0:" + path
		case *proto.DeleteRequest:
			code = c.delete(s, r.Path, r.Version, zxid)
			res[i] = "2/0"
		case *proto.SetDataRequest:
			var v int32
			v, code = c.setData(s, r.Path, r.Data, r.Version, zxid, now)
			res[i] = fmt.Sprintf("5/0:v%d", v)
		case *proto.CheckVersionRequest:
			code = c.check(s, r.Path, r.Version)
			res[i] = "13/0"
		}
		if code != proto.OK {
			failed, failCode = i, code
			break
		}
	}
	if failed < 0 {
		m.nodes = c.nodes
		return strings.Join(res, " ")
	}
	for i := range res {
		switch {
		case i < failed:
			res[i] = "-1/0"
		case i == failed:
			res[i] = fmt.Sprintf("-1/%d", failCode)
		default:
			res[i] = "-1/-2"
		}
	}
	return strings.Join(res, " ")
}

func (m *model) closeSession(s int64, zxid int64) {
	for p, n := range m.nodes {
		if n.owner == s {
			m.remove(p, zxid)
		}
	}
	delete(m.sessions, s)
}

// gen produces random requests over a small path space.
type gen struct {
	r    *rand.Rand
	live []int64
	next int64
}

func (g *gen) path() string {
	switch g.r.IntN(40) {
	case 0:
		return "noslash"
	case 1:
		return "/"
	case 2:
		return "/zookeeper"
	case 3:
		return "/a/"
	case 4:
		return "//a"
	}
	comps := []string{"a", "b", "c"}
	var b strings.Builder
	for range 1 + g.r.IntN(3) {
		b.WriteString("/")
		b.WriteString(comps[g.r.IntN(len(comps))])
	}
	return b.String()
}

func (g *gen) data() []byte {
	switch g.r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []byte{}
	case 2:
		return []byte("x")
	}
	return []byte(fmt.Sprintf("d%d", g.r.IntN(100)))
}

func (g *gen) session() int64 {
	if len(g.live) == 0 || g.r.IntN(25) == 0 {
		return dead
	}
	return g.live[g.r.IntN(len(g.live))]
}

// version picks -1, the node's current version, or a wrong one.
func (g *gen) version(m *model, path string) int32 {
	switch g.r.IntN(3) {
	case 0:
		return -1
	case 1:
		if n := m.nodes[path]; n != nil {
			return n.version
		}
	}
	return int32(g.r.IntN(3))
}

func (g *gen) flags() proto.CreateMode {
	return proto.CreateMode(g.r.IntN(4)) // persistent, ephemeral, and their sequential forms
}

func (g *gen) subOp(m *model) proto.MultiOp {
	p := g.path()
	switch g.r.IntN(4) {
	case 0:
		return proto.MultiOp{Type: proto.OpCreate, Req: &proto.CreateRequest{Path: p, Data: g.data(), ACL: proto.OpenACLUnsafe, Flags: g.flags()}}
	case 1:
		return proto.MultiOp{Type: proto.OpDelete, Req: &proto.DeleteRequest{Path: p, Version: g.version(m, p)}}
	case 2:
		return proto.MultiOp{Type: proto.OpSetData, Req: &proto.SetDataRequest{Path: p, Data: g.data(), Version: g.version(m, p)}}
	}
	return proto.MultiOp{Type: proto.OpCheck, Req: &proto.CheckVersionRequest{Path: p, Version: g.version(m, p)}}
}

func TestRandomOperationsAgreeWithModel(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runModel(t, seed, 1500) })
	}
}

func runModel(t *testing.T, seed uint64, steps int) {
	h := &harness{t: t, f: New(Config{}), time: 1000}
	m := newModel()
	g := &gen{r: rand.New(rand.NewPCG(seed, 7)), next: 0x1000}
	openSession := func() {
		g.next++
		h.openSession(g.next)
		m.sessions[g.next] = true
		g.live = append(g.live, g.next)
	}
	openSession()
	openSession()
	seen := map[string]int{} // outcome tallies, to show the generator reaches every path
	defer func() {
		for _, k := range []string{"create/0", "create/-110", "create/-101", "create/-108", "create/-112", "create/-8",
			"delete/0", "delete/-103", "delete/-111", "delete/-101", "delete/-8",
			"setData/0", "setData/-103", "multi/ok", "multi/failed", "close/ephemerals"} {
			if seen[k] == 0 && !t.Failed() {
				t.Errorf("seed %d never produced %s (tallies %v)", seed, k, seen)
			}
		}
	}()
	for step := range steps {
		h.time += int64(g.r.IntN(3))
		zxid := int64(h.idx) + 1
		desc := ""
		switch k := g.r.IntN(100); {
		case k < 35:
			s, p, data, flags := g.session(), g.path(), g.data(), g.flags()
			op := proto.OpCreate
			if g.r.IntN(2) == 0 {
				op = proto.OpCreate2
			}
			desc = fmt.Sprintf("%s %q %v from %#x", op, p, flags, s)
			wantPath, wantCode := m.create(s, p, data, flags, zxid, h.time)
			r := h.do(s, nil, op, &proto.CreateRequest{Path: p, Data: data, ACL: proto.OpenACLUnsafe, Flags: flags})
			got := ""
			switch resp := r.Resp.(type) {
			case *proto.CreateResponse:
				got = resp.Path
			case *proto.Create2Response:
				got = resp.Path
			}
			if r.Err != wantCode || got != wantPath {
				t.Fatalf("step %d %s: got %v %q, want %v %q", step, desc, r.Err, got, wantCode, wantPath)
			}
			seen[fmt.Sprintf("create/%d", r.Err)]++
		case k < 55:
			s, p := g.session(), g.path()
			v := g.version(m, p)
			desc = fmt.Sprintf("delete %q v%d from %#x", p, v, s)
			want := m.delete(s, p, v, zxid)
			if r := h.do(s, nil, proto.OpDelete, &proto.DeleteRequest{Path: p, Version: v}); r.Err != want {
				t.Fatalf("step %d %s: got %v, want %v", step, desc, r.Err, want)
			}
			seen[fmt.Sprintf("delete/%d", want)]++
		case k < 70:
			s, p, data := g.session(), g.path(), g.data()
			v := g.version(m, p)
			desc = fmt.Sprintf("setData %q v%d from %#x", p, v, s)
			wantV, want := m.setData(s, p, data, v, zxid, h.time)
			r := h.do(s, nil, proto.OpSetData, &proto.SetDataRequest{Path: p, Data: data, Version: v})
			if r.Err != want || (want == proto.OK && r.Resp.(*proto.SetDataResponse).Stat.Version != wantV) {
				t.Fatalf("step %d %s: got %v %v, want %v v%d", step, desc, r.Err, r.Resp, want, wantV)
			}
			seen[fmt.Sprintf("setData/%d", want)]++
		case k < 85:
			s := g.session()
			ops := make([]proto.MultiOp, 1+g.r.IntN(4))
			for i := range ops {
				ops[i] = g.subOp(m)
			}
			desc = fmt.Sprintf("multi of %d from %#x", len(ops), s)
			want := m.multi(s, ops, zxid, h.time)
			r := h.do(s, nil, proto.OpMulti, &proto.MultiRequest{Ops: ops})
			if r.Err != proto.OK {
				t.Fatalf("step %d %s: err %v", step, desc, r.Err)
			}
			if got := resultsString(r.Resp.(*proto.MultiResponse)); got != want {
				t.Fatalf("step %d %s:\n got %s\nwant %s", step, desc, got, want)
			}
			if strings.HasPrefix(want, "-1/") {
				seen["multi/failed"]++
			} else {
				seen["multi/ok"]++
			}
		case k < 97:
			p := g.path()
			desc = "read " + p
			checkRead(t, h.f, m, p)
		default:
			if len(g.live) == 0 {
				openSession()
				continue
			}
			i := g.r.IntN(len(g.live))
			s := g.live[i]
			g.live = append(g.live[:i], g.live[i+1:]...)
			desc = fmt.Sprintf("close %#x", s)
			m.closeSession(s, zxid)
			r := h.apply(Entry{Type: EntryCloseSession, Session: s, Time: h.time})
			if r.Err != proto.OK {
				t.Fatalf("step %d %s: %v", step, desc, r.Err)
			}
			if len(r.Changes) > 0 {
				seen["close/ephemerals"]++
			}
			openSession()
		}
		compareModel(t, h.f, m, step, desc)
	}
}

func checkRead(t *testing.T, f *FSM, m *model, p string) {
	t.Helper()
	n := m.nodes[p]
	resp, code := f.Read(sid, nil, proto.OpGetData, &proto.GetDataRequest{Path: p})
	if n == nil {
		if code != proto.ErrNoNode {
			t.Fatalf("getData %q: %v, want NoNode", p, code)
		}
		if _, code := f.Read(sid, nil, proto.OpExists, &proto.ExistsRequest{Path: p}); code != proto.ErrNoNode {
			t.Fatalf("exists %q: %v, want NoNode", p, code)
		}
		return
	}
	gd := resp.(*proto.GetDataResponse)
	if (gd.Data == nil) != (n.data == nil) || !bytes.Equal(gd.Data, n.data) || gd.Stat.Version != n.version {
		t.Fatalf("getData %q: %q v%d, want %q v%d", p, gd.Data, gd.Stat.Version, n.data, n.version)
	}
	resp, code = f.Read(sid, nil, proto.OpGetChildren, &proto.GetChildrenRequest{Path: p})
	if code != proto.OK || !slices.Equal(resp.(*proto.GetChildrenResponse).Children, sortedKeys(n.children)) {
		t.Fatalf("getChildren %q: %v %v, want %v", p, code, resp, sortedKeys(n.children))
	}
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func compareModel(t *testing.T, f *FSM, m *model, step int, desc string) {
	t.Helper()
	tr := f.Tree()
	if tr.NodeCount() != len(m.nodes) {
		t.Fatalf("step %d (%s): tree has %d nodes, model %d\n%s", step, desc, tr.NodeCount(), len(m.nodes), dump(f))
	}
	for p, mn := range m.nodes {
		n, ok := tr.Get(p)
		if !ok {
			t.Fatalf("step %d (%s): %s missing from tree", step, desc, p)
		}
		st := n.Stat()
		nc := int32(len(mn.children))
		want := proto.Stat{
			Czxid: mn.czxid, Mzxid: mn.mzxid, Ctime: mn.ctime, Mtime: mn.mtime,
			Version: mn.version, Cversion: 2*mn.cversion - nc, EphemeralOwner: mn.owner,
			DataLength: int32(len(mn.data)), NumChildren: nc, Pzxid: mn.pzxid,
		}
		if p == "/zookeeper/config" {
			want.Aversion = -1
		}
		if st != want || n.StoredCversion() != mn.cversion {
			t.Fatalf("step %d (%s): %s stat %+v (stored cv %d), want %+v (stored cv %d)", step, desc, p, st, n.StoredCversion(), want, mn.cversion)
		}
		if (n.Data() == nil) != (mn.data == nil) || !bytes.Equal(n.Data(), mn.data) {
			t.Fatalf("step %d (%s): %s data %q, want %q", step, desc, p, n.Data(), mn.data)
		}
		if got := n.Children(); !slices.Equal(got, sortedKeys(mn.children)) {
			t.Fatalf("step %d (%s): %s children %v, want %v", step, desc, p, got, sortedKeys(mn.children))
		}
	}
	var ids []int64
	for s := range m.sessions {
		ids = append(ids, s)
	}
	slices.Sort(ids)
	if got := f.Sessions().IDs(); !slices.Equal(got, ids) {
		t.Fatalf("step %d (%s): sessions %v, want %v", step, desc, got, ids)
	}
	for _, s := range ids {
		var want []string
		for p, n := range m.nodes {
			if n.owner == s {
				want = append(want, p)
			}
		}
		slices.Sort(want)
		if got := tr.Ephemerals(s); !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) {
			t.Fatalf("step %d (%s): ephemerals of %#x %v, want %v", step, desc, s, got, want)
		}
	}
}
