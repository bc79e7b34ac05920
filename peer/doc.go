// Package peer is the server-to-server transport of a zkd ensemble
// (issue 4): raft messages, snapshot streams and session touches over TCP.
// This file is its contract, written before the code.
//
// Implemented: the hello and its checks, raft message frames, bounded
// per-peer queues with unreachable reports from the writer goroutines,
// redial with backoff (transport.go, writer.go, reader.go); session
// touches frames (Transport.SendTouches, Config.OnTouches; touches.go);
// link cutting for tests (Transport.Block). Not yet: snapshot streaming (a MsgSnap is reported failed), the cluster
// id derived from the membership, and wiring into package node (nothing
// imports this package yet).
//
// # Addresses
//
// zoo.cfg's server.N=host:quorumPort:electionPort[:role][;client] lines
// name the members. zkd listens on and dials the quorumPort only; the
// electionPort is accepted and unused (raft elects over the same
// connections). Observers (role observer, or peerType=observer) are raft
// learners on the same transport.
//
// # Cluster identity
//
// The cluster id recorded in dataDir/zkd-id (package node) is, for an
// ensemble, a hash of the initial membership (the sorted server.N lines
// without client addresses), so every member computes the same id with no
// coordination. Reconfiguration never changes it. A member whose data
// directory holds another cluster id refuses to start; a voter whose
// directory is empty while the current configuration lists it as a voter
// with a log behind it refuses to join as if new (it would vote without
// the log it promised) and says to remove and re-add it.
//
// # Connections
//
// Each member dials every other member once and sends only on the
// connection it dialed; connections it accepts are only read from. So
// each direction of each pair has its own TCP connection and its own
// order. A connection starts with a hello, checked before anything else:
//
//	[4]byte "ZKDP", uint32 version = 1, uint64 cluster id,
//	uint64 from id, uint64 to id
//
// A hello with another cluster id, a "to" that is not this member, or a
// "from" outside the configuration is answered by closing the connection
// and logged. Redialing backs off from 50 ms to 2 s with jitter.
//
// # Frames
//
// After the hello, a connection carries frames:
//
//	uint32 length L (of what follows), uint8 type, L-1 bytes of payload
//
// with L bounded by 64 MiB (bigger: close). Types:
//
//	1 raft message: the raftpb.Message, protobuf-encoded
//	2 session touches: uvarint count, then count × (int64 session id)
//	3 snapshot chunk: uint64 index, uint64 term, uint64 offset,
//	  uint8 last, then bytes (at most 1 MiB)
//
// # Queues and backpressure
//
// Send (raftnode.Transport) runs on the raft loop and never blocks: it
// encodes each message and appends it to the destination's queue, which
// is bounded by count (4096) and bytes (64 MiB). A message that does not
// fit is dropped and raftnode.Node.ReportUnreachable is called; raft
// retries from its own state. A writer goroutine per peer drains its
// queue with one vectored write per batch. A reader goroutine per
// accepted connection decodes frames and hands raft messages to
// raftnode.Node.Step, touches to the session layer, and chunks to the
// snapshot receiver. A slow or dead peer therefore costs at most its
// queue's memory, never the raft loop's time.
//
// # Snapshots
//
// Snapshots are files in package snap. raft's MsgSnap carries only the
// metadata (index, term, ConfState): DiskStorage records no data. When
// Send sees a MsgSnap, the transport streams the snapshot file for that
// index in chunks over the peer's connection instead of queuing the
// message, reading the file as it goes. The receiver writes the chunks
// to a temporary file in its snap directory, checks the file's CRC when
// the last chunk arrives, renames it into place and only then steps the
// MsgSnap into raft. The raft loop then hands the snapshot to the consumer,
// which restores its state machine from the file. A snapshot is never held
// in memory whole, on either side. The sender calls ReportSnapshot with
// the outcome. A stream that stalls for longer than the election timeout is
// abandoned, with SnapshotFailure.
//
// # Session touches
//
// Every member collects the ids of its sessions that sent anything (a
// ping included) and, twice per tick, sends the set to the leader as a
// touches frame (Transport.SendTouches; the caller keeps the set and the
// timer). Touches share the peer's queue with raft messages; a touches
// frame that does not fit is dropped without an unreachable report, since
// the next one carries the sessions again. The reader hands each frame to
// Config.OnTouches with the sender's id. Only the leader's tracker expires sessions; a new leader
// gives every session a full timeout before it expires any (package
// server already does this on becoming leader).
//
// # Tests
//
// Transport.Block(id, true) cuts the link with member id and
// Block(id, false) heals it, so in-process clusters get partitions without
// network namespaces. On a cut link, messages to id are dropped and
// reported unreachable, as a dead peer's would be (a MsgSnap is reported
// failed), touches are dropped, and frames from id are discarded on
// receipt, so one side's Block already isolates the pair; a partition
// between A and B is A.Block(B, true) plus B.Block(A, true). Connections
// stay open: healing needs no redial.
package peer
