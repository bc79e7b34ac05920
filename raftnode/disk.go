package raftnode

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"

	"google.golang.org/protobuf/proto"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/zkd-io/zkd/storage/wal"
)

// DiskStorage is a Storage whose log is a write-ahead log: Save returns
// only after the WAL has appended and fsynced the HardState and entries,
// and raft reads the log back from an in-memory copy of its tail and, for
// older entries, from the WAL's segments.
//
// The consumer's snapshots (package snap holds the files) bound the log:
// CreateSnapshot records in the WAL that a durable snapshot covers the log
// up to an index, and Compact then forgets entries behind it and releases
// WAL segments. On restart, OpenDiskStorage starts from the snapshot the
// consumer loaded and replays only the entries after it. A snapshot
// received from the leader (ApplySnapshot) replaces the log.
//
// Memory holds only the newest entries: once raft has handed the
// committed entries to the consumer (Trim, called by the raft loop), the
// entries more than KeepInMemory behind them leave memory, and raft reads
// them, when a lagging follower needs them, from the WAL (wal.ReadEntries,
// checksums verified), with their terms kept in memory as runs. A member
// under steady writes thus holds a few thousand entries instead of every
// entry since its last snapshot (up to snapCount, 100,000 by default).
// Entries that leave memory are committed and applied, so raft never
// overwrites them. A failed read is logged and reported to raft as
// ErrCompacted, which makes it send the follower a snapshot instead.
type DiskStorage struct {
	*MemoryStorage
	wal *wal.WAL
	log *slog.Logger

	mu   sync.Mutex
	snap *raftpb.SnapshotMetadata // the newest snapshot, which Snapshot reports
	// cold is the index of the first entry that is only in the WAL, 0 when
	// memory holds the whole log; entries cold to the memory's offset
	// (its dummy entry) are read back from the WAL.
	cold uint64
	// terms are the terms of entries cold-1 up to the memory's offset:
	// each run gives the term from its index to the next run's.
	terms []termRun
	keep  uint64 // entries kept in memory behind the delivered index
}

// termRun says entries from index on have term term.
type termRun struct{ index, term uint64 }

// DefaultKeepInMemory is how many entries behind the last one delivered
// to the consumer stay in memory: a follower that far behind catches up
// from memory, one further behind from the WAL.
const DefaultKeepInMemory = 8192

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
	d := &DiskStorage{MemoryStorage: ms, wal: w, log: slog.Default(), keep: DefaultKeepInMemory}
	d.snap = &raftpb.SnapshotMetadata{Index: new(uint64), Term: new(uint64), ConfState: &raftpb.ConfState{}}
	if base != nil {
		d.snap = proto.CloneOf(base)
	}
	return d, nil
}

// KeepInMemory sets how many entries behind the last one delivered stay in
// memory (0: all of them, until a snapshot compacts them).
func (d *DiskStorage) KeepInMemory(n uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.keep = n
}

// SetLogger sets where failed reads of old entries are reported.
func (d *DiskStorage) SetLogger(log *slog.Logger) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log = log
}

// offset is the index of the memory log's dummy entry (the entry before
// the first one held in memory); the caller holds d.mu.
func (d *DiskStorage) offset() uint64 {
	first, _ := d.ms.FirstIndex()
	return first - 1
}

// FirstIndex implements raft.Storage: the first entry in memory or, when
// older ones were trimmed, in the WAL.
func (d *DiskStorage) FirstIndex() (uint64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cold != 0 {
		return d.cold, nil
	}
	return d.ms.FirstIndex()
}

// Term implements raft.Storage.
func (d *DiskStorage) Term(i uint64) (uint64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cold != 0 && i+1 >= d.cold && i < d.offset() {
		k, _ := slices.BinarySearchFunc(d.terms, i, func(r termRun, i uint64) int { return cmp.Compare(r.index, i+1) })
		return d.terms[k-1].term, nil
	}
	if d.cold != 0 && i+1 < d.cold {
		return 0, raft.ErrCompacted
	}
	return d.ms.Term(i)
}

// Entries implements raft.Storage: entries still in memory come from
// there, older ones from the WAL.
func (d *DiskStorage) Entries(lo, hi, maxSize uint64) ([]*raftpb.Entry, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	off := d.offset()
	if d.cold == 0 || lo > off {
		return d.ms.Entries(lo, hi, maxSize)
	}
	if lo < d.cold {
		return nil, raft.ErrCompacted
	}
	diskHi := min(hi, off+1)
	ents, err := d.wal.ReadEntries(lo, diskHi, maxSize)
	if err != nil {
		d.log.Error("raftnode: reading old entries back from the wal failed; a follower that needs them gets a snapshot",
			"from", lo, "to", diskHi-1, "err", err)
		return nil, raft.ErrCompacted
	}
	if uint64(len(ents)) < diskHi-lo || hi == diskHi {
		return ents, nil
	}
	size := uint64(0)
	for _, e := range ents {
		size += uint64(proto.Size(e))
	}
	more, err := d.ms.Entries(off+1, hi, maxSize)
	if err != nil {
		return ents, nil
	}
	for _, e := range more {
		if size += uint64(proto.Size(e)); size > maxSize {
			break
		}
		ents = append(ents, e)
	}
	return ents, nil
}

// Snapshot implements raft.Storage: the newest snapshot's metadata.
func (d *DiskStorage) Snapshot() (*raftpb.Snapshot, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return &raftpb.Snapshot{Metadata: proto.CloneOf(d.snap)}, nil
}

