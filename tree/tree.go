package tree

import (
	"slices"

	"github.com/zkd-io/zkd/proto"
)

// Tree is the ZooKeeper data tree with its indexes. It is not safe for
// concurrent use; one owner (the state machine) calls every method.
type Tree struct {
	slab  slab      // node records (store.go)
	blobs blobStore // names and data (blob.go)
	index pathIndex // (parent, name) -> node (index.go)
	acls  aclTable
	count int // live nodes, "/" included

	ephemerals     map[int64]map[string]struct{} // session id -> paths
	ephemeralCount int
	containers     map[string]struct{}
	ttls           map[string]struct{}
	dataSize       int64 // sum over nodes of javaLength(path) + len(data)

	quotas   map[string]struct{} // registered quota prefixes ("/a/b")
	quotaDir uint32              // /zookeeper/quota, never counted by quotas

	inTxn bool
	undo  []undoRec

	// recent remembers the last two paths lookup found, so that a write
	// that checks a node and then changes it walks its path once (index.go).
	recent     [2]recentPath
	recentNext int

	frozen *Frozen // the open frozen view, if any
}

// newTree returns a tree without nodes, its path index sized for hint.
func newTree(hint int) *Tree {
	return &Tree{
		index:      newPathIndex(hint),
		acls:       newACLTable(),
		ephemerals: make(map[int64]map[string]struct{}),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
		quotas:     make(map[string]struct{}),
	}
}

// New returns a tree holding only the pre-created nodes: "/", "/zookeeper"
// and "/zookeeper/quota" (world:anyone ALL) and "/zookeeper/config"
// (world:anyone READ, aversion -1). All have empty, non-nil data and zero
// stats; their stored cversions stay 0, so "/" shows cversion -1 and
// "/zookeeper" cversion -2.
func New() *Tree {
	t := newTree(0)
	root := t.slab.alloc()
	*t.r(root) = rec{acl: t.acls.acquire(proto.OpenACLUnsafe)}
	t.count = 1
	t.dataSize = javaLength(rootPath)
	t.attach(procPath, rec{acl: t.acls.acquire(proto.OpenACLUnsafe)}, ext{}, []byte{})
	t.quotaDir = t.attach(quotaPath, rec{acl: t.acls.acquire(proto.OpenACLUnsafe)}, ext{}, []byte{})
	t.attach(configPath, rec{acl: t.acls.acquire(proto.ReadACLUnsafe), aversion: -1}, ext{}, []byte{})
	return t
}

// Get returns the node at path and whether it exists.
//
// As in ZooKeeper, whose node map holds the root under both "/" and "",
// the empty path names the root (reads do not validate paths, so a
// getData("") answers with the root).
func (t *Tree) Get(path string) (Node, bool) {
	i := t.lookup(path)
	return Node{t: t, i: i}, i != 0
}

// NodeCount returns the number of znodes, "/" included (4 in a new tree).
// ZooKeeper's zk_znode_count is one higher: its node map also holds "" as
// an alias of the root.
func (t *Tree) NodeCount() int { return t.count }

// ApproximateDataSize returns, as ZooKeeper computes it, the sum over all
// nodes of the path length (UTF-16 units) plus the data length.
func (t *Tree) ApproximateDataSize() int64 { return t.dataSize }

// AllChildrenNumber returns the number of all descendants of path (0 when
// path does not exist). For "/" that is every other node, /zookeeper and
// its children included, as in ZooKeeper.
func (t *Tree) AllChildrenNumber(path string) int {
	if path == "" {
		// ZooKeeper counts every key of its node map below "", which is
		// every node but the "" alias itself.
		return t.count
	}
	i := t.lookup(path)
	switch i {
	case 0:
		return 0
	case rootIdx:
		return t.count - 1
	}
	count := 0
	t.descend(i, 0, func(uint32) { count++ })
	return count - 1
}

// descend calls fn for node i and every node below it, depth first,
// skipping the subtree of skip (0: none).
func (t *Tree) descend(i, skip uint32, fn func(uint32)) {
	stack := []uint32{i}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		fn(cur)
		for c := t.r(cur).first; c != 0; c = t.r(c).next {
			if c != skip {
				stack = append(stack, c)
			}
		}
	}
}

// walk calls fn with the full path of every node, depth first from the
// root. The path slice is reused between calls.
func (t *Tree) walk(fn func(path []byte, i uint32)) {
	type frame struct {
		next    uint32 // next child to visit
		pathLen int
	}
	path := []byte(rootPath)
	fn(path, rootIdx)
	stack := []frame{{next: t.r(rootIdx).first, pathLen: 0}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		c := top.next
		if c == 0 {
			stack = stack[:len(stack)-1]
			continue
		}
		top.next = t.r(c).next
		path = append(append(path[:top.pathLen], '/'), t.name(c)...)
		fn(path, c)
		if first := t.r(c).first; first != 0 {
			stack = append(stack, frame{next: first, pathLen: len(path)})
		}
	}
}

// Ephemerals returns the paths of the ephemeral nodes owned by session,
// sorted.
func (t *Tree) Ephemerals(session int64) []string {
	return sortedKeys(t.ephemerals[session])
}

// EphemeralSessions returns the ids of the sessions owning at least one
// ephemeral node, sorted.
func (t *Tree) EphemeralSessions() []int64 {
	out := make([]int64, 0, len(t.ephemerals))
	for id := range t.ephemerals {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// EphemeralCount returns the number of normal ephemeral nodes.
func (t *Tree) EphemeralCount() int { return t.ephemeralCount }

// Containers returns the paths of all container nodes, sorted.
func (t *Tree) Containers() []string { return sortedKeys(t.containers) }

// TTLNodes returns the paths of all TTL nodes, sorted.
func (t *Tree) TTLNodes() []string { return sortedKeys(t.ttls) }

func sortedKeys(set map[string]struct{}) []string {
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
