package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/zkd-io/zkd/storage"
)

// maxKeptBuf bounds the encode buffer kept between Saves.
const maxKeptBuf = 4 << 20

// Save appends ents, then hs when it is not empty, and returns after one
// fdatasync made them durable. ents must be consecutive, start after the
// snapshot marker and at most one past the last saved entry (or the
// marker); an entry at or below the last one replaces the saved tail from
// its index on. Saving nothing is a no-op.
//
// A HardState alone that changes only the commit index is written but not
// fsynced (the next fsync covers it): raft needs term and vote durable,
// not the commit index, which a restarted member learns again (etcd's
// MustSync rule). That halves the fsyncs of a busy member, whose every
// append is followed by a commit-only HardState.
func (w *WAL) Save(hs *raftpb.HardState, ents []*raftpb.Entry) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return err
	}
	h := hardStateOf(hs)
	if h.empty() && len(ents) == 0 {
		return nil
	}
	if err := w.checkEntries(ents); err != nil {
		return fmt.Errorf("wal: save: %w", err)
	}
	buf := w.buf[:0]
	for _, e := range ents {
		buf = appendEntry(buf, e)
	}
	if !h.empty() {
		buf = appendHardState(buf, h)
	}
	next := w.last + 1
	if len(ents) > 0 {
		next = ents[0].GetIndex()
	}
	mustSync := len(ents) > 0 || h.term != w.hs.term || h.vote != w.hs.vote
	at, seed, err := w.append(buf, next, mustSync)
	if err == nil && len(ents) > 0 {
		w.recordPositions(buf, len(ents), w.segs[len(w.segs)-1].seq, at, seed)
	}
	w.keep(buf)
	if err != nil {
		return fmt.Errorf("wal: save: %w", err)
	}
	if n := len(ents); n > 0 {
		w.last = ents[n-1].GetIndex()
	}
	if !h.empty() {
		w.hs = h
	}
	return nil
}

// checkEntries refuses a batch that would leave a hole in the log.
func (w *WAL) checkEntries(ents []*raftpb.Entry) error {
	for i, e := range ents {
		idx := e.GetIndex()
		switch {
		case i == 0 && (idx <= w.snap.Index || idx > w.last+1):
			return fmt.Errorf("%w: first entry %d must follow the snapshot marker at %d and be at most one past the last entry %d",
				ErrIndexGap, idx, w.snap.Index, w.last)
		case i > 0 && idx != ents[i-1].GetIndex()+1:
			return fmt.Errorf("%w: entry %d follows entry %d in one batch", ErrIndexGap, idx, ents[i-1].GetIndex())
		}
	}
	return nil
}

// SaveSnapshot records that a snapshot covers the log up to m.Index and
// returns once that is durable. Call it after the snapshot itself is
// durable; entries at or below m.Index are no longer replayed.
func (w *WAL) SaveSnapshot(m SnapshotMarker) error {
	return w.saveMarker(m, false)
}

// InstallSnapshot records a snapshot received from the leader, which
// replaces the log: like SaveSnapshot, and the log now ends at m.Index, so
// the next entry saved must be m.Index+1. raft installs a snapshot only
// when the log does not hold its index with its term, so replay drops
// every entry written before the marker (doc.go, Replay); entries after
// m.Index that the log still holds are dead and are never replayed.
func (w *WAL) InstallSnapshot(m SnapshotMarker) error {
	return w.saveMarker(m, true)
}

// saveMarker appends a snapshot marker; reset makes it the log's end.
func (w *WAL) saveMarker(m SnapshotMarker, reset bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return err
	}
	last := max(w.last, m.Index)
	if reset {
		last = m.Index
	}
	buf := appendSnapshot(w.buf[:0], m)
	_, _, err := w.append(buf, last+1, true)
	w.keep(buf)
	if err != nil {
		return fmt.Errorf("wal: save snapshot marker: %w", err)
	}
	if reset {
		w.pos.reset()
	}
	w.snap = m
	w.last = last
	return nil
}

func (w *WAL) usable() error {
	switch {
	case w.closed:
		return ErrClosed
	case w.failed != nil:
		return w.failed
	}
	return nil
}

func (w *WAL) keep(buf []byte) {
	if cap(buf) <= maxKeptBuf {
		w.buf = buf[:0]
	} else {
		w.buf = nil
	}
}

// append writes encoded records and, when mustSync, fsyncs them, cutting
// a new segment first if they do not fit; next names that segment. It
// returns where in the last segment buf went and the record CRC its first
// record is chained from.
func (w *WAL) append(buf []byte, next uint64, mustSync bool) (at int64, seed uint32, err error) {
	if w.off+int64(len(buf)) > w.opts.SegmentSize && w.off > w.headEnd {
		if err := w.cut(next); err != nil {
			return 0, 0, err
		}
	}
	if err := w.zeroAhead(w.off + int64(len(buf))); err != nil {
		return 0, 0, err
	}
	at, seed = w.off, w.crc
	crc := seal(buf, seed)
	if _, err := w.f.WriteAt(buf, at); err != nil {
		return 0, 0, w.fail(fmt.Errorf("write %s: %w", w.path, err))
	}
	if mustSync {
		if err := w.sync(w.f, w.path); err != nil {
			return 0, 0, err
		}
	}
	w.unsynced = !mustSync
	w.off += int64(len(buf))
	w.crc = crc
	return at, seed, nil
}