// Trim drops from memory the entries more than KeepInMemory behind
// delivered, the last entry raft handed to the consumer, once memory holds
// twice that many (so that the memory log is copied once per KeepInMemory
// entries, not on every call). The raft loop calls it after each Ready.
func (d *DiskStorage) Trim(delivered uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	off := d.offset()
	last, _ := d.ms.LastIndex()
	if d.keep == 0 || last-off <= 2*d.keep || delivered <= off+d.keep {
		return
	}
	to := min(delivered, last) - d.keep
	start := d.cold
	if start == 0 {
		// The WAL may have released the segments of the oldest entries in
		// memory (they are in a snapshot): those leave the log.
		if pf := d.wal.FirstPosition(); pf == 0 {
			start = to + 1
		} else {
			start = max(off+1, pf)
		}
	}
	if start <= to {
		ents, err := d.ms.Entries(max(start, off+1), to+1, math.MaxUint64)
		if err != nil {
			return
		}
		if d.cold == 0 {
			t, err := d.ms.Term(start - 1)
			if err != nil {
				return
			}
			d.cold = start
			d.terms = append(d.terms[:0], termRun{index: start - 1, term: t})
		}
		for _, e := range ents {
			if e.GetTerm() != d.terms[len(d.terms)-1].term {
				d.terms = append(d.terms, termRun{index: e.GetIndex(), term: e.GetTerm()})
			}
		}
	}
	if err := d.ms.Compact(to); err != nil {
		d.log.Error("raftnode: trimming the memory log failed", "to", to, "err", err)
	}
}

// CreateSnapshot records that a durable snapshot covers the log up to
// index (its term is looked up here) with membership cs: raft's Snapshot
// reports it from now on and, once the marker is in the WAL, restart
// replays from there. Call it only after the snapshot file is durable.
func (d *DiskStorage) CreateSnapshot(index uint64, cs *raftpb.ConfState) error {
	term, err := d.Term(index)
	if err != nil {
		return fmt.Errorf("term of snapshot index %d: %w", index, err)
	}
	if err := d.wal.SaveSnapshot(wal.SnapshotMarker{Index: index, Term: term}); err != nil {
		return fmt.Errorf("save snapshot marker: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if index > d.snap.GetIndex() {
		d.snap = &raftpb.SnapshotMetadata{Index: new(index), Term: new(term), ConfState: proto.CloneOf(cs)}
	}
	return nil
}

// Compact drops the entries before keepFrom from the log and releases the
// WAL segments whose entries all lie below release. keepFrom must not
// exceed the newest snapshot's index + 1 and release must not exceed the
// WAL's snapshot marker; the caller keeps some entries for lagging peers
// and releases only what the oldest retained snapshot no longer needs.
// The WAL keeps the segments of the entries no longer in memory that are
// at or above keepFrom.
func (d *DiskStorage) Compact(keepFrom, release uint64) error {
	d.mu.Lock()
	off := d.offset()
	switch {
	case d.cold != 0 && keepFrom > d.cold && keepFrom <= off:
		d.coldFrom(keepFrom)
	case keepFrom > off+1:
		d.cold, d.terms = 0, nil
		if err := d.ms.Compact(keepFrom - 1); err != nil && !errors.Is(err, raft.ErrCompacted) {
			d.mu.Unlock()
			return fmt.Errorf("compact log in memory: %w", err)
		}
	case d.cold != 0 && keepFrom > off:
		d.cold, d.terms = 0, nil
	}
	if d.cold != 0 {
		release = min(release, d.cold) // keep what raft may read back
	}
	d.mu.Unlock()
	if err := d.wal.ReleaseTo(release); err != nil {
		return fmt.Errorf("release wal segments: %w", err)
	}
	// Should Trim have moved entries out of memory meanwhile, those whose
	// segments just went (they are in the snapshot) leave the log.
	d.mu.Lock()
	if d.cold != 0 {
		if pf := d.wal.FirstPosition(); pf == 0 || pf > d.offset() {
			d.cold, d.terms = 0, nil
		} else if pf > d.cold {
			d.coldFrom(pf)
		}
	}
	first := d.cold
	if first == 0 {
		first, _ = d.ms.FirstIndex()
	}
	d.mu.Unlock()
	d.wal.Forget(first)
	return nil
}

// coldFrom makes index, which is among the entries only in the WAL, the
// first entry of the log; the caller holds d.mu.
func (d *DiskStorage) coldFrom(index uint64) {
	k, _ := slices.BinarySearchFunc(d.terms, index-1, func(r termRun, i uint64) int { return cmp.Compare(r.index, i+1) })
	d.terms = slices.Clone(d.terms[k-1:])
	d.terms[0].index = index - 1
	d.cold = index
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
	d.mu.Lock()
	defer d.mu.Unlock()
	if cur := d.snap.GetIndex(); m.GetIndex() <= cur {
		return fmt.Errorf("install snapshot at %d: %w (have %d)", m.GetIndex(), raft.ErrSnapOutOfDate, cur)
	}
	if err := d.wal.InstallSnapshot(wal.SnapshotMarker{Index: m.GetIndex(), Term: m.GetTerm()}); err != nil {
		return fmt.Errorf("save installed snapshot marker: %w", err)
	}
	if err := d.MemoryStorage.ApplySnapshot(&raftpb.Snapshot{Metadata: m}); err != nil {
		return err
	}
	d.snap = proto.CloneOf(m)
	d.cold, d.terms = 0, nil
	return nil
}

// Close closes the WAL.
func (d *DiskStorage) Close() error { return d.wal.Close() }
