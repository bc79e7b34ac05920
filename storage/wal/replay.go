package wal

import (
	"fmt"

	"go.etcd.io/raft/v3/raftpb"
)

// replay folds the log's records, in order, into what ReadAll returns; the
// rules are in doc.go (Replay).
type replay struct {
	dir  string
	hs   hardState
	snap SnapshotMarker
	ents []*raftpb.Entry
	pos  positions // where ents are (and the entries they replaced, until dropped)
	// seen: an entry was read; only the very first may start anywhere.
	seen bool
	// firstPath and firstOff locate ents[0] when it was read with nothing
	// before it, for the final check.
	firstPath string
	firstOff  int
}

func (r *replay) record(typ byte, payload []byte, path string, at entryPos) error {
	switch typ {
	case typeEntry:
		return r.entry(payload, path, at)
	case typeHardState:
		r.hs = decodeHardState(payload)
	case typeSnapshot:
		r.marker(decodeSnapshot(payload))
	}
	return nil
}

func (r *replay) entry(payload []byte, path string, at entryPos) error {
	off := int(at.off)
	idx := entryIndex(payload)
	if idx == 0 {
		return refusal(ErrCorrupt, r.dir, path, off, "entry with index 0")
	}
	wasSeen := r.seen
	r.seen = true
	if n := len(r.ents); n > 0 {
		first := r.ents[0].GetIndex()
		last := first + uint64(n) - 1
		switch {
		case idx > last+1:
			return refusal(ErrIndexGap, r.dir, path, off, fmt.Sprintf("entry %d follows entry %d", idx, last))
		case idx < first:
			r.truncate(0)
		default:
			r.truncate(int(idx - first)) // raft overwrote a conflicting tail
		}
	} else if wasSeen && idx != r.snap.Index+1 {
		return refusal(ErrIndexGap, r.dir, path, off,
			fmt.Sprintf("entry %d follows the snapshot marker at %d", idx, r.snap.Index))
	}
	if len(r.ents) == 0 {
		r.firstPath, r.firstOff = path, off
	}
	r.ents = append(r.ents, decodeEntry(payload))
	r.pos.add(idx, at)
	return nil
}

// truncate keeps the first n entries.
func (r *replay) truncate(n int) {
	clear(r.ents[n:])
	r.ents = r.ents[:n]
	if n == 0 {
		r.pos.reset()
	}
}

// marker records a snapshot marker. The entries it covers stay (for
// ReadAllFrom, when the newest snapshot is unreadable and an older one
// must be replayed onto) when the log holds the marker's own entry with
// the marker's term: by raft's log matching property the entries up to it
// are then exactly those the snapshot reflects. When the marker lies past
// the entries read or its entry has another term (a snapshot installed
// from a leader), they are dropped. A marker behind the first entry read
// (restated at a segment head after older segments were released) leaves
// them alone.
func (r *replay) marker(m SnapshotMarker) {
	r.snap = m
	n := len(r.ents)
	if n == 0 {
		return
	}
	first, last := r.ents[0].GetIndex(), r.ents[n-1].GetIndex()
	switch {
	case m.Index < first:
		// Behind the log's start (earlier segments were released).
	case m.Index > last || r.ents[m.Index-first].GetTerm() != m.Term:
		r.truncate(0)
	}
}

// finish checks that the entries reach back to the snapshot marker.
func (r *replay) finish() error {
	if len(r.ents) == 0 {
		return nil
	}
	if first := r.ents[0].GetIndex(); first > r.snap.Index+1 {
		return refusal(ErrIndexGap, r.dir, r.firstPath, r.firstOff, fmt.Sprintf(
			"the log starts at entry %d but the newest snapshot marker is at %d: entries %d to %d are missing",
			first, r.snap.Index, r.snap.Index+1, first-1))
	}
	return nil
}
