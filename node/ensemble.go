package node

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/peer"
	"github.com/zkd-io/zkd/raftnode"
)

// ensemble is what a distributed node adds to a standalone one: the peer
// transport and the membership it was started with.
type ensemble struct {
	cluster   uint64            // the data directory's cluster id (clusterID of the initial membership)
	voters    []uint64          // initial voters (participants), sorted
	observers []uint64          // observers (raft learners), sorted
	observer  bool              // this member is an observer
	addrs     map[uint64]string // member id -> quorum address
	ln        net.Listener      // quorum port
	tr        *peer.Transport
	book      *peerBook // the other members' data directory incarnations
	h         *lateHandler
}

// clusterID derives an ensemble's cluster id from its initial membership:
// the sorted server lines without client addresses, hashed. Every member
// computes the same id from the same zoo.cfg with no coordination
// (peer/doc.go); a member given another ensemble's directory, or another
// ensemble's hello, is refused.
func clusterID(servers []config.Server) uint64 {
	h := sha256.New()
	sorted := slices.Clone(servers)
	slices.SortFunc(sorted, func(a, b config.Server) int { return int(a.ID) - int(b.ID) })
	for _, s := range sorted {
		role := "participant"
		if s.Observer {
			role = "observer"
		}
		fmt.Fprintf(h, "server.%d=%s:%d:%d:%s\n", s.ID, s.Host, s.QuorumPort, s.ElectionPort, role)
	}
	id := binary.BigEndian.Uint64(h.Sum(nil))
	if id == 0 {
		id = 1
	}
	return id
}

// newEnsemble prepares the transport of a distributed node: the quorum
// listener and every other member's address. opts may override both
// (tests listen on port 0).
func newEnsemble(cfg config.Config, opts Options, id uint64) (*ensemble, error) {
	e := &ensemble{addrs: map[uint64]string{}, h: &lateHandler{}}
	var self *config.Server
	for i := range cfg.Servers {
		s := &cfg.Servers[i]
		if s.Observer {
			e.observers = append(e.observers, s.ID)
		} else {
			e.voters = append(e.voters, s.ID)
		}
		e.addrs[s.ID] = net.JoinHostPort(s.Host, strconv.Itoa(s.QuorumPort))
		if s.ID == id {
			self = s
		}
	}
	if self == nil {
		return nil, fmt.Errorf("myid is %d but no server.%d line names this server", id, id)
	}
	e.observer = self.Observer
	if cfg.PeerType == "observer" && !self.Observer {
		return nil, fmt.Errorf("peerType=observer, but the server.%d line does not end in :observer", id)
	}
	for pid, addr := range opts.PeerAddrs {
		e.addrs[pid] = addr
	}
	slices.Sort(e.voters)
	slices.Sort(e.observers)
	e.ln = opts.PeerListener
	if e.ln == nil {
		ln, err := net.Listen("tcp", e.addrs[id])
		if err != nil {
			return nil, fmt.Errorf("listen on the quorum port of server.%d: %w", id, err)
		}
		e.ln = ln
	}
	return e, nil
}

// start creates the transport; the raft node is attached once it exists.
func (e *ensemble) start(id, incarnation uint64, log *slog.Logger, snaps peer.Snapshots, onTouches func(from uint64, ids []int64)) error {
	peers := make(map[uint64]string, len(e.addrs))
	for pid, addr := range e.addrs {
		if pid != id {
			peers[pid] = addr
		}
	}
	tr, err := peer.New(peer.Config{ID: id, ClusterID: e.cluster, Listener: e.ln, Peers: peers,
		Handler: e.h, Logger: log.With("pkg", "peer"), OnTouches: onTouches, Snapshots: snaps,
		Incarnation: incarnation, Admit: e.book.Admit,
		OnRefused: func(to uint64, err *peer.RefusedError) {
			log.Error("a member refuses this one", "member", to, "err", err.Error(),
				"cluster", fmt.Sprintf("%016x", e.cluster))
		}})
	if err != nil {
		return err
	}
	e.tr = tr
	tr.Start()
	return nil
}

