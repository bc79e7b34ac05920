// Package tree holds the ZooKeeper data tree: znodes with their data, ACL
// lists and Stat bookkeeping, the indexes the server needs (ephemerals per
// session, containers, TTL nodes, node count, approximate data size),
// quota accounting, and an undo log that makes a multi atomic.
//
// The package is pure: it imports only proto, jute and the standard library
// (no clock, no I/O, no locks, no goroutines). A Tree is not safe for
// concurrent use; the state machine owns it. Times and zxids are arguments.
//
// # Representation
//
// A million znodes must fit in little more than their data, and the
// garbage collector must not have to trace them, so nodes hold no Go
// pointers at all. The layout contract (store.go, blob.go, index.go):
//
//   - Node records. Every znode is one fixed-size, pointer-free record (72
//     bytes): czxid, pzxid and ctime as int64; version, stored cversion and
//     aversion as int32; the ACL as a uint32 id in the ACL table; the parent,
//     first child, next and previous sibling as uint32 node indexes; the
//     number of children; and a reference to the node's blob with the name
//     and data lengths. mzxid, mtime and the raw owner are not in the record:
//     they are czxid, ctime and 0 until a setData or for a persistent node,
//     which most nodes stay, so a node keeps them at the start of its blob
//     only when they differ (flags in the name length say which; 16 bytes
//     once the node was changed, 8 for an ephemeral, container or TTL node).
//     Records live in chunks of 1024 that are never moved or resized, so
//     growth costs one chunk at a time and never copies or doubles memory. A
//     node is addressed by its index (chunk<<10 | slot); index 0 means
//     "none", the root is index 1. Deleted slots go on a free list and are
//     reused by later creates.
//   - Children. A node's children form a doubly linked list through the
//     sibling indexes, newest first, so create and delete are O(1) under a
//     parent with any number of children; Children() walks the list and
//     sorts the names, O(k log k) as before.
//   - Names and data. The ext values above, the name (the last path
//     component) and the data of a node are stored back to back as one blob
//     in 64 KiB byte chunks, allocated in 8-byte units. A freed blob goes on
//     a free list of its size (in units, up to 1 KiB); an allocation takes an
//     exact fit first, then splits a larger free blob, then carves the
//     current chunk, so setData churn reuses space instead of leaking it.
//     Blobs larger than 1 KiB get their own allocation. A blob reference is a
//     uint32 (unit number, or a flagged slot of the large-blob table), which
//     bounds the chunked blobs at 16 GiB. Data() returns a slice of the blob:
//     it is valid until the tree next changes and must not be modified. Nil
//     data is distinct from empty data (data length -1).
//   - Path index. One open-addressing hash table with linear probing maps
//     (parent index, name) to a node index. It stores nothing but uint32
//     slots: a 28-bit node index (so at most 2^28-1 node slots) and 4 bits
//     of the key's hash, which spare most probes a look at the record;
//     the key is read back from the record and its blob. A path is looked
//     up one component at a time from the root, O(path length); the last
//     two paths found are remembered until their node leaves the index, so
//     a write that checks a node and then changes it walks the path once.
//     Deletes shift entries back, so there are no tombstones. The table
//     doubles at 3/4 load (4 to 8 bytes per node).
//   - ACLs. A node's ACL is a uint32 id into the interned ACL table.
//
// Nothing else is kept per node: paths are rebuilt from the links when
// needed. The ephemeral, container and TTL indexes and registered quotas
// keep path strings, as they hold few nodes. A Node is a small value
// handle (tree, index) that reads the record; it reflects later changes
// and is valid until the node is deleted (its slot may then be reused).
//
// # Mutations
//
// Create, Delete, SetData and SetACL assume the caller has already done all
// validation (path rules, existence, versions, ACL checks, quotas); they
// panic only when an invariant would break (missing parent, existing node,
// deleting a node with children or "/"). Create and SetData copy the data
// into the tree (the caller may reuse its slice); nil data stays nil. ACL lists are copied into an intern table: identical lists share one
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
// and read the whole tree in a deterministic, checksummed-by-digest
// format that keeps the order of the child links (newest first), so
// encoding follows the links and sorts nothing.
// Freeze (frozen.go) opens a point-in-time view another goroutine can
// encode while the owner keeps changing the tree: every write to a record
// that existed at Freeze first saves the record's pre-image under a Locker
// the caller passes in (the package itself imports no sync), and Thaw
// closes the view. Sibling links are record fields too, so the pre-images
// also preserve every children list as it was. While a view is open, freed
// node slots and blobs are not reused (they are released at Thaw), so
// every index and blob the view can reach keeps its content.
//
// # Paths
//
// ValidatePath implements PathUtils.validatePath (PROTOCOL.md §3.5),
// ParentOf the parent rule used by create, IsSpecialPath the set of
// undeletable nodes.
package tree
