package server

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/watch"
)

// conn is one client connection. The reader and writer goroutines own the
// socket's two directions; every field under "state loop" is touched only
// by the state loop.
type conn struct {
	id     watch.ConnID
	s      *Server
	nc     net.Conn
	remote string // peer address "ip:port"
	ip     string
	out    *outQueue
	slots  chan struct{} // read-ahead bound: one token per unanswered request
	dead   chan struct{} // closed when the connection is torn down
	once   sync.Once
	est    time.Time
	// writeTimeout bounds one blocked write to the socket (the longest a
	// session may stay silent, maxSessionTimeout).
	writeTimeout time.Duration

	recv atomic.Int64
	sent atomic.Int64

	// state loop
	session     int64
	timeout     int32
	auth        []proto.Id
	queue       []*request // not yet started, in arrival order
	inflight    []*request // proposed writes awaiting apply, in order
	syncing     *request   // sync awaiting its read index
	movesAhead  int        // this connection's moveSession entries not yet applied
	readOnly    bool       // a read-only session (served while no leader is known)
	closed      bool
	lastOp      string
	lastXid     int32
	lastZxid    int64
	lastLatency time.Duration
	minLat      time.Duration
	maxLat      time.Duration
	sumLat      time.Duration
	cntLat      int64
}

// request is one decoded client request travelling through the pipeline.
type request struct {
	xid     int32
	op      proto.OpCode
	body    []byte
	arrived time.Time
	// proposed is when a write was handed to the log.
	proposed time.Time
	// readIndex is the index a sync waits for once known.
	readIndex uint64
}

// kill tears the connection down at once, dropping queued output.
func (c *conn) kill() {
	c.once.Do(func() {
		close(c.dead)
		c.nc.Close()
	})
}

// release returns one read-ahead token.
func (c *conn) release() {
	select {
	case <-c.slots:
	default:
	}
}

var errHandshake = errors.New("handshake refused")

// readBufferSize is a connection's read buffer: small, because idle
// sessions keep theirs, and larger frames are read past it.
const readBufferSize = 4 << 10

// readLoop runs the handshake, then reads requests and hands them to the
// state loop until the socket fails.
func (c *conn) readLoop() {
	defer func() {
		// The writer flushes what is queued (a final reply, an invalid
		// ConnectResponse) and then closes the socket.
		c.out.closeAfterFlush()
		c.s.post(func() { c.s.connGone(c) })
	}()
	if err := c.handshake(); err != nil {
		return
	}
	// Buffered after the handshake (which reads exactly its frame): one
	// read(2) then usually brings several pipelined requests, or at least
	// a whole small one, instead of two reads per request.
	br := bufio.NewReaderSize(c.nc, readBufferSize)
	for {
		select {
		case c.slots <- struct{}{}:
		case <-c.dead:
			return
		}
		body, err := proto.ReadFrame(br, nil, c.s.cfg.MaxBuffer)
		if err != nil {
			if err != io.EOF && !errors.Is(err, net.ErrClosed) {
				c.s.log.Debug("read", "remote", c.remote, "err", err)
			}
			return
		}
		c.recv.Add(1)
		c.s.received.Add(1)
		r := jute.NewReader(body)
		var h proto.RequestHeader
		h.Decode(r)
		if r.Err() != nil {
			// A frame too short for a header is garbage: close.
			return
		}
		req := &request{xid: h.Xid, op: h.Type, body: body[r.Offset():], arrived: time.Now()}
		c.s.post(func() { c.s.onRequest(c, req) })
	}
}

// handshake reads the ConnectRequest (or a four-letter word) and waits for
// the state loop to establish the session.
func (c *conn) handshake() error {
	_ = c.nc.SetReadDeadline(time.Now().Add(c.s.cfg.HandshakeTimeout))
	var hdr [4]byte
	if _, err := io.ReadFull(c.nc, hdr[:]); err != nil {
		return err
	}
	if cmd := string(hdr[:]); isFourLetterWord(cmd) {
		c.s.fourLetter(c, cmd)
		return errHandshake
	}
	n := int32(binary.BigEndian.Uint32(hdr[:]))
	if n < 0 || int(n) > c.s.cfg.MaxBuffer {
		return proto.ErrFrameTooLarge
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.nc, body); err != nil {
		return err
	}
	var req proto.ConnectRequest
	r := jute.NewReader(body)
	req.Decode(r)
	if r.Err() != nil {
		return r.Err()
	}
	_ = c.nc.SetReadDeadline(time.Time{})
	c.recv.Add(1)
	c.s.received.Add(1)
	result := make(chan bool, 1)
	c.s.post(func() { c.s.onConnect(c, &req, result) })
	select {
	case ok := <-result:
		if !ok {
			return errHandshake
		}
		return nil
	case <-c.dead:
		return errHandshake
	}
}
