package tree

import (
	"slices"

	"github.com/zkd-io/zkd/proto"
)

// Tree is the ZooKeeper data tree with its indexes. It is not safe for
// concurrent use; one owner (the state machine) calls every method.
type Tree struct {
	nodes map[string]*Node // every node by full path; "/" is the root
	acls  aclTable

	ephemerals     map[int64]map[string]struct{} // session id -> paths
	ephemeralCount int
	containers     map[string]struct{}
	ttls           map[string]struct{}
	dataSize       int64 // sum over nodes of javaLength(path) + len(data)

	quotas   map[string]struct{} // registered quota prefixes ("/a/b")
	quotaDir *Node               // /zookeeper/quota, never counted by quotas

	inTxn bool
	undo  []undoRec

	// frozen is the open frozen view, if any; epoch numbers the views
	// (nodes created while view e is open carry epoch e).
	frozen  *Frozen
	epoch   uint32
	scratch [][]child // snapshot encoder buffers kept between views
}

// New returns a tree holding only the pre-created nodes: "/", "/zookeeper"
// and "/zookeeper/quota" (world:anyone ALL) and "/zookeeper/config"
// (world:anyone READ, aversion -1). All have empty, non-nil data and zero
// stats; their stored cversions stay 0, so "/" shows cversion -1 and
// "/zookeeper" cversion -2.
func New() *Tree {
	t := &Tree{
		nodes:      make(map[string]*Node),
		acls:       newACLTable(),
		ephemerals: make(map[int64]map[string]struct{}),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
		quotas:     make(map[string]struct{}),
	}
	root := &Node{data: []byte{}, acl: t.acls.acquire(proto.OpenACLUnsafe)}
	t.nodes[rootPath] = root
	t.dataSize = javaLength(rootPath)
	t.attach(procPath, &Node{data: []byte{}, acl: t.acls.acquire(proto.OpenACLUnsafe)})
	t.attach(quotaPath, &Node{data: []byte{}, acl: t.acls.acquire(proto.OpenACLUnsafe)})
	t.attach(configPath, &Node{data: []byte{}, acl: t.acls.acquire(proto.ReadACLUnsafe), aversion: -1})
	t.quotaDir = t.nodes[quotaPath]
	return t
}

// Get returns the node at path, or nil when there is none.
//
// As in ZooKeeper, whose node map holds the root under both "/" and "",
// the empty path names the root (reads do not validate paths, so a
// getData("") answers with the root).
func (t *Tree) Get(path string) *Node {
	if path == "" {
		path = "/"
	}
	return t.nodes[path]
}

// NodeCount returns the number of znodes, "/" included (4 in a new tree).
// ZooKeeper's zk_znode_count is one higher: its node map also holds "" as
// an alias of the root.
func (t *Tree) NodeCount() int { return len(t.nodes) }

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
		return len(t.nodes)
	}
	n := t.nodes[path]
	if n == nil {
		return 0
	}
	if n == t.nodes[rootPath] {
		return len(t.nodes) - 1
	}
	return countDescendants(n, nil)
}

// countDescendants counts the nodes below n, skipping the subtree of skip.
func countDescendants(n, skip *Node) int {
	count := 0
	stack := []*Node{n}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range cur.children {
			if c == skip {
				continue
			}
			count++
			if len(c.children) > 0 {
				stack = append(stack, c)
			}
		}
	}
	return count
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