func (e *ensemble) close() error {
	if e.tr != nil {
		return e.tr.Close()
	}
	return e.ln.Close()
}

// lateHandler forwards the transport's deliveries to the raft node, which
// is created after the transport.
type lateHandler struct{ n atomic.Pointer[raftnode.Node] }

func (h *lateHandler) Step(ctx context.Context, m *raftpb.Message) error {
	if n := h.n.Load(); n != nil {
		return n.Step(ctx, m)
	}
	return nil
}

func (h *lateHandler) ReportUnreachable(id uint64) {
	if n := h.n.Load(); n != nil {
		n.ReportUnreachable(id)
	}
}

func (h *lateHandler) ReportSnapshot(id uint64, st raft.SnapshotStatus) {
	if n := h.n.Load(); n != nil {
		n.ReportSnapshot(id, st)
	}
}

// electionTimeout derives raft's election timeout from zoo.cfg:
// tickTime*syncLimit/10 clamped to 300 ms..2 s (1 s for the sample
// zoo.cfg's tickTime=2000, syncLimit=5). ZooKeeper's followers notice a
// killed leader at once (its TCP connection resets) and elect within about
// a second; raft notices by silence, so the timeout is kept near that
// rather than at ZooKeeper's syncLimit*tickTime. raft randomises each
// member's timeout between this and twice this.
func electionTimeout(cfg config.Config) time.Duration {
	timeout := cfg.TickTime * time.Duration(max(cfg.SyncLimit, 1)) / 10
	return min(max(timeout, 300*time.Millisecond), 2*time.Second)
}

// electionTicks is raft's ElectionTick: the timeout is ten ticks long.
const electionTicks = 10

// BlockPeer cuts (blocked) or restores the link between this node and
// member id in both directions, inside the transport: the test harness's
// partitions. A standalone node ignores it.
func (n *Node) BlockPeer(id uint64, blocked bool) {
	if n.ens != nil {
		n.ens.tr.Block(id, blocked)
	}
}

// handOverTimeout bounds the leadership hand-over of Shutdown: with an
// up-to-date follower it takes about one round trip.
const handOverTimeout = 5 * time.Second

// Shutdown stops the node gracefully: a leader of an ensemble first hands
// leadership to its most up-to-date follower (raft's leadership transfer)
// and waits, within ctx, until that follower leads; then, still within
// ctx, a snapshot of everything applied is written unless the latest one
// covers it, so that the next start replays no log; then Close. Writes in
// flight on this node when it steps down may be lost with the proposals;
// their clients see ConnectionLoss when the connection closes.
func (n *Node) Shutdown(ctx context.Context) error {
	if n.ens != nil && n.raft.IsLeader() {
		// Bounded on its own, so that a hand-over that cannot happen (no
		// follower caught up, or a raft loop held back by a state loop that
		// does not take its batches) leaves the rest of ctx to the
		// snapshot and the close.
		hctx, cancel := context.WithTimeout(ctx, handOverTimeout)
		to, err := n.raft.HandOver(hctx, 0)
		cancel()
		if err != nil {
			n.log.Warn("leadership hand-over failed; stopping anyway", "err", err)
		} else {
			n.log.Info("handed leadership over", "to", to)
		}
	}
	// A snapshot of everything applied: the next start loads it and
	// replays no log.
	start := time.Now()
	if err := n.srv.SnapshotNow(ctx); err != nil {
		n.log.Warn("no snapshot at shutdown; the next start replays the log", "err", err)
	} else {
		n.log.Info("snapshot at shutdown", "index", n.srv.AppliedIndex(), "took", time.Since(start).Round(time.Millisecond))
	}
	return n.Close()
}

// Voters and Learners return raft's current membership (learners are the
// observers and participants still catching up).
func (n *Node) Voters() []uint64   { return n.raft.ConfState().GetVoters() }
func (n *Node) Learners() []uint64 { return n.raft.ConfState().GetLearners() }
