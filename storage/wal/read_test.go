package wal

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/zkd-io/zkd/storage"
)

func mustRead(t *testing.T, w *WAL, lo, hi, maxSize uint64) []*raftpb.Entry {
	t.Helper()
	es, err := w.ReadEntries(lo, hi, maxSize)
	if err != nil {
		t.Fatalf("read entries %d..%d: %v", lo, hi-1, err)
	}
	return es
}

// span returns want's entries lo..hi-1 (want starts at index 1).
func span(want []*raftpb.Entry, lo, hi uint64) []*raftpb.Entry { return want[lo-1 : hi-1] }

func TestReadEntriesAcrossSegments(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	want, next := saveBatches(t, w, func(i int) uint64 { return 1 + uint64(i/40) })
	if n := len(segmentFiles(t, d)); n < 10 {
		t.Fatalf("only %d segments", n)
	}
	check := func(w *WAL) {
		t.Helper()
		checkEntries(t, mustRead(t, w, 1, next, math.MaxUint64), want)
		for _, r := range [][2]uint64{{1, 2}, {7, 90}, {100, next}, {next - 1, next}} {
			checkEntries(t, mustRead(t, w, r[0], r[1], math.MaxUint64), span(want, r[0], r[1]))
		}
		// The size limit: at least one entry, and never past maxSize after it.
		checkEntries(t, mustRead(t, w, 10, 50, 1), span(want, 10, 11))
		three := uint64(proto.Size(want[9]) + proto.Size(want[10]) + proto.Size(want[11]))
		checkEntries(t, mustRead(t, w, 10, 50, three), span(want, 10, 13))
		checkEntries(t, mustRead(t, w, 10, 50, three+1), span(want, 10, 13))
		if _, err := w.ReadEntries(0, 5, math.MaxUint64); !errors.Is(err, ErrNotOnDisk) {
			t.Fatalf("entry 0: %v", err)
		}
		if _, err := w.ReadEntries(next-1, next+1, math.MaxUint64); !errors.Is(err, ErrNotOnDisk) {
			t.Fatalf("past the end: %v", err)
		}
	}
	check(w)
	// Positions come back from replay too.
	w, _, _, _ = reopen(t, w, opts)
	check(w)
	w.Close()
}

func TestReadEntriesAfterOverwrite(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	for i := uint64(1); i <= 60; i += 10 {
		mustSave(t, w, nil, ents(i, i+9, 1, 100))
	}
	mustSave(t, w, hs(2, 2, 5), ents(6, 8, 2, 30)) // raft replaced 6..60
	mustSave(t, w, nil, ents(9, 9, 2, 30))
	want := append(ents(1, 5, 1, 100), ents(6, 9, 2, 30)...)
	checkEntries(t, mustRead(t, w, 1, 10, math.MaxUint64), want)
	if _, err := w.ReadEntries(1, 11, math.MaxUint64); !errors.Is(err, ErrNotOnDisk) {
		t.Fatalf("overwritten entry 10: %v", err)
	}
	w, _, _, _ = reopen(t, w, opts)
	checkEntries(t, mustRead(t, w, 1, 10, math.MaxUint64), want)
	w.Close()
}

