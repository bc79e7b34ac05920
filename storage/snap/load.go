package snap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zkd-io/zkd/storage"
)

// Load returns the newest valid snapshot: its Meta and a reader over its
// payload, which the caller must close. The file's CRC has been verified
// before Load returns. Invalid newer files are logged and skipped. With
// no snapshot file at all Load returns ErrNoSnapshot; when every file is
// invalid it returns an error wrapping ErrCorrupt that names the newest.
// An I/O error other than corruption is returned as it is, without
// falling back.
func (s *Store) Load() (Meta, io.ReadCloser, error) {
	metas, err := s.List()
	if err != nil {
		return Meta{}, nil, err
	}
	if len(metas) == 0 {
		return Meta{}, nil, ErrNoSnapshot
	}
	var newestErr error
	corrupt := 0
	for i := len(metas) - 1; i >= 0; i-- {
		m := metas[i]
		f, size, err := s.verify(m)
		switch {
		case err == nil:
			m.Size = size
			return m, &payload{SectionReader: io.NewSectionReader(f, headerSize, size-headerSize-trailerLen), f: f}, nil
		case errors.Is(err, fs.ErrNotExist):
			continue // removed since List, by a concurrent Purge
		case !errors.Is(err, ErrCorrupt):
			return Meta{}, nil, err
		}
		corrupt++
		if newestErr == nil {
			newestErr = err
		}
		if s.Logger != nil {
			s.Logger.Warn("skipping invalid snapshot", "file", m.Path, "err", err)
		}
	}
	if corrupt == 0 {
		return Meta{}, nil, ErrNoSnapshot
	}
	return Meta{}, nil, fmt.Errorf("snap: no valid snapshot among %d files in %s; newest: %w", corrupt, s.dir, newestErr)
}

// payload is the reader Load returns: the payload section of the open file.
type payload struct {
	*io.SectionReader
	f storage.File
}

func (p *payload) Close() error { return p.f.Close() }

// verify opens the snapshot m and checks its size, header and CRC. On
// success the file is returned open with its size; an invalid file gives
// an error wrapping ErrCorrupt that names it.
func (s *Store) verify(m Meta) (storage.File, int64, error) {
	f, err := s.fs.OpenFile(m.Path, os.O_RDONLY, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("snap: open %s: %w", m.Path, err)
	}
	size, err := s.check(f, m)
	if err != nil {
		_ = f.Close()
		if errors.Is(err, ErrCorrupt) {
			s.setVerified(filepath.Base(m.Path), false)
		}
		return nil, 0, err
	}
	s.setVerified(filepath.Base(m.Path), true)
	return f, size, nil
}

// check verifies the open file f of snapshot m and returns its size.
func (s *Store) check(f storage.File, m Meta) (int64, error) {
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrCorrupt, m.Path, fmt.Sprintf(format, args...))
	}
	info, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("snap: stat %s: %w", m.Path, err)
	}
	size := info.Size()
	if size < headerSize+trailerLen {
		return 0, corrupt("truncated: %d bytes, a snapshot has at least %d", size, headerSize+trailerLen)
	}
	var hdr [headerSize]byte
	if err := readAt(f, hdr[:], 0); err != nil {
		return 0, readErr(m.Path, err, corrupt)
	}
	switch {
	case string(hdr[:4]) != magic:
		return 0, corrupt("bad magic %q", hdr[:4])
	case binary.BigEndian.Uint32(hdr[4:]) != version:
		return 0, corrupt("unknown version %d", binary.BigEndian.Uint32(hdr[4:]))
	case binary.BigEndian.Uint64(hdr[8:]) != m.Index || binary.BigEndian.Uint64(hdr[16:]) != m.Term:
		return 0, corrupt("header says index %d term %d, the name index %d term %d",
			binary.BigEndian.Uint64(hdr[8:]), binary.BigEndian.Uint64(hdr[16:]), m.Index, m.Term)
	}
	if n := binary.BigEndian.Uint64(hdr[24:]); n != uint64(size-headerSize-trailerLen) {
		return 0, corrupt("header says payload of %d bytes, the file holds %d (truncated or torn)", n, size-headerSize-trailerLen)
	}
	crc := crc32.Checksum(hdr[:], s.tab)
	buf := make([]byte, ioBuf)
	for off := int64(headerSize); off < size-trailerLen; {
		n := min(int64(len(buf)), size-trailerLen-off)
		if err := readAt(f, buf[:n], off); err != nil {
			return 0, readErr(m.Path, err, corrupt)
		}
		crc = crc32.Update(crc, s.tab, buf[:n])
		off += n
	}
	var trailer [trailerLen]byte
	if err := readAt(f, trailer[:], size-trailerLen); err != nil {
		return 0, readErr(m.Path, err, corrupt)
	}
	if stored := binary.BigEndian.Uint32(trailer[:]); stored != crc {
		return 0, corrupt("CRC mismatch: stored %08x, computed %08x", stored, crc)
	}
	return size, nil
}

// readErr classifies a read error: an early end means the file shrank
// under us (corrupt), anything else is an I/O error.
func readErr(path string, err error, corrupt func(string, ...any) error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corrupt("truncated while reading")
	}
	return fmt.Errorf("snap: read %s: %w", path, err)
}

// readAt fills b from offset off. As io.ReaderAt allows, a read that
// fills b exactly at the end of the file may report io.EOF; that is
// success.
func readAt(f storage.File, b []byte, off int64) error {
	n, err := f.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return err
}
