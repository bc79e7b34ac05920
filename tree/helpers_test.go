package tree

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

// nodes returns every node by full path, found by walking the child links.
func nodes(tr *Tree) map[string]uint32 {
	out := map[string]uint32{}
	tr.walk(func(path []byte, i uint32) { out[string(path)] = i })
	return out
}

// dump renders the whole tree and every index as text: two trees are equal
// exactly when their dumps are.
func dump(tr *Tree) string {
	var b strings.Builder
	all := nodes(tr)
	paths := make([]string, 0, len(all))
	for p := range all {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		i := all[p]
		n, e := tr.r(i), tr.ext(i)
		data := "nil"
		if d := tr.data(i); d != nil {
			data = fmt.Sprintf("%x", d)
		}
		fmt.Fprintf(&b, "%s data=%s acl=%v czxid=%d mzxid=%d pzxid=%d ctime=%d mtime=%d owner=%d v=%d cv=%d av=%d children=%v\n",
			p, data, tr.acls.list(n.acl), n.czxid, e.mzxid, n.pzxid, n.ctime, e.mtime, e.owner,
			n.version, n.cversion, n.aversion, Node{tr, i}.Children())
	}
	for _, s := range tr.EphemeralSessions() {
		fmt.Fprintf(&b, "ephemerals %d %v\n", s, tr.Ephemerals(s))
	}
	fmt.Fprintf(&b, "ephemeralCount=%d containers=%v ttls=%v count=%d size=%d\n",
		tr.EphemeralCount(), tr.Containers(), tr.TTLNodes(), tr.NodeCount(), tr.ApproximateDataSize())
	fmt.Fprintf(&b, "quotas=%v\n", sortedKeys(tr.quotas))
	keys := make([]string, 0, len(tr.acls.byKey))
	for k := range tr.acls.byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		e := tr.acls.entries[tr.acls.byKey[k]]
		fmt.Fprintf(&b, "acl %v refs=%d\n", e.acl, e.refs)
	}
	fmt.Fprintf(&b, "inTxn=%v undo=%d\n", tr.inTxn, len(tr.undo))
	return b.String()
}

// childPath joins a parent path and a child name.
func childPath(parent, name string) string {
	if parent == rootPath {
		return "/" + name
	}
	return parent + "/" + name
}

