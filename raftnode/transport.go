package raftnode

import "go.etcd.io/raft/v3/raftpb"

// Transport carries raft messages to other members of the group.
//
// Send is called on the raft loop, for a message that promises durable
// state (an append acknowledgement, a vote) only once that state is
// persisted; it must not block for long: a real transport queues per
// peer and drops (then calls Node.ReportUnreachable) rather than waiting.
// Send takes ownership of the slice; the messages and their entries are
// shared with raft and must not be modified. Encoding inside Send is the
// safe choice (etcd raft's doc asks for it); the loop does not touch the
// messages after Send returns. A MsgSnap carries only the snapshot's
// metadata: the transport must deliver the snapshot file for its index
// before the receiver steps it, and call Node.ReportSnapshot once the
// snapshot was delivered or failed.
// Messages arriving from peers are handed to Node.Step.
type Transport interface {
	Send(msgs []*raftpb.Message)
}
