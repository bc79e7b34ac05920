package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/fsm"
	"github.com/zkd-io/zkd/raftnode"
	"github.com/zkd-io/zkd/server"
	"github.com/zkd-io/zkd/storage"
)

// Node is one running zkd server.
type Node struct {
	cfg      config.Config
	log      *slog.Logger
	raft     *raftnode.Node
	state    *state
	srv      *server.Server
	ln       net.Listener
	commit   chan []server.Committed
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	serveErr chan error
}

// Options are the parts of a node that do not come from zoo.cfg.
type Options struct {
	Logger *slog.Logger
	// Listener, when set, is used instead of listening on the config's
	// client address (tests pass a 127.0.0.1:0 listener).
	Listener net.Listener
	// FS does every file operation of the WAL, the snapshots and the
	// identity file; nil means the real filesystem (crash tests inject
	// storage.FaultFS).
	FS storage.FS
	// WALSegmentSize overrides the WAL's segment size (tests use small
	// segments to exercise cuts and releases); 0 means the default.
	WALSegmentSize int64
	// RaftMaxSizePerMsg overrides raft's batch size, which also bounds the
	// committed entries handed over per batch (a test makes batches of
	// one entry to replay a log longer than the hand-over buffer); 0
	// means the default.
	RaftMaxSizePerMsg uint64
}

// Start builds and starts a node.
func Start(ctx context.Context, cfg config.Config, opts Options) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
	}
	ln := opts.Listener
	if ln == nil {
		var err error
		ln, err = net.Listen("tcp", cfg.ClientAddr())
		if err != nil {
			return nil, fmt.Errorf("listen on client port: %w", err)
		}
	}
	id := cfg.MyID
	if id == 0 {
		id = 1
	}
	fsys := opts.FS
	if fsys == nil {
		fsys = storage.OS{}
	}
	fcfg := fsm.Config{
		ExtendedTypes:   cfg.ExtendedTypesEnabled,
		EnforceQuota:    cfg.EnforceQuota,
		SkipACL:         cfg.SkipACL,
		ReconfigEnabled: cfg.ReconfigEnabled,
		Standalone:      true,
		MaxNeverUsedMs:  cfg.ContainerMaxNeverUsed.Milliseconds(),
		MaxDataBytes:    cfg.JuteMaxBuffer,
	}
	st, res, err := openState(cfg, fsys, log, fcfg, id, opts.WALSegmentSize)
	if err != nil {
		ln.Close()
		return nil, err
	}
	if res.applied() > 0 {
		log.Info("loaded snapshot", "index", res.applied(), "znodes", res.fsm.Tree().NodeCount())
	}
	var srvRef atomic.Pointer[server.Server]
	onStorage := func(err error) {
		if s := srvRef.Load(); s != nil {
			s.StorageFailing(err)
		}
	}
	rcfg := raftnode.Config{ID: id, Peers: []uint64{id}, Storage: st.disk, Applied: res.applied(),
		Logger: raftLogger(log), OnStorage: onStorage, NoLeaderWait: true, MaxSizePerMsg: opts.RaftMaxSizePerMsg}
	rn, err := raftnode.Start(ctx, rcfg)
	if err != nil {
		st.close()
		ln.Close()
		return nil, fmt.Errorf("start raft: %w", err)
	}
	st.confState = rn.ConfState
	f := res.fsm
	nctx, cancel := context.WithCancel(context.Background())
	n := &Node{cfg: cfg, log: log, raft: rn, state: st, ln: ln, commit: make(chan []server.Committed, 64), ctx: nctx, cancel: cancel, serveErr: make(chan error, 1)}
	srv, err := server.New(server.Config{
		Listener:               ln,
		FSM:                    f,
		Replicator:             (*replicator)(n),
		Logger:                 log.With("pkg", "server"),
		ServerID:               int64(cfg.MyID),
		TickTime:               cfg.TickTime,
		MinSessionTimeout:      cfg.MinSessionTimeout,
		MaxSessionTimeout:      cfg.MaxSessionTimeout,
		MaxClientCnxns:         cfg.MaxClientCnxns,
		MaxBuffer:              cfg.JuteMaxBuffer,
		SuperDigest:            cfg.SuperDigest,
		SkipACL:                cfg.SkipACL,
		ContainerCheckInterval: cfg.ContainerCheckInterval,
		ContainerMaxPerMinute:  cfg.ContainerMaxPerMinute,
		ContainerMaxNeverUsed:  cfg.ContainerMaxNeverUsed,
		FourLetterAllowed:      cfg.FourLetterAllowed,
		Applied:                res.applied(),
		Snapshotter:            st,
		SnapCount:              cfg.SnapCount,
		SnapBytes:              cfg.SnapSizeLimit,
		Info: server.Info{
			ClientPort: cfg.ClientPort,
			DataDir:    cfg.DataDir,
			DataLogDir: cfg.DataLogDir,
			Mode:       "standalone",
			DirSize:    func() (int64, int64) { return dirSize(cfg.DataDir), dirSize(cfg.DataLogDir) },
		},
	})
	if err != nil {
		cancel()
		rn.Close()
		st.close()
		ln.Close()
		return nil, err
	}
	n.srv = srv
	srvRef.Store(srv)
	n.wg.Add(1)
	go func() { defer n.wg.Done(); n.watchRaft() }()
	n.wg.Add(1)
	go func() { defer n.wg.Done(); n.pump() }()
	// Replay what the log already committed before accepting clients, so
	// that a reconnecting client finds its session and never sees the past.
	// The state loop must consume Committed before raft elects itself: it
	// campaigns only after applying its whole log.
	srv.Start()
	if err := rn.WaitLeader(ctx); err != nil {
		n.Close()
		return nil, fmt.Errorf("wait for leadership: %w", err)
	}
	if err := n.waitReplay(ctx, rn.Status().GetCommit()); err != nil {
		n.Close()
		return nil, err
	}
	n.wg.Add(1)
	go func() { defer n.wg.Done(); n.serveErr <- srv.Serve() }()
	log.Info("zkd serving", "addr", ln.Addr().String(), "dataDir", cfg.DataDir, "mode", "standalone")
	return n, nil
}

