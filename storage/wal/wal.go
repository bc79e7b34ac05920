package wal

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/zkd-io/zkd/storage"
)

// Defaults for Options.
const (
	DefaultSegmentSize = 64 << 20
	DefaultSlowSync    = time.Second
	// MinSegmentSize is the smallest SegmentSize Open accepts.
	MinSegmentSize = 4096
)

// Options configure Open.
type Options struct {
	// Dir holds the segments; Open creates it on first use.
	Dir string
	// FS does every file operation; nil means storage.OS{}.
	FS storage.FS
	// SegmentSize is the pre-allocated size of a segment; 0 means
	// DefaultSegmentSize.
	SegmentSize int64
	// Logger gets repairs and slow fsyncs; nil discards them.
	Logger *slog.Logger
	// SlowSync: fsyncs slower than this are logged; 0 means DefaultSlowSync.
	SlowSync time.Duration
	// NodeID and ClusterID are recorded in every segment of a new log; an
	// existing log with other ids is refused. Zero accepts whatever the log
	// records (for tools that inspect a log).
	NodeID, ClusterID uint64
}

func (o *Options) validate() error {
	if o.Dir == "" {
		return errors.New("no directory")
	}
	if o.FS == nil {
		o.FS = storage.OS{}
	}
	if o.SegmentSize == 0 {
		o.SegmentSize = DefaultSegmentSize
	}
	if o.SegmentSize < MinSegmentSize {
		return fmt.Errorf("segment size %d below the minimum %d", o.SegmentSize, MinSegmentSize)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SlowSync == 0 {
		o.SlowSync = DefaultSlowSync
	}
	return nil
}

// WAL is an open write-ahead log.
type WAL struct {
	mu   sync.Mutex
	opts Options
	fs   storage.FS
	log  *slog.Logger

	segs []segment    // live segments, oldest first
	f    storage.File // the last segment, open for appending
	path string       // its path
	off  int64        // where the next record goes in f
	// zeroed: f holds written zeros (or records) up to here.
	zeroed int64
	// headEnd is where the last segment's head records end; cutting a
	// segment that holds nothing more would not make room.
	headEnd int64
	crc     uint32 // record CRC of the last record written

	last uint64 // index of the last entry, or of the snapshot marker if higher
	hs   hardState
	snap SnapshotMarker
	ids  [2]uint64 // node id, cluster id

	pos positions // where the entries are, for ReadEntries

	buf       []byte
	failed    error // sticky: set by a failed write or fsync
	unsynced  bool  // the live segment ends with records not yet fsynced
	closed    bool
	recovered *replay // what Open read, until ReadAll hands it out
}

// Open opens the log in opts.Dir, creating it if there is none, verifies
// and replays every segment (repairing a torn tail of the last one), and
// returns a WAL ready to append. ReadAll returns what it replayed.
func Open(opts Options) (*WAL, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("wal: open: %w", err)
	}
	w := &WAL{opts: opts, fs: opts.FS, log: opts.Logger, ids: [2]uint64{opts.NodeID, opts.ClusterID}}
	if err := w.ensureDir(); err != nil {
		return nil, fmt.Errorf("wal: open %s: %w", opts.Dir, err)
	}
	segs, err := listSegments(w.fs, opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("wal: open: %w", err)
	}
	if len(segs) == 0 {
		w.recovered = &replay{}
		if err := w.cut(1); err != nil {
			return nil, fmt.Errorf("wal: create: %w", err)
		}
		return w, nil
	}
	if err := w.recover(segs); err != nil {
		if w.f != nil {
			w.f.Close()
		}
		if errors.Is(err, ErrCorrupt) || errors.Is(err, ErrMissingSegment) ||
			errors.Is(err, ErrIndexGap) || errors.Is(err, ErrIdentity) {
			return nil, err
		}
		return nil, fmt.Errorf("wal: open: %w", err)
	}
	return w, nil
}

