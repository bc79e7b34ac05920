package peer

import (
	"encoding/binary"
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
	// blocked: the link is cut (Transport.Block).
	blocked atomic.Bool

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
