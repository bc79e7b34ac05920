package snap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/zkd-io/zkd/storage"
)

// Receiver writes a snapshot file that arrives in pieces (from a peer, as
// OpenRaw read it there) into a temporary file of the store, and installs
// it once it is complete and verifies. Make one with Store.Receive, Write
// the file's bytes in order, then Finish; Abort gives up. A Receiver is
// used by one goroutine.
type Receiver struct {
	s           *Store
	index, term uint64
	name, tmp   string
	f           storage.File
	n           int64            // bytes written
	hdr         [headerSize]byte // the first bytes, for the length check
	done        bool             // finished or aborted
}

// Receive starts receiving the snapshot file of index and term: it creates
// the temporary file <name>.tmp (which Purge leaves alone while the
// Receiver is open). It fails when a Save or Receive of the same file is in
// progress.
func (s *Store) Receive(index, term uint64) (*Receiver, error) {
	name := fileName(term, index)
	tmp := filepath.Join(s.dir, name) + tmpSuffix
	if !s.startWriting(tmp) {
		return nil, fmt.Errorf("snap: receive %s: a save or receive of it is in progress", name)
	}
	f, err := s.fs.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		s.stopWriting(tmp)
		return nil, fmt.Errorf("snap: receive %s: create: %w", name, err)
	}
	return &Receiver{s: s, index: index, term: term, name: name, tmp: tmp, f: f}, nil
}

// Write appends p to the file. Once the header is in, a stream longer
// than the header's payload length says is refused with an error wrapping
// ErrCorrupt (a stream never grows the file past what it claims).
func (r *Receiver) Write(p []byte) (int, error) {
	if r.done {
		return 0, fmt.Errorf("snap: receive %s: already finished", r.name)
	}
	if r.n < headerSize {
		copy(r.hdr[r.n:], p)
	}
	if end := r.n + int64(len(p)); end >= headerSize {
		want := int64(binary.BigEndian.Uint64(r.hdr[24:])) + headerSize + trailerLen
		if want < headerSize || end > want {
			return 0, fmt.Errorf("%w: receive %s: more than the %d bytes its header announces", ErrCorrupt, r.name, want)
		}
	}
	n, err := r.f.Write(p)
	r.n += int64(n)
	if err != nil {
		return n, fmt.Errorf("snap: receive %s: write: %w", r.name, err)
	}
	return n, nil
}

// Finish makes the received file durable, verifies it as Load would (size,
// header, index and term against the name, CRC), renames it into place
// and fsyncs the directory. It returns the installed snapshot's Meta. On
// any failure the temporary file is removed; a file that does not verify
// gives an error wrapping ErrCorrupt.
func (r *Receiver) Finish() (Meta, error) {
	if r.done {
		return Meta{}, fmt.Errorf("snap: receive %s: already finished", r.name)
	}
	m := Meta{Index: r.index, Term: r.term, Path: r.tmp}
	size, err := r.seal(m)
	if err != nil {
		_ = r.Abort()
		return Meta{}, fmt.Errorf("snap: receive %s: %w", r.name, err)
	}
	r.done = true
	defer r.s.stopWriting(r.tmp)
	if err := r.s.install(r.tmp, r.name); err != nil {
		return Meta{}, fmt.Errorf("snap: receive %s: %w", r.name, err)
	}
	m.Path, m.Size = filepath.Join(r.s.dir, r.name), size
	return m, nil
}

// seal fsyncs, verifies and closes the temporary file.
func (r *Receiver) seal(m Meta) (int64, error) {
	if err := r.f.Sync(); err != nil {
		return 0, fmt.Errorf("fsync: %w", err)
	}
	size, err := r.s.check(r.f, m)
	if err != nil {
		return 0, err
	}
	f := r.f
	r.f = nil
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("close: %w", err)
	}
	return size, nil
}

// Abort closes and removes the temporary file. It does nothing after
// Finish or a previous Abort, so it can be deferred.
func (r *Receiver) Abort() error {
	if r.done {
		return nil
	}
	r.done = true
	defer r.s.stopWriting(r.tmp)
	var errs []error
	if r.f != nil {
		errs = append(errs, r.f.Close())
		r.f = nil
	}
	errs = append(errs, r.s.fs.Remove(r.tmp))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("snap: abort receive %s: %w", r.name, err)
	}
	return nil
}

// ReceiveFrom receives the snapshot file of index and term from r, read to
// io.EOF, with a bounded buffer: Receive, Write, Finish, and Abort on any
// error, r's included. It returns once the file is durable, verified and
// in place.
func (s *Store) ReceiveFrom(index, term uint64, r io.Reader) error {
	rc, err := s.Receive(index, term)
	if err != nil {
		return err
	}
	defer rc.Abort()
	buf := make([]byte, ioBuf)
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := rc.Write(buf[:n]); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("snap: receive %s: read: %w", rc.name, rerr)
		}
	}
	_, err = rc.Finish()
	return err
}
