package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// sendSnapshot starts streaming the snapshot file m refers to, on its own
// goroutine and connection. It runs on the raft loop, so it only checks
// and starts; a MsgSnap it cannot start is reported failed by the writer.
func (t *Transport) sendSnapshot(p *peer, m *raftpb.Message) {
	if t.cfg.Snapshots == nil || p.blocked.Load() || !p.streaming.CompareAndSwap(false, true) {
		p.fail(true) // no store, a cut link, or a stream to p in progress
		return
	}
	if len(m.GetSnapshot().GetData()) > 0 { // the file carries the data
		m = proto.CloneOf(m)
		m.Snapshot.Data = nil
	}
	b, err := proto.Marshal(m)
	if err != nil {
		t.log.Error("peer: encode snapshot message", "to", m.GetTo(), "err", err)
		p.streaming.Store(false)
		p.fail(true)
		return
	}
	meta := m.GetSnapshot().GetMetadata()
	started := t.goTracked(func() {
		defer p.streaming.Store(false)
		status := raft.SnapshotFinish
		if err := p.streamSnapshot(meta.GetIndex(), meta.GetTerm(), b); err != nil {
			status = raft.SnapshotFailure
			if t.ctx.Err() == nil {
				t.log.Warn("peer: snapshot not sent", "peer", p.id, "index", meta.GetIndex(), "err", err)
			}
		}
		t.cfg.Handler.ReportSnapshot(p.id, status)
	})
	if !started {
		p.streaming.Store(false)
	}
}

// streamSnapshot sends the snapshot file of index in chunks over a new
// connection, the first chunk carrying msg, and waits for the receiver's
// verdict. Every write and the wait are bounded by the stall timeout.
func (p *peer) streamSnapshot(index, term uint64, msg []byte) error {
	rc, size, err := p.t.cfg.Snapshots.OpenRaw(index)
	if err != nil {
		return fmt.Errorf("open snapshot: %w", err)
	}
	defer rc.Close()
	conn, err := p.dial()
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	defer context.AfterFunc(p.t.ctx, func() { conn.Close() })()
	timeout := p.t.cfg.SnapshotTimeout
	buf := make([]byte, 0, 5+chunkHeaderSize+len(msg)+maxChunk)
	for off := int64(0); ; {
		if p.blocked.Load() {
			return errors.New("link cut")
		}
		n := min(int64(maxChunk), size-off)
		c := chunk{index: index, term: term, offset: uint64(off), last: off+n == size}
		if off == 0 {
			c.msg = msg
		}
		frame := appendChunkHeader(buf[:0], c, int(n))
		hdr := len(frame)
		frame = frame[:hdr+int(n)]
		if _, err := io.ReadFull(rc, frame[hdr:]); err != nil {
			return fmt.Errorf("read snapshot at %d: %w", off, err)
		}
		_ = conn.SetWriteDeadline(time.Now().Add(timeout))
		if _, err := conn.Write(frame); err != nil {
			return fmt.Errorf("write chunk at %d: %w", off, err)
		}
		off += n
		if c.last {
			break
		}
	}
	_ = conn.SetReadDeadline(time.Now().Add(timeout))
	var ack [1]byte
	if _, err := io.ReadFull(conn, ack[:]); err != nil {
		return fmt.Errorf("wait for the receiver: %w", err)
	}
	if ack[0] != ackInstalled {
		return errors.New("the receiver refused the snapshot")
	}
	return nil
}
