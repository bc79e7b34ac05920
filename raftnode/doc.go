// Package raftnode owns the etcd raft Ready loop for one zkd server: it
// persists what raft asks to persist, sends what raft asks to send, hands
// committed entries to the consumer (the server's state loop) and tells raft
// to advance. A standalone server is a group of one running the same code.
//
// # The loop
//
// The package drives a raft.RawNode, not the goroutine-based raft.Node: one
// goroutine owns the RawNode and all per-loop state, and every public method
// reaches it over a channel. That gives one place where ticks, proposals,
// peer messages and requests are serialised, lets Propose report raft's own
// verdict (for example no leader) instead of blocking, and keeps the Ready
// handling visible in one function (loop.go, handleReady).
//
// Each Ready is handled, in this order, as etcd raft's doc.go prescribes:
//
//  1. SoftState changes are published (IsLeader, Leader).
//  2. Committed entries already durable in this member's storage (up to
//     the last entry a Save returned for, and before this Ready's own
//     entries) go to the consumer, with the conf changes among them applied
//     to raft first (ApplyConfChange). They are committed on a quorum that
//     includes this disk, so the consumer may apply them and answer their
//     clients while step 3 persists the entries after them: the state
//     loop's apply overlaps the fsync, as etcd's server overlaps them.
//  3. Persist: Storage.ApplySnapshot(snapshot), if any, then
//     Storage.Save(hardState, entries), if either is non-empty. Save
//     returns only once they are durable.
//  4. Send: Transport.Send(messages) — after step 3, so no vote or append
//     acknowledgement leaves before the state it promises is durable. A
//     leader whose Ready changes neither term nor vote sends before step 3
//     instead: its appends reach the followers while it persists the same
//     entries (Raft thesis 10.2.1, as etcd does). A commit still needs a
//     quorum of durable copies: the leader's own counts once its persist
//     returns, and no entry reaches the consumer before it is durable here.
//  5. ReadStates resolve their ReadIndex callers.
//  6. The remaining committed entries (a follower told of a commit in the
//     append that carries the entries; everything after an installed
//     snapshot) go to the consumer the same way, as one Batch with the
//     snapshot of step 3 if there was one.
//  7. Advance.
//
// A storage error or an undecodable conf change stops the loop; Close then
// returns that error and every other call returns ErrStopped.
//
// Batching. Between two Readies the loop takes every proposal and peer
// message already queued (up to 512 of each per wake-up) before asking raft
// for the next Ready, so concurrent proposals that arrive while a Ready is
// being persisted share the next persist, the next append message per
// follower and the next committed batch. Nothing in the loop forces one
// Ready per proposal. Enqueue is the cheaper way in: it appends to a queue
// under a mutex and wakes the loop, which proposes everything queued (in
// MsgProps of up to 1024 entries) whenever it waits for input and before
// each Ready, so entries queued while one Ready was handled are persisted
// in the next one, the one that delivers what the last persist committed;
// nobody waits for the verdict, and a refusal is reported through the
// entry's callback. The server proposes every write this way, so a write crosses
// one goroutine boundary (state loop to raft loop) on its way to the log.
//
// Timing. The loop calls Tick every Config.TickInterval; ElectionTick and
// HeartbeatTick are in ticks. PreVote and CheckQuorum are on, so a
// partitioned member cannot disrupt the group and a leader that loses its
// quorum steps down. A member whose initial voters are only itself
// campaigns as soon as the bootstrap entries are applied, and Start returns
// once it leads.
//
// # What Committed delivers
//
// One or two Batches per Ready (steps 2 and 6), on the Committed channel
// or, when Config.Deliver is set, to Deliver on the loop's goroutine (the
// node does that, sparing each batch a hand-off between goroutines).
// Entries holds every committed entry exactly once, in log order: normal
// entries (EntryNormal with the proposed bytes), the empty entry each new
// leader appends (EntryNormal, nil data), and conf
// changes (EntryConfChange, EntryConfChangeV2, including the bootstrap ones
// at indexes 1..len(Peers)). Delivering every type lets the consumer see
// every index; it ignores what it does not apply. Entries are shared with
// raft and must not be modified. On restart the log in Storage is delivered
// again from after Config.Applied (raft's Applied), so an in-memory state
// machine is rebuilt by replay. The channel closes when the loop exits.
//
// Batch.Snapshot, when set, is a snapshot raft installed from the leader
// (the member lagged behind the leader's compacted log). It comes in order:
// after every entry delivered before it, before every entry after its
// index, and entries in the same Batch follow it. The consumer must then
// replace its state machine with the snapshot file at Snapshot.Index (the
// transport stored and verified it before raft saw the snapshot), apply
// the Batch's entries and report Applied(Batch.Last()). Until it has, the
// consumer's state is not the log's. raft has already applied the
// snapshot's membership (ConfState reports it).
//
// # Applied, ReadIndex, WaitApplied
//
// The consumer calls Applied(index) after applying entries up to index;
// WaitApplied(ctx, i) returns once a report >= i arrived. raft itself counts
// an entry as applied when the loop has handed it to Committed (RawNode's
// synchronous mode); the consumer's own report is what WaitApplied, and
// later log compaction, go by.
//
// ReadIndex issues raft's ReadIndex with a fresh 16-byte request context
// (member id plus sequence), which is unique across the group. The leader
// confirms its leadership with a heartbeat quorum (ReadOnlySafe) and
// answers with its commit index; a follower forwards the request to the
// leader. Every write committed before ReadIndex was called has an index <=
// the result, so ReadIndex followed by WaitApplied(result) is ZooKeeper's
// sync. raft drops a request silently when there is no leader; the loop
// re-issues pending requests every ElectionTick/2 ticks until the caller's
// ctx ends.
//
// # Seams
//
// Storage is raft.Storage plus Save and ApplySnapshot. MemoryStorage keeps
// everything in memory; DiskStorage puts a write-ahead log (package wal)
// under it and takes the consumer's snapshots (CreateSnapshot, Compact).
// A Storage that is also a Trimmer hears, after each Ready, the last entry
// delivered to the consumer: DiskStorage then keeps only KeepInMemory
// entries behind it in memory and reads older ones, for a lagging
// follower, back from the WAL.
// A Save error wrapping ErrTemporary is retried by the loop with backoff
// (Config.OnStorage hears about it); any other Save error stops the loop,
// and Done/Err report it. An empty Storage means first start: the
// group is bootstrapped with Config.Peers. Otherwise the member restarts from
// it.
//
// Transport is Send(msgs). nil is fine for a group of one. The transport
// delivers incoming messages with Node.Step, reports failed sends with
// ReportUnreachable and snapshot outcomes with ReportSnapshot. Send runs on
// the loop and must not block; a real transport queues per peer.
//
// Snapshots: the consumer writes its own (package node) and records them
// with DiskStorage.CreateSnapshot; Config.Applied restarts raft after the
// one it restored. A snapshot from the leader arrives as a MsgSnap whose
// file the transport has already stored (package peer); raft's Ready then
// carries its metadata, which DiskStorage.ApplySnapshot records in the WAL
// as the log's new base (wal.InstallSnapshot: entries after it are dead),
// and Committed hands it to the consumer in a Batch. After that the member
// restarts only from that snapshot or a newer one: OpenDiskStorage refuses
// an older base, whose following entries the log no longer holds.
//
// # Backpressure
//
// Committed is buffered (128 batches). When the consumer falls that far
// behind, the loop blocks on the send and does nothing else: no ticks, no
// messages, no proposals. A stalled consumer therefore stalls its member;
// on a leader, followers stop hearing heartbeats and elect another leader
// after the election timeout, which is the intended outcome for a member
// that cannot keep up. Proposals queue (1024) and then block their callers
// until ctx ends (Enqueue's queue is not bounded here: the server bounds
// it through each connection's requests in flight); nothing blocks forever past its ctx, and Close unblocks
// everything. Because of this, the goroutine that drains Committed must not
// wait on the loop (Propose, ReadIndex, Status, ProposeConfChange) unless
// its ctx has a deadline or another goroutine keeps draining: with the
// channel full the loop is waiting for it.
//
// # Goroutines
//
// The loop is the package's only long-lived goroutine. It is started through
// a small helper tied to a context and a WaitGroup; Close cancels the context
// and waits for it.
package raftnode
