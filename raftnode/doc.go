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
// raft runs in its asynchronous storage mode (raft.Config.AsyncStorageWrites;
// etcd raft's doc.go, "Usage with Asynchronous Storage Writes"): persisting
// happens on a second goroutine, the appender (append.go), so the loop
// never waits for an fsync. Each Ready is handled like this:
//
//  1. SoftState changes are published (IsLeader, Leader).
//  2. Messages to peers are sent at once (Transport.Send): a leader's
//     appends reach the followers while it persists the same entries
//     (Raft thesis 10.2.1). raft holds back every message that promises
//     durable state (an append acknowledgement, a vote) until step 5.
//  3. The MsgStorageAppend (a snapshot received from the leader, the
//     HardState, new entries) goes to the appender, in order.
//  4. ReadStates resolve their ReadIndex callers. The MsgStorageApply's
//     committed entries go to the consumer, with the conf changes among
//     them applied to raft first (ApplyConfChange), and its response goes
//     back to raft. raft hands out a committed entry only once it is
//     durable in this member's storage, so nothing reaches the consumer,
//     and no client hears of a write, before that.
//  5. Once the appender has made an append durable (Storage.ApplySnapshot,
//     then Storage.Save), the loop delivers the responses it carries: to
//     raft itself (which then counts this member's copy toward a commit)
//     and to the peers they are for (a follower's acknowledgement, a
//     vote). An installed snapshot goes to the consumer first.
//
// So a commit needs a quorum of durable copies, as before, but the loop
// keeps stepping messages, replicating and delivering while an fsync is
// in progress: a leader counts its followers' acknowledgements as they
// arrive, and a follower learns of commits and hands them on, instead of
// each waiting for its own persist in progress to finish. A quorum that
// does not include the leader can commit while the leader's disk is
// slow; the leader's consumer sees the entry once its own copy is durable.
//
// A storage error or an undecodable conf change stops the loop; Close then
// returns that error and every other call returns ErrStopped.
//
// Batching. Between two Readies the loop takes every proposal and peer
// message already queued (up to 512 of each per wake-up) before asking raft
// for the next Ready. Enqueue is the cheaper way in: it appends to a queue
// under a mutex and wakes the loop, which proposes everything queued (in
// MsgProps of up to 1024 entries) whenever it waits for input and before
// each Ready; nobody waits for the verdict, and a refusal is reported
// through the entry's callback. The server proposes every write this way,
// so a write crosses one goroutine boundary (state loop to raft loop) on
// its way to the log. The appender takes every append queued while its
// last Save ran and persists them with one Save (one fsync) when their
// entries follow each other, so the writes that arrive during an fsync
// share the next one however many Readies they came in.
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
// A Batch per MsgStorageApply (step 4) and per installed snapshot (step 5),
// on the Committed channel
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
// index. It comes alone, once the appender has recorded it: the entries
// after it come in later Batches. The consumer must then replace its
// state machine with the snapshot file at Snapshot.Index (the transport
// stored and verified it before raft saw the snapshot) and report
// Applied(Batch.Last()). Until it has, the consumer's state is not the
// log's. raft has already applied the snapshot's membership (ConfState
// reports it).
//
// # Applied, ReadIndex, WaitApplied
//
// The consumer calls Applied(index) after applying entries up to index;
// WaitApplied(ctx, i) returns once a report >= i arrived. raft itself counts
// an entry as applied when the loop has handed it to Committed; the
// consumer's own report is what WaitApplied, and
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
// A Save error wrapping ErrTemporary is retried by the appender with
// backoff (Config.OnStorage hears about it), and nothing it and the appends
// queued behind it promise is acknowledged meanwhile; any other Save error
// stops the loop, and Done/Err report it. An empty Storage means first start: the
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
// file the transport has already stored (package peer); raft's
// MsgStorageAppend then carries its metadata, which
// DiskStorage.ApplySnapshot records in the WAL
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
// that cannot keep up. The appender takes up to 256 appends ahead of its
// storage; past that the loop waits for it, so a disk that stalls holds
// its member back the same way. Proposals queue (1024) and then block their callers
// until ctx ends (Enqueue's queue is not bounded here: the server bounds
// it through each connection's requests in flight); nothing blocks forever past its ctx, and Close unblocks
// everything. Because of this, the goroutine that drains Committed must not
// wait on the loop (Propose, ReadIndex, Status, ProposeConfChange) unless
// its ctx has a deadline or another goroutine keeps draining: with the
// channel full the loop is waiting for it.
//
// # Goroutines
//
// The loop and its appender are the package's long-lived goroutines. They
// are started through a small helper tied to a context and a WaitGroup;
// Close cancels the context and waits for both. An append in progress when
// Close cancels is not acknowledged.
package raftnode
