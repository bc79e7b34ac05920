package tree

import (
	"math"
	"slices"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

var (
	open   = proto.OpenACLUnsafe
	readOK = proto.ReadACLUnsafe
)

func TestNewTree(t *testing.T) {
	tr := New()
	tests := []struct {
		path     string
		acl      []proto.ACL
		cversion int32
		aversion int32
		children []string
	}{
		{"/", open, -1, 0, []string{"zookeeper"}},
		{"/zookeeper", open, -2, 0, []string{"config", "quota"}},
		{"/zookeeper/quota", open, 0, 0, []string{}},
		{"/zookeeper/config", readOK, 0, -1, []string{}},
	}
	for _, tc := range tests {
		n := mustGet(t, tr, tc.path)
		want := proto.Stat{Cversion: tc.cversion, Aversion: tc.aversion, NumChildren: int32(len(tc.children))}
		if got := n.Stat(); got != want {
			t.Errorf("%s stat = %+v, want %+v", tc.path, got, want)
		}
		if n.Data() == nil || len(n.Data()) != 0 {
			t.Errorf("%s data = %v, want empty non-nil", tc.path, n.Data())
		}
		if !slices.Equal(n.ACL(), tc.acl) {
			t.Errorf("%s acl = %v, want %v", tc.path, n.ACL(), tc.acl)
		}
		if n.StoredCversion() != 0 {
			t.Errorf("%s stored cversion = %d, want 0", tc.path, n.StoredCversion())
		}
		if got := n.Children(); !slices.Equal(got, tc.children) {
			t.Errorf("%s children = %v, want %v", tc.path, got, tc.children)
		}
	}
	if tr.NodeCount() != 4 {
		t.Errorf("NodeCount = %d, want 4", tr.NodeCount())
	}
	if tr.ApproximateDataSize() != 44 {
		t.Errorf("ApproximateDataSize = %d, want 44 (ZooKeeper's figure)", tr.ApproximateDataSize())
	}
	if _, ok := tr.Get("/missing"); ok {
		t.Error("Get of a missing path returned a node")
	}
	checkIndexes(t, tr, nil)
}

// step is one mutation in a scripted scenario.
type step struct {
	op    string // create, delete, set, acl
	path  string
	data  []byte
	owner int64
	zxid  int64
	time  int64
}

func apply(tr *Tree, s step) {
	switch s.op {
	case "create":
		tr.Create(s.path, s.data, open, s.owner, s.zxid, s.time)
	case "delete":
		tr.Delete(s.path, s.zxid)
	case "set":
		tr.SetData(s.path, s.data, s.zxid, s.time)
	case "acl":
		tr.SetACL(s.path, readOK)
	default:
		panic("unknown step " + s.op)
	}
}

func TestStatBookkeeping(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		path  string
		want  proto.Stat
		// stored cversion of path after the steps
		stored int32
	}{
		{
			name:  "new node",
			steps: []step{{op: "create", path: "/a", data: []byte("xyz"), zxid: 5, time: 100}},
			path:  "/a",
			want:  proto.Stat{Czxid: 5, Mzxid: 5, Pzxid: 5, Ctime: 100, Mtime: 100, DataLength: 3},
		},
		{
			name:   "root after one create",
			steps:  []step{{op: "create", path: "/a", zxid: 5, time: 100}},
			path:   "/",
			want:   proto.Stat{Cversion: 0, NumChildren: 2, Pzxid: 5},
			stored: 1,
		},
		{
			name: "parent after create: cversion+1, pzxid, no mzxid/mtime/version",
			steps: []step{
				{op: "create", path: "/p", zxid: 2, time: 10},
				{op: "create", path: "/p/c", zxid: 3, time: 20},
			},
			path:   "/p",
			want:   proto.Stat{Czxid: 2, Mzxid: 2, Pzxid: 3, Ctime: 10, Mtime: 10, Cversion: 1, NumChildren: 1},
			stored: 1,
		},
		{
			name: "parent after delete: pzxid moves, stored cversion kept, visible +1",
			steps: []step{
				{op: "create", path: "/p", zxid: 2, time: 10},
				{op: "create", path: "/p/c", zxid: 3, time: 20},
				{op: "delete", path: "/p/c", zxid: 4},
			},
			path:   "/p",
			want:   proto.Stat{Czxid: 2, Mzxid: 2, Pzxid: 4, Ctime: 10, Mtime: 10, Cversion: 2},
			stored: 1,
		},
		{
			name: "two creates, one delete",
			steps: []step{
				{op: "create", path: "/p", zxid: 2, time: 10},
				{op: "create", path: "/p/a", zxid: 3},
				{op: "create", path: "/p/b", zxid: 4},
				{op: "delete", path: "/p/a", zxid: 5},
			},
			path:   "/p",
			want:   proto.Stat{Czxid: 2, Mzxid: 2, Pzxid: 5, Ctime: 10, Mtime: 10, Cversion: 3, NumChildren: 1},
			stored: 2,
		},
		{
			name: "setData: version, mzxid, mtime; czxid, ctime, pzxid kept",
			steps: []step{
				{op: "create", path: "/a", data: []byte("x"), zxid: 2, time: 10},
				{op: "set", path: "/a", data: []byte("hello"), zxid: 7, time: 70},
				{op: "set", path: "/a", data: []byte("hi"), zxid: 8, time: 80},
			},
			path: "/a",
			want: proto.Stat{Czxid: 2, Mzxid: 8, Pzxid: 2, Ctime: 10, Mtime: 80, Version: 2, DataLength: 2},
		},
		{
			name: "setData to nil",
			steps: []step{
				{op: "create", path: "/a", data: []byte("x"), zxid: 2, time: 10},
				{op: "set", path: "/a", data: nil, zxid: 3, time: 30},
			},
			path: "/a",
			want: proto.Stat{Czxid: 2, Mzxid: 3, Pzxid: 2, Ctime: 10, Mtime: 30, Version: 1},
		},
		{
			name: "setACL: aversion only",
			steps: []step{
				{op: "create", path: "/a", zxid: 2, time: 10},
				{op: "acl", path: "/a"},
				{op: "acl", path: "/a"},
			},
			path: "/a",
			want: proto.Stat{Czxid: 2, Mzxid: 2, Pzxid: 2, Ctime: 10, Mtime: 10, Aversion: 2},
		},
		{
			name:  "config node aversion from -1",
			steps: []step{{op: "acl", path: "/zookeeper/config"}},
			path:  "/zookeeper/config",
			want:  proto.Stat{Aversion: 0},
		},
		{
			name:  "ephemeral owner shown",
			steps: []step{{op: "create", path: "/e", owner: 0x1234, zxid: 2, time: 1}},
			path:  "/e",
			want:  proto.Stat{Czxid: 2, Mzxid: 2, Pzxid: 2, Ctime: 1, Mtime: 1, EphemeralOwner: 0x1234},
		},
		{
			name:  "container owner hidden",
			steps: []step{{op: "create", path: "/c", owner: proto.ContainerOwner, zxid: 2, time: 1}},
			path:  "/c",
			want:  proto.Stat{Czxid: 2, Mzxid: 2, Pzxid: 2, Ctime: 1, Mtime: 1},
		},
		{
			name:  "ttl owner hidden",
			steps: []step{{op: "create", path: "/t", owner: proto.TTLOwnerMask | 5000, zxid: 2, time: 1}},
			path:  "/t",
			want:  proto.Stat{Czxid: 2, Mzxid: 2, Pzxid: 2, Ctime: 1, Mtime: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := New()
			for _, s := range tc.steps {
				apply(tr, s)
			}
			n := mustGet(t, tr, tc.path)
			if got := n.Stat(); got != tc.want {
				t.Errorf("stat = %+v\nwant   %+v", got, tc.want)
			}
			if n.StoredCversion() != tc.stored {
				t.Errorf("stored cversion = %d, want %d", n.StoredCversion(), tc.stored)
			}
			checkIndexes(t, tr, nil)
		})
	}
}