// ensureDir creates the log's directory, durably, if it does not exist.
func (w *WAL) ensureDir() error {
	fi, err := w.fs.Stat(w.opts.Dir)
	if err == nil {
		if !fi.IsDir() {
			return errors.New("not a directory")
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := w.fs.MkdirAll(w.opts.Dir, 0o750); err != nil {
		return err
	}
	return w.fs.SyncDir(filepath.Dir(filepath.Clean(w.opts.Dir)))
}

// recover reads and verifies every segment, repairs a torn tail and leaves
// the last segment open for appending.
func (w *WAL) recover(segs []segment) error {
	dir := w.opts.Dir
	if err := checkSequence(dir, segs); err != nil {
		return err
	}
	r := &replay{dir: dir}
	var chain uint32
	for i, seg := range segs {
		path := filepath.Join(dir, seg.name())
		last := i == len(segs)-1
		var data []byte
		var err error
		if last {
			if w.f, err = w.fs.OpenFile(path, os.O_RDWR, 0); err == nil {
				data, err = readAll(w.f)
			}
		} else {
			data, err = readSegment(w.fs, path)
		}
		if err != nil {
			return fmt.Errorf("read segment: %w", err)
		}
		s, err := scanSegment(dir, path, data, seg, chain, i == 0, last,
			func(typ byte, payload []byte, off int, seed uint32) error {
				return r.record(typ, payload, path, entryPos{seq: seg.seq, off: int64(off), seed: seed, size: uint32(frameSize(len(payload)))})
			})
		if err != nil {
			return err
		}
		if err := w.checkIDs(s.meta, path); err != nil {
			return err
		}
		chain = s.crc
		if last {
			if s.torn {
				if err := w.repair(path, data, s.end); err != nil {
					return err
				}
			}
			w.path, w.off, w.crc = path, int64(s.end), s.crc
			w.zeroed = w.off
			w.headEnd = int64(frameSize(metadataSize))
		}
	}
	if err := r.finish(); err != nil {
		return err
	}
	w.segs = segs
	w.hs, w.snap = r.hs, r.snap
	w.pos = r.pos
	w.last = r.snap.Index
	if n := len(r.ents); n > 0 {
		w.last = r.ents[n-1].GetIndex()
	}
	w.recovered = r
	return nil
}

// checkIDs compares a segment's identity with the options and the
// segments before it.
func (w *WAL) checkIDs(m metadata, path string) error {
	for i, got := range [2]uint64{m.nodeID, m.clusterID} {
		if w.ids[i] == 0 {
			w.ids[i] = got
		}
	}
	if m.nodeID != w.ids[0] || m.clusterID != w.ids[1] {
		return fmt.Errorf("%w: %s was written by node %d of cluster %d, but this is node %d of cluster %d; "+
			"point the member at its own data directory, or move %s aside to start this member empty",
			ErrIdentity, path, m.nodeID, m.clusterID, w.ids[0], w.ids[1], w.opts.Dir)
	}
	return nil
}

// repair zeroes a torn tail of the last segment from end on and makes that
// durable.
func (w *WAL) repair(path string, data []byte, end int) error {
	size := int64(len(data))
	if size > w.opts.SegmentSize {
		if err := w.f.Truncate(max(int64(end), w.opts.SegmentSize)); err != nil {
			return fmt.Errorf("repair %s: %w", path, err)
		}
		data = data[:max(int64(end), w.opts.SegmentSize)]
	}
	dirty := end + dataEnd(data[end:])
	if err := zeroRange(w.f, int64(end), int64(dirty)); err != nil {
		return fmt.Errorf("repair %s: %w", path, err)
	}
	if err := w.sync(w.f, path); err != nil {
		return fmt.Errorf("repair %s: %w", path, err)
	}
	w.log.Warn("wal: truncated a torn write at the end of the log",
		"file", path, "offset", end, "bytes", dirty-end)
	return nil
}

// zeroRange overwrites [from, to) of f with zeros.
func zeroRange(f storage.File, from, to int64) error {
	if to <= from {
		return nil
	}
	buf := make([]byte, min(to-from, 64<<10))
	for off := from; off < to; {
		n := min(int64(len(buf)), to-off)
		if _, err := f.WriteAt(buf[:n], off); err != nil {
			return err
		}
		off += n
	}
	return nil
}

// ReadAll returns what Open replayed: the last HardState (empty if none),
// the entries after the newest snapshot marker, and that marker (zero if
// none). Entries are fresh allocations the caller may keep. It may be
// called once (or ReadAllFrom instead); later calls return an error.
func (w *WAL) ReadAll() (hs *raftpb.HardState, ents []*raftpb.Entry, snap SnapshotMarker, err error) {
	r, err := w.takeRecovered()
	if err != nil {
		return nil, nil, SnapshotMarker{}, err
	}
	return r.hs.proto(), after(r.ents, r.snap.Index), r.snap, nil
}

// takeRecovered hands out what Open replayed, once.
func (w *WAL) takeRecovered() (*replay, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.recovered
	if r == nil {
		return nil, errors.New("wal: ReadAll called twice")
	}
	w.recovered = nil
	return r, nil
}

// ReadAllFrom is ReadAll returning the entries after index instead of
// after the marker: the state to replay onto is a snapshot at index, which
// may be older than the marker when the newest snapshot is unreadable. It
// fails with ErrIndexGap when the log no longer holds entry index+1 (it
// was released behind a newer snapshot).
func (w *WAL) ReadAllFrom(index uint64) (hs *raftpb.HardState, ents []*raftpb.Entry, snap SnapshotMarker, err error) {
	r, err := w.takeRecovered()
	if err != nil {
		return nil, nil, SnapshotMarker{}, err
	}
	if index < r.snap.Index && (len(r.ents) == 0 || r.ents[0].GetIndex() > index+1) {
		first := "none"
		if len(r.ents) > 0 {
			first = fmt.Sprint(r.ents[0].GetIndex())
		}
		return nil, nil, SnapshotMarker{}, fmt.Errorf("%w: %s: replaying from a snapshot at %d needs entry %d, but the log's first entry is %s (snapshot marker at %d); restore a newer snapshot or the directory from a backup",
			ErrIndexGap, w.opts.Dir, index, index+1, first, r.snap.Index)
	}
	return r.hs.proto(), after(r.ents, index), r.snap, nil
}

// after returns the entries of ents above index (ents is contiguous).
func after(ents []*raftpb.Entry, index uint64) []*raftpb.Entry {
	if len(ents) == 0 || ents[0].GetIndex() > index {
		return ents
	}
	drop := min(int(index-ents[0].GetIndex()+1), len(ents))
	return slices.Clone(ents[drop:])
}

// IDs returns the node and cluster id the log records.
func (w *WAL) IDs() (nodeID, clusterID uint64) { return w.ids[0], w.ids[1] }

// Close closes the log. Everything Saved is already durable.
func (w *WAL) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	w.recovered = nil
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("wal: close: %w", err)
	}
	return nil
}
