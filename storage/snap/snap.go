package snap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/zkd-io/zkd/storage"
)

// Errors callers can branch on.
var (
	// ErrNoSnapshot means the directory holds no snapshot file at all
	// (Load), or none for the index asked for (OpenRaw).
	ErrNoSnapshot = errors.New("snap: no snapshot")
	// ErrCorrupt is wrapped by every error about a snapshot file that
	// fails verification (size, header or CRC).
	ErrCorrupt = errors.New("snap: corrupt snapshot")
)

// Layout constants of the file format (see doc.go).
const (
	magic      = "ZKSN"
	version    = 1
	headerSize = 32
	trailerLen = 4
	suffix     = ".snap"
	tmpSuffix  = ".tmp"
	prefix     = "snap-"
	// nameLen is len("snap-" + 16 hex + "-" + 16 hex + ".snap").
	nameLen = len(prefix) + 16 + 1 + 16 + len(suffix)
	ioBuf   = 256 << 10
)

// Meta describes one snapshot file.
type Meta struct {
	Index uint64 // Raft index of the last entry the snapshot covers
	Term  uint64 // Raft term of that entry
	Path  string // the file's path
	Size  int64  // the file's size in bytes (header and trailer included)
}

// Store is a directory of snapshot files. It is safe for concurrent use.
type Store struct {
	dir string
	fs  storage.FS
	tab *crc32.Table

	// Logger receives a warning for every invalid snapshot Load skips;
	// nil discards them. Set it before using the Store.
	Logger *slog.Logger

	mu sync.Mutex
	// writing holds the temporary files of Saves in progress; Purge
	// leaves them alone.
	writing map[string]bool
	// verified holds file names known to be valid (written by Save or
	// checked by Load or Purge); files never change once renamed.
	verified map[string]bool
}

// Open returns the store of dir, creating the directory if needed.
func Open(dir string, fsys storage.FS) (*Store, error) {
	if err := fsys.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("snap: open %s: %w", dir, err)
	}
	return &Store{
		dir:      dir,
		fs:       fsys,
		tab:      crc32.MakeTable(crc32.Castagnoli),
		writing:  make(map[string]bool),
		verified: make(map[string]bool),
	}, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// fileName returns the name of the snapshot for term and index.
func fileName(term, index uint64) string {
	return fmt.Sprintf("%s%016x-%016x%s", prefix, term, index, suffix)
}

// parseName returns the term and index in a snapshot file name.
func parseName(name string) (term, index uint64, ok bool) {
	if len(name) != nameLen || !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) || name[len(prefix)+16] != '-' {
		return 0, 0, false
	}
	t, terr := parseHex(name[len(prefix) : len(prefix)+16])
	i, ierr := parseHex(name[len(prefix)+17 : len(prefix)+33])
	if terr != nil || ierr != nil {
		return 0, 0, false
	}
	return t, i, true
}

// parseHex parses 16 lower-case hex digits.
func parseHex(s string) (uint64, error) {
	if strings.ToLower(s) != s {
		return 0, errors.New("upper case")
	}
	return strconv.ParseUint(s, 16, 64)
}

// isTmp reports whether name is a temporary file of Save.
func isTmp(name string) bool {
	_, _, ok := parseName(strings.TrimSuffix(name, tmpSuffix))
	return ok && strings.HasSuffix(name, tmpSuffix)
}

// List returns every snapshot file, oldest first (by index, then term).
// It reads no file contents: a listed snapshot may be invalid.
func (s *Store) List() ([]Meta, error) {
	entries, err := s.fs.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("snap: list %s: %w", s.dir, err)
	}
	var metas []Meta
	for _, e := range entries {
		term, index, ok := parseName(e.Name())
		if !ok || e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("snap: list %s: %w", s.dir, err)
		}
		metas = append(metas, Meta{Index: index, Term: term, Path: filepath.Join(s.dir, e.Name()), Size: info.Size()})
	}
	slices.SortFunc(metas, func(a, b Meta) int {
		if a.Index != b.Index {
			return cmpUint(a.Index, b.Index)
		}
		return cmpUint(a.Term, b.Term)
	})
	return metas, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// header returns the 32-byte file header.
func header(index, term uint64, payload int64) [headerSize]byte {
	var h [headerSize]byte
	copy(h[:], magic)
	binary.BigEndian.PutUint32(h[4:], version)
	binary.BigEndian.PutUint64(h[8:], index)
	binary.BigEndian.PutUint64(h[16:], term)
	binary.BigEndian.PutUint64(h[24:], uint64(payload))
	return h
}

func (s *Store) isVerified(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.verified[name]
}

func (s *Store) setVerified(name string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok {
		s.verified[name] = true
	} else {
		delete(s.verified, name)
	}
}
