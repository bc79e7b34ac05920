package proto

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/zkd-io/zkd/jute"
)

// DefaultMaxBuffer is ZooKeeper's default jute.maxbuffer: the largest
// packet payload accepted in either direction.
const DefaultMaxBuffer = 0xfffff

// ErrFrameTooLarge reports a frame length below zero or above the limit.
// ZooKeeper closes the connection without a reply in that case.
var ErrFrameTooLarge = errors.New("proto: frame length out of range")

// ReadFrame reads one length-prefixed packet from r and returns its
// payload (without the 4-byte length). The length is checked against maxLen
// (maxLen <= 0 means DefaultMaxBuffer) before anything is allocated; a length
// < 0 or > maxLen yields an error wrapping ErrFrameTooLarge. The payload is
// read into buf when its capacity suffices, so the result aliases buf and
// is valid until buf is reused; without buf, reading from a *bufio.Reader
// allocates only the payload. io.EOF is returned unwrapped when r ends
// cleanly before a frame starts; a frame cut short yields an error
// wrapping io.ErrUnexpectedEOF.
func ReadFrame(r io.Reader, buf []byte, maxLen int) ([]byte, error) {
	if maxLen <= 0 {
		maxLen = DefaultMaxBuffer
	}
	length, err := readLength(r, buf)
	if err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("read frame length: %w", err)
	}
	n := int64(int32(length))
	if n < 0 || n > int64(maxLen) {
		return nil, fmt.Errorf("%w: %d (max %d)", ErrFrameTooLarge, n, maxLen)
	}
	if buf != nil && int64(cap(buf)) >= n {
		buf = buf[:n]
	} else {
		buf = make([]byte, n)
	}
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read frame body: %w", err)
	}
	return buf, nil
}

// readLength reads the 4-byte length: into buf when it can hold it, else
// straight out of r's buffer when r is a *bufio.Reader (no allocation: a
// server reads every request this way), else into a new slice. Its
// errors are io.ReadFull's.
func readLength(r io.Reader, buf []byte) (uint32, error) {
	var head []byte
	switch br, ok := r.(*bufio.Reader); {
	case cap(buf) >= 4:
		head = buf[:4]
	case ok:
		b, err := br.Peek(4)
		switch {
		case len(b) == 4:
			n := binary.BigEndian.Uint32(b)
			_, _ = br.Discard(4) // Peek returned the 4 bytes: cannot fail
			return n, nil
		case len(b) == 0 && err == io.EOF:
			return 0, io.EOF
		case err == io.EOF:
			return 0, io.ErrUnexpectedEOF
		default:
			return 0, err
		}
	default:
		head = make([]byte, 4)
	}
	if _, err := io.ReadFull(r, head); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(head), nil
}

// AppendFrame appends one packet to dst: a 4-byte big-endian length, then
// header, then body. Either record may be nil (the handshake packets have
// no header; header-only replies have no body). The caller keeps the
// payload within the peer's limit (DefaultMaxBuffer for default clients).
func AppendFrame(dst []byte, header Record, body Record) []byte {
	start := len(dst)
	w := jute.Writer{Buf: dst}
	w.Int(0)
	if header != nil {
		header.Encode(&w)
	}
	if body != nil {
		body.Encode(&w)
	}
	w.PutIntAt(start, int32(w.Len()-start-4))
	return w.Bytes()
}
