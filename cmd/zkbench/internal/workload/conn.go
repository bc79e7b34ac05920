package workload

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"
)

// clock reads monotonic nanoseconds since a run's start.
type clock struct{ base time.Time }

func newClock() clock { return clock{base: time.Now()} }

func (c clock) now() int64 { return int64(time.Since(c.base)) }

// zkLogger routes go-zookeeper's log lines to the run's log when verbose.
type zkLogger struct {
	mu sync.Mutex // serialises writes to w
	w  io.Writer
}

func (l *zkLogger) Printf(format string, args ...interface{}) {
	if l == nil || l.w == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "go-zookeeper: "+format+"\n", args...)
}

// session is one go-zookeeper connection and what its event callback saw.
type session struct {
	conn        *zk.Conn
	established chan struct{} // closed at the first HasSession event
	once        sync.Once
	lost        chan struct{} // closed at the first Disconnected/Expired event
	lostOnce    sync.Once
	closing     atomic.Bool
	disconnects *atomic.Uint64 // shared by a run's sessions
	clk         clock
	// notified is the clock reading of the latest NodeDataChanged event;
	// watch-fanout reads it after the watch channel fires.
	notified atomic.Int64
}

// dialer opens sessions for one run.
type dialer struct {
	cfg         *Config
	clk         clock
	log         *zkLogger
	disconnects atomic.Uint64
}

func newDialer(cfg *Config, clk clock) *dialer {
	d := &dialer{cfg: cfg, clk: clk, log: &zkLogger{}}
	if cfg.Verbose {
		d.log.w = cfg.Log
	}
	return d
}

// bufferSize bounds go-zookeeper's per-connection buffers (1.5 MiB each by
// default, which thousands of idle sessions could not afford).
func (d *dialer) bufferSize() int {
	return 64<<10 + 4*d.cfg.Size
}

// dial connects one session and waits until the server has established
// it. admin sessions get a large receive bound for listing children.
func (d *dialer) dial(ctx context.Context, admin bool) (*session, error) {
	return d.dialWith(ctx, admin, false)
}

// dialWith is dial that, with failFast, gives up as soon as the first
// connection is lost instead of letting go-zookeeper reconnect.
func (d *dialer) dialWith(ctx context.Context, admin, failFast bool) (*session, error) {
	s := &session{established: make(chan struct{}), lost: make(chan struct{}),
		disconnects: &d.disconnects, clk: d.clk}
	var giveUp <-chan struct{} // nil: never
	if failFast {
		giveUp = s.lost
	}
	// go-zookeeper's option type is unexported, so each branch lists its
	// options in full.
	var (
		conn *zk.Conn
		err  error
	)
	if admin {
		conn, _, err = zk.Connect(d.cfg.Addrs, d.cfg.SessionTimeout, zk.WithLogger(d.log),
			zk.WithLogInfo(false), zk.WithEventCallback(s.onEvent), zk.WithMaxBufferSize(64<<20),
			zk.WithDialer(bufferedDial))
	} else {
		conn, _, err = zk.Connect(d.cfg.Addrs, d.cfg.SessionTimeout, zk.WithLogger(d.log),
			zk.WithLogInfo(false), zk.WithEventCallback(s.onEvent),
			zk.WithMaxBufferSize(d.bufferSize()), zk.WithMaxConnBufferSize(d.bufferSize()),
			zk.WithDialer(bufferedDial))
	}
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	s.conn = conn
	timer := time.NewTimer(d.cfg.Timeout)
	defer timer.Stop()
	select {
	case <-s.established:
		return s, nil
	case <-ctx.Done():
		s.close()
		return nil, fmt.Errorf("connect: %w", ctx.Err())
	case <-giveUp:
		s.close()
		return nil, errors.New("connect: connection lost before the session was established")
	case <-timer.C:
		s.close()
		return nil, fmt.Errorf("connect: no session within %v", d.cfg.Timeout)
	}
}

// bufferedDial is go-zookeeper's default dialer with a read buffer on the
// socket. go-zookeeper reads each reply with two unbuffered reads (length,
// then body), and in a closed loop on a machine the client shares with the
// server, those read(2) calls were 29 % of the client's CPU under get
// (zkbench -cpuprofile): CPU the server under test then lacks, whichever
// server it is. The buffer changes no byte on the wire and nothing in
// go-zookeeper's protocol handling.
func bufferedDial(network, address string, timeout time.Duration) (net.Conn, error) {
	nc, err := net.DialTimeout(network, address, timeout)
	if err != nil {
		return nil, err
	}
	return &bufferedConn{Conn: nc, r: bufio.NewReaderSize(nc, 16<<10)}, nil
}

// bufferedConn reads through r; everything else is the socket's.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// dialAll opens n sessions, a few at a time, and closes them all if one
// fails.
func (d *dialer) dialAll(ctx context.Context, n int) ([]*session, error) {
	out := make([]*session, n)
	err := forEach(ctx, n, 16, func(_, i int) error {
		s, err := d.dial(ctx, false)
		out[i] = s
		return err
	})
	if err != nil {
		closeAll(out)
		return nil, err
	}
	return out, nil
}

func (s *session) onEvent(ev zk.Event) {
	switch {
	case ev.Type == zk.EventSession && ev.State == zk.StateHasSession:
		s.once.Do(func() { close(s.established) })
	case ev.Type == zk.EventSession && (ev.State == zk.StateDisconnected || ev.State == zk.StateExpired):
		if !s.closing.Load() {
			s.disconnects.Add(1)
		}
		s.lostOnce.Do(func() { close(s.lost) })
	case ev.Type == zk.EventNodeDataChanged:
		s.notified.Store(s.clk.now())
	}
}

// close ends the session (go-zookeeper sends closeSession and waits up to
// a second for the reply).
func (s *session) close() {
	if s == nil || s.conn == nil {
		return
	}
	s.closing.Store(true)
	s.conn.Close()
}

func closeAll(ss []*session) {
	var wg sync.WaitGroup
	for _, s := range ss {
		if s == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.close()
		}()
	}
	wg.Wait()
}

// forEach runs fn(goroutine, i) for i in [0,n) on par goroutines and
// returns the first error; after an error or ctx's end no new i starts.
func forEach(ctx context.Context, n, par int, fn func(g, i int) error) error {
	if par > n {
		par = n
	}
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex // guards firstErr
		firstErr error
		failed   atomic.Bool
	)
	for g := 0; g < par; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() && ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(g, i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
