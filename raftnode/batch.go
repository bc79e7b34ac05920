package raftnode

import "go.etcd.io/raft/v3/raftpb"

// Batch is one delivery on Committed: optionally a snapshot to restore,
// then committed entries, in log order.
//
// A non-nil Snapshot means raft installed a snapshot received from the
// leader: the consumer must discard its state and restore it from the
// snapshot file at Snapshot.Index (the transport put the file in place
// before raft saw the snapshot) before applying Entries, which all follow
// Snapshot.Index. Entries may then be empty. Both are shared with raft:
// read them, never modify them.
type Batch struct {
	Snapshot *raftpb.SnapshotMetadata
	Entries  []*raftpb.Entry
}

// Last returns the highest index the batch covers: its last entry's, or
// the snapshot's when it has no entries. After applying a batch the
// consumer reports Applied(b.Last()).
func (b Batch) Last() uint64 {
	if n := len(b.Entries); n > 0 {
		return b.Entries[n-1].GetIndex()
	}
	return b.Snapshot.GetIndex()
}
