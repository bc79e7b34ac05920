package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkd-io/zkd/fsm"
	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/session"
	"github.com/zkd-io/zkd/watch"
)

// Server serves ZooKeeper clients on one listener.
type Server struct {
	cfg   Config
	log   *slog.Logger
	fsm   *fsm.FSM
	repl  Replicator
	inbox chan func()
	// fw encodes reply frames (frame); state loop only. A field because
	// a local jute.Writer escapes through the Record interface: one more
	// allocation per reply.
	fw jute.Writer

	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	startOnce sync.Once

	started time.Time

	// readOnly: no leader, read-only clients served (readonlymode.enabled).
	readOnly atomic.Bool

	// counters read by four-letter words from any goroutine
	received atomic.Int64
	sent     atomic.Int64
	// softQuota counts writes that went over a soft quota limit.
	softQuota atomic.Int64
	// appliedIdx mirrors applied for other goroutines.
	appliedIdx atomic.Uint64

	// ipMu guards perIP (accept goroutine and connection teardown).
	ipMu  sync.Mutex
	perIP map[string]int

	// state loop only
	nextConn  watch.ConnID
	conns     map[watch.ConnID]*conn
	bySession map[int64]*conn
	pending   map[int64]*pendingConnect
	expiring  map[int64]bool
	watches   *watch.Registry
	tracker   *session.Tracker
	nextSID   int64
	wasLeader bool
	// ensemble duties (ensemble.go)
	touches    map[int64]struct{}
	leaderSeen time.Time
	leaderless bool
	// lastLeader and leaderChanged: the leader checkWrites last saw and
	// when it saw it change.
	lastLeader    uint64
	leaderChanged time.Time
	// owned: sessions this server created or had moved to it, with no
	// later move elsewhere applied (ensemble.go).
	owned map[int64]bool
	// membershipProposed: this leader proposed the initial membership.
	membershipProposed bool
	syncs              []*syncWait
	applied            uint64
	stats              latencyStats
	lastReap           time.Time
	snap               snapState
	// storageErr is set while the log cannot take writes (see
	// StorageFailing); storageFatal once it never will again.
	storageErr   error
	storageFatal bool
}

// pendingConnect is a handshake waiting for its createSession entry.
type pendingConnect struct {
	c           *conn
	timeout     int32
	password    []byte
	hasReadOnly bool
	result      chan bool
	proposed    time.Time
}

// syncWait is a sync waiting until the state loop has applied
// req.readIndex, or, when then is set, a handshake continuation waiting
// until it has applied at.
type syncWait struct {
	c    *conn
	req  *request
	at   uint64
	then func()
}

// New builds a server; Serve starts it.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	now := cfg.Now()
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		fsm:       cfg.FSM,
		repl:      cfg.Replicator,
		inbox:     make(chan func(), 4096),
		ctx:       ctx,
		cancel:    cancel,
		started:   now,
		perIP:     map[string]int{},
		conns:     map[watch.ConnID]*conn{},
		bySession: map[int64]*conn{},
		pending:   map[int64]*pendingConnect{},
		expiring:  map[int64]bool{},
		watches:   watch.New(),
		tracker:   session.NewTracker(cfg.TickTime.Milliseconds()),
		nextSID:   session.InitialID(cfg.ServerID, now.UnixMilli()),
		lastReap:  now,
		applied:   cfg.Applied,
	}
	s.appliedIdx.Store(cfg.Applied)
	s.snap.lastIndex = cfg.Applied
	return s, nil
}

// Addr returns the listener's address.
func (s *Server) Addr() net.Addr { return s.cfg.Listener.Addr() }

// Start runs the state loop: committed entries are
// applied from here on, before any client is accepted. Serve calls it if
// the caller did not.
func (s *Server) Start() {
	s.startOnce.Do(func() {
		s.goFunc(s.run)
		s.post(s.membershipChanged)
	})
}

// AppliedIndex returns the highest log index the state loop has applied.
func (s *Server) AppliedIndex() uint64 { return s.appliedIdx.Load() }

// Serve accepts connections until Close.
func (s *Server) Serve() error {
	s.Start()
	for {
		nc, err := s.cfg.Listener.Accept()
		if err != nil {
			if s.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
		s.accept(nc)
	}
}

// Close stops accepting, closes every connection and waits for the
// server's goroutines.
func (s *Server) Close() error {
	s.cancel()
	err := s.cfg.Listener.Close()
	s.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// goFunc starts a goroutine tracked by the server's WaitGroup.
func (s *Server) goFunc(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

// post hands f to the state loop. It gives up when the server stops.
func (s *Server) post(f func()) {
	select {
	case s.inbox <- f:
	case <-s.ctx.Done():
	}
}

// do runs f on the state loop and waits for it.
func (s *Server) do(f func()) bool {
	done := make(chan struct{})
	s.post(func() { f(); close(done) })
	select {
	case <-done:
		return true
	case <-s.ctx.Done():
		return false
	}
}

func (s *Server) accept(nc net.Conn) {
	host, _, _ := net.SplitHostPort(nc.RemoteAddr().String())
	if max := s.cfg.MaxClientCnxns; max > 0 {
		s.ipMu.Lock()
		if s.perIP[host] >= max {
			s.ipMu.Unlock()
			s.log.Warn("too many connections from client; closing", "ip", host, "max", max)
			nc.Close()
			return
		}
		s.perIP[host]++
		s.ipMu.Unlock()
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	c := &conn{
		s:      s,
		nc:     nc,
		remote: nc.RemoteAddr().String(),
		ip:     host,
		out:    newOutQueue(),
		slots:  make(chan struct{}, s.cfg.MaxOutstanding),
		dead:   make(chan struct{}),
		est:    time.Now(),

		writeTimeout: s.cfg.MaxSessionTimeout,
	}
	s.goFunc(func() {
		select {
		case <-s.ctx.Done():
			c.kill()
		case <-c.dead:
		}
	})
	s.goFunc(c.writeLoop)
	s.goFunc(func() {
		c.readLoop()
		if s.cfg.MaxClientCnxns > 0 {
			s.ipMu.Lock()
			if s.perIP[host]--; s.perIP[host] <= 0 {
				delete(s.perIP, host)
			}
			s.ipMu.Unlock()
		}
	})
}

// run is the state loop.
func (s *Server) run() {
	tick := time.NewTicker(s.tickInterval())
	defer tick.Stop()
	committed := s.repl.Committed()
	for {
		select {
		case <-s.ctx.Done():
			return
		case f := <-s.inbox:
			f()
		case batch, ok := <-committed:
			if !ok {
				committed = nil
				continue
			}
			s.applyBatch(batch)
		case <-tick.C:
			s.onTick()
		}
	}
}

func (s *Server) tickInterval() time.Duration {
	d := s.cfg.TickTime / 2
	if d > 500*time.Millisecond {
		d = 500 * time.Millisecond
	}
	if d < 10*time.Millisecond {
		d = 10 * time.Millisecond
	}
	return d
}
