package fsm

// # FSM snapshot format (version 1)
//
// EncodeSnapshot writes the whole replicated state; RestoreSnapshot reads
// it back into a new FSM. Fixed-width integers are big-endian; the header
// record uses the Jute encoding of package jute (long = 8 bytes, int = 4
// bytes, buffer = int length then bytes, -1 for nil).
//
//	[4]byte  magic "ZKDF"
//	uint32   version = 1
//	uint32   header length H, then H bytes of:
//	    long    lastZxid
//	    int     session count S
//	    S × { long id; int timeout; buffer password }   sorted by id
//	the tree, in package tree's snapshot format (tree/snapshot.go)
//	uint64   digest: tree.Digest of the tree
//	end of stream
//
// The Config is not stored: every replica must use the same one, and the
// caller passes it to RestoreSnapshot. The encoding is deterministic:
// replicas that applied the same entries, or restored the same snapshot
// and then applied the same entries, give equal bytes; a restored state
// encodes to the bytes it came from.
//
// RestoreSnapshot recomputes the digest of the tree it decoded and refuses
// a snapshot whose stored digest differs. It also rejects a bad magic or
// version, a truncated or over-long header, a duplicate session, a bad
// tree and bytes after the digest, with an error wrapping ErrBadSnapshot;
// it never panics on any input.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/session"
	"github.com/zkd-io/zkd/tree"
)

const (
	snapshotMagic   = "ZKDF"
	snapshotVersion = 1
	snapshotBufSize = 64 << 10
	// readChunk bounds how far a length read from the input is trusted
	// before the bytes behind it have arrived.
	readChunk = 64 << 10
)

// ErrBadSnapshot is wrapped by every error RestoreSnapshot returns for
// malformed input, a digest mismatch included.
var ErrBadSnapshot = errors.New("fsm: bad snapshot")

// EncodeSnapshot writes the FSM's state (last zxid, sessions, tree and the
// tree's digest) in the format described at the top of this file,
// streaming through a bufio.Writer (w itself when it is one; it is
// flushed). It fails while a multi's transaction is open, which cannot
// happen between Apply calls.
func (f *FSM) EncodeSnapshot(w io.Writer) error {
	return writeSnapshot(w, f.snapshotHeader(), f.tree.EncodeSnapshotDigest)
}

// Frozen is the FSM's state at one moment, encodable on another goroutine
// while Apply goes on (see tree.Frozen for how and what it costs).
type Frozen struct {
	hdr  []byte
	tree *tree.Frozen
}

// Freeze captures the state as it is now, between Apply calls; mu guards
// the view (see tree.Tree.Freeze). Thaw must be called, on the FSM's
// goroutine, once the view has been encoded or abandoned. One view may be
// open at a time.
func (f *FSM) Freeze(mu tree.Locker) (*Frozen, error) {
	tf, err := f.tree.Freeze(mu)
	if err != nil {
		return nil, fmt.Errorf("fsm: freeze: %w", err)
	}
	return &Frozen{hdr: f.snapshotHeader(), tree: tf}, nil
}

// Thaw closes the view opened by Freeze.
func (f *FSM) Thaw() { f.tree.Thaw() }

// EncodeSnapshot writes the frozen state exactly as FSM.EncodeSnapshot
// would have at the moment of Freeze. Any goroutine may call it.
func (z *Frozen) EncodeSnapshot(w io.Writer) error {
	return writeSnapshot(w, z.hdr, z.tree.EncodeSnapshotDigest)
}

// snapshotHeader encodes the header record: last zxid and sessions.
func (f *FSM) snapshotHeader() []byte {
	var hdr jute.Writer
	hdr.Long(f.lastZxid)
	ids := f.sessions.IDs()
	hdr.Int(int32(len(ids)))
	for _, id := range ids {
		s, _ := f.sessions.Get(id)
		hdr.Long(s.ID)
		hdr.Int(s.Timeout)
		hdr.Buffer(s.Password)
	}
	return slices.Clone(hdr.Bytes())
}

