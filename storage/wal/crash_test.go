package wal

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/zkd-io/zkd/storage"
)

// step is one call the raft loop makes: a Save, a SaveSnapshot or a
// ReleaseTo.
type step struct {
	hs      *raftpb.HardState
	ents    []*raftpb.Entry
	snap    *SnapshotMarker
	release uint64
}

func (s step) run(w *WAL) error {
	switch {
	case s.snap != nil:
		return w.SaveSnapshot(*s.snap)
	case s.release > 0:
		return w.ReleaseTo(s.release)
	}
	return w.Save(s.hs, s.ents)
}

// logModel is what the log must hold after the steps that returned nil.
type logModel struct {
	ents []*raftpb.Entry
	hs   *raftpb.HardState
	snap SnapshotMarker
}

func (m logModel) apply(s step) logModel {
	switch {
	case s.snap != nil:
		m.snap = *s.snap
	case s.release > 0:
	default:
		if len(s.ents) > 0 {
			keep := m.ents[:0:0]
			for _, e := range m.ents {
				if e.GetIndex() < s.ents[0].GetIndex() {
					keep = append(keep, e)
				}
			}
			m.ents = append(keep, s.ents...)
		}
		if !hardStateOf(s.hs).empty() {
			m.hs = s.hs
		}
	}
	return m
}

// matches reports whether a replayed log is exactly the model's.
func (m logModel) matches(h *raftpb.HardState, es []*raftpb.Entry, snap SnapshotMarker) bool {
	var want []*raftpb.Entry
	for _, e := range m.ents {
		if e.GetIndex() > m.snap.Index {
			want = append(want, e)
		}
	}
	return sameHS(h, m.hs) && snap == m.snap && sameEntries(es, want)
}

// workload is a deterministic run of the raft loop: appends of varying
// size, conflicting-tail overwrites, snapshots and releases.
func workload() []step {
	var steps []step
	terms := map[uint64]uint64{}
	last, term := uint64(0), uint64(1)
	for i := range 70 {
		var batch []*raftpb.Entry
		if i%17 == 16 {
			term++
			batch = ents(last-2, last-1, term, 120)
		} else {
			batch = ents(last+1, last+uint64(1+i%4), term, 90+3*i)
		}
		for _, e := range batch {
			terms[e.GetIndex()] = e.GetTerm()
		}
		last = batch[len(batch)-1].GetIndex()
		steps = append(steps, step{hs: hs(term, 1, last-1), ents: batch})
		if i%20 == 19 {
			m := SnapshotMarker{Index: last - 5, Term: terms[last-5]}
			steps = append(steps, step{snap: &m}, step{release: m.Index})
		}
	}
	return steps
}

// crashPoints name the places a crash is injected.
var crashPoints = []string{
	"before append",
	"after append before fsync",
	"after fsync",
	"cut: before pre-allocating",
	"cut: before head write",
	"cut: before temp fsync",
	"cut: before rename",
	"cut: after rename before dir fsync",
	"dir fsync done",
	"release: before remove",
	"release: after remove before dir fsync",
}

// pointTracker maps FaultFS points to crash points. A segment being cut
// is written through the handle opened under its temp name, so the tracker
// follows the cut from the temp file's creation to its rename.
type pointTracker struct{ inCut bool }

func (pt *pointTracker) classify(p storage.Point) string {
	switch {
	case p.Op == "create" && strings.HasSuffix(p.Path, tmpExt):
		pt.inCut = true
	case p.Op == "rename" && !p.After:
		pt.inCut = false
		return "cut: before rename"
	case p.Op == "rename":
		return "cut: after rename before dir fsync"
	case p.Op == "syncdir" && p.After:
		return "dir fsync done"
	case p.Op == "remove" && !p.After:
		return "release: before remove"
	case p.Op == "remove":
		return "release: after remove before dir fsync"
	case pt.inCut && p.Op == "truncate" && !p.After:
		return "cut: before pre-allocating"
	case pt.inCut && p.Op == "write" && !p.After:
		return "cut: before head write"
	case pt.inCut && p.Op == "sync" && !p.After:
		return "cut: before temp fsync"
	case !pt.inCut && p.Op == "write" && !p.After:
		return "before append"
	case !pt.inCut && p.Op == "sync" && !p.After:
		return "after append before fsync"
	case !pt.inCut && p.Op == "sync":
		return "after fsync"
	}
	return ""
}

