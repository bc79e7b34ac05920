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
// The consumer's snapshots (package snap holds the files) bound the log:
// CreateSnapshot records in the WAL that a durable snapshot covers the log
// up to an index, and Compact then drops entries behind it from memory and
// releases WAL segments. On restart, OpenDiskStorage starts from the
// snapshot the consumer loaded and replays only the entries after it. A
// snapshot received from the leader (ApplySnapshot) replaces the log.
type DiskStorage struct {
	*MemoryStorage
	wal *wal.WAL
}

// OpenDiskStorage replays w onto base, the metadata of the snapshot the
// consumer restored its state from (nil when it starts from nothing), and
// returns a Storage backed by w. It refuses a log whose entries do not
// reach back to base, and a log that has a snapshot marker when base is
// nil (its beginning would be missing).
func OpenDiskStorage(w *wal.WAL, base *raftpb.SnapshotMetadata) (*DiskStorage, error) {
	from := uint64(0)
	if base != nil {
		from = base.GetIndex()
	}
	hs, ents, marker, err := w.ReadAllFrom(from)
	if err != nil {
		return nil, fmt.Errorf("replay wal: %w", err)
	}
	if base == nil && marker.Index != 0 {
		return nil, fmt.Errorf("raftnode: the wal starts after a snapshot at index %d, but no snapshot was loaded; restore the snapshot directory or the whole data directory from a backup", marker.Index)
	}
	if len(ents) > 0 && ents[0].GetIndex() != from+1 {
		return nil, fmt.Errorf("raftnode: the wal's entries start at %d, but the loaded snapshot ends at %d", ents[0].GetIndex(), from)
	}
	ms := NewMemoryStorage()
	if base != nil && base.GetIndex() > 0 {
		if err := ms.ms.ApplySnapshot(&raftpb.Snapshot{Metadata: base}); err != nil {
			return nil, fmt.Errorf("restore snapshot metadata: %w", err)
		}
	}
	if hs != nil && !raft.IsEmptyHardState(hs) {
		if hs.GetCommit() < from {
			hs.Commit = &from
		}
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

// CreateSnapshot records that a durable snapshot covers the log up to
// index (its term is looked up here) with membership cs: raft's Snapshot
// reports it from now on and, once the marker is in the WAL, restart
// replays from there. Call it only after the snapshot file is durable.
func (d *DiskStorage) CreateSnapshot(index uint64, cs *raftpb.ConfState) error {
	term, err := d.ms.Term(index)
	if err != nil {
		return fmt.Errorf("term of snapshot index %d: %w", index, err)
	}
	if err := d.wal.SaveSnapshot(wal.SnapshotMarker{Index: index, Term: term}); err != nil {
		return fmt.Errorf("save snapshot marker: %w", err)
	}
	if _, err := d.ms.CreateSnapshot(index, cs, nil); err != nil && !errors.Is(err, raft.ErrSnapOutOfDate) {
		return fmt.Errorf("record snapshot: %w", err)
	}
	return nil
}

// Compact drops the entries before keepFrom from memory and releases the
// WAL segments whose entries all lie below release. keepFrom must not
// exceed the newest snapshot's index + 1 and release must not exceed the
// WAL's snapshot marker; the caller keeps some entries for lagging peers
// and releases only what the oldest retained snapshot no longer needs.
func (d *DiskStorage) Compact(keepFrom, release uint64) error {
	if first, _ := d.ms.FirstIndex(); keepFrom > first {
		if err := d.ms.Compact(keepFrom - 1); err != nil && !errors.Is(err, raft.ErrCompacted) {
			return fmt.Errorf("compact log in memory: %w", err)
		}
	}
	if err := d.wal.ReleaseTo(release); err != nil {
		return fmt.Errorf("release wal segments: %w", err)
	}
	return nil
}

// Save makes hs and ents durable in the WAL, then visible to raft.
// A WAL failure that left the log untouched (it is not sticky: ENOSPC
// while preparing a new segment) is reported as ErrTemporary.
func (d *DiskStorage) Save(hs *raftpb.HardState, ents []*raftpb.Entry) error {
	if err := d.wal.Save(hs, ents); err != nil {
		if !errors.Is(err, wal.ErrFailed) && !errors.Is(err, wal.ErrClosed) && !errors.Is(err, wal.ErrIndexGap) {
			return fmt.Errorf("save to wal: %w: %w", ErrTemporary, err)
		}
		return fmt.Errorf("save to wal: %w", err)
	}
	return d.MemoryStorage.Save(hs, ents)
}

// ApplySnapshot installs a snapshot received from the leader (its file is
// already in place; raft passes only the metadata): the WAL records it as
// the log's new base and end (wal.InstallSnapshot), then the in-memory log
// is replaced by it. A restart then needs that snapshot: OpenDiskStorage
// refuses an older base.
func (d *DiskStorage) ApplySnapshot(snap *raftpb.Snapshot) error {
	m := snap.GetMetadata()
	if cur, err := d.ms.Snapshot(); err == nil && m.GetIndex() <= cur.GetMetadata().GetIndex() {
		return fmt.Errorf("install snapshot at %d: %w (have %d)", m.GetIndex(), raft.ErrSnapOutOfDate, cur.GetMetadata().GetIndex())
	}
	if err := d.wal.InstallSnapshot(wal.SnapshotMarker{Index: m.GetIndex(), Term: m.GetTerm()}); err != nil {
		return fmt.Errorf("save installed snapshot marker: %w", err)
	}
	return d.MemoryStorage.ApplySnapshot(&raftpb.Snapshot{Metadata: m})
}

// Close closes the WAL.
func (d *DiskStorage) Close() error { return d.wal.Close() }
