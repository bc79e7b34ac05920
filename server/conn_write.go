package server

import (
	"net"
	"sync"
	"time"
)

// outQueue is a connection's outbound frame queue. The state loop appends
// encoded frames without ever blocking; the connection's writer goroutine
// takes everything queued and writes it with one vectored write, so replies
// that pile up while the socket is busy leave together.
type outQueue struct {
	mu      sync.Mutex
	frames  [][]byte
	closing bool // close the socket once the queue is flushed
	wake    chan struct{}
}

func newOutQueue() *outQueue { return &outQueue{wake: make(chan struct{}, 1)} }

func (q *outQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// push queues one frame. It reports false when the queue is closing.
func (q *outQueue) push(frame []byte) bool {
	q.mu.Lock()
	if q.closing {
		q.mu.Unlock()
		return false
	}
	q.frames = append(q.frames, frame)
	q.mu.Unlock()
	q.signal()
	return true
}

// closeAfterFlush asks the writer to close the socket once queued frames
// are written.
func (q *outQueue) closeAfterFlush() {
	q.mu.Lock()
	q.closing = true
	q.mu.Unlock()
	q.signal()
}

// take returns the queued frames and whether the queue is closing.
func (q *outQueue) take(spare [][]byte) ([][]byte, bool) {
	q.mu.Lock()
	frames := q.frames
	q.frames = spare[:0]
	closing := q.closing
	q.mu.Unlock()
	return frames, closing
}

// writeLoop writes queued frames until the queue closes or the socket
// fails. It closes the socket on the way out, which ends the reader too.
func (c *conn) writeLoop() {
	defer c.kill()
	var (
		spare    [][]byte
		deadline time.Time // the socket's write deadline as last set
	)
	for {
		select {
		case <-c.out.wake:
		case <-c.dead:
			return
		}
		frames, closing := c.out.take(spare)
		if len(frames) > 0 {
			bufs := net.Buffers(frames)
			n := len(frames)
			// A client that stops reading while it keeps its session
			// alive would otherwise pin every queued reply forever. The
			// deadline moves only once half of it is used: a blocked
			// write still fails within writeTimeout, and a busy
			// connection does not reset a runtime timer per write.
			if now := time.Now(); deadline.Sub(now) < c.writeTimeout/2 {
				deadline = now.Add(c.writeTimeout)
				_ = c.nc.SetWriteDeadline(deadline)
			}
			if _, err := bufs.WriteTo(c.nc); err != nil {
				return
			}
			c.sent.Add(int64(n))
			for i := range frames[:n] {
				frames[i] = nil
			}
		}
		// The array just taken becomes the next spare even when it was
		// empty: the queue now appends into the previous spare, and
		// handing that one back would let queue and writer share it.
		spare = frames[:0]
		if closing {
			// A last look: frames pushed before closing was set are
			// already taken, push refuses new ones after it.
			if rest, _ := c.out.take(nil); len(rest) > 0 {
				_ = c.nc.SetWriteDeadline(time.Now().Add(c.writeTimeout))
				bufs := net.Buffers(rest)
				_, _ = bufs.WriteTo(c.nc)
			}
			return
		}
	}
}