// Addr is the client listener's address.
func (n *Node) Addr() net.Addr { return n.ln.Addr() }

// Close stops the node and waits for its goroutines.
func (n *Node) Close() error {
	n.cancel()
	err := n.srv.Close()
	if rerr := n.raft.Close(); err == nil && rerr != nil && !errors.Is(rerr, raftnode.ErrStopped) {
		err = rerr
	}
	n.wg.Wait()
	if cerr := n.state.close(); err == nil && cerr != nil {
		err = cerr
	}
	return err
}

// waitReplay waits until the state loop has applied index.
func (n *Node) waitReplay(ctx context.Context, index uint64) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for n.srv.AppliedIndex() < index {
		select {
		case <-ctx.Done():
			return fmt.Errorf("replay the log to index %d: %w", index, ctx.Err())
		case <-t.C:
		}
	}
	if index > 0 {
		n.log.Info("replayed the write-ahead log", "index", index)
	}
	return nil
}

// watchRaft tells the server when the raft loop died of a storage error.
func (n *Node) watchRaft() {
	select {
	case <-n.ctx.Done():
	case <-n.raft.Done():
		if err := n.raft.Err(); err != nil && n.ctx.Err() == nil {
			n.srv.StorageFailed(err)
		}
	}
}

// pump converts raft's committed entries for the server's state loop.
func (n *Node) pump() {
	in := n.raft.Committed()
	for {
		select {
		case <-n.ctx.Done():
			return
		case b, ok := <-in:
			if !ok {
				return
			}
			if b.Snapshot != nil {
				// TODO(node owner): restore the state loop from the snapshot
				// file at b.Snapshot.Index before the entries that follow.
				n.log.Error("raft installed a snapshot from the leader, which this node cannot restore yet",
					"index", b.Snapshot.GetIndex(), "term", b.Snapshot.GetTerm())
			}
			ents := b.Entries
			if len(ents) == 0 {
				continue
			}
			out := make([]server.Committed, 0, len(ents))
			for i := range ents {
				e := ents[i]
				c := server.Committed{Index: e.GetIndex()}
				if e.GetType() == raftpb.EntryNormal {
					c.Data = e.GetData()
				}
				out = append(out, c)
			}
			select {
			case n.commit <- out:
			case <-n.ctx.Done():
				return
			}
		}
	}
}

// replicator adapts raftnode to server.Replicator.
type replicator Node

func (r *replicator) Propose(ctx context.Context, data [][]byte) error {
	return r.raft.ProposeBatch(ctx, data)
}
func (r *replicator) Committed() <-chan []server.Committed { return r.commit }
func (r *replicator) Applied(index uint64)                 { r.raft.Applied(index) }
func (r *replicator) ReadIndex(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return r.raft.ReadIndex(ctx)
}
func (r *replicator) IsLeader() bool { return r.raft.IsLeader() }

func dirSize(dir string) int64 {
	if dir == "" {
		return 0
	}
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, ierr := d.Info(); ierr == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}

// AppliedIndex returns the highest log index the server has applied.
func (n *Node) AppliedIndex() uint64 { return n.srv.AppliedIndex() }
