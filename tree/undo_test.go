package tree

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

func TestRollbackRestoresEverything(t *testing.T) {
	tr := New()
	tr.Create("/q", []byte("1"), open, 0, 1, 1)
	setQuota(tr, "/q", "count=100", 2)
	tr.Create("/q/old", []byte("old"), []proto.ACL{{Perms: 3, ID: proto.Id{Scheme: "digest", ID: "u:x"}}}, 9, 3, 3)
	tr.Create("/c", nil, open, proto.ContainerOwner, 4, 4)
	before := dump(tr)

	tr.Begin()
	tr.Create("/q/a", []byte("abc"), readOK, 0, 10, 10)
	tr.Create("/q/a/b", nil, open, 7, 10, 10)
	tr.SetData("/q/a", []byte("abcdef"), 10, 10)
	tr.SetACL("/q/a", open)
	tr.Delete("/q/a/b", 10)
	tr.Delete("/q/old", 10) // the last user of its ACL list
	tr.SetData("/q", nil, 10, 10)
	tr.Create("/c/child", nil, open, 0, 10, 10)
	tr.Delete("/c/child", 10)
	tr.Create("/t", []byte("t"), open, proto.TTLOwnerMask|100, 10, 10)
	setQuota(tr, "/c", "count=1", 10)
	tr.Delete(limitsPath("/q"), 10)
	tr.Create("/q/z", nil, open, 0, 10, 10) // not counted: unregistered
	tr.SetACL("/zookeeper/config", open)
	checkIndexes(t, tr, nil)
	tr.Rollback()

	if after := dump(tr); after != before {
		t.Errorf("rollback did not restore the tree\nbefore:\n%s\nafter:\n%s", before, after)
	}
	checkIndexes(t, tr, []string{"/q"})

	tr.Begin()
	tr.Create("/kept", []byte("k"), open, 0, 11, 11)
	tr.Commit()
	if _, ok := tr.Get("/kept"); !ok || len(tr.undo) != 0 || tr.inTxn {
		t.Error("commit lost the change or kept the log")
	}
	tr.Begin()
	tr.Rollback()
	if _, ok := tr.Get("/kept"); !ok {
		t.Error("empty rollback undid a committed change")
	}
	tr.Create("/outside", nil, open, 0, 12, 12)
	if len(tr.undo) != 0 {
		t.Error("changes outside a transaction were logged")
	}
}

// randomOps drives a tree through random valid mutations with random
// Begin/Commit/Rollback, checking the indexes after every step and the
// whole tree after every rollback.
type randomOps struct {
	t       *testing.T
	rng     *rand.Rand
	tr      *Tree
	zxid    int64
	atBegin string
}

// Quotas set up before the random run whose stats must always equal a
// recount; their quota nodes are never touched by random ops.
var fixedQuotas = []string{"/q1", "/q2/x"}

// dynDir is where random ops create and delete limits/stats nodes.
const dynDir = quotaPath + "/zz"

var aclChoices = [][]proto.ACL{
	proto.OpenACLUnsafe,
	proto.ReadACLUnsafe,
	{{Perms: proto.PermAll, ID: proto.Id{Scheme: "digest", ID: "u:h"}}, {Perms: 1, ID: proto.WorldAnyone}},
}

