// Package node assembles one zkd server from a config.Config: the durable
// state (identity, snapshots, write-ahead log), the raft node (package
// raftnode), the replicated state machine (package fsm) and the client
// server (package server), wired so that the state loop applies what raft
// commits. Start returns a running Node; Close stops it and waits for every
// goroutine. Tests and embedders use this package (and zktest) rather than
// wiring the pieces themselves.
//
// A standalone node is a raft group of one member. A config with
// server.N lines (config.Distributed) makes an ensemble member: the
// transport of package peer on the quorum port, raft bootstrapped with the
// participants (ensemble.go).
//
// # Ensemble
//
//   - Identity: the cluster id is the hash of the initial server lines; a
//     fresh member probes the others and joins a running ensemble under its
//     id, or bootstraps a new one (join.go; peer/doc.go, Joining). Members
//     record each other's data directory incarnations (dataDir/zkd-peers)
//     and refuse a wiped voter.
//   - Membership (members.go): /zookeeper/config, written by the first
//     leader from zoo.cfg and then by reconfig, is the membership wanted;
//     the leader converges raft's on it one conf change at a time
//     (newcomers as learners, promoted once caught up; observers stay
//     learners; removals last). The transport learns new members at once
//     and forgets removed ones once raft has dropped them. A member that
//     needs a snapshot the latest one's membership lacks gets a fresh one.
//   - Catch-up: a member behind the leader's compacted log receives the
//     leader's snapshot file (peer), and the node restores the state loop
//     from it (receivedSnapshot; server.Committed.Restore).
//   - Committed entries (commit.go) go from the raft goroutine straight to
//     the state loop's channel; a batch with a snapshot from the leader,
//     and every batch after it until it is done, goes through a pump
//     goroutine that loads the snapshot without stalling raft.
//   - Shutdown hands leadership to the most up-to-date follower first.
//   - Client-facing duties (session touches to the leader, closing clients
//     without a leader, read-only mode, session moves) are package
//     server's (server/ensemble.go).
//
// # Data directory
//
//	<dataDir>/zkd-id          identity: server id, cluster id, incarnation (identity.go)
//	<dataDir>/zkd-peers       ensemble: the other members' incarnations (join.go)
//	<dataDir>/zkd-snap/       snapshot files (package snap); the payload is
//	                          an envelope (cluster id, raft ConfState) around
//	                          the fsm snapshot (state.go)
//	<dataLogDir>/zkd-wal/     the write-ahead log (package wal)
//
// The identity file is written before the first WAL segment. A directory
// whose identity names another server id is refused, and so are a WAL or a
// snapshot of another cluster id.
//
// # Start
//
// Start restores the fsm from the newest valid snapshot (a corrupt newer
// file is skipped with a warning: package snap), opens the WAL and replays
// the entries after that snapshot's index (wal.ReadAllFrom: the log keeps
// what the oldest retained snapshot needs), and starts raft with Applied at
// the snapshot's index. It accepts clients only once the state loop has
// applied every entry the log had committed.
//
// # Snapshots, compaction and retention
//
// The server asks for a snapshot after a random number of applied entries
// between snapCount/2 and snapCount, or after zookeeper.snapSizeLimitInKb
// of entry bytes (server/snapshot.go). It freezes the fsm (a copy-on-write
// view, tree.Frozen) and the node writes it on its own goroutine while
// writes go on, in this order:
//
//  1. the snapshot file: temp file, fsync, rename, directory fsync;
//  2. the WAL's snapshot marker (fsynced): restart replays from there;
//  3. compaction: raft's log keeps catchUpEntries behind the snapshot
//     (in memory only the newest entries, raftnode.DiskStorage; older ones
//     are read back from the WAL for a lagging follower); with autopurge on (the default, unlike ZooKeeper; an
//     explicit autopurge.purgeInterval=0 turns it off) old snapshots are
//     purged down to autopurge.snapRetainCount and the WAL segments that
//     only they needed are deleted.
//
// A crash between any two steps leaves a directory Start accepts without
// repair (crash_test.go cuts the power at each step). A failed snapshot is
// logged and retried at the next trigger; the log keeps growing meanwhile.
//
// # Storage failures
//
// A WAL write that fails without changing the log (ENOSPC while a new
// segment is prepared) is retried by the raft loop with backoff; meanwhile
// the server answers new writes with NotReadOnly and keeps serving reads.
// A failed fsync is fatal for the log: the server closes the connections
// whose writes were in flight and refuses writes until the process is
// restarted and recovers from the disk.
package node
