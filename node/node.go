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
	commit   *committer
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	serveErr chan error
	ens      *ensemble // nil for a standalone node
	desired  desiredMembers
	id       uint64
	// electionTimeout is raft's (ensemble only).
	electionTimeout time.Duration
	fcfg            fsm.Config
	admin           *adminServer
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
	// PeerListener and PeerAddrs, when set, replace the quorum listener
	// and the quorum addresses of the config's server.N lines (the
	// in-process cluster harness listens on port 0).
	PeerListener net.Listener
	PeerAddrs    map[uint64]string
	// AdminListener, when set, serves the AdminServer (whether or not
	// admin.enableServer is on) instead of listening on admin.serverPort.
	AdminListener net.Listener
	// CatchUpEntries overrides how many entries behind the latest snapshot
	// stay in the log for lagging followers (5000); a follower further
	// behind gets the snapshot. 0 means the default.
	CatchUpEntries int
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
	var ens *ensemble
	if cfg.Distributed() {
		var err error
		if ens, err = newEnsemble(cfg, opts, id); err != nil {
			ln.Close()
			return nil, err
		}
	}
	fail := func(err error) (*Node, error) {
		ln.Close()
		if ens != nil {
			ens.close()
		}
		return nil, err
	}
	// A fresh ensemble member asks the others whether the ensemble exists
	// (then it joins it) or is new (then it bootstraps it). A member that
	// has data uses the cluster id it recorded.
	var plan joinPlan
	if ens != nil && isFreshDir(fsys, cfg.DataDir) {
		var err error
		if plan, err = planFreshMember(ctx, cfg, id, ens.addrs, log); err != nil {
			return fail(err)
		}
	}
	fcfg := fsm.Config{
		ExtendedTypes:   cfg.ExtendedTypesEnabled,
		EnforceQuota:    cfg.EnforceQuota,
		SkipACL:         cfg.SkipACL,
		ReconfigEnabled: cfg.ReconfigEnabled,
		Standalone:      ens == nil,
		MaxNeverUsedMs:  cfg.ContainerMaxNeverUsed.Milliseconds(),
		MaxDataBytes:    cfg.JuteMaxBuffer,
	}
	if cfg.Distributed() {
		fcfg.NormalizeServer = normalizeServer
	}
	st, res, err := openState(cfg, fsys, log, fcfg, id, plan.cluster, plan.incarnation, opts.WALSegmentSize)
	if err != nil {
		return fail(err)
	}
	st.catchUp = opts.CatchUpEntries
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
	var writeTimeout, leaderLoss time.Duration
	if ens != nil {
		onTouches := func(_ uint64, ids []int64) {
			if s := srvRef.Load(); s != nil {
				s.Touch(ids)
			}
		}
		book, err := openPeerBook(fsys, cfg.DataDir, log)
		if err != nil {
			st.close()
			return fail(err)
		}
		ens.cluster, ens.book = st.ident.cluster, book
		if err := ens.start(id, st.ident.incarnation, log, st.snaps, onTouches); err != nil {
			st.close()
			return fail(err)
		}
		et := electionTimeout(cfg)
		rcfg.Peers = ens.voters
		rcfg.Join = plan.join
		rcfg.Transport = ens.tr
		rcfg.TickInterval = et / electionTicks
		rcfg.ElectionTick = electionTicks
		leaderLoss = 2 * et
		writeTimeout = max(cfg.TickTime*time.Duration(max(cfg.SyncLimit, 1)), 2*time.Second)
	}
	cm := newCommitter()
	rcfg.Deliver = cm.deliver
	// The last entry the log holds before raft runs: a restarted
	// standalone server serves only once it has applied up to it (below).
	logEnd, err := st.disk.LastIndex()
	if err != nil {
		st.close()
		return fail(fmt.Errorf("read the log's end: %w", err))
	}
	rn, err := raftnode.Start(ctx, rcfg)
	if err != nil {
		st.close()
		return fail(fmt.Errorf("start raft: %w", err))
	}
	if ens != nil {
		ens.h.n.Store(rn)
	}
	st.confState = rn.ConfState
	f := res.fsm
	nctx, cancel := context.WithCancel(context.Background())
	n := &Node{cfg: cfg, log: log, raft: rn, state: st, ln: ln, commit: cm, ctx: nctx, cancel: cancel, serveErr: make(chan error, 1), ens: ens, id: id,
		electionTimeout: time.Duration(rcfg.ElectionTick) * rcfg.TickInterval, fcfg: fcfg}
	mode := "standalone"
	var modeFunc func() string
	var membership []byte
	if ens != nil {
		mode, modeFunc = "", n.mode
		membership = membershipLines(cfg)
		n.desired.p.Store(membersFromConfig(cfg.Servers))
	}
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
		ReadOnlyMode:           cfg.ReadOnlyMode,
		Ensemble:               ens != nil,
		Membership:             membership,
		OnMembership:           n.onMembership,
		WriteTimeout:           writeTimeout,
		LeaderLossTimeout:      leaderLoss,
		Info: server.Info{
			ClientPort: cfg.ClientPort,
			DataDir:    cfg.DataDir,
			DataLogDir: cfg.DataLogDir,
			Mode:       mode,
			ModeFunc:   modeFunc,
			DirSize:    func() (int64, int64) { return dirSize(cfg.DataDir), dirSize(cfg.DataLogDir) },
		},
	})
	if err != nil {
		cancel()
		rn.Close()
		st.close()
		return fail(err)
	}
	n.srv = srv
	srvRef.Store(srv)
	n.wg.Add(1)
	go func() { defer n.wg.Done(); n.watchRaft() }()
	n.wg.Add(1)
	go func() { defer n.wg.Done(); cm.pump(n.ctx, n.receivedSnapshot, n.snapshotFailed) }()
	if ens != nil {
		n.wg.Add(1)
		go func() { defer n.wg.Done(); n.reconcileMembers(n.ctx) }()
	}
	// Replay what the log already committed before accepting clients, so
	// that a reconnecting client finds its session and never sees the past.
	// The state loop must consume Committed before raft elects itself: it
	// campaigns only after applying its whole log.
	srv.Start()
	var replayTo uint64
	if ens == nil {
		if err := rn.WaitLeader(ctx); err != nil {
			n.Close()
			return nil, fmt.Errorf("wait for leadership: %w", err)
		}
		// The log may end in entries that were durable, applied and
		// acknowledged before a crash while the commit index on disk
		// (written lazily) lags them. They count as committed only once
		// the new term's first entry commits. A group of one commits
		// every entry it holds, so the server waits for all of them
		// before a client connects. (ReadIndex does not wait for that in
		// a group of one: raft answers it with the commit index at once.)
		replayTo = logEnd
	}
	if err := n.waitReplay(ctx, max(replayTo, rn.Status().GetCommit())); err != nil {
		n.Close()
		return nil, err
	}
	adminLn, err := listenAdmin(cfg.AdminEnableServer, cfg.AdminServerAddress, cfg.AdminServerPort, opts.AdminListener)
	if err != nil {
		n.Close()
		return nil, err
	}
	if adminLn != nil {
		n.admin = startAdmin(n, adminLn, cfg.AdminCommandURL)
	}
	n.wg.Add(1)
	go func() { defer n.wg.Done(); n.serveErr <- srv.Serve() }()
	if ens != nil {
		log.Info("zkd serving", "addr", ln.Addr().String(), "dataDir", cfg.DataDir, "mode", "ensemble",
			"server", id, "members", len(ens.voters), "quorum", ens.ln.Addr().String())
	} else {
		log.Info("zkd serving", "addr", ln.Addr().String(), "dataDir", cfg.DataDir, "mode", "standalone")
	}
	return n, nil
}

