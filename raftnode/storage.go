package raftnode

import (
	"errors"
	"fmt"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
)

// Storage is where the raft loop's appender persists what raft asks to
// persist and where raft reads its log back. A durable implementation (WAL
// + snapshot files) plugs in here.
//
// The appender calls ApplySnapshot and Save from its own goroutine, one
// call at a time, in log order (ApplySnapshot before the Save of the same
// append). raft calls the raft.Storage methods from the loop's goroutine,
// concurrently with them, so implementations must be safe for that: raft
// reads an entry from Storage only after the Save that appended it
// returned, but it may read older entries, Term and the HardState while a
// Save is in progress.
type Storage interface {
	raft.Storage
	// Save persists hs, when non-nil, and appends ents, discarding any
	// stored entries whose index is >= ents[0].Index first. It returns once
	// both are durable. ents may be empty and hs nil, but not both.
	// An error wrapping ErrTemporary means nothing changed and the same
	// call may succeed later (a full disk); the loop then retries it.
	// Any other error stops the loop.
	Save(hs *raftpb.HardState, ents []*raftpb.Entry) error
	// ApplySnapshot replaces the log with the snapshot's metadata point
	// (a snapshot received from the leader; its Data is empty, the
	// transport stored the file): entries up to its index are no longer
	// available and entries after it are discarded. It returns once that
	// is durable.
	ApplySnapshot(snap *raftpb.Snapshot) error
}

// Trimmer is a Storage that need not keep every entry in memory: after
// each Ready, the raft loop tells it the last entry handed to the
// consumer, which raft will not ask to apply again (DiskStorage).
type Trimmer interface {
	Trim(delivered uint64)
}

// ErrTemporary marks a Save failure that left the storage unchanged and
// may pass (disk space running out while a new WAL segment is prepared).
var ErrTemporary = errors.New("raftnode: temporary storage failure")

// MemoryStorage is a Storage kept in memory: nothing survives the process.
// It is safe for concurrent use.
type MemoryStorage struct {
	ms *raft.MemoryStorage
}

// NewMemoryStorage returns an empty MemoryStorage.
func NewMemoryStorage() *MemoryStorage {
	return &MemoryStorage{ms: raft.NewMemoryStorage()}
}

// InitialState implements raft.Storage.
func (s *MemoryStorage) InitialState() (*raftpb.HardState, *raftpb.ConfState, error) {
	return s.ms.InitialState()
}

// Entries implements raft.Storage.
func (s *MemoryStorage) Entries(lo, hi, maxSize uint64) ([]*raftpb.Entry, error) {
	return s.ms.Entries(lo, hi, maxSize)
}

// Term implements raft.Storage.
func (s *MemoryStorage) Term(i uint64) (uint64, error) { return s.ms.Term(i) }

// LastIndex implements raft.Storage.
func (s *MemoryStorage) LastIndex() (uint64, error) { return s.ms.LastIndex() }

// FirstIndex implements raft.Storage.
func (s *MemoryStorage) FirstIndex() (uint64, error) { return s.ms.FirstIndex() }

// Snapshot implements raft.Storage.
func (s *MemoryStorage) Snapshot() (*raftpb.Snapshot, error) { return s.ms.Snapshot() }

// Save implements Storage.
func (s *MemoryStorage) Save(hs *raftpb.HardState, ents []*raftpb.Entry) error {
	if !raft.IsEmptyHardState(hs) {
		if err := s.ms.SetHardState(hs); err != nil {
			return fmt.Errorf("set hard state: %w", err)
		}
	}
	if err := s.ms.Append(ents); err != nil {
		return fmt.Errorf("append entries: %w", err)
	}
	return nil
}

// ApplySnapshot implements Storage.
func (s *MemoryStorage) ApplySnapshot(snap *raftpb.Snapshot) error {
	if err := s.ms.ApplySnapshot(snap); err != nil {
		return fmt.Errorf("apply snapshot: %w", err)
	}
	return nil
}