func TestAccessors(t *testing.T) {
	tr := New()
	tr.Create("/a", []byte("v"), open, 0x77, 3, 30)
	tr.SetData("/a", nil, 4, 40)
	tr.SetACL("/a", readOK)
	n := mustGet(t, tr, "/a")
	if n.Data() != nil {
		t.Errorf("Data = %v, want nil", n.Data())
	}
	if n.Version() != 1 || n.Aversion() != 1 || n.Mtime() != 40 || n.Mzxid() != 4 || n.Pzxid() != 3 || n.Owner() != 0x77 {
		t.Errorf("accessors: version %d aversion %d mtime %d mzxid %d pzxid %d owner %#x",
			n.Version(), n.Aversion(), n.Mtime(), n.Mzxid(), n.Pzxid(), n.Owner())
	}
	if !slices.Equal(n.ACL(), readOK) {
		t.Errorf("ACL = %v", n.ACL())
	}
}

func TestVersionWraps(t *testing.T) {
	tr := New()
	tr.Create("/a", nil, open, 0, 1, 1)
	n := mustGet(t, tr, "/a")
	n.rec().version = math.MaxInt32
	tr.SetData("/a", nil, 2, 2)
	if n.Version() != math.MinInt32 {
		t.Errorf("version after MaxInt32 = %d, want MinInt32", n.Version())
	}
}