// checkIndexes recomputes every index from the nodes and compares. It also
// checks, for each prefix in exact, that the quota stats equal a recount.
func checkIndexes(t *testing.T, tr *Tree, exact []string) {
	t.Helper()
	// The child links, the parent links, the child counts and the path
	// index describe the same tree.
	all := nodes(tr)
	for p, i := range all {
		if got := tr.lookup(p); got != i {
			t.Fatalf("node %s: path index finds %d, links %d", p, got, i)
		}
		r := tr.r(i)
		kids := uint32(0)
		prev := uint32(0)
		for c := r.first; c != 0; c = tr.r(c).next {
			if tr.r(c).parent != i || tr.r(c).prev != prev {
				t.Fatalf("child %d of %s: parent %d prev %d, want %d %d", c, p, tr.r(c).parent, tr.r(c).prev, i, prev)
			}
			prev = c
			kids++
		}
		if kids != r.nkids {
			t.Fatalf("node %s counts %d children, links %d", p, r.nkids, kids)
		}
	}
	if len(all) != tr.NodeCount() || tr.index.count != len(all)-1 { // the root has no key
		t.Fatalf("reached %d nodes by links, node count %d, path index %d", len(all), tr.NodeCount(), tr.index.count)
	}

	eph := map[int64][]string{}
	var containers, ttls []string
	size := int64(0)
	ephCount := 0
	refs := map[uint32]int{}
	limits := map[string]bool{}
	for p, i := range all {
		n, owner := tr.r(i), tr.ext(i).owner
		size += javaLength(p) + int64(len(tr.data(i)))
		switch {
		case owner == 0:
		case owner == proto.ContainerOwner:
			containers = append(containers, p)
		case uint64(owner)>>56 == 0xff:
			ttls = append(ttls, p)
		default:
			eph[owner] = append(eph[owner], p)
			ephCount++
		}
		refs[n.acl]++
		if id, ok := tr.acls.byKey[tr.acls.entries[n.acl].key]; !ok || id != n.acl {
			t.Errorf("node %s holds an ACL entry missing from the table", p)
		}
		if parent, name := splitPath(p); name == limitsName && strings.HasPrefix(parent, quotaPrefix) {
			limits[parent[len(quotaPath):]] = true
		}
	}
	slices.Sort(containers)
	slices.Sort(ttls)
	if got := tr.Containers(); !slices.Equal(got, containers) {
		t.Errorf("containers index %v, recomputed %v", got, containers)
	}
	if got := tr.TTLNodes(); !slices.Equal(got, ttls) {
		t.Errorf("ttl index %v, recomputed %v", got, ttls)
	}
	if tr.EphemeralCount() != ephCount {
		t.Errorf("ephemeral count %d, recomputed %d", tr.EphemeralCount(), ephCount)
	}
	if len(tr.ephemerals) != len(eph) {
		t.Errorf("ephemeral sessions %v, recomputed %d sessions", tr.EphemeralSessions(), len(eph))
	}
	for s, paths := range eph {
		slices.Sort(paths)
		if got := tr.Ephemerals(s); !slices.Equal(got, paths) {
			t.Errorf("ephemerals of %d: index %v, recomputed %v", s, got, paths)
		}
	}
	if tr.ApproximateDataSize() != size {
		t.Errorf("data size %d, recomputed %d", tr.ApproximateDataSize(), size)
	}
	if len(refs) != tr.acls.size() {
		t.Errorf("ACL table has %d entries, nodes use %d", tr.acls.size(), len(refs))
	}
	for id, n := range refs {
		if e := tr.acls.entries[id]; e.refs != n {
			t.Errorf("ACL %v refs %d, used by %d nodes", e.acl, e.refs, n)
		}
	}
	if len(limits) != len(tr.quotas) {
		t.Errorf("registered quotas %v, limits nodes %v", sortedKeys(tr.quotas), limits)
	}
	for p := range limits {
		if _, ok := tr.quotas[p]; !ok {
			t.Errorf("quota %s has a limits node but is not registered", p)
		}
	}
	for _, prefix := range exact {
		sn, ok := tr.Get(statsPath(prefix))
		if !ok {
			t.Errorf("quota %s has no stats node", prefix)
			continue
		}
		st := parseStatsTrack(sn.Data())
		count, bytes := recount(tr, prefix)
		if st.get(keyCount) != count || st.get(keyBytes) != bytes {
			t.Errorf("quota %s stats %q, recount count=%d bytes=%d", prefix, sn.Data(), count, bytes)
		}
	}
}

// recount sums nodes and data below prefix by path, independently of
// subtreeUsage.
func recount(tr *Tree, prefix string) (count, bytes int64) {
	for p, i := range nodes(tr) {
		if inQuotaDir(p) {
			continue
		}
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			count++
			bytes += int64(len(tr.data(i)))
		}
	}
	return count, bytes
}

// mustGet returns the node at path or fails the test.
func mustGet(t *testing.T, tr *Tree, path string) Node {
	t.Helper()
	n, ok := tr.Get(path)
	if !ok {
		t.Fatalf("node %s missing", path)
	}
	return n
}

// changeExt rewrites the ext values of the node at path with change, and
// nothing else (no index follows; for digest tests).
func changeExt(tr *Tree, path string, change func(*ext)) {
	i := tr.lookup(path)
	e := tr.ext(i)
	change(&e)
	tr.replaceData(i, bytes.Clone(tr.data(i)), e)
}
