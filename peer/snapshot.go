package peer

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// Snapshots is where the transport reads the snapshot files it streams
// and stores those it receives; package snap's *Store implements it.
type Snapshots interface {
	// OpenRaw opens the file of the snapshot at index as stored (header
	// and checksum included, verified) and returns a reader over all of it
	// and its size. The transport closes the reader.
	OpenRaw(index uint64) (io.ReadCloser, int64, error)
	// ReceiveFrom stores the file of snapshot (index, term) read from r up
	// to io.EOF, holding at most a buffer of it in memory. It returns nil
	// only once the file is durable, verified and in place; on any error,
	// r's included, it leaves nothing behind.
	ReceiveFrom(index, term uint64, r io.Reader) error
}

// Snapshot stream constants (see doc.go, Snapshots).
const (
	frameSnapshot = 3
	// chunkHeaderSize: index, term, offset, last, message length.
	chunkHeaderSize = 8 + 8 + 8 + 1 + 4
	maxChunk        = 1 << 20
	// maxChunkMessage bounds the raft message in a stream's first chunk
	// (metadata only: ids and a ConfState).
	maxChunkMessage = 1 << 20
	maxChunkFrame   = 1 + chunkHeaderSize + maxChunkMessage + maxChunk
	// DefaultSnapshotTimeout is how long a snapshot stream may stall.
	DefaultSnapshotTimeout = 10 * time.Second
	ackInstalled           = 1
	ackRefused             = 0
)

// chunk is a decoded snapshot chunk frame.
type chunk struct {
	index, term, offset uint64
	last                bool
	msg                 []byte // the MsgSnap; only in the chunk at offset 0
	data                []byte
}

// appendChunkHeader appends a chunk frame's length, type and header; the
// caller appends msg and then the data bytes.
func appendChunkHeader(b []byte, c chunk, dataLen int) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(1+chunkHeaderSize+len(c.msg)+dataLen))
	b = append(b, frameSnapshot)
	b = binary.BigEndian.AppendUint64(b, c.index)
	b = binary.BigEndian.AppendUint64(b, c.term)
	b = binary.BigEndian.AppendUint64(b, c.offset)
	last := byte(0)
	if c.last {
		last = 1
	}
	b = append(b, last)
	b = binary.BigEndian.AppendUint32(b, uint32(len(c.msg)))
	return append(b, c.msg...)
}

// parseChunk decodes a chunk frame's payload; msg and data alias body.
func parseChunk(body []byte) (chunk, error) {
	if len(body) < chunkHeaderSize {
		return chunk{}, fmt.Errorf("snapshot chunk of %d bytes", len(body))
	}
	c := chunk{
		index:  binary.BigEndian.Uint64(body),
		term:   binary.BigEndian.Uint64(body[8:]),
		offset: binary.BigEndian.Uint64(body[16:]),
		last:   body[24] == 1,
	}
	m := binary.BigEndian.Uint32(body[25:])
	rest := body[chunkHeaderSize:]
	switch {
	case body[24] > 1:
		return chunk{}, fmt.Errorf("snapshot chunk with last flag %d", body[24])
	case uint64(m) > uint64(len(rest)) || m > maxChunkMessage:
		return chunk{}, fmt.Errorf("snapshot chunk message of %d bytes in %d", m, len(rest))
	case len(rest)-int(m) > maxChunk:
		return chunk{}, fmt.Errorf("snapshot chunk of %d data bytes", len(rest)-int(m))
	}
	c.msg, c.data = rest[:m], rest[m:]
	return c, nil
}
