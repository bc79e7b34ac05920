package peer

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Handler is the raft member messages are delivered to (a
// *raftnode.Node).
type Handler interface {
	Step(ctx context.Context, m *raftpb.Message) error
	ReportUnreachable(id uint64)
	ReportSnapshot(id uint64, status raft.SnapshotStatus)
}

// Config configures a Transport.
type Config struct {
	ID        uint64            // this member
	ClusterID uint64            // checked in every hello
	Listener  net.Listener      // where peers connect
	Peers     map[uint64]string // every other member: id -> quorum address
	Handler   Handler
	Logger    *slog.Logger
	// OnTouches, when set, receives the session ids of every touches
	// frame, with the member that sent it. It runs on that member's
	// reader goroutine and must not block for long. nil discards touches.
	OnTouches func(from uint64, ids []int64)
	// Snapshots holds the snapshot files a MsgSnap refers to, for sending
	// and receiving them (a *snap.Store). nil reports every MsgSnap failed
	// and refuses incoming snapshot streams.
	Snapshots Snapshots
	// SnapshotTimeout is how long a snapshot stream may stall (one chunk
	// write or read, or the wait for the receiver's verdict) before it is
	// abandoned; zero means DefaultSnapshotTimeout.
	SnapshotTimeout time.Duration
	// Incarnation identifies this member's data directory (random, made
	// with it); every hello carries it.
	Incarnation uint64
	// Admit, when set, is asked about every hello: member id with the
	// data directory incarnation. It returns false when that member is
	// known with another incarnation, i.e. its data directory was wiped or
	// replaced (the hello is then refused). nil admits everyone.
	Admit func(id, incarnation uint64) bool
	// OnRefused, when set, hears why a member refused this member's
	// hello (its answer; see doc.go). It runs on the dialing goroutine.
	OnRefused func(to uint64, err *RefusedError)
	// Queue bounds per peer; zero means the defaults (4096, 64 MiB).
	QueueMessages int
	QueueBytes    int
}

// Frame and hello constants (see doc.go).
const (
	helloMagic     = "ZKDP"
	helloVersion   = 2
	helloSize      = 40
	answerSize     = 9
	frameRaft      = 1
	frameTouches   = 2
	maxFrame       = 64 << 20
	helloTimeout   = 5 * time.Second
	minRedial      = 50 * time.Millisecond
	maxRedial      = 2 * time.Second
	defaultQueue   = 4096
	defaultQueueMB = 64 << 20
)

// Transport carries raft messages between the members of one cluster. It
// implements raftnode.Transport: Send never blocks.
type Transport struct {
	cfg    Config
	log    *slog.Logger
	peers  atomic.Pointer[map[uint64]*peer] // copy-on-write: AddPeer, RemovePeer
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	inbound map[net.Conn]struct{}
	closing bool // Close has begun: goTracked starts nothing
	started bool // Start ran: AddPeer starts writers
}

// New builds a Transport; Start runs it.
func New(cfg Config) (*Transport, error) {
	switch {
	case cfg.ID == 0:
		return nil, errors.New("peer: member id 0")
	case cfg.Listener == nil || cfg.Handler == nil:
		return nil, errors.New("peer: listener and handler are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.QueueMessages <= 0 {
		cfg.QueueMessages = defaultQueue
	}
	if cfg.QueueBytes <= 0 {
		cfg.QueueBytes = defaultQueueMB
	}
	if cfg.SnapshotTimeout <= 0 {
		cfg.SnapshotTimeout = DefaultSnapshotTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Transport{cfg: cfg, log: cfg.Logger, ctx: ctx, cancel: cancel,
		inbound: map[net.Conn]struct{}{}}
	peers := map[uint64]*peer{}
	for id, addr := range cfg.Peers {
		if id == cfg.ID {
			continue
		}
		peers[id] = t.newPeer(id, addr)
	}
	t.peers.Store(&peers)
	return t, nil
}

func (t *Transport) newPeer(id uint64, addr string) *peer {
	return &peer{t: t, id: id, addr: addr, wake: make(chan struct{}, 1), gone: make(chan struct{})}
}

// peer returns the outbound side towards member id, nil if unknown.
func (t *Transport) peer(id uint64) *peer { return (*t.peers.Load())[id] }

// Start accepts peers and starts one writer per peer.
func (t *Transport) Start() {
	t.mu.Lock()
	t.started = true
	t.mu.Unlock()
	t.goTracked(t.acceptLoop)
	for _, p := range *t.peers.Load() {
		t.goTracked(p.writeLoop)
	}
}

// AddPeer makes member id, at quorum address addr, known (a membership
// change brought it in); a known member's address is updated.
func (t *Transport) AddPeer(id uint64, addr string) {
	if id == t.cfg.ID {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.peers.Load()
	if p := old[id]; p != nil && p.addr == addr {
		return
	}
	next := make(map[uint64]*peer, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	if p := old[id]; p != nil {
		close(p.gone)
	}
	p := t.newPeer(id, addr)
	next[id] = p
	t.peers.Store(&next)
	if t.started && !t.closing {
		t.wg.Go(p.writeLoop)
	}
}

// Peers returns the ids of the members the transport knows.
func (t *Transport) Peers() []uint64 {
	m := *t.peers.Load()
	ids := make([]uint64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	return ids
}

// RemovePeer forgets member id (a membership change removed it): nothing
// more is sent to it and its hellos are refused.
func (t *Transport) RemovePeer(id uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.peers.Load()
	p := old[id]
	if p == nil {
		return
	}
	next := make(map[uint64]*peer, len(old))
	for k, v := range old {
		if k != id {
			next[k] = v
		}
	}
	t.peers.Store(&next)
	close(p.gone)
}

// goTracked runs f on a goroutine that Close waits for, unless Close has
// begun; it reports whether f was started.
func (t *Transport) goTracked(f func()) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closing {
		return false
	}
	t.wg.Go(f)
	return true
}

// Close stops every goroutine and closes every connection.
func (t *Transport) Close() error {
	t.mu.Lock()
	t.closing = true
	t.mu.Unlock()
	t.cancel()
	err := t.cfg.Listener.Close()
	t.dropConnections()
	for _, p := range *t.peers.Load() {
		p.signal()
	}
	t.wg.Wait()
	return err
}

// dropConnections closes every accepted connection; their readers end.
func (t *Transport) dropConnections() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := range t.inbound {
		c.Close()
	}
}

// Send queues msgs for their destinations. A message for an unknown member,
// or one that does not fit its peer's queue, is dropped; the peer's writer
// then reports the member unreachable (never from here: Send runs on the
// raft loop, which the report needs). A MsgSnap starts a snapshot stream
// on its own goroutine and connection (doc.go, Snapshots).
func (t *Transport) Send(msgs []*raftpb.Message) {
	for _, m := range msgs {
		p := t.peer(m.GetTo())
		if p == nil {
			continue
		}
		if m.GetType() == raftpb.MessageType_MsgSnap {
			t.sendSnapshot(p, m)
			continue
		}
		if p.blocked.Load() {
			p.fail(false)
			continue
		}
		b, err := proto.Marshal(m)
		if err != nil {
			t.log.Error("peer: encode raft message", "to", m.GetTo(), "err", err)
			continue
		}
		p.push(frame{typ: frameRaft, body: b})
	}
}

// SendTouches queues a touches frame with ids for member to. Like Send it
// never blocks; a frame that does not fit the peer's queue, or for an
// unknown member, is dropped without a report (the next touches frame
// carries the sessions again).
func (t *Transport) SendTouches(to uint64, ids []int64) {
	p := t.peer(to)
	if p == nil || len(ids) == 0 || p.blocked.Load() {
		return
	}
	p.push(frame{typ: frameTouches, body: appendTouches(nil, ids)})
}

// Block cuts (blocked true) or heals the link to and from member id, for
// tests that partition a cluster: while it is cut, messages to id are
// dropped and reported unreachable, as a dead peer's would be, touches to
// it are dropped, and frames from it are discarded on receipt. A
// partition between A and B is A.Block(B, true) and B.Block(A, true).
func (t *Transport) Block(id uint64, blocked bool) {
	if p := t.peer(id); p != nil {
		p.blocked.Store(blocked)
	}
}

// blocked reports whether the link with member id is cut.
func (t *Transport) blocked(id uint64) bool {
	p := t.peer(id)
	return p != nil && p.blocked.Load()
}
