package tree

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

// dump renders the whole tree and every index as text: two trees are equal
// exactly when their dumps are.
func dump(tr *Tree) string {
	var b strings.Builder
	paths := make([]string, 0, len(tr.nodes))
	for p := range tr.nodes {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		n := tr.nodes[p]
		data := "nil"
		if n.data != nil {
			data = fmt.Sprintf("%x", n.data)
		}
		fmt.Fprintf(&b, "%s data=%s acl=%v czxid=%d mzxid=%d pzxid=%d ctime=%d mtime=%d owner=%d v=%d cv=%d av=%d children=%v\n",
			p, data, n.acl.acl, n.czxid, n.mzxid, n.pzxid, n.ctime, n.mtime, n.owner,
			n.version, n.cversion, n.aversion, n.Children())
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
		e := tr.acls.byKey[k]
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
	// The child links and the path map describe the same tree.
	reached := 0
	stack := []string{rootPath}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := tr.nodes[p]
		if n == nil {
			t.Fatalf("node %s reachable by links but not in the path map", p)
		}
		reached++
		if n.children != nil && len(n.children) == 0 {
			t.Errorf("node %s keeps an empty children map", p)
		}
		for name, c := range n.children {
			cp := childPath(p, name)
			if tr.nodes[cp] != c {
				t.Fatalf("child %s of %s differs from the path map", name, p)
			}
			stack = append(stack, cp)
		}
	}
	if reached != len(tr.nodes) {
		t.Fatalf("reached %d nodes by links, path map has %d", reached, len(tr.nodes))
	}

	eph := map[int64][]string{}
	var containers, ttls []string
	size := int64(0)
	ephCount := 0
	refs := map[*aclEntry]int{}
	limits := map[string]bool{}
	for p, n := range tr.nodes {
		size += javaLength(p) + int64(len(n.data))
		switch {
		case n.owner == 0:
		case n.owner == proto.ContainerOwner:
			containers = append(containers, p)
		case uint64(n.owner)>>56 == 0xff:
			ttls = append(ttls, p)
		default:
			eph[n.owner] = append(eph[n.owner], p)
			ephCount++
		}
		refs[n.acl]++
		if tr.acls.byKey[n.acl.key] != n.acl {
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
	if tr.NodeCount() != len(tr.nodes) {
		t.Errorf("node count %d, map has %d", tr.NodeCount(), len(tr.nodes))
	}
	if len(refs) != tr.acls.size() {
		t.Errorf("ACL table has %d entries, nodes use %d", tr.acls.size(), len(refs))
	}
	for e, n := range refs {
		if e.refs != n {
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
		sn := tr.nodes[statsPath(prefix)]
		if sn == nil {
			t.Errorf("quota %s has no stats node", prefix)
			continue
		}
		st := parseStatsTrack(sn.data)
		count, bytes := recount(tr, prefix)
		if st.get(keyCount) != count || st.get(keyBytes) != bytes {
			t.Errorf("quota %s stats %q, recount count=%d bytes=%d", prefix, sn.data, count, bytes)
		}
	}
}

// recount sums nodes and data below prefix by path, independently of
// subtreeUsage.
func recount(tr *Tree, prefix string) (count, bytes int64) {
	for p, n := range tr.nodes {
		if inQuotaDir(p) {
			continue
		}
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			count++
			bytes += int64(len(n.data))
		}
	}
	return count, bytes
}

// mustGet returns the node at path or fails the test.
func mustGet(t *testing.T, tr *Tree, path string) *Node {
	t.Helper()
	n := tr.Get(path)
	if n == nil {
		t.Fatalf("node %s missing", path)
	}
	return n
}