// AdminAddr is the AdminServer's address, nil when it is off.
func (n *Node) AdminAddr() net.Addr {
	if n.admin == nil {
		return nil
	}
	return n.admin.ln.Addr()
}

// Addr is the client listener's address.
func (n *Node) Addr() net.Addr { return n.ln.Addr() }

// Close stops the node and waits for its goroutines.
func (n *Node) Close() error {
	n.cancel()
	if n.admin != nil {
		_ = n.admin.close()
	}
	err := n.srv.Close()
	if rerr := n.raft.Close(); err == nil && rerr != nil && !errors.Is(rerr, raftnode.ErrStopped) {
		err = rerr
	}
	n.wg.Wait()
	if n.ens != nil {
		if cerr := n.ens.close(); err == nil && cerr != nil {
			err = cerr
		}
	}
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

// snapshotFailed is the committer pump's answer to a snapshot from the
// leader it could not load.
func (n *Node) snapshotFailed(meta *raftpb.SnapshotMetadata, err error) {
	n.log.Error("cannot restore the snapshot installed from the leader; refusing writes until restarted",
		"index", meta.GetIndex(), "err", err)
	n.srv.StorageFailed(err)
}

// receivedSnapshot loads the snapshot raft installed from the leader (the
// peer transport put its file in the snap store before raft saw it) and
// hands it to the state loop to replace its state machine.
func (n *Node) receivedSnapshot(meta *raftpb.SnapshotMetadata) (server.Committed, error) {
	start := time.Now()
	res, err := loadSnapshot(n.state.snaps, n.state.ident, n.fcfg)
	if err != nil {
		return server.Committed{}, err
	}
	if res.applied() != meta.GetIndex() {
		return server.Committed{}, fmt.Errorf("newest snapshot file is at index %d, raft installed %d", res.applied(), meta.GetIndex())
	}
	n.log.Info("restored a snapshot from the leader", "index", meta.GetIndex(), "znodes", res.fsm.Tree().NodeCount(),
		"took", time.Since(start).Round(time.Millisecond))
	return server.Committed{Index: meta.GetIndex(), Restore: res.fsm}, nil
}

// replicator adapts raftnode to server.Replicator.
type replicator Node

func (r *replicator) Enqueue(data []byte, onFail func(error)) { r.raft.Enqueue(data, onFail) }
func (r *replicator) Committed() <-chan []server.Committed    { return r.commit.out }
func (r *replicator) Applied(index uint64)                    { r.raft.Applied(index) }
func (r *replicator) ReadIndex(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return r.raft.ReadIndex(ctx)
}
func (r *replicator) IsLeader() bool { return r.raft.IsLeader() }
func (r *replicator) Leader() uint64 { return r.raft.Leader() }
func (r *replicator) ForwardTouches(ids []int64) {
	if r.ens == nil {
		return
	}
	if lead := r.raft.Leader(); lead != 0 && lead != r.id {
		r.ens.tr.SendTouches(lead, ids)
	}
}

// mode is the role srvr and mntr show for an ensemble member.
func (n *Node) mode() string {
	switch lead := n.raft.Leader(); {
	case n.raft.IsLeader():
		return "leader"
	case n.ens.observer:
		return "observer"
	case lead == 0:
		return "looking"
	default:
		return "follower"
	}
}

// ID is the member's server id (myid; 1 for a standalone server).
func (n *Node) ID() uint64 { return n.id }

// Leader is the id of the member this node follows (its own when it
// leads), 0 while it knows of none.
func (n *Node) Leader() uint64 { return n.raft.Leader() }

// IsLeader reports whether this node leads its ensemble.
func (n *Node) IsLeader() bool { return n.raft.IsLeader() }

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
