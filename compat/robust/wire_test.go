package robust

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// maxBuffer is jute.maxbuffer on both servers under test (their default).
const maxBuffer = 0xfffff

// maxReplyFrame bounds the frames this client accepts: larger than
// maxBuffer so that a server sending an oversize reply is observed rather
// than misread.
const maxReplyFrame = 16 << 20

// probeXid marks the exists("/") request sent after a case to learn
// whether the connection still serves.
const probeXid int32 = 0x7ffffff0

// errNotFrame reports server output that is not a length-prefixed frame.
var errNotFrame = errors.New("server sent bytes that are not a frame")

// wire is one raw client connection. It keeps partial input across read
// deadlines, so a read that times out mid-frame loses nothing.
type wire struct {
	nc         net.Conn
	buf        []byte
	tmp        []byte
	err        error // sticky read error, returned once buf holds no frame
	handshaken bool  // a ConnectResponse with a live session was read
}

func dialWire(addr string) (*wire, error) {
	nc, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	return &wire{nc: nc, tmp: make([]byte, 64<<10)}, nil
}

func (w *wire) close() { w.nc.Close() }

// sendAsync writes b from a goroutine, so that a large write never
// deadlocks against replies this side has not read yet, then optionally
// half-closes the connection. The returned channel gets the outcome.
func (w *wire) sendAsync(b []byte, closeWrite bool) <-chan error {
	done := make(chan error, 1)
	go func() {
		_ = w.nc.SetWriteDeadline(time.Now().Add(20 * time.Second))
		_, err := w.nc.Write(b)
		if err == nil && closeWrite {
			if tc, ok := w.nc.(*net.TCPConn); ok {
				err = tc.CloseWrite()
			}
		}
		done <- err
	}()
	return done
}

// send writes b and waits for the write to finish.
func (w *wire) send(b []byte) error {
	return <-w.sendAsync(b, false)
}

// next returns the payload of the next frame, reading until deadline.
func (w *wire) next(deadline time.Time) ([]byte, error) {
	for {
		if len(w.buf) >= 4 {
			n := int64(int32(binary.BigEndian.Uint32(w.buf)))
			if n < 0 || n > maxReplyFrame {
				return nil, fmt.Errorf("%w: length %d", errNotFrame, n)
			}
			if int64(len(w.buf)) >= 4+n {
				f := make([]byte, n)
				copy(f, w.buf[4:4+n])
				w.buf = w.buf[4+n:]
				return f, nil
			}
		}
		if w.err != nil {
			return nil, w.err
		}
		_ = w.nc.SetReadDeadline(deadline)
		k, err := w.nc.Read(w.tmp)
		w.buf = append(w.buf, w.tmp[:k]...)
		if err != nil {
			if isTimeout(err) {
				return nil, err // not sticky: a later call may read on
			}
			w.err = err
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// connectFrame is a ConnectRequest as go-zookeeper and the Java client
// send it: a new session, the readOnly byte present.
func connectFrame(timeoutMs int32) []byte {
	return proto.AppendFrame(nil, nil, &proto.ConnectRequest{TimeOut: timeoutMs, Passwd: make([]byte, 16), HasReadOnly: true})
}

// handshake establishes a new session on w.
func (w *wire) handshake(timeoutMs int32) error {
	if err := w.send(connectFrame(timeoutMs)); err != nil {
		return fmt.Errorf("send connect: %w", err)
	}
	f, err := w.next(time.Now().Add(10 * time.Second))
	if err != nil {
		return fmt.Errorf("read connect response: %w", err)
	}
	var resp proto.ConnectResponse
	r := jute.NewReader(f)
	resp.Decode(r)
	if r.Err() != nil || resp.TimeOut <= 0 {
		return fmt.Errorf("connect refused (timeout %d, err %v)", resp.TimeOut, r.Err())
	}
	w.handshaken = true
	return nil
}

// request frames a header and a body record.
func request(xid int32, op proto.OpCode, body proto.Record) []byte {
	return proto.AppendFrame(nil, &proto.RequestHeader{Xid: xid, Type: op}, body)
}

// rawRequest frames a header followed by arbitrary body bytes.
func rawRequest(xid int32, op proto.OpCode, body []byte) []byte {
	var w jute.Writer
	w.Int(0)
	w.Int(xid)
	w.Int(int32(op))
	w.Buf = append(w.Buf, body...)
	w.PutIntAt(0, int32(w.Len()-4))
	return w.Buf
}

// rawFrame frames arbitrary payload bytes.
func rawFrame(payload []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	return append(out, payload...)
}

// lengthOnly is a frame length with nothing after it.
func lengthOnly(n int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }

// probe is the exists("/") request whose answer proves the connection
// still serves.
func probe() []byte { return request(probeXid, proto.OpExists, &proto.ExistsRequest{Path: "/"}) }

// concat joins byte strings.
func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
