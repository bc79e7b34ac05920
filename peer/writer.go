package peer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
)

// frame is one queued outbound frame: its type and payload.
type frame struct {
	typ  byte
	body []byte
}

// peer is the outbound side towards one member.
type peer struct {
	t    *Transport
	id   uint64
	addr string
	wake chan struct{}
	gone chan struct{} // closed when the member left the configuration
	// blocked: the link is cut (Transport.Block).
	blocked atomic.Bool
	// streaming: a snapshot stream to this peer is running.
	streaming atomic.Bool

	mu        sync.Mutex
	queue     []frame
	bytes     int
	dropped   bool // a raft message was dropped: report unreachable
	snapFails int  // MsgSnaps to report failed
}

func (p *peer) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// push queues f, or drops it when the queue is full; a dropped raft
// message is reported unreachable by the writer.
func (p *peer) push(f frame) {
	p.mu.Lock()
	if len(p.queue) >= p.t.cfg.QueueMessages || p.bytes+len(f.body) > p.t.cfg.QueueBytes {
		if f.typ == frameRaft {
			p.dropped = true
		}
	} else {
		p.queue = append(p.queue, f)
		p.bytes += len(f.body)
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
func (p *peer) take() (batch []frame, dropped bool, snapFails int) {
	p.mu.Lock()
	batch, p.queue, p.bytes = p.queue, nil, 0
	dropped, p.dropped = p.dropped, false
	snapFails, p.snapFails = p.snapFails, 0
	p.mu.Unlock()
	return batch, dropped, snapFails
}

// writeLoop dials the peer (backing off while it cannot), sends the hello
// and then every queued frame, one vectored write per batch. A failed
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
		case <-p.gone:
			return
		case <-p.wake:
		}
		batch, dropped, snapFails := p.take()
		if p.blocked.Load() && len(batch) > 0 {
			batch, dropped = nil, true // queued before the cut
		}
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

// dial connects to the peer and exchanges the hello and its answer. A
// refusal is reported to Config.OnRefused and returned.
func (p *peer) dial() (net.Conn, error) {
	// A peer that does not answer its hello within the snapshot stall
	// timeout would stall a stream as well.
	timeout := min(helloTimeout, p.t.cfg.SnapshotTimeout)
	c, _, err := handshake(p.t.ctx, p.addr, timeout, p.t.cfg.ClusterID, p.t.cfg.ID, p.id, p.t.cfg.Incarnation)
	if err != nil {
		var refused *RefusedError
		if errors.As(err, &refused) && p.t.cfg.OnRefused != nil {
			p.t.cfg.OnRefused(p.id, refused)
		}
		return nil, err
	}
	return c, nil
}

// handshake dials addr, sends the hello of member from (cluster 0: a
// probe) for member to and reads the answer. It returns the connection
// (nil after a probe, which the peer closes), the peer's cluster id, and a
// *RefusedError when the peer refused.
func handshake(ctx context.Context, addr string, timeout time.Duration, cluster, from, to, incarnation uint64) (net.Conn, uint64, error) {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, 0, err
	}
	var h [helloSize]byte
	putHello(h[:], cluster, from, to, incarnation)
	_ = c.SetDeadline(time.Now().Add(timeout))
	var a [answerSize]byte
	if _, err := c.Write(h[:]); err != nil {
		c.Close()
		return nil, 0, err
	}
	if _, err := io.ReadFull(c, a[:]); err != nil {
		c.Close()
		return nil, 0, fmt.Errorf("read hello answer: %w", err)
	}
	_ = c.SetDeadline(time.Time{})
	theirs := binary.BigEndian.Uint64(a[1:])
	switch {
	case a[0] == answerOK && cluster != 0:
		return c, theirs, nil
	case a[0] == answerProbe && cluster == 0:
		c.Close()
		return nil, theirs, nil
	}
	c.Close()
	return nil, theirs, &RefusedError{Member: to, Reason: a[0], Cluster: theirs}
}

// putHello fills b (helloSize bytes) with the hello of member from of
// cluster for member to.
func putHello(b []byte, cluster, from, to, incarnation uint64) {
	copy(b, helloMagic)
	binary.BigEndian.PutUint32(b[4:], helloVersion)
	binary.BigEndian.PutUint64(b[8:], cluster)
	binary.BigEndian.PutUint64(b[16:], from)
	binary.BigEndian.PutUint64(b[24:], to)
	binary.BigEndian.PutUint64(b[32:], incarnation)
}

// writeFrames writes the batch with one vectored write.
func writeFrames(c net.Conn, batch []frame) error {
	bufs := make(net.Buffers, 0, 2*len(batch))
	hdrs := make([]byte, 5*len(batch))
	for i, f := range batch {
		hdr := hdrs[5*i : 5*i+5]
		binary.BigEndian.PutUint32(hdr, uint32(len(f.body)+1))
		hdr[4] = f.typ
		bufs = append(bufs, hdr, f.body)
	}
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := bufs.WriteTo(c)
	return err
}
