// Package tree holds the ZooKeeper data tree: znodes with their data, ACL
// lists and Stat bookkeeping, the indexes the server needs (ephemerals per
// session, containers, TTL nodes, node count, approximate data size),
// quota accounting, and an undo log that makes a multi atomic.
//
// The package is pure: it imports only proto, jute and the standard library
// (no clock, no I/O, no locks, no goroutines). A Tree is not safe for
// concurrent use; the state machine owns it. Times and zxids are arguments.
//
// # Mutations
//
// Create, Delete, SetData and SetACL assume the caller has already done all
// validation (path rules, existence, versions, ACL checks, quotas); they
// panic only when an invariant would break (missing parent, existing node,
// deleting a node with children or "/"). The tree takes ownership of data
// slices passed to Create and SetData and never copies them; nil data stays
// nil. ACL lists are copied into an intern table: identical lists share one
// slice, reference-counted by the nodes that hold them, so ACL() slices are
// shared and must not be modified.
//
// # Stat
//
// Every node keeps a stored cversion: the number of children ever created
// under it (incremented by each child create, never by a delete, int32
// wrapping). It is the sequence suffix of the next sequential child and the
// container "has had a child" test. Clients see the visible cversion
// 2*stored - numChildren, which grows by exactly one per child create and
// per child delete. The pre-created nodes "/", "/zookeeper",
// "/zookeeper/quota" and "/zookeeper/config" were not created by a
// transaction: their stats are all zero, so "/" shows cversion -1 and
// "/zookeeper" -2 forever after. "/zookeeper/config" has ACL world:anyone
// READ and aversion -1; the others world:anyone ALL; all have empty non-nil
// data.
//
// A create sets czxid = mzxid = pzxid = zxid and ctime = mtime = time on
// the new node and, on the parent, stored cversion + 1 and pzxid = zxid.
// A delete sets the parent's pzxid = zxid only. SetData increments version
// and sets mzxid and mtime; SetACL increments aversion. Child operations
// never touch the parent's mzxid, mtime or version.
//
// # Owner encodings
//
// Owner() is the raw ephemeralOwner: 0 for a persistent node,
// proto.ContainerOwner (0x8000000000000000) for a container, a value whose
// top byte is 0xFF (proto.TTLOwnerMask | ttl) for a TTL node, and any other
// value is the session id of a normal ephemeral. Stat().EphemeralOwner shows
// only the last kind; containers and TTL nodes report 0. Ephemerals are
// indexed by session, containers and TTL nodes in their own sets.
//
// # Undo
//
// Begin starts a transaction; every change after it (including the side
// effects on quota stats nodes and quota registrations) is recorded.
// Rollback restores exactly the state at Begin: data, every Stat field,
// parents' cversion and pzxid, ACLs, all indexes and counters. Commit keeps
// the changes. Transactions do not nest. Outside a transaction nothing is
// recorded.
//
// # Quotas
//
// Quotas follow ZooKeeper: creating /zookeeper/quota<p>/zookeeper_limits
// registers a quota on <p>; deleting it unregisters it. Creating
// /zookeeper/quota<p>/zookeeper_stats recomputes the usage of <p> from the
// live subtree (count includes <p> itself; bytes are the sum of data
// lengths) and writes "count=N,bytes=N" into the stats node. Every create,
// delete and setData at or below a registered root then adds its deltas to
// the stats node of the longest registered prefix, rewriting the data
// directly (no version bump, no watch). The data format is ZooKeeper's
// StatsTrack: "count=N,bytes=N" optionally followed by
// "=;byteHardLimit=N;countHardLimit=N"; missing values mean -1
// (unlimited). CheckQuota compares a proposed change with the limits.
//
// Deliberate differences from ZooKeeper: paths at or below /zookeeper/quota
// never count towards any quota (ZooKeeper would count them under a quota
// on /zookeeper); limits/stats nodes count only when their parent starts
// with "/zookeeper/quota/"; a malformed StatsTrack value reads as -1 where
// ZooKeeper would throw; and the approximate data size stays exact when a
// stats node is rewritten (ZooKeeper's running total drifts there).
//
// # Counts
//
// NodeCount counts real nodes ("/" included: 4 in a new tree); ZooKeeper's
// zk_znode_count is one higher because its node map aliases "" to the
// root. ApproximateDataSize is the sum over nodes of the path length in
// UTF-16 units plus the data length, which equals ZooKeeper's figure (44 in
// a new tree).
//
// # Snapshots and frozen views
//
// EncodeSnapshot/DecodeSnapshot (snapshot.go, snapshot_decode.go) write
// and read the whole tree in a canonical, checksummed-by-digest format.
// Freeze (frozen.go) opens a point-in-time view another goroutine can
// encode while the owner keeps changing the tree: the first change of a
// node after Freeze saves its pre-image under a Locker the caller passes
// in (the package itself imports no sync), and Thaw closes the view.
// Nodes decoded from a snapshot come from slabs and their small data from
// arena blocks, so a block lives while any of its nodes does.
//
// # Paths
//
// ValidatePath implements PathUtils.validatePath (PROTOCOL.md §3.5),
// ParentOf the parent rule used by create, IsSpecialPath the set of
// undeletable nodes.
package tree