// writeSnapshot writes the prefix, the header record, the tree (by
// encodeTree, which returns the tree's digest) and the digest.
func writeSnapshot(w io.Writer, hdr []byte, encodeTree func(io.Writer) (uint64, error)) error {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriterSize(w, snapshotBufSize)
	}
	var pre [len(snapshotMagic) + 8]byte
	copy(pre[:], snapshotMagic)
	binary.BigEndian.PutUint32(pre[4:], snapshotVersion)
	binary.BigEndian.PutUint32(pre[8:], uint32(len(hdr)))
	if _, err := bw.Write(pre[:]); err != nil {
		return fmt.Errorf("fsm: encode snapshot: %w", err)
	}
	if _, err := bw.Write(hdr); err != nil {
		return fmt.Errorf("fsm: encode snapshot: %w", err)
	}
	digest, err := encodeTree(bw)
	if err != nil {
		return fmt.Errorf("fsm: encode snapshot: %w", err)
	}
	var tail [8]byte
	binary.BigEndian.PutUint64(tail[:], digest)
	if _, err := bw.Write(tail[:]); err != nil {
		return fmt.Errorf("fsm: encode snapshot: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("fsm: encode snapshot: %w", err)
	}
	return nil
}

// RestoreSnapshot reads a snapshot written by EncodeSnapshot and returns
// an FSM with cfg holding its state. r must end where the snapshot ends.
// Malformed input, including a tree whose digest differs from the stored
// one, gives an error wrapping ErrBadSnapshot; a read error of r other
// than an early end is returned wrapped as it is.
func RestoreSnapshot(cfg Config, r io.Reader) (*FSM, error) {
	return RestoreSnapshotSized(cfg, r, 0)
}

// RestoreSnapshotSized is RestoreSnapshot for input of at most size bytes
// (0: unknown), which lets a large tree be decoded into maps sized once
// (see tree.DecodeSnapshotSized).
func RestoreSnapshotSized(cfg Config, r io.Reader, size int64) (*FSM, error) {
	br := bufio.NewReaderSize(r, snapshotBufSize)
	var pre [len(snapshotMagic) + 8]byte
	if err := readFull(br, pre[:]); err != nil {
		return nil, err
	}
	if string(pre[:4]) != snapshotMagic {
		return nil, bad("magic %q", pre[:4])
	}
	if v := binary.BigEndian.Uint32(pre[4:]); v != snapshotVersion {
		return nil, bad("version %d", v)
	}
	hdr, err := readN(br, int(binary.BigEndian.Uint32(pre[8:])))
	if err != nil {
		return nil, err
	}
	f := &FSM{cfg: cfg, sessions: session.NewTable()}
	if err := f.decodeHeader(hdr); err != nil {
		return nil, err
	}
	t, digest, err := tree.DecodeSnapshotSized(br, size)
	if err != nil {
		if errors.Is(err, tree.ErrBadSnapshot) {
			return nil, fmt.Errorf("%w: %w", ErrBadSnapshot, err)
		}
		return nil, fmt.Errorf("fsm: restore snapshot: %w", err)
	}
	f.tree = t
	var tail [8]byte
	if err := readFull(br, tail[:]); err != nil {
		return nil, err
	}
	if stored := binary.BigEndian.Uint64(tail[:]); stored != digest {
		return nil, bad("tree digest mismatch: stored %016x, computed %016x", stored, digest)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		if err != nil {
			return nil, fmt.Errorf("fsm: restore snapshot: %w", err)
		}
		return nil, bad("bytes after the digest")
	}
	return f, nil
}

// decodeHeader reads the last zxid and the session table.
func (f *FSM) decodeHeader(b []byte) error {
	r := jute.NewReader(b)
	f.lastZxid = r.Long()
	n := r.VectorLen(8 + 4 + 4)
	if n < 0 && r.Err() == nil {
		return bad("null session list")
	}
	for i := 0; i < n && r.Err() == nil; i++ {
		s := session.Session{ID: r.Long(), Timeout: r.Int(), Password: r.Buffer()}
		if r.Err() != nil {
			break
		}
		if !f.sessions.Add(s) {
			return bad("duplicate session %#x", s.ID)
		}
	}
	if r.Err() != nil {
		return bad("header: %v", r.Err())
	}
	if r.Remaining() != 0 {
		return bad("header: %d trailing bytes", r.Remaining())
	}
	return nil
}

// readN reads n bytes, growing the buffer as they arrive so that a corrupt
// length costs no more memory than the input backs.
func readN(r io.Reader, n int) ([]byte, error) {
	b := make([]byte, 0, min(n, readChunk))
	for len(b) < n {
		step := min(n-len(b), readChunk)
		b = slices.Grow(b, step)
		if err := readFull(r, b[len(b):len(b)+step]); err != nil {
			return nil, err
		}
		b = b[:len(b)+step]
	}
	return b, nil
}

// readFull is io.ReadFull with an early end reported as a bad snapshot.
func readFull(r io.Reader, b []byte) error {
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return bad("truncated")
		}
		return fmt.Errorf("fsm: restore snapshot: %w", err)
	}
	return nil
}

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadSnapshot, fmt.Sprintf(format, args...))
}
