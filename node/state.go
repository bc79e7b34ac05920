package node

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"go.etcd.io/raft/v3/raftpb"
	gproto "google.golang.org/protobuf/proto"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/fsm"
	"github.com/zkd-io/zkd/raftnode"
	"github.com/zkd-io/zkd/storage"
	"github.com/zkd-io/zkd/storage/snap"
	"github.com/zkd-io/zkd/storage/wal"
)

// Directory names under dataDir (snapshots) and dataLogDir (the WAL).
// ZooKeeper keeps its files in version-2, so both can share a directory.
const (
	walDirName  = "zkd-wal"
	snapDirName = "zkd-snap"
)

// catchUpEntries is how many entries behind a snapshot stay in memory for
// members that lag a little (etcd keeps the same number).
const catchUpEntries = 5000

// state is a node's durable state: identity, snapshots and the WAL under
// the raft storage. It also writes the snapshots the server asks for.
type state struct {
	ident  identity
	snaps  *snap.Store
	disk   *raftnode.DiskStorage
	retain int  // snapshots kept by purging
	purge  bool // autopurge on
	// catchUp overrides catchUpEntries (tests make followers need a
	// snapshot sooner).
	catchUp int
	// confState reports the raft membership to record in a snapshot.
	confState func() *raftpb.ConfState

	wg sync.WaitGroup // snapshot goroutines
}

// restored is what openState recovered.
type restored struct {
	fsm  *fsm.FSM
	base *raftpb.SnapshotMetadata // nil without a snapshot
}

// applied is the log index the restored FSM reflects (0 without a
// snapshot).
func (r restored) applied() uint64 { return r.base.GetIndex() }

// openState checks the data directory's identity, restores the FSM from
// the newest valid snapshot (an invalid newer one is skipped with a
// warning) and opens the WAL from there.
func openState(cfg config.Config, fsys storage.FS, log *slog.Logger, fcfg fsm.Config, node, cluster, incarnation uint64, segSize int64) (*state, restored, error) {
	logDir := cfg.DataLogDir
	if logDir == "" {
		logDir = cfg.DataDir
	}
	walDir := filepath.Join(logDir, walDirName)
	walOpts := func(cluster uint64) wal.Options {
		return wal.Options{Dir: walDir, FS: fsys, SegmentSize: segSize, NodeID: node, ClusterID: cluster,
			SlowSync: cfg.FsyncWarning, Logger: log.With("pkg", "wal")}
	}
	ident, err := loadIdentity(fsys, cfg.DataDir, node, cluster, incarnation, func() (uint64, bool, error) {
		if !hasSegments(fsys, walDir) {
			return 0, false, nil
		}
		w, err := wal.Open(walOpts(0))
		if err != nil {
			return 0, false, err
		}
		_, cluster := w.IDs()
		return cluster, true, w.Close()
	})
	if err != nil {
		return nil, restored{}, err
	}
	snaps, err := snap.Open(filepath.Join(cfg.DataDir, snapDirName), fsys)
	if err != nil {
		return nil, restored{}, err
	}
	snaps.Logger = log.With("pkg", "snap")
	res, err := loadSnapshot(snaps, ident, fcfg)
	if err != nil {
		return nil, restored{}, err
	}
	w, err := wal.Open(walOpts(ident.cluster))
	if err != nil {
		return nil, restored{}, fmt.Errorf("open write-ahead log: %w", err)
	}
	disk, err := raftnode.OpenDiskStorage(w, res.base)
	if err != nil {
		w.Close()
		return nil, restored{}, err
	}
	disk.SetLogger(log.With("pkg", "raftnode"))
	st := &state{
		ident:  ident,
		snaps:  snaps,
		disk:   disk,
		retain: max(cfg.AutopurgeSnapRetainCount, 1),
		purge:  cfg.AutopurgePurgeInterval > 0,
	}
	return st, res, nil
}

// hasSegments reports whether dir holds WAL segment files.
func hasSegments(fsys storage.FS, dir string) bool {
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".wal") {
			return true
		}
	}
	return false
}

// loadSnapshot restores the FSM from the newest valid snapshot, or returns
// a fresh one when there is none.
func loadSnapshot(snaps *snap.Store, ident identity, fcfg fsm.Config) (restored, error) {
	meta, rc, err := snaps.Load()
	if errors.Is(err, snap.ErrNoSnapshot) {
		return restored{fsm: fsm.New(fcfg)}, nil
	}
	if err != nil {
		return restored{}, fmt.Errorf("load snapshot: %w", err)
	}
	defer rc.Close()
	// Decoding allocates the whole tree and nothing else: collecting
	// while it grows only re-marks what is still being built (a million
	// znodes cost seconds of GC on two cores). Collect once at the end.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	br := bufio.NewReaderSize(rc, 256<<10)
	cs, err := readEnvelope(br, ident)
	if err != nil {
		return restored{}, fmt.Errorf("load snapshot %s: %w", meta.Path, err)
	}
	f, err := fsm.RestoreSnapshotSized(fcfg, br, meta.Size)
	if err != nil {
		return restored{}, fmt.Errorf("load snapshot %s: %w; move it aside to fall back to an older snapshot", meta.Path, err)
	}
	return restored{
		fsm:  f,
		base: &raftpb.SnapshotMetadata{Index: &meta.Index, Term: &meta.Term, ConfState: cs},
	}, nil
}