func TestCversionWraps(t *testing.T) {
	tr := New()
	tr.Create("/p", nil, open, 0, 1, 1)
	p := mustGet(t, tr, "/p")
	p.rec().cversion = math.MaxInt32
	tr.Create("/p/c", nil, open, 0, 2, 2)
	if p.StoredCversion() != math.MinInt32 {
		t.Errorf("stored cversion = %d, want MinInt32", p.StoredCversion())
	}
	// 2*MinInt32 - 1 in int32 arithmetic.
	want := int32(math.MinInt32)
	want = want*2 - 1
	if got := p.Stat().Cversion; got != want {
		t.Errorf("visible cversion = %d, want %d", got, want)
	}
}

func TestOwnerIndexes(t *testing.T) {
	tr := New()
	tr.Create("/e1", nil, open, 7, 1, 1)
	tr.Create("/e2", nil, open, 7, 2, 1)
	tr.Create("/e3", nil, open, 3, 3, 1)
	tr.Create("/c", nil, open, proto.ContainerOwner, 4, 1)
	tr.Create("/t", nil, open, proto.TTLOwnerMask|proto.MaxTTL, 5, 1)
	tr.Create("/t2", nil, open, proto.TTLOwnerMask|1, 6, 1)
	tr.Create("/p", nil, open, 0, 7, 1)
	tr.Create("/c/x", nil, open, 7, 8, 1)
	checkIndexes(t, tr, nil)

	if got := tr.Ephemerals(7); !slices.Equal(got, []string{"/c/x", "/e1", "/e2"}) {
		t.Errorf("Ephemerals(7) = %v", got)
	}
	if got := tr.Ephemerals(99); len(got) != 0 {
		t.Errorf("Ephemerals(99) = %v", got)
	}
	if got := tr.EphemeralSessions(); !slices.Equal(got, []int64{3, 7}) {
		t.Errorf("EphemeralSessions = %v", got)
	}
	if tr.EphemeralCount() != 4 {
		t.Errorf("EphemeralCount = %d, want 4", tr.EphemeralCount())
	}
	if got := tr.Containers(); !slices.Equal(got, []string{"/c"}) {
		t.Errorf("Containers = %v", got)
	}
	if got := tr.TTLNodes(); !slices.Equal(got, []string{"/t", "/t2"}) {
		t.Errorf("TTLNodes = %v", got)
	}

	tr.Delete("/e3", 9)
	tr.Delete("/c/x", 10)
	tr.Delete("/c", 11)
	tr.Delete("/t", 12)
	checkIndexes(t, tr, nil)
	if got := tr.EphemeralSessions(); !slices.Equal(got, []int64{7}) {
		t.Errorf("EphemeralSessions after deletes = %v", got)
	}
	if tr.EphemeralCount() != 2 || len(tr.Containers()) != 0 || !slices.Equal(tr.TTLNodes(), []string{"/t2"}) {
		t.Errorf("after deletes: count %d containers %v ttls %v", tr.EphemeralCount(), tr.Containers(), tr.TTLNodes())
	}
}

