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

// serve checks an inbound connection's hello and dispatches its frames.
func (t *Transport) serve(c net.Conn) error {
	from, err := t.readHello(c)
	if err != nil {
		return err
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
		switch {
		case t.blocked(from):
			// The link is cut: the frame is lost.
		case hdr[4] == frameRaft:
			err = t.onRaft(from, body)
		case hdr[4] == frameTouches:
			err = t.onTouches(from, body)
		}
		// Unknown frame types are skipped: a newer peer may send them.
		if err != nil {
			return err
		}
	}
}

// readHello reads and checks the hello and returns the sender's id.
func (t *Transport) readHello(c net.Conn) (uint64, error) {
	var h [helloSize]byte
	_ = c.SetReadDeadline(time.Now().Add(helloTimeout))
	if _, err := io.ReadFull(c, h[:]); err != nil {
		return 0, fmt.Errorf("read hello: %w", err)
	}
	from := binary.BigEndian.Uint64(h[16:])
	switch {
	case string(h[:4]) != helloMagic || binary.BigEndian.Uint32(h[4:]) != helloVersion:
		return 0, errors.New("not a zkd peer hello")
	case binary.BigEndian.Uint64(h[8:]) != t.cfg.ClusterID:
		return 0, fmt.Errorf("hello from cluster %016x, this is cluster %016x", binary.BigEndian.Uint64(h[8:]), t.cfg.ClusterID)
	case binary.BigEndian.Uint64(h[24:]) != t.cfg.ID:
		return 0, fmt.Errorf("hello for member %d, this is member %d", binary.BigEndian.Uint64(h[24:]), t.cfg.ID)
	case t.peers[from] == nil:
		return 0, fmt.Errorf("hello from member %d, not in the configuration", from)
	}
	return from, nil
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
