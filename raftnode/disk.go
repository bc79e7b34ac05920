package raftnode

import (
	"errors"
	"fmt"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/zkd-io/zkd/storage/wal"
)

// DiskStorage is a Storage whose log is a write-ahead log: Save returns
// only after the WAL has appended and fsynced the HardState and entries,
// and raft reads the log back from an in-memory copy kept beside it.
//
// Restart replays the WAL into memory; raft then hands every committed
// entry to the consumer again, which rebuilds its state from them.
// Snapshots (and with them log compaction) are not wired in yet: a WAL that
// carries a snapshot marker is refused.
type DiskStorage struct {
	*MemoryStorage
	wal *wal.WAL
}

// OpenDiskStorage replays w and returns a Storage backed by it.
func OpenDiskStorage(w *wal.WAL) (*DiskStorage, error) {
	hs, ents, snap, err := w.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("replay wal: %w", err)
	}
	if snap.Index != 0 {
		return nil, errors.New("raftnode: the wal starts at a snapshot, which this version cannot load")
	}
	ms := NewMemoryStorage()
	if hs != nil && !raft.IsEmptyHardState(hs) {
		if err := ms.ms.SetHardState(hs); err != nil {
			return nil, fmt.Errorf("restore hard state: %w", err)
		}
	}
	if len(ents) > 0 {
		if err := ms.ms.Append(ents); err != nil {
			return nil, fmt.Errorf("restore entries: %w", err)
		}
	}
	return &DiskStorage{MemoryStorage: ms, wal: w}, nil
}

// Save makes hs and ents durable in the WAL, then visible to raft.
func (d *DiskStorage) Save(hs *raftpb.HardState, ents []*raftpb.Entry) error {
	if err := d.wal.Save(hs, ents); err != nil {
		return fmt.Errorf("save to wal: %w", err)
	}
	return d.MemoryStorage.Save(hs, ents)
}

// ApplySnapshot is refused until snapshots are wired to the WAL.
func (d *DiskStorage) ApplySnapshot(snap *raftpb.Snapshot) error {
	return errors.New("raftnode: receiving snapshots is not supported by DiskStorage yet")
}

// Close closes the WAL.
func (d *DiskStorage) Close() error { return d.wal.Close() }
