package peer

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
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
	// Queue bounds per peer; zero means the defaults (4096, 64 MiB).
	QueueMessages int
	QueueBytes    int
}

// Frame and hello constants (see doc.go).
const (
	helloMagic     = "ZKDP"
	helloVersion   = 1
	helloSize      = 32
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
	peers  map[uint64]*peer
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	inbound map[net.Conn]struct{}
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
	ctx, cancel := context.WithCancel(context.Background())
	t := &Transport{cfg: cfg, log: cfg.Logger, peers: map[uint64]*peer{}, ctx: ctx, cancel: cancel,
		inbound: map[net.Conn]struct{}{}}
	for id, addr := range cfg.Peers {
		if id == cfg.ID {
			continue
		}
		t.peers[id] = &peer{t: t, id: id, addr: addr, wake: make(chan struct{}, 1)}
	}
	return t, nil
}

// Start accepts peers and starts one writer per peer.
func (t *Transport) Start() {
	t.wg.Go(t.acceptLoop)
	for _, p := range t.peers {
		t.wg.Go(p.writeLoop)
	}
}

// Close stops every goroutine and closes every connection.
func (t *Transport) Close() error {
	t.cancel()
	err := t.cfg.Listener.Close()
	t.mu.Lock()
	for c := range t.inbound {
		c.Close()
	}
	t.mu.Unlock()
	for _, p := range t.peers {
		p.signal()
	}
	t.wg.Wait()
	return err
}

// Send queues msgs for their destinations. A message for an unknown member,
// or one that does not fit its peer's queue, is dropped; the peer's writer
// then reports the member unreachable (never from here: Send runs on the
// raft loop, which the report needs). Snapshots are not streamed yet: a
// MsgSnap is reported failed.
func (t *Transport) Send(msgs []*raftpb.Message) {
	for _, m := range msgs {
		p := t.peers[m.GetTo()]
		if p == nil {
			continue
		}
		if p.blocked.Load() || m.GetType() == raftpb.MessageType_MsgSnap {
			p.fail(m.GetType() == raftpb.MessageType_MsgSnap)
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
	p := t.peers[to]
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
	if p := t.peers[id]; p != nil {
		p.blocked.Store(blocked)
	}
}

// blocked reports whether the link with member id is cut.
func (t *Transport) blocked(id uint64) bool {
	p := t.peers[id]
	return p != nil && p.blocked.Load()
}