func (r *randomOps) paths(keep func(string, Node) bool) []string {
	var out []string
	for p, i := range nodes(r.tr) {
		if keep(p, Node{r.tr, i}) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func (r *randomOps) pick(list []string) (string, bool) {
	if len(list) == 0 {
		return "", false
	}
	return list[r.rng.IntN(len(list))], true
}

// fixedQuotaNode reports whether p is a quota node the random run must not
// touch (only dynDir's subtree is free inside /zookeeper/quota).
func fixedQuotaNode(p string) bool {
	return inQuotaDir(p) && p != dynDir && !strings.HasPrefix(p, dynDir+"/")
}

func (r *randomOps) data() []byte {
	if r.rng.IntN(5) == 0 {
		return nil
	}
	b := make([]byte, r.rng.IntN(9))
	for i := range b {
		b[i] = byte('a' + r.rng.IntN(26))
	}
	return b
}

func (r *randomOps) owner() int64 {
	switch r.rng.IntN(10) {
	case 0, 1, 2:
		return int64(1 + r.rng.IntN(3))
	case 3:
		return proto.ContainerOwner
	case 4:
		return proto.TTLOwnerMask | int64(1+r.rng.IntN(1000))
	}
	return 0
}

func (r *randomOps) acl() []proto.ACL {
	// A fresh copy each time, so interning is exercised.
	return append([]proto.ACL(nil), aclChoices[r.rng.IntN(len(aclChoices))]...)
}

func (r *randomOps) create() {
	parents := r.paths(func(p string, n Node) bool {
		if kindOf(n.Owner()) == ownerSession || strings.Count(p, "/") > 4 {
			return false
		}
		return !fixedQuotaNode(p) || p == quotaPath
	})
	parent, ok := r.pick(parents)
	if !ok {
		return
	}
	names := []string{"a", "b", "c", "x"}
	switch {
	case parent == rootPath:
		names = []string{"a", "b", "q1"}
	case parent == quotaPath:
		names = []string{"zz"}
	case strings.HasPrefix(parent, dynDir):
		names = []string{limitsName, statsName, "a"}
	}
	path := childPath(parent, names[r.rng.IntN(len(names))])
	if _, ok := r.tr.Get(path); ok {
		return
	}
	owner := r.owner()
	if inQuotaDir(path) {
		owner = 0
	}
	r.tr.Create(path, r.data(), r.acl(), owner, r.zxid, r.zxid*10)
}

func (r *randomOps) delete() {
	leaves := r.paths(func(p string, n Node) bool {
		return n.NumChildren() == 0 && !IsSpecialPath(p) && !fixedQuotaNode(p)
	})
	if p, ok := r.pick(leaves); ok {
		r.tr.Delete(p, r.zxid)
	}
}

func (r *randomOps) setData() {
	nodes := r.paths(func(p string, _ Node) bool { return !fixedQuotaNode(p) })
	if p, ok := r.pick(nodes); ok {
		r.tr.SetData(p, r.data(), r.zxid, r.zxid*10)
	}
}

func (r *randomOps) setACL() {
	nodes := r.paths(func(string, Node) bool { return true })
	if p, ok := r.pick(nodes); ok {
		r.tr.SetACL(p, r.acl())
	}
}

func (r *randomOps) txn() {
	if !r.tr.inTxn {
		r.atBegin = dump(r.tr)
		r.tr.Begin()
		return
	}
	if r.rng.IntN(2) == 0 {
		r.tr.Commit()
		return
	}
	r.tr.Rollback()
	if got := dump(r.tr); got != r.atBegin {
		r.t.Fatalf("zxid %d: rollback did not restore the tree\nat begin:\n%s\nafter rollback:\n%s", r.zxid, r.atBegin, got)
	}
}

func (r *randomOps) step() {
	r.zxid++
	switch k := r.rng.IntN(100); {
	case k < 6:
		r.txn()
	case k < 50:
		r.create()
	case k < 72:
		r.delete()
	case k < 90:
		r.setData()
	default:
		r.setACL()
	}
}

func TestRandomOpsWithRollback(t *testing.T) {
	const seeds, steps = 12, 1500
	for seed := uint64(1); seed <= seeds; seed++ {
		tr := New()
		tr.Create("/q1", []byte("q"), open, 0, 1, 1)
		tr.Create("/q2", nil, open, 0, 1, 1)
		tr.Create("/q2/x", []byte("xx"), open, 0, 1, 1)
		setQuota(tr, "/q1", "count=50,bytes=-1=;byteHardLimit=200", 1)
		setQuota(tr, "/q2/x", "count=-1,bytes=100", 1)
		r := &randomOps{t: t, rng: rand.New(rand.NewPCG(seed, 7)), tr: tr, zxid: 1}
		for range steps {
			r.step()
			checkIndexes(t, tr, fixedQuotas)
			if t.Failed() {
				t.Fatalf("seed %d, zxid %d: index check failed", seed, r.zxid)
			}
		}
		if tr.inTxn {
			tr.Rollback()
			if got := dump(tr); got != r.atBegin {
				t.Fatalf("seed %d: final rollback did not restore the tree", seed)
			}
		}
	}
}