// TestCrashAtEveryPoint crashes the workload at every occurrence of every
// crash point (sampled down to about 40 per point), with a clean crash
// and a torn one, and checks that the log reopens without repair by hand
// and holds everything acknowledged (plus, possibly, a prefix of the call
// that was in flight).
func TestCrashAtEveryPoint(t *testing.T) {
	steps := workload()
	counts := map[string]int{}
	var pt pointTracker
	d := storage.NewFaultFS()
	d.SetHook(func(p storage.Point) { counts[pt.classify(p)]++ })
	w := mustOpen(t, testOpts(d))
	for _, s := range steps {
		if err := s.run(w); err != nil {
			t.Fatalf("dry run: %v", err)
		}
	}
	w.Close()
	runs, repairs := 0, 0
	for _, cp := range crashPoints {
		if counts[cp] == 0 {
			t.Fatalf("the workload never reaches %q", cp)
		}
		stride := max(1, counts[cp]/40)
		for n := 1; n <= counts[cp]; n += stride {
			for _, torn := range []bool{false, true} {
				name := fmt.Sprintf("%s #%d torn=%v", cp, n, torn)
				runs++
				if crashRun(t, name, steps, cp, n, torn, uint64(n)) {
					repairs++
				}
			}
		}
	}
	t.Logf("%d crash runs, %d reopened with a torn tail repaired", runs, repairs)
	if repairs == 0 {
		t.Fatal("no crash left a torn tail to repair")
	}
}

// crashRun crashes the workload at the n-th occurrence of point (torn with
// seed if torn), reopens and checks the log; it reports whether reopening repaired a torn tail.
func crashRun(t *testing.T, name string, steps []step, point string, n int, torn bool, seed uint64) (repaired bool) {
	t.Helper()
	d := storage.NewFaultFS()
	opts := testOpts(d)
	var logs bytes.Buffer
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	hits := 0
	crashed := false
	var pt pointTracker
	d.SetHook(func(p storage.Point) {
		if crashed || pt.classify(p) != point {
			return
		}
		if hits++; hits == n {
			crashed = true
			if torn {
				d.CrashTorn(seed)
			} else {
				d.Crash()
			}
		}
	})
	var acked logModel
	var inflight *step
	w, err := Open(opts) // creating the log is a cut too
	if err != nil && !crashed {
		t.Fatalf("%s: open: %v", name, err)
	}
	for i := 0; err == nil && i < len(steps); i++ {
		if err := steps[i].run(w); err != nil {
			if !crashed {
				t.Fatalf("%s: step %d failed before the crash: %v", name, i, err)
			}
			inflight = &steps[i]
			break
		}
		acked = acked.apply(steps[i])
	}
	if !crashed {
		t.Fatalf("%s: no crash", name)
	}
	d.SetHook(nil)
	d.Reboot()
	w, err = Open(opts)
	if err != nil {
		t.Fatalf("%s: reopen: %v", name, err)
	}
	h, es, snap, err := w.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !acked.matches(h, es, snap) && !inflightMatches(acked, inflight, h, es, snap) {
		t.Fatalf("%s: replayed hs %v snap %v entries %s; acknowledged hs %v snap %v entries %s",
			name, h, snap, describe(es), acked.hs, acked.snap, describe(acked.ents))
	}
	// The log takes writes again and replays them.
	next := snap.Index + 1
	if len(es) > 0 {
		next = es[len(es)-1].GetIndex() + 1
	}
	mustSave(t, w, hs(99, 1, next), ents(next, next+2, 99, 50))
	_, _, es2, _ := reopen(t, w, opts)
	if len(es2) == 0 || entString(es2[len(es2)-1]) != entString(ent(next+2, 99, 50)) {
		t.Fatalf("%s: write after recovery lost: %s", name, describe(es2))
	}
	return strings.Contains(logs.String(), "torn write")
}

// inflightMatches: the call that was interrupted may have reached the disk
// in part (a prefix of its records) or in full.
func inflightMatches(acked logModel, s *step, h *raftpb.HardState, es []*raftpb.Entry, snap SnapshotMarker) bool {
	if s == nil {
		return false
	}
	if s.snap != nil || s.release > 0 {
		return acked.apply(*s).matches(h, es, snap)
	}
	for k := 1; k <= len(s.ents); k++ {
		if acked.apply(step{ents: s.ents[:k]}).matches(h, es, snap) {
			return true
		}
	}
	return acked.apply(*s).matches(h, es, snap)
}

// TestTornCrashSeeds tears the in-flight Save at many random places: a
// crash after the records were written but before their fsync.
func TestTornCrashSeeds(t *testing.T) {
	steps := workload()
	repairs := 0
	for seed := range 150 {
		n := 20 + seed%40 // which append is in flight
		if crashRun(t, fmt.Sprintf("seed %d", seed), steps, "after append before fsync", n, true, uint64(seed)) {
			repairs++
		}
	}
	if repairs < 50 {
		t.Fatalf("only %d of 150 torn crashes left a tail to repair", repairs)
	}
}