// zeroAheadBytes is how far past the records the live segment is
// overwritten with zeros.
const zeroAheadBytes = 1 << 20

// zeroAhead overwrites the pre-allocated space after end with real zeros,
// a megabyte at a time. Pre-allocated blocks are "unwritten" to the
// filesystem, and the first write to each costs the fdatasync that covers
// it a metadata update; written zeros make later appends pure data writes.
func (w *WAL) zeroAhead(end int64) error {
	if end <= w.zeroed || w.zeroed >= w.opts.SegmentSize {
		return nil
	}
	to := min(w.opts.SegmentSize, end+zeroAheadBytes)
	if err := zeroRange(w.f, max(w.zeroed, end), to); err != nil {
		return w.fail(fmt.Errorf("write %s: %w", w.path, err))
	}
	w.zeroed = to
	return nil
}

// cut starts a new segment named for index next: temp file, pre-allocate,
// head records, fsync, rename, directory fsync. Until the rename nothing
// of the log changed, so failing before it leaves the WAL usable.
func (w *WAL) cut(next uint64) error {
	// A segment that is no longer the last must hold only durable
	// records: recovery repairs a torn tail in the last segment only.
	if w.unsynced && w.f != nil {
		if err := w.sync(w.f, w.path); err != nil {
			return err
		}
		w.unsynced = false
	}
	seg := segment{index: next}
	if n := len(w.segs); n > 0 {
		seg.seq = w.segs[n-1].seq + 1
	}
	path := filepath.Join(w.opts.Dir, seg.name())
	tmp := path + tmpExt
	f, err := w.fs.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("cut segment: %w", err)
	}
	abandon := func(err error) error {
		f.Close()
		w.fs.Remove(tmp)
		return fmt.Errorf("cut segment %s: %w", seg.name(), err)
	}
	if err := preallocate(f, w.opts.SegmentSize); err != nil {
		return abandon(err)
	}
	buf := appendMetadata(nil, metadata{
		version: formatVersion, prevCRC: w.crc, seq: seg.seq, index: seg.index,
		nodeID: w.ids[0], clusterID: w.ids[1],
	})
	if !w.hs.empty() {
		buf = appendHardState(buf, w.hs)
	}
	if w.snap != (SnapshotMarker{}) {
		buf = appendSnapshot(buf, w.snap)
	}
	crc := seal(buf, w.crc)
	if _, err := f.WriteAt(buf, 0); err != nil {
		return abandon(err)
	}
	if err := w.sync(f, tmp); err != nil {
		return abandon(err)
	}
	if err := w.fs.Rename(tmp, path); err != nil {
		return abandon(err)
	}
	if err := w.syncDir(); err != nil {
		f.Close()
		return err
	}
	if w.f != nil {
		if err := w.f.Close(); err != nil {
			w.log.Warn("wal: close finished segment", "file", w.path, "err", err)
		}
	}
	w.segs = append(w.segs, seg)
	w.f, w.path = f, path
	w.off = int64(len(buf))
	w.headEnd = w.off
	w.zeroed = w.off
	w.crc = crc
	return nil
}

// ReleaseTo deletes the oldest segments whose entries are all below index,
// keeping the one that holds index, and never the last segment. index must
// not exceed the snapshot marker: what it releases must be in a snapshot.
func (w *WAL) ReleaseTo(index uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return err
	}
	if index > w.snap.Index {
		return fmt.Errorf("%w: asked to release below %d, snapshot marker at %d", ErrNotSnapshotted, index, w.snap.Index)
	}
	// Entries still live in segments before segs[i+1] are below its index.
	drop := 0
	for i := 0; i+1 < len(w.segs); i++ {
		if w.segs[i+1].index <= index {
			drop = i + 1
		}
	}
	if drop == 0 {
		return nil
	}
	for i := range drop {
		if err := w.fs.Remove(filepath.Join(w.opts.Dir, w.segs[i].name())); err != nil {
			w.segs = w.segs[i:]
			return fmt.Errorf("wal: release: %w", err)
		}
	}
	w.segs = w.segs[drop:]
	w.pos.dropSegmentsBefore(w.segs[0].seq)
	if err := w.syncDir(); err != nil {
		return fmt.Errorf("wal: release: %w", err)
	}
	return nil
}

// sync fdatasyncs f, logs it when slow, and makes a failure sticky.
func (w *WAL) sync(f storage.File, path string) error {
	start := time.Now()
	err := fdatasync(f)
	if took := time.Since(start); took > w.opts.SlowSync {
		w.log.Warn("wal: slow fsync", "file", path, "took", took, "threshold", w.opts.SlowSync)
	}
	if err != nil {
		return w.fail(fmt.Errorf("fsync %s: %w", path, err))
	}
	return nil
}

func (w *WAL) syncDir() error {
	start := time.Now()
	err := w.fs.SyncDir(w.opts.Dir)
	if took := time.Since(start); took > w.opts.SlowSync {
		w.log.Warn("wal: slow directory fsync", "dir", w.opts.Dir, "took", took, "threshold", w.opts.SlowSync)
	}
	if err != nil {
		return w.fail(fmt.Errorf("fsync directory %s: %w", w.opts.Dir, err))
	}
	return nil
}

// fail makes err sticky: every later write returns it, wrapped in
// ErrFailed.
func (w *WAL) fail(err error) error {
	if w.failed == nil {
		w.failed = fmt.Errorf("%w: %w", ErrFailed, err)
	}
	return err
}
