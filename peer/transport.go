package peer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
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
	OnTouches func(from uint64, ids []int64)
	Logger    *slog.Logger
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
		if m.GetType() == raftpb.MessageType_MsgSnap {
			p.fail(true)
			continue
		}
		b, err := proto.Marshal(m)
		if err != nil {
			t.log.Error("peer: encode raft message", "to", m.GetTo(), "err", err)
			continue
		}
		p.push(b)
	}
}

// peer is the outbound side towards one member.
type peer struct {
	t    *Transport
	id   uint64
	addr string
	wake chan struct{}

	mu        sync.Mutex
	queue     [][]byte
	bytes     int
	dropped   bool // a message was dropped: report unreachable
	snapFails int  // MsgSnaps to report failed
}

func (p *peer) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *peer) push(b []byte) {
	p.mu.Lock()
	if len(p.queue) >= p.t.cfg.QueueMessages || p.bytes+len(b) > p.t.cfg.QueueBytes {
		p.dropped = true
	} else {
		p.queue = append(p.queue, b)
		p.bytes += len(b)
	}
	p.mu.Unlock()
	p.signal()
}

// fail records a dropped message (and a failed snapshot when snap).
func (p *peer) fail(snap bool) {
	p.mu.Lock()
	p.dropped = true
	if snap {
		p.snapFails++
	}
	p.mu.Unlock()
	p.signal()
}

// take empties the queue and returns it with the reports owed.
func (p *peer) take() (batch [][]byte, dropped bool, snapFails int) {
	p.mu.Lock()
	batch, p.queue, p.bytes = p.queue, nil, 0
	dropped, p.dropped = p.dropped, false
	snapFails, p.snapFails = p.snapFails, 0
	p.mu.Unlock()
	return batch, dropped, snapFails
}

// writeLoop dials the peer (backing off while it cannot), sends the hello
// and then every queued message, one vectored write per batch. A failed
// connection drops what was queued and reports the peer unreachable; raft
// resends from its own state.
func (p *peer) writeLoop() {
	var conn net.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	backoff := minRedial
	for {
		select {
		case <-p.t.ctx.Done():
			return
		case <-p.wake:
		}
		batch, dropped, snapFails := p.take()
		for range snapFails {
			p.t.cfg.Handler.ReportSnapshot(p.id, raft.SnapshotFailure)
		}
		if conn == nil && len(batch) > 0 {
			c, err := p.dial()
			if err != nil {
				p.t.log.Debug("peer: dial", "peer", p.id, "addr", p.addr, "err", err)
				dropped = true
				p.sleep(backoff)
				backoff = min(2*backoff, maxRedial)
				p.signal() // try again with what arrives meanwhile
			} else {
				conn, backoff = c, minRedial
			}
		}
		if conn != nil && len(batch) > 0 {
			if err := writeFrames(conn, batch); err != nil {
				p.t.log.Debug("peer: write", "peer", p.id, "err", err)
				conn.Close()
				conn = nil
				dropped = true
			}
		}
		if dropped {
			p.t.cfg.Handler.ReportUnreachable(p.id)
		}
	}
}

func (p *peer) sleep(d time.Duration) {
	select {
	case <-p.t.ctx.Done():
	case <-time.After(d):
	}
}

func (p *peer) dial() (net.Conn, error) {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(p.t.ctx, "tcp", p.addr)
	if err != nil {
		return nil, err
	}
	var h [helloSize]byte
	putHello(h[:], p.t.cfg.ClusterID, p.t.cfg.ID, p.id)
	_ = c.SetWriteDeadline(time.Now().Add(helloTimeout))
	if _, err := c.Write(h[:]); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// putHello fills b (helloSize bytes) with the hello of member from of
// cluster for member to.
func putHello(b []byte, cluster, from, to uint64) {
	copy(b, helloMagic)
	binary.BigEndian.PutUint32(b[4:], helloVersion)
	binary.BigEndian.PutUint64(b[8:], cluster)
	binary.BigEndian.PutUint64(b[16:], from)
	binary.BigEndian.PutUint64(b[24:], to)
}

// writeFrames writes each message as a raft frame.
func writeFrames(c net.Conn, batch [][]byte) error {
	bufs := make(net.Buffers, 0, 2*len(batch))
	for _, b := range batch {
		var hdr [5]byte
		binary.BigEndian.PutUint32(hdr[:], uint32(len(b)+1))
		hdr[4] = frameRaft
		bufs = append(bufs, hdr[:], b)
	}
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := bufs.WriteTo(c)
	return err
}

func (t *Transport) acceptLoop() {
	for {
		c, err := t.cfg.Listener.Accept()
		if err != nil {
			if t.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			t.log.Warn("peer: accept", "err", err)
			continue
		}
		t.mu.Lock()
		t.inbound[c] = struct{}{}
		t.mu.Unlock()
		t.wg.Go(func() {
			defer func() {
				t.mu.Lock()
				delete(t.inbound, c)
				t.mu.Unlock()
				c.Close()
			}()
			if err := t.serve(c); err != nil && t.ctx.Err() == nil && !errors.Is(err, io.EOF) {
				t.log.Info("peer: connection closed", "remote", c.RemoteAddr().String(), "err", err)
			}
		})
	}
}

// serve checks an inbound connection's hello and steps its messages.
func (t *Transport) serve(c net.Conn) error {
	var h [helloSize]byte
	_ = c.SetReadDeadline(time.Now().Add(helloTimeout))
	if _, err := io.ReadFull(c, h[:]); err != nil {
		return fmt.Errorf("read hello: %w", err)
	}
	from := binary.BigEndian.Uint64(h[16:])
	switch {
	case string(h[:4]) != helloMagic || binary.BigEndian.Uint32(h[4:]) != helloVersion:
		return errors.New("not a zkd peer hello")
	case binary.BigEndian.Uint64(h[8:]) != t.cfg.ClusterID:
		return fmt.Errorf("hello from cluster %016x, this is cluster %016x", binary.BigEndian.Uint64(h[8:]), t.cfg.ClusterID)
	case binary.BigEndian.Uint64(h[24:]) != t.cfg.ID:
		return fmt.Errorf("hello for member %d, this is member %d", binary.BigEndian.Uint64(h[24:]), t.cfg.ID)
	case t.peers[from] == nil:
		return fmt.Errorf("hello from member %d, not in the configuration", from)
	}
	_ = c.SetReadDeadline(time.Time{})
	var hdr [5]byte
	for {
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return err
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if n == 0 || n > maxFrame {
			return fmt.Errorf("frame of %d bytes", n)
		}
		body := make([]byte, n-1)
		if _, err := io.ReadFull(c, body); err != nil {
			return err
		}
		if hdr[4] != frameRaft {
			continue // later frame types (touches, snapshot chunks)
		}
		m := &raftpb.Message{}
		if err := proto.Unmarshal(body, m); err != nil {
			return fmt.Errorf("decode raft message: %w", err)
		}
		if m.GetFrom() != from {
			return fmt.Errorf("message from %d on member %d's connection", m.GetFrom(), from)
		}
		if err := t.cfg.Handler.Step(t.ctx, m); err != nil && t.ctx.Err() == nil {
			t.log.Debug("peer: step", "from", from, "err", err)
		}
	}
}
