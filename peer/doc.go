// Package peer is the server-to-server transport of a zkd ensemble
// (issue 4): raft messages, snapshot streams and session touches over TCP.
// This file is its contract, written before the code.
//
// Implemented: the hello, its answer and its checks, raft message frames,
// bounded per-peer queues with unreachable reports from the writer
// goroutines, redial with backoff (transport.go, writer.go, reader.go);
// session touches frames (Transport.SendTouches, Config.OnTouches;
// touches.go); link cutting for tests (Transport.Block); snapshot
// streaming (Config.Snapshots; snapshot*.go); probes for members that
// join (Probe; probe.go); peers added and removed as the membership
// changes (AddPeer, RemovePeer). Package node wires it (node/ensemble.go,
// node/join.go, node/members.go).
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
// without client addresses), so every member of a new ensemble computes
// the same id with no coordination. Reconfiguration never changes it: a
// member that joins later learns it by probing (below). A member whose
// recorded cluster id differs from its peers' is refused by them, with
// the reason in the hello's answer, which it logs.
//
// Every data directory also has an incarnation: a random id made with it
// (zkd-id). Hellos carry it. Each member records the incarnation it first
// hears from every other member (node: dataDir/zkd-peers) and refuses a
// member that comes back with another one: its directory was wiped or
// replaced, and a voter without the log it acknowledged could help elect a
// leader that lacks committed writes. A member that leaves the membership
// (reconfig, then raft) is forgotten, so it can be added back with a new
// directory.
//
// # Joining
//
// A member whose data directory is empty first probes every other
// configured member (a hello with cluster id 0, answered and closed). An
// answer carrying a cluster id means the ensemble runs: the member records
// that id and starts raft without bootstrapping; the leader adds it once a
// reconfig names it and brings it up to date by snapshot and log. An
// answer "replaced" fails the start with a message that says to remove the
// member with reconfig and add it back. No answer within a second means a
// new ensemble: every member bootstraps the same initial membership.
//
// # Connections
//
// Each member dials every other member once and sends only on the
// connection it dialed; connections it accepts are only read from. So
// each direction of each pair has its own TCP connection and its own
// order. The one exception is a snapshot stream, which has a connection
// of its own (see Snapshots) and gets a one-byte verdict at its end. A
// connection starts with a hello, checked before anything else:
//
//	[4]byte "ZKDP", uint32 version = 2, uint64 cluster id (0: a probe),
//	uint64 from id, uint64 to id, uint64 incarnation
//
// and the acceptor answers it with one status byte and its own cluster id
// (uint64): 0 accepted, 1 another cluster, 2 "from" not in the
// configuration, 3 "to" is not this member, 4 replaced (another
// incarnation than recorded), 5 probe answered. Anything but 0 is followed
// by closing the connection, logged on both sides (Config.OnRefused on the
// dialer's). Redialing backs off from 50 ms to 2 s.
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
//	  uint8 last (1 on the stream's final chunk, else 0), uint32 M,
//	  M bytes of raft message, then file bytes (at most 1 MiB). Only the
//	  chunk at offset 0 carries the message (the MsgSnap, protobuf, with
//	  Snapshot.Data empty); the others have M = 0. A chunk frame is
//	  bounded by 2 MiB plus its header.
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
// raftnode.Node.Step, touches to Config.OnTouches, and chunks to the
// snapshot receiver. A slow or dead peer therefore costs at most its
// queue's memory, never the raft loop's time.
//
// # Snapshots
//
// Snapshots are files in package snap, reached through Config.Snapshots
// (the Snapshots interface; *snap.Store implements it). raft's MsgSnap
// carries only the metadata (index, term, ConfState): DiskStorage records
// no data. When Send sees a MsgSnap it starts a stream instead of queuing
// the message: a goroutine opens the file for the metadata's index as
// stored (Snapshots.OpenRaw: header, payload and CRC, verified first),
// dials the peer on a connection of its own, sends the hello and then the
// file in chunk frames of at most 1 MiB read as it goes, the first one
// carrying the MsgSnap. So a snapshot of any size never delays raft
// messages, to that peer or any other, and at most one stream per peer
// runs at a time (a MsgSnap for a peer already streaming is reported
// failed; raft retries).
//
// The receiver's reader for that connection hands the chunk data, checked
// to be in order and for the same index and term, to
// Snapshots.ReceiveFrom, which writes a temporary file in the snap
// directory, and on the last chunk fsyncs it, verifies it as the store
// verifies every snapshot, renames it into place and fsyncs the directory.
// Only then does the receiver step the MsgSnap into raft, and it answers
// with one byte, 1 (installed) or 0 (refused), and closes the connection
// on a refusal. The raft loop then hands the snapshot to the consumer,
// which restores its state machine from the file. A snapshot is never held
// in memory whole, on either side: a chunk and a copy buffer each.
//
// The sender calls ReportSnapshot: SnapshotFinish once the receiver
// answered 1, SnapshotFailure for everything else (no such file, no store
// configured, a cut link, a write error, a refusal, a dead receiver). A
// stream that stalls (one chunk written or read, or the wait for the
// answer) for longer than Config.SnapshotTimeout (10 s by default) is
// abandoned, with SnapshotFailure on the sender and the temporary file
// removed on the receiver; a receiver that crashes mid-stream leaves a
// .tmp that the store's Purge removes.
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