func TestCountsAndSize(t *testing.T) {
	tr := New()
	tr.Create("/a", []byte("12345"), open, 0, 1, 1) // 2 + 5
	tr.Create("/a/b", nil, open, 0, 2, 1)           // 4
	tr.Create("/a/b/c", []byte{}, open, 0, 3, 1)    // 6
	tr.Create("/é", []byte("x"), open, 0, 4, 1)     // 2 UTF-16 units + 1
	if tr.NodeCount() != 8 {
		t.Errorf("NodeCount = %d, want 8", tr.NodeCount())
	}
	if want := int64(44 + 7 + 4 + 6 + 3); tr.ApproximateDataSize() != want {
		t.Errorf("ApproximateDataSize = %d, want %d", tr.ApproximateDataSize(), want)
	}
	tr.SetData("/a", []byte("1"), 5, 1)
	if want := int64(44 + 3 + 4 + 6 + 3); tr.ApproximateDataSize() != want {
		t.Errorf("ApproximateDataSize after setData = %d, want %d", tr.ApproximateDataSize(), want)
	}
	tests := []struct {
		path string
		want int
	}{
		{"/", 7},
		{"/zookeeper", 2},
		{"/a", 2},
		{"/a/b", 1},
		{"/a/b/c", 0},
		{"/missing", 0},
	}
	for _, tc := range tests {
		if got := tr.AllChildrenNumber(tc.path); got != tc.want {
			t.Errorf("AllChildrenNumber(%s) = %d, want %d", tc.path, got, tc.want)
		}
	}
	tr.Delete("/a/b/c", 6)
	if tr.NodeCount() != 7 || tr.AllChildrenNumber("/a") != 1 {
		t.Errorf("after delete: NodeCount %d, AllChildrenNumber(/a) %d", tr.NodeCount(), tr.AllChildrenNumber("/a"))
	}
	checkIndexes(t, tr, nil)
}

func TestChildrenSorted(t *testing.T) {
	tr := New()
	tr.Create("/p", nil, open, 0, 1, 1)
	for i, name := range []string{"b", "a", "c10", "c2"} {
		tr.Create("/p/"+name, nil, open, 0, int64(i+2), 1)
	}
	n := mustGet(t, tr, "/p")
	if got := n.Children(); !slices.Equal(got, []string{"a", "b", "c10", "c2"}) {
		t.Errorf("Children = %v", got)
	}
	if n.NumChildren() != 4 {
		t.Errorf("NumChildren = %d", n.NumChildren())
	}
	for _, name := range []string{"a", "b", "c10", "c2"} {
		tr.Delete("/p/"+name, 10)
	}
	if r := n.rec(); r.first != 0 || r.nkids != 0 {
		t.Error("childless node keeps child links")
	}
}

func TestACLInterning(t *testing.T) {
	tr := New()
	digest := []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "digest", ID: "u:h"}}}
	mine := append([]proto.ACL(nil), digest...)
	tr.Create("/a", nil, mine, 0, 1, 1)
	tr.Create("/b", nil, append([]proto.ACL(nil), digest...), 0, 2, 1)
	tr.Create("/c", nil, []proto.ACL{{Perms: proto.PermAll, ID: proto.WorldAnyone}}, 0, 3, 1)
	a, b, c := mustGet(t, tr, "/a"), mustGet(t, tr, "/b"), mustGet(t, tr, "/c")
	if &a.ACL()[0] != &b.ACL()[0] {
		t.Error("identical ACL lists are not shared")
	}
	if &c.ACL()[0] != &mustGet(t, tr, "/").ACL()[0] {
		t.Error("OPEN_ACL_UNSAFE copy is not shared with the root's")
	}
	mine[0].Perms = proto.PermRead // the caller's slice is not the stored one
	if a.ACL()[0].Perms != proto.PermAll {
		t.Error("tree keeps the caller's ACL slice")
	}
	// Order matters: a reordered list is a different list.
	two := []proto.ACL{digest[0], proto.OpenACLUnsafe[0]}
	tr.SetACL("/a", two)
	tr.SetACL("/b", []proto.ACL{two[1], two[0]})
	if &a.ACL()[0] == &b.ACL()[0] {
		t.Error("differently ordered lists are shared")
	}
	// 2 built-in lists + two + reversed two; the digest list is gone.
	if tr.acls.size() != 4 {
		t.Errorf("ACL table has %d lists, want 4", tr.acls.size())
	}
	tr.Delete("/a", 4)
	tr.Delete("/b", 5)
	if tr.acls.size() != 2 {
		t.Errorf("ACL table has %d lists after deletes, want 2", tr.acls.size())
	}
	checkIndexes(t, tr, nil)
}

