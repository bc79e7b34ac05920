package snap

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
)

// Purge keeps the newest keep valid snapshots (and any file newer than the
// oldest of them), removes every older snapshot file and every stray
// temporary file that no Save in progress is writing, and fsyncs the
// directory when it removed anything. With fewer than keep valid
// snapshots it removes no snapshot. keep must be at least 1. Validity is
// checked as Load checks it (files written by this Store's Save or already
// verified are not read again). An I/O error while checking aborts Purge
// before anything is removed.
func (s *Store) Purge(keep int) error {
	if keep < 1 {
		return fmt.Errorf("snap: purge: keep %d, must be at least 1", keep)
	}
	metas, err := s.List()
	if err != nil {
		return fmt.Errorf("snap: purge: %w", err)
	}
	var remove []string
	valid := 0
	for i := len(metas) - 1; i >= 0; i-- {
		if valid == keep {
			remove = append(remove, metas[i].Path)
			continue
		}
		ok, err := s.valid(metas[i])
		if err != nil {
			return fmt.Errorf("snap: purge: %w", err)
		}
		if ok {
			valid++
		}
	}
	tmps, err := s.strayTmps()
	if err != nil {
		return fmt.Errorf("snap: purge: %w", err)
	}
	remove = append(remove, tmps...)
	var errs []error
	removed := 0
	for _, p := range remove {
		if err := s.fs.Remove(p); err != nil {
			if !errors.Is(err, fs.ErrNotExist) { // gone already: a Save renamed it
				errs = append(errs, err)
			}
			continue
		}
		s.setVerified(filepath.Base(p), false)
		removed++
	}
	if removed > 0 {
		if err := s.fs.SyncDir(s.dir); err != nil {
			errs = append(errs, fmt.Errorf("sync dir: %w", err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("snap: purge: %w", errors.Join(errs...))
	}
	return nil
}

// valid reports whether snapshot m passes verification; corruption is
// (false, nil), other failures an error.
func (s *Store) valid(m Meta) (bool, error) {
	if s.isVerified(filepath.Base(m.Path)) {
		return true, nil
	}
	f, _, err := s.verify(m)
	if err != nil {
		if errors.Is(err, ErrCorrupt) || errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	return true, f.Close()
}

// strayTmps lists the temporary files no Save in progress is writing.
func (s *Store) strayTmps() ([]string, error) {
	entries, err := s.fs.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", s.dir, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range entries {
		p := filepath.Join(s.dir, e.Name())
		if isTmp(e.Name()) && !e.IsDir() && !s.writing[p] {
			out = append(out, p)
		}
	}
	return out, nil
}
