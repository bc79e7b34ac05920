package diff

import "github.com/zkd-io/zkd/proto"

// versionGaps are differences between ZooKeeper 3.8 and 3.9 that zkd
// follows the 3.9 side of but that PROTOCOL.md §12 does not list (yet).
// They work like allowList entries; each cites the ZooKeeper change. The
// lead decides whether they move into §12 and allowList.
var versionGaps = []Allowance{
	{
		Name:  "watch-modes-per-path",
		Since: "3.9.0 (ZOOKEEPER-4466, apache/zookeeper#1859)",
		Reason: "3.8 keeps one watch mode per (connection, path) in each watch table, so a " +
			"standard watch and a persistent or recursive one on the same path overwrite each " +
			"other; 3.9 keeps both. From the op that mixes modes on a path, that session's " +
			"events there (and below, when a recursive watch is involved) are not compared",
		Apply: adoptTaints("watch-modes-per-path"),
	},
	{
		Name:  "check-watches-semantics",
		Since: "3.9.0 (ZOOKEEPER-4466, apache/zookeeper#1859; ZOOKEEPER-4472, #2006)",
		Reason: "3.8's WatchManager.containsWatcher answers true when any connection has a watch of " +
			"any mode on the path in the table the type names (\"at the leaf node, all watcher " +
			"types match\"; recursive watches sit in the child table too); 3.9 checks the caller's " +
			"own standard watch for Children/Data. The answer is not compared when the run's watch " +
			"model predicts the two rules disagree",
		Apply: func(c *pairCtx) bool {
			for _, g := range c.zk.Gaps {
				if g == "check-watches-semantics" {
					e := erase(c, "err")
					return erase(c, "zxid") || e
				}
			}
			return false
		},
	},
	{
		Name:  "remove-watch-type-split",
		Since: "3.9.0 (ZOOKEEPER-4471, apache/zookeeper#1998)",
		Reason: "3.8 lets checkWatches/removeWatches with type Children or Data find and remove " +
			"the child or data half of a persistent watch; 3.9 matches types to modes. Such a " +
			"request on a path holding a persistent watch taints it",
		Apply: adoptTaints("remove-watch-type-split"),
	},
	{
		Name:  "watcher-types-persistent",
		Since: "3.9.0 (ZOOKEEPER-4472, apache/zookeeper#2006)",
		Reason: "checkWatches/removeWatches types 4 (Persistent) and 5 (PersistentRecursive) are " +
			"unknown to 3.8 (MarshallingError); 3.9 checks/removes persistent watches with them. " +
			"The answer is not compared and the path is tainted",
		Apply: allowPersistentWatcherTypes,
	},
}

// adoptTaints returns an Apply that takes over ZooKeeper's taint marks
// with the given reason.
func adoptTaints(reason string) func(c *pairCtx) bool {
	return func(c *pairCtx) bool {
		used := false
		for _, t := range c.zk.Taints {
			if t.Reason == reason {
				c.addTaint(t)
				used = true
			}
		}
		return used
	}
}

func allowPersistentWatcherTypes(c *pairCtx) bool {
	used := adoptTaints("watcher-types-persistent")(c)
	if k := c.op.Kind; (k == KindCheckWatches || k == KindRemoveWatches) &&
		(c.op.Mode == int32(proto.WatcherPersistent) || c.op.Mode == int32(proto.WatcherPersistentRecursive)) &&
		c.zk.Get("err") == proto.ErrMarshallingError.String() {
		erase(c, "err")
		erase(c, "zxid")
		used = true
	}
	return used
}
