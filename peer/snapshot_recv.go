package peer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// receiveSnapshot takes over connection c, read through rd, from member
// from, for the snapshot stream whose first chunk frame body is first: the store
// receives the file, and only once it is in place is the MsgSnap stepped.
// The receiver's verdict goes back as one byte; a refused stream ends the
// connection with the error.
func (t *Transport) receiveSnapshot(c net.Conn, rd io.Reader, from uint64, first []byte) error {
	m, ch, err := t.openStream(from, first)
	if err == nil {
		r := &chunkReader{t: t, c: c, rd: rd, from: from, index: ch.index, term: ch.term,
			data: ch.data, next: uint64(len(ch.data)), last: ch.last}
		if err = t.cfg.Snapshots.ReceiveFrom(ch.index, ch.term, r); err != nil {
			err = fmt.Errorf("receive snapshot %d: %w", ch.index, err)
		}
	}
	if err != nil {
		_ = writeAck(c, ackRefused, t.cfg.SnapshotTimeout)
		return err
	}
	if err := t.cfg.Handler.Step(t.ctx, m); err != nil && t.ctx.Err() == nil {
		t.log.Debug("peer: step snapshot", "from", from, "err", err)
	}
	_ = c.SetReadDeadline(time.Time{})
	return writeAck(c, ackInstalled, t.cfg.SnapshotTimeout)
}

// openStream checks a stream's first chunk and decodes its MsgSnap.
func (t *Transport) openStream(from uint64, first []byte) (*raftpb.Message, chunk, error) {
	ch, err := parseChunk(first)
	if err != nil {
		return nil, chunk{}, err
	}
	if ch.offset != 0 || len(ch.msg) == 0 {
		return nil, chunk{}, fmt.Errorf("snapshot stream starts at offset %d with a %d-byte message", ch.offset, len(ch.msg))
	}
	m := &raftpb.Message{}
	if err := proto.Unmarshal(ch.msg, m); err != nil {
		return nil, chunk{}, fmt.Errorf("decode snapshot message: %w", err)
	}
	meta := m.GetSnapshot().GetMetadata()
	switch {
	case m.GetType() != raftpb.MessageType_MsgSnap || m.GetFrom() != from || m.GetTo() != t.cfg.ID:
		return nil, chunk{}, fmt.Errorf("snapshot stream carries %v from %d to %d on member %d's connection", m.GetType(), m.GetFrom(), m.GetTo(), from)
	case meta.GetIndex() != ch.index || meta.GetTerm() != ch.term:
		return nil, chunk{}, fmt.Errorf("snapshot stream for %d/%d carries a message for %d/%d", ch.index, ch.term, meta.GetIndex(), meta.GetTerm())
	case t.cfg.Snapshots == nil:
		return nil, chunk{}, errors.New("no snapshot store to receive into")
	}
	return m, ch, nil
}

func writeAck(c net.Conn, ack byte, timeout time.Duration) error {
	_ = c.SetWriteDeadline(time.Now().Add(timeout))
	_, err := c.Write([]byte{ack})
	return err
}

// chunkReader reads a snapshot file from a stream's chunk frames, in
// order, to io.EOF after the last. Each frame must arrive within the stall
// timeout; it reuses one frame buffer.
type chunkReader struct {
	t           *Transport
	c           net.Conn  // for its read deadline
	rd          io.Reader // c's frames
	from        uint64
	index, term uint64
	data        []byte // unread bytes of the current chunk
	next        uint64 // the file offset the next chunk must start at
	last        bool   // the current chunk is the last
	buf         []byte
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.data) == 0 {
		if r.last {
			return 0, io.EOF
		}
		if err := r.nextChunk(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func (r *chunkReader) nextChunk() error {
	if r.t.blocked(r.from) {
		return errors.New("link cut")
	}
	_ = r.c.SetReadDeadline(time.Now().Add(r.t.cfg.SnapshotTimeout))
	var hdr [5]byte
	if _, err := io.ReadFull(r.rd, hdr[:]); err != nil {
		return err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if hdr[4] != frameSnapshot || n < 1 || n > maxChunkFrame {
		return fmt.Errorf("frame of type %d and %d bytes inside a snapshot stream", hdr[4], n)
	}
	if cap(r.buf) < int(n-1) {
		r.buf = make([]byte, n-1, 1+chunkHeaderSize+maxChunk)
	}
	body := r.buf[:n-1]
	if _, err := io.ReadFull(r.rd, body); err != nil {
		return err
	}
	ch, err := parseChunk(body)
	switch {
	case err != nil:
		return err
	case ch.index != r.index || ch.term != r.term || ch.offset != r.next || len(ch.msg) != 0:
		return fmt.Errorf("chunk of %d/%d at offset %d in the stream of %d/%d at %d", ch.index, ch.term, ch.offset, r.index, r.term, r.next)
	}
	r.data, r.last = ch.data, ch.last
	r.next += uint64(len(ch.data))
	return nil
}
