package peer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

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
		started := t.goTracked(func() {
			defer t.dropInbound(c)
			if err := t.serve(c); t.ctx.Err() == nil && !errors.Is(err, io.EOF) && !errors.Is(err, errProbe) {
				t.log.Info("peer: connection closed", "remote", c.RemoteAddr().String(), "err", err)
			}
		})
		if !started {
			t.dropInbound(c)
		}
	}
}

// dropInbound forgets and closes an accepted connection.
func (t *Transport) dropInbound(c net.Conn) {
	t.mu.Lock()
	delete(t.inbound, c)
	t.mu.Unlock()
	c.Close()
}

// readBufSize is the read buffer of an inbound peer connection.
const readBufSize = 64 << 10

// serve checks an inbound connection's hello and dispatches its frames.
func (t *Transport) serve(c net.Conn) error {
	from, err := t.readHello(c)
	if err != nil {
		return err
	}
	// Frames are read through a buffer: under load several arrive
	// together, and one read then serves them all.
	br := bufio.NewReaderSize(c, readBufSize)
	var hdr [5]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return err
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if n == 0 || n > maxFrame || hdr[4] == frameSnapshot && n > maxChunkFrame {
			return fmt.Errorf("frame of type %d and %d bytes", hdr[4], n)
		}
		body := make([]byte, n-1)
		if _, err := io.ReadFull(br, body); err != nil {
			return err
		}
		switch {
		case t.blocked(from):
			// The link is cut: the frame is lost.
		case hdr[4] == frameRaft:
			err = t.onRaft(from, body)
		case hdr[4] == frameTouches:
			err = t.onTouches(from, body)
		case hdr[4] == frameSnapshot:
			err = t.receiveSnapshot(c, br, from, body)
		}
		// Unknown frame types are skipped: a newer peer may send them.
		if err != nil {
			return err
		}
	}
}

// readHello reads and checks the hello, answers it, and returns the
// sender's id. A probe (cluster 0) is answered with this member's cluster
// id and ends the connection (errProbe).
func (t *Transport) readHello(c net.Conn) (uint64, error) {
	var h [helloSize]byte
	_ = c.SetDeadline(time.Now().Add(helloTimeout))
	if _, err := io.ReadFull(c, h[:]); err != nil {
		return 0, fmt.Errorf("read hello: %w", err)
	}
	if string(h[:4]) != helloMagic || binary.BigEndian.Uint32(h[4:]) != helloVersion {
		return 0, errors.New("not a zkd peer hello")
	}
	cluster := binary.BigEndian.Uint64(h[8:])
	from := binary.BigEndian.Uint64(h[16:])
	to := binary.BigEndian.Uint64(h[24:])
	inc := binary.BigEndian.Uint64(h[32:])
	answer := byte(answerOK)
	var err error
	switch {
	case to != t.cfg.ID:
		answer, err = answerWrongMember, fmt.Errorf("hello for member %d, this is member %d", to, t.cfg.ID)
	case cluster != 0 && cluster != t.cfg.ClusterID:
		answer, err = answerOtherCluster, fmt.Errorf("hello from cluster %016x, this is cluster %016x", cluster, t.cfg.ClusterID)
	case cluster != 0 && t.peer(from) == nil:
		answer, err = answerUnknownMember, fmt.Errorf("hello from member %d, not in the configuration", from)
	case t.peer(from) != nil && t.cfg.Admit != nil && !t.cfg.Admit(from, inc):
		// Only members are recorded: a member that left may come back
		// with a new data directory.
		answer, err = answerReplaced, fmt.Errorf("member %d's data directory was replaced (incarnation %016x is not the one this member knows); "+
			"refusing it: remove it from the ensemble with reconfig and add it back, or restore its data directory", from, inc)
	case cluster == 0:
		answer, err = answerProbe, errProbe
	}
	var a [answerSize]byte
	a[0] = answer
	binary.BigEndian.PutUint64(a[1:], t.cfg.ClusterID)
	if _, werr := c.Write(a[:]); werr != nil && err == nil {
		err = fmt.Errorf("answer hello: %w", werr)
	}
	_ = c.SetDeadline(time.Time{})
	return from, err
}

// onRaft decodes a raft message from member from and steps it.
func (t *Transport) onRaft(from uint64, body []byte) error {
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
	return nil
}

// onTouches decodes a touches frame and hands it to Config.OnTouches.
func (t *Transport) onTouches(from uint64, body []byte) error {
	ids, err := decodeTouches(body)
	if err != nil {
		return err
	}
	if t.cfg.OnTouches != nil {
		t.cfg.OnTouches(from, ids)
	}
	return nil
}
