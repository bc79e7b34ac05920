// Package server is zkd's client-facing half: the TCP listener, one
// connection per client, the per-session request pipeline, the state loop
// that owns the fsm and the watch registry, session expiry and container/TTL
// reaping duties, and the four-letter words.
//
// # Ownership
//
// One goroutine, the state loop (Server.run in server.go), owns the fsm, the watch registry,
// the session tracker, every connection's session state (auth ids, pending
// queue) and the set of live connections. Everything else talks to it by
// message: connection readers hand it decoded requests, the Replicator hands
// it committed log entries, timers hand it ticks. A connection's writer
// goroutine owns its socket's write side; the state loop only appends encoded
// frames to the connection's outbound queue (conn_write.go), which never
// blocks.
//
// # Request life cycle
//
//	reader: frame → header → state loop (touch session, enqueue)
//	state loop, per session FIFO:
//	  read  → answered from applied state (+ watch registered) once no earlier
//	          write or sync of that session is outstanding
//	  write → fsm.Entry proposed through the Replicator (never applied here)
//	  sync  → Replicator.ReadIndex, answered once that index is applied; later
//	          requests of the session wait behind it
//	Replicator commits → state loop: fsm.Apply in log order → watch
//	deliveries queued on every affected connection → the reply queued on the
//	origin connection → the session's queue drains further.
//
// Replies therefore leave in exactly the order requests arrived, a read never
// overtakes its session's earlier write, and a notification is queued before
// any reply that follows the change that fired it.
//
// # Sessions
//
// createSession and closeSession are log entries. The leader's expiry
// tracker (package session) proposes closeSession for sessions past their
// timeout; applying it deletes ephemerals, fires their watches and closes the
// session's connection (at once, queued output dropped, when the session
// expired; after a flush when the client asked). Reattaching with id and
// password succeeds while the session is in the replicated table. A
// session this member does not know is looked up again once the member
// has applied everything committed at that moment (a ReadIndex, as sync
// does), since it may have been created on a member that is ahead. A wrong
// password, or a session still unknown after that, gets ZooKeeper's
// invalid ConnectResponse (timeout 0) and the connection is closed.
//
// # Bounds
//
// Frames over MaxBuffer close the connection before any allocation; at most
// MaxOutstanding requests per connection are read ahead (the reader stops
// reading until replies drain); MaxClientCnxns connections per client IP; a
// handshake must complete within HandshakeTimeout. Malformed requests get
// ZooKeeper's error code (MarshallingError) or, for unknown opcodes, the
// Unimplemented reply followed by a close. No input panics the server. A
// write to a socket blocked for MaxSessionTimeout ends the connection.
//
// # Snapshots and storage failures
//
// Every SnapCount entries (a random point between half of it and all of
// it) or SnapBytes bytes, the state loop freezes the fsm (a copy-on-write
// view, fsm.Frozen) and hands it to the Snapshotter, which encodes it on
// its own goroutine while the loop goes on applying; the loop thaws the
// view when the Snapshotter reports back (snapshot.go). The storage layer
// tells the server when its log cannot take writes (StorageFailing, e.g.
// a full disk) or never will again (StorageFailed, a failed fsync): new
// writes are then answered with NotReadOnly, in order behind the
// session's writes already on their way, new sessions are refused, and
// reads go on; StorageFailed also closes the connections whose writes
// were in flight (storage.go).
//
// # Ensemble
//
// With Config.Ensemble (ensemble.go): the server forwards the ids of its
// active sessions to the leader every half tick (Replicator.ForwardTouches)
// and feeds the touches other members forward into its tracker (Touch);
// only the leader expires. A reattach proposes a moveSession entry unless
// the session was last served here, and applying it closes the session's
// older connection elsewhere. Writes proposed before the leader changed, or
// waiting longer than WriteTimeout, end their connection (ConnectionLoss).
// After LeaderLossTimeout without a leader every client is closed and new
// ones refused, or, with ReadOnlyMode, served read-only sessions (isro ro)
// until a leader is back. The first leader records the initial membership
// in /zookeeper/config (Membership), and every change of it is reported to
// the node (OnMembership). A snapshot from the leader replaces the state
// machine (Committed.Restore) and closes every client connection.
//
// The package never imports raftnode, peer or storage: it declares the
// Replicator interface it needs and the node package supplies it.
package server
