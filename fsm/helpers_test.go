package fsm

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/tree"
)

// mustNode returns the node at path or fails the test.
func mustNode(t testing.TB, tr *tree.Tree, path string) tree.Node {
	t.Helper()
	n, ok := tr.Get(path)
	if !ok {
		t.Fatalf("node %s missing", path)
	}
	return n
}

// has reports whether the node at path exists.
func has(tr *tree.Tree, path string) bool {
	_, ok := tr.Get(path)
	return ok
}

// Sessions used by the tests.
const (
	sid   int64 = 0x100
	other int64 = 0x200
	dead  int64 = 0x999 // never created
)

// Auth ids used by the tests.
var (
	bob      = proto.Id{Scheme: "digest", ID: DigestID("bob:pw")}
	alice    = proto.Id{Scheme: "digest", ID: DigestID("alice:pw")}
	superID  = proto.Id{Scheme: "super", ID: ""}
	localIP  = proto.Id{Scheme: "ip", ID: "127.0.0.1"}
	bobOnly  = []proto.ACL{{Perms: proto.PermAll, ID: bob}}
	readOnly = proto.ReadACLUnsafe
)

// harness drives an FSM through marshalled entries, as a replica would.
type harness struct {
	t    *testing.T
	f    *FSM
	idx  uint64
	time int64
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, f: New(cfg), time: 1000}
	h.openSession(sid)
	h.openSession(other)
	return h
}

// apply marshals e, unmarshals it and applies it at the next index.
func (h *harness) apply(e Entry) Result {
	h.t.Helper()
	b := e.Marshal(nil)
	got, err := UnmarshalEntry(b)
	if err != nil {
		h.t.Fatalf("unmarshal %s entry: %v", e.Type, err)
	}
	h.idx++
	return h.f.Apply(h.idx, &got)
}

func (h *harness) openSession(id int64) {
	h.t.Helper()
	r := h.apply(Entry{Type: EntryCreateSession, Session: id, Time: h.time, Timeout: 30000, Password: make([]byte, 16)})
	if r.Err != proto.OK {
		h.t.Fatalf("create session %#x: %v", id, r.Err)
	}
}

// do applies a request from session s with auth ids auth.
func (h *harness) do(s int64, auth []proto.Id, op proto.OpCode, rec proto.Record) Result {
	h.t.Helper()
	var w jute.Writer
	if rec != nil {
		rec.Encode(&w)
	}
	return h.apply(Entry{Type: EntryRequest, Session: s, Xid: 1, Op: op, Time: h.time, Auth: auth, Body: w.Bytes()})
}

// mustDo is do for setup steps that must succeed.
func (h *harness) mustDo(s int64, auth []proto.Id, op proto.OpCode, rec proto.Record) Result {
	h.t.Helper()
	r := h.do(s, auth, op, rec)
	if r.Err != proto.OK {
		h.t.Fatalf("setup %s: %v", op, r.Err)
	}
	if m, ok := r.Resp.(*proto.MultiResponse); ok {
		for _, res := range m.Results {
			if res.Type == proto.OpError {
				h.t.Fatalf("setup multi: %v", m.Results)
			}
		}
	}
	return r
}

// create makes a node with open ACL from session sid.
func (h *harness) create(path string, data []byte, flags proto.CreateMode) string {
	h.t.Helper()
	r := h.mustDo(sid, nil, proto.OpCreate, &proto.CreateRequest{Path: path, Data: data, ACL: proto.OpenACLUnsafe, Flags: flags})
	return r.Resp.(*proto.CreateResponse).Path
}

// createACL makes a persistent node with the given ACL, as super.
func (h *harness) createACL(path string, acl []proto.ACL) {
	h.t.Helper()
	h.mustDo(sid, []proto.Id{superID}, proto.OpCreate, &proto.CreateRequest{Path: path, ACL: acl})
}

// setQuota installs a quota on prefix with the given limits text.
func (h *harness) setQuota(prefix, limits string) {
	h.t.Helper()
	dir := "/zookeeper/quota"
	for _, part := range strings.Split(strings.TrimPrefix(prefix, "/"), "/") {
		dir += "/" + part
		h.create(dir, nil, proto.ModePersistent)
	}
	h.create(dir+"/zookeeper_limits", []byte(limits), proto.ModePersistent)
	h.create(dir+"/zookeeper_stats", []byte("count=0,bytes=0"), proto.ModePersistent)
}

// read calls Read with no auth from session sid.
func (h *harness) read(op proto.OpCode, rec proto.Record) (proto.Record, proto.Code) {
	return h.f.Read(sid, nil, op, rec)
}

// dump renders every node of the tree (path, data, stat, ACL, owner) in
// path order, for before/after comparisons.
func dump(f *FSM) string {
	var b strings.Builder
	var walk func(path string, depth int)
	walk = func(path string, depth int) {
		if depth > 64 {
			return
		}
		n, _ := f.Tree().Get(path) // reached through Children: it exists
		fmt.Fprintf(&b, "%s data=%q stat=%+v acl=%v owner=%#x cv=%d\n", path, n.Data(), n.Stat(), n.ACL(), n.Owner(), n.StoredCversion())
		for _, c := range n.Children() {
			if path == "/" {
				walk("/"+c, depth+1)
			} else {
				walk(path+"/"+c, depth+1)
			}
		}
	}
	walk("/", 0)
	fmt.Fprintf(&b, "sessions=%v\n", f.Sessions().IDs())
	return b.String()
}

// changesString renders changes compactly: "NodeCreated /a [acl]".
func changesString(ch []Change) string {
	parts := make([]string, len(ch))
	for i, c := range ch {
		parts[i] = fmt.Sprintf("%s %s %v", c.Type, c.Path, c.ACL)
	}
	return strings.Join(parts, "; ")
}

// encode returns the Jute encoding of rec.
func encode(rec proto.Record) []byte {
	var w jute.Writer
	rec.Encode(&w)
	return w.Bytes()
}

// decode reads rec from b, failing the test on a decode error.
func decode(t *testing.T, b []byte, rec proto.Record) {
	t.Helper()
	r := jute.NewReader(b)
	rec.Decode(r)
	if r.Err() != nil {
		t.Fatalf("decode %T: %v", rec, r.Err())
	}
}