func TestReadEntriesReleasedForgottenInstalled(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	for i := uint64(1); i <= 300; i += 10 {
		mustSave(t, w, nil, ents(i, i+9, 1, 100))
	}
	if err := w.SaveSnapshot(SnapshotMarker{Index: 200, Term: 1}); err != nil {
		t.Fatal(err)
	}
	checkEntries(t, mustRead(t, w, 1, 301, math.MaxUint64), ents(1, 300, 1, 100))
	if err := w.ReleaseTo(200); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ReadEntries(1, 10, math.MaxUint64); !errors.Is(err, ErrNotOnDisk) {
		t.Fatalf("released entries: %v", err)
	}
	checkEntries(t, mustRead(t, w, 200, 301, math.MaxUint64), ents(200, 300, 1, 100))
	w.Forget(250)
	if _, err := w.ReadEntries(249, 260, math.MaxUint64); !errors.Is(err, ErrNotOnDisk) {
		t.Fatalf("forgotten entry: %v", err)
	}
	checkEntries(t, mustRead(t, w, 250, 301, math.MaxUint64), ents(250, 300, 1, 100))
	// A snapshot from the leader replaces the log.
	if err := w.InstallSnapshot(SnapshotMarker{Index: 500, Term: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ReadEntries(250, 260, math.MaxUint64); !errors.Is(err, ErrNotOnDisk) {
		t.Fatalf("entries before an installed snapshot: %v", err)
	}
	mustSave(t, w, nil, ents(501, 510, 3, 20))
	checkEntries(t, mustRead(t, w, 501, 511, math.MaxUint64), ents(501, 510, 3, 20))
	w.Close()
}

func TestReadEntriesCorrupt(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	opts.SegmentSize = 1 << 20
	w := mustOpen(t, opts)
	mustSave(t, w, nil, ents(1, 20, 1, 100))
	segs := segmentFiles(t, d)
	f, err := d.OpenFile(segs[len(segs)-1], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Flip a data byte of entry 10: the 10th entry record after the
	// metadata record.
	off := int64(frameSize(metadataSize) + 9*frameSize(entryFixed+100) + headerSize + entryFixed + 50)
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
	f.Close()
	checkEntries(t, mustRead(t, w, 1, 10, math.MaxUint64), ents(1, 9, 1, 100))
	if _, err := w.ReadEntries(5, 15, math.MaxUint64); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("flipped bit: %v", err)
	}
	w.Close()
}

// TestPositionsMatchASlice drives positions through adds (continuing,
// overwriting a tail, starting afresh), drops and resets across chunk
// boundaries and checks every position against a plain slice model.
func TestPositionsMatchASlice(t *testing.T) {
	var p positions
	var model []entryPos
	var first uint64
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(step int) {
		t.Helper()
		if p.len() != len(model) || (len(model) > 0 && p.first != first) || p.end() != p.first+uint64(len(model)) {
			t.Fatalf("step %d: len %d first %d, want len %d first %d", step, p.len(), p.first, len(model), first)
		}
		for k := range model {
			if p.at(k) != model[k] {
				t.Fatalf("step %d: at(%d) = %+v, want %+v", step, k, p.at(k), model[k])
			}
		}
		// Only chunks holding live positions are kept.
		if want := (p.head + p.n + posChunk - 1) / posChunk; p.head >= posChunk || len(p.chunks) != want {
			t.Fatalf("step %d: %d chunks for head %d and %d positions", step, len(p.chunks), p.head, p.n)
		}
	}
	next := uint64(1)
	for step := range 400 {
		switch op := rng.IntN(10); {
		case op < 6: // a batch of appends
			for range rng.IntN(3 * posChunk) {
				e := entryPos{seq: next / 1000, off: int64(next) * 8, seed: uint32(next), size: 8}
				p.add(next, e)
				if len(model) == 0 {
					first = next
				}
				model = append(model, e)
				next++
			}
		case op < 7 && len(model) > 0: // raft overwrites a tail
			keep := rng.IntN(len(model) + 1)
			idx := first + uint64(keep)
			e := entryPos{seq: 99, off: int64(idx), size: 16}
			p.add(idx, e)
			if keep == 0 {
				first = idx
			}
			model = append(model[:keep], e)
			next = idx + 1
		case op < 9: // release or forget a prefix
			if len(model) == 0 {
				continue
			}
			m := rng.IntN(len(model) + 1)
			if b := posChunk - p.head; rng.IntN(3) == 0 && b <= len(model) {
				m = b // up to a chunk boundary
			}
			p.dropBefore(first + uint64(m))
			model = model[m:]
			first += uint64(m)
		default: // a run that does not continue the last one, or a reset
			if rng.IntN(2) == 0 {
				p.reset()
				model = nil
			} else {
				next += 5
				e := entryPos{seq: 7, off: int64(next), size: 8}
				p.add(next, e)
				model, first = []entryPos{e}, next
				next++
			}
		}
		check(step)
	}
}
