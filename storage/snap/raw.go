package snap

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zkd-io/zkd/storage"
)

// OpenRaw opens the snapshot file of index for streaming it to a peer as
// stored: header, payload and CRC. It returns a reader over the whole
// file, which the caller must close, and the file's size. The file is
// verified first (unless this Store verified it before), so a corrupt
// snapshot is never sent; among files of one index the highest term wins.
// No file for index gives an error wrapping ErrNoSnapshot, an invalid one
// an error wrapping ErrCorrupt.
func (s *Store) OpenRaw(index uint64) (io.ReadCloser, int64, error) {
	metas, err := s.List()
	if err != nil {
		return nil, 0, err
	}
	var m *Meta
	for i := range metas {
		if metas[i].Index == index {
			m = &metas[i] // sorted by term within an index: the last wins
		}
	}
	if m == nil {
		return nil, 0, fmt.Errorf("%w at index %d in %s", ErrNoSnapshot, index, s.dir)
	}
	f, size, err := s.openChecked(*m)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, fmt.Errorf("%w at index %d in %s (removed meanwhile)", ErrNoSnapshot, index, s.dir)
	}
	if err != nil {
		return nil, 0, err
	}
	return &payload{SectionReader: io.NewSectionReader(f, 0, size), f: f}, size, nil
}

// openChecked opens snapshot m and returns it with its size, verifying
// it unless it is known valid.
func (s *Store) openChecked(m Meta) (storage.File, int64, error) {
	if !s.isVerified(filepath.Base(m.Path)) {
		return s.verify(m)
	}
	f, err := s.fs.OpenFile(m.Path, os.O_RDONLY, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("snap: open %s: %w", m.Path, err)
	}
	info, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, 0, fmt.Errorf("snap: stat %s: %w", m.Path, err)
	}
	return f, info.Size(), nil
}
