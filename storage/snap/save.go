package snap

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

// Save writes a snapshot of the given index and term whose payload is
// whatever write writes to the io.Writer it is given (a buffered writer;
// write need not buffer, and must not keep it after returning). The file
// appears under its final name only once it is complete and durable: the
// payload goes to a temporary file that is fsynced, closed, renamed and
// followed by a directory fsync. On any failure, write's error included,
// the temporary file is removed and the error returned; existing
// snapshots are never touched. Saving an index and term that already
// exist replaces that file atomically.
func (s *Store) Save(index, term uint64, write func(io.Writer) error) error {
	name := fileName(term, index)
	final := filepath.Join(s.dir, name)
	tmp := final + tmpSuffix
	if !s.startWriting(tmp) {
		return fmt.Errorf("snap: save %s: another save of it is in progress", name)
	}
	defer s.stopWriting(tmp)

	if err := s.writeTmp(tmp, index, term, write); err != nil {
		// Best effort: a leftover is ignored by Load and removed by Purge.
		_ = s.fs.Remove(tmp)
		return fmt.Errorf("snap: save %s: %w", name, err)
	}
	if err := s.install(tmp, name); err != nil {
		return fmt.Errorf("snap: save %s: %w", name, err)
	}
	return nil
}

// install renames the complete, fsynced temporary file tmp to name and
// fsyncs the directory. A failed rename removes tmp.
func (s *Store) install(tmp, name string) error {
	if err := s.fs.Rename(tmp, filepath.Join(s.dir, name)); err != nil {
		_ = s.fs.Remove(tmp)
		return fmt.Errorf("rename: %w", err)
	}
	if err := s.fs.SyncDir(s.dir); err != nil {
		// The file is complete and valid; only its durability is unknown.
		return fmt.Errorf("sync dir: %w", err)
	}
	s.setVerified(name, true)
	return nil
}

// writeTmp writes the whole file to path, fsyncs and closes it.
func (s *Store) writeTmp(path string, index, term uint64, write func(io.Writer) error) (err error) {
	f, err := s.fs.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	defer func() {
		if f != nil {
			_ = f.Close() // already failing
		}
	}()
	// The header's length is not known yet: write a placeholder, stream
	// the payload after it and patch the header at the end.
	var zero [headerSize]byte
	if _, err := f.Write(zero[:]); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	cw := &crcWriter{w: f, tab: s.tab}
	bw := bufio.NewWriterSize(cw, ioBuf)
	if err := write(bw); err != nil {
		return fmt.Errorf("write payload: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write payload: %w", err)
	}
	hdr := header(index, term, cw.n)
	if _, err := f.WriteAt(hdr[:], 0); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	crc := crcCombine(crc32.Castagnoli, crc32.Checksum(hdr[:], s.tab), cw.crc, cw.n)
	var trailer [trailerLen]byte
	binary.BigEndian.PutUint32(trailer[:], crc)
	if _, err := f.WriteAt(trailer[:], headerSize+cw.n); err != nil {
		return fmt.Errorf("write trailer: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync: %w", err)
	}
	cerr := f.Close()
	f = nil
	if cerr != nil {
		return fmt.Errorf("close: %w", cerr)
	}
	return nil
}

func (s *Store) startWriting(tmp string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writing[tmp] {
		return false
	}
	s.writing[tmp] = true
	return true
}

func (s *Store) stopWriting(tmp string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.writing, tmp)
}