func TestInvariantPanics(t *testing.T) {
	tests := []struct {
		name string
		fn   func(tr *Tree)
	}{
		{"create without parent", func(tr *Tree) { tr.Create("/x/y", nil, open, 0, 1, 1) }},
		{"create existing", func(tr *Tree) { tr.Create("/zookeeper", nil, open, 0, 1, 1) }},
		{"delete missing", func(tr *Tree) { tr.Delete("/x", 1) }},
		{"delete with children", func(tr *Tree) { tr.Delete("/zookeeper", 1) }},
		{"delete root", func(tr *Tree) { tr.Delete("/", 1) }},
		{"set data missing", func(tr *Tree) { tr.SetData("/x", nil, 1, 1) }},
		{"set acl missing", func(tr *Tree) { tr.SetACL("/x", open) }},
		{"nested begin", func(tr *Tree) { tr.Begin(); tr.Begin() }},
		{"commit without begin", func(tr *Tree) { tr.Commit() }},
		{"rollback without begin", func(tr *Tree) { tr.Rollback() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tc.fn(New())
		})
	}
}

// TestLookupForgetsRemovedNodes pins lookup's memory of recent paths: a
// deleted node's path is not found again, even when its slot is reused by
// another node, and a rollback that removes a node forgets it too.
func TestLookupForgetsRemovedNodes(t *testing.T) {
	tr := New()
	tr.Create("/a", []byte("a"), proto.OpenACLUnsafe, 0, 1, 1)
	tr.Create("/b", []byte("b"), proto.OpenACLUnsafe, 0, 2, 2)
	if n, ok := tr.Get("/a"); !ok || string(n.Data()) != "a" {
		t.Fatalf("/a = %q, %v", n.Data(), ok)
	}
	tr.Get("/b")
	tr.Delete("/a", 3)
	if _, ok := tr.Get("/a"); ok {
		t.Fatal("/a found after its delete")
	}
	tr.Create("/c", []byte("c"), proto.OpenACLUnsafe, 0, 4, 4) // may reuse /a's slot
	if _, ok := tr.Get("/a"); ok {
		t.Fatal("/a found after another node took its place")
	}
	if n, ok := tr.Get("/c"); !ok || string(n.Data()) != "c" {
		t.Fatalf("/c = %q, %v", n.Data(), ok)
	}
	tr.Create("/a", []byte("a2"), proto.OpenACLUnsafe, 0, 5, 5)
	if n, ok := tr.Get("/a"); !ok || string(n.Data()) != "a2" || n.Stat().Czxid != 5 {
		t.Fatalf("recreated /a = %q, %v", n.Data(), ok)
	}
	tr.Begin()
	tr.Create("/d", nil, proto.OpenACLUnsafe, 0, 6, 6)
	if _, ok := tr.Get("/d"); !ok {
		t.Fatal("/d missing inside its transaction")
	}
	tr.Rollback()
	if _, ok := tr.Get("/d"); ok {
		t.Fatal("/d found after the rollback of its create")
	}
	if n, ok := tr.Get("/b"); !ok || string(n.Data()) != "b" {
		t.Fatalf("/b = %q, %v", n.Data(), ok)
	}
}