// The snapshot payload is an envelope around the fsm snapshot:
//
//	[4]byte "ZKDS", uint32 version = 1, uint64 cluster id,
//	uint32 N, N bytes of the raft ConfState (protobuf), then the fsm
//	snapshot (fsm/snapshot.go).
//
// All integers are big-endian; the snap file around it carries the index,
// term and checksum.
const (
	envelopeMagic   = "ZKDS"
	envelopeVersion = 1
	maxConfState    = 1 << 20
)

func writeEnvelope(w io.Writer, cluster uint64, cs *raftpb.ConfState) error {
	csb, err := gproto.Marshal(cs)
	if err != nil {
		return fmt.Errorf("encode conf state: %w", err)
	}
	var hdr [20]byte
	copy(hdr[:], envelopeMagic)
	binary.BigEndian.PutUint32(hdr[4:], envelopeVersion)
	binary.BigEndian.PutUint64(hdr[8:], cluster)
	binary.BigEndian.PutUint32(hdr[16:], uint32(len(csb)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err = w.Write(csb)
	return err
}

func readEnvelope(r io.Reader, ident identity) (*raftpb.ConfState, error) {
	var hdr [20]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("read envelope: %w", err)
	}
	if string(hdr[:4]) != envelopeMagic || binary.BigEndian.Uint32(hdr[4:]) != envelopeVersion {
		return nil, fmt.Errorf("not a zkd snapshot (magic %q, version %d)", hdr[:4], binary.BigEndian.Uint32(hdr[4:]))
	}
	if c := binary.BigEndian.Uint64(hdr[8:]); c != ident.cluster {
		return nil, fmt.Errorf("snapshot of cluster %016x, but this data directory belongs to cluster %016x", c, ident.cluster)
	}
	n := binary.BigEndian.Uint32(hdr[16:])
	if n > maxConfState {
		return nil, fmt.Errorf("conf state of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("read conf state: %w", err)
	}
	cs := &raftpb.ConfState{}
	if err := gproto.Unmarshal(b, cs); err != nil {
		return nil, fmt.Errorf("decode conf state: %w", err)
	}
	return cs, nil
}

// Snapshot implements server.Snapshotter: it writes the snapshot on its
// own goroutine, then records it in the WAL, compacts the log and purges.
func (st *state) Snapshot(index uint64, write func(io.Writer) error, done func(error)) {
	st.wg.Add(1)
	go func() {
		defer st.wg.Done()
		done(st.snapshot(index, write))
	}()
}

func (st *state) snapshot(index uint64, write func(io.Writer) error) error {
	term, err := st.disk.Term(index)
	if err != nil {
		return fmt.Errorf("term of index %d: %w", index, err)
	}
	cs := st.confState()
	if cs == nil {
		return errors.New("raft stopped")
	}
	err = st.snaps.Save(index, term, func(w io.Writer) error {
		if err := writeEnvelope(w, st.ident.cluster, cs); err != nil {
			return err
		}
		return write(w)
	})
	if err != nil {
		return err
	}
	if err := st.disk.CreateSnapshot(index, cs); err != nil {
		return err
	}
	return st.compact(index)
}

// compact keeps catchUpEntries behind the snapshot in memory and, with
// purging on, removes old snapshots and the WAL segments that only the
// removed ones needed.
func (st *state) compact(index uint64) error {
	keep := uint64(catchUpEntries)
	if st.catchUp > 0 {
		keep = uint64(st.catchUp)
	}
	keepFrom := uint64(1)
	if index > keep {
		keepFrom = index - keep + 1
	}
	release := uint64(0)
	if st.purge {
		if err := st.snaps.Purge(st.retain); err != nil {
			return fmt.Errorf("purge snapshots: %w", err)
		}
		metas, err := st.snaps.List()
		if err != nil {
			return fmt.Errorf("list snapshots: %w", err)
		}
		if len(metas) > 0 {
			release = metas[0].Index
		}
	}
	return st.disk.Compact(keepFrom, release)
}

// close waits for a snapshot in progress and closes the WAL.
func (st *state) close() error {
	st.wg.Wait()
	return st.disk.Close()
}
