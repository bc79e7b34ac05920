package wal

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/zkd-io/zkd/storage"
)

// TestFsyncFailureIsSticky: a failed fsync fails its Save and every write
// after it; what was acknowledged before survives a crash.
func TestFsyncFailureIsSticky(t *testing.T) {
	tests := []struct {
		name string
		nth  int // which fsync of the failing Save fails
		cut  bool
	}{
		{"append fsync", 1, false},
		{"new segment fsync", 1, true},
		{"directory fsync after rename", 2, true},
		{"append fsync after a cut", 3, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := storage.NewFaultFS()
			opts := testOpts(d)
			w := mustOpen(t, opts)
			mustSave(t, w, hs(1, 1, 1), ents(1, 3, 1, 100))
			batch := ents(4, 4, 1, 100)
			if tc.cut {
				batch = ents(4, 40, 1, 100) // cannot fit in what is left
			}
			d.FailSync(tc.nth)
			err := w.Save(hs(1, 1, 3), batch)
			if !errors.Is(err, syscall.EIO) {
				t.Fatalf("failing Save: %v, want EIO", err)
			}
			for _, err := range []error{
				w.Save(nil, ents(4, 4, 1, 1)),
				w.SaveSnapshot(SnapshotMarker{Index: 2, Term: 1}),
				w.ReleaseTo(0),
			} {
				if !errors.Is(err, ErrFailed) || !errors.Is(err, syscall.EIO) {
					t.Fatalf("write after the failed fsync: %v", err)
				}
			}
			d.Crash()
			d.Reboot()
			w, h, es, _ := reopen(t, w, opts)
			checkEntries(t, es, ents(1, 3, 1, 100))
			if !sameHS(h, hs(1, 1, 1)) {
				t.Fatalf("hs %v", h)
			}
			mustSave(t, w, nil, ents(4, 4, 2, 5))
			w.Close()
		})
	}
}

// TestNoSpace: ENOSPC while cutting a segment fails the Save without
// harming the log, which works again once space returns.
func TestNoSpace(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	d.SetSpace(0) // appends fit in the pre-allocated segment; a cut does not
	var acked uint64
	var err error
	for i := uint64(1); i < 100 && err == nil; i++ {
		if err = w.Save(hs(1, 1, i), ents(i, i, 1, 100)); err == nil {
			acked = i
		}
	}
	if !errors.Is(err, syscall.ENOSPC) || errors.Is(err, ErrFailed) {
		t.Fatalf("Save on a full disk: %v, want ENOSPC", err)
	}
	if acked < 10 {
		t.Fatalf("only %d Saves fit in the pre-allocated segment", acked)
	}
	des, _ := d.ReadDir(testDir)
	for _, de := range des {
		if strings.HasSuffix(de.Name(), tmpExt) {
			t.Fatalf("temp segment left: %s", de.Name())
		}
	}
	retry := func() error { return w.Save(hs(1, 1, acked+1), ents(acked+1, acked+1, 1, 100)) }
	if err := retry(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("second Save on a full disk: %v", err)
	}
	d.SetSpace(-1)
	if err := retry(); err != nil {
		t.Fatalf("Save once space returned: %v", err)
	}
	_, _, es, _ := reopen(t, w, opts)
	checkEntries(t, es, ents(1, acked+1, 1, 100))
}

// TestNoSpaceInLiveSegment: a batch larger than a segment grows the live
// segment; ENOSPC there leaves a partial write, so the WAL stops taking
// writes, and reopening repairs the tail.
func TestNoSpaceInLiveSegment(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	d.SetSpace(1000)
	err := w.Save(nil, ents(1, 60, 1, 100))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Save: %v, want ENOSPC", err)
	}
	d.SetSpace(-1)
	if err := w.Save(nil, ents(1, 1, 1, 1)); !errors.Is(err, ErrFailed) {
		t.Fatalf("Save after a failed write: %v", err)
	}
	w, _, _, _ = reopen(t, w, opts)
	mustSave(t, w, nil, ents(1, 2, 1, 100))
	_, _, es, _ := reopen(t, w, opts)
	checkEntries(t, es, ents(1, 2, 1, 100))
}
