package session

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// step is one tracker operation in a script; exactly one action field is
// meaningful per op.
type step struct {
	op      string // "touch", "remove", "expire", "reset", "deadline"
	id      int64
	timeout int32
	now     int64
	want    []int64 // expire: the expired ids; deadline: {deadline} or nil if untracked
}

func TestTracker(t *testing.T) {
	tests := []struct {
		name  string
		tick  int64
		steps []step
		left  int
	}{
		{
			name: "deadline rounds up to next tick",
			tick: 10,
			steps: []step{
				{op: "touch", id: 1, timeout: 30, now: 0},
				{op: "deadline", id: 1, want: []int64{40}},
				{op: "touch", id: 2, timeout: 30, now: 1},
				{op: "deadline", id: 2, want: []int64{40}},
				{op: "touch", id: 3, timeout: 30, now: 9},
				{op: "deadline", id: 3, want: []int64{40}},
			},
			left: 3,
		},
		{
			name: "exact multiple moves to the following boundary",
			tick: 10,
			steps: []step{
				{op: "touch", id: 1, timeout: 30, now: 10},
				{op: "deadline", id: 1, want: []int64{50}},
				{op: "touch", id: 2, timeout: 25, now: 15},
				{op: "deadline", id: 2, want: []int64{50}},
			},
			left: 2,
		},
		{
			name: "expires at the deadline, not before",
			tick: 10,
			steps: []step{
				{op: "touch", id: 1, timeout: 30, now: 0},
				{op: "expire", now: 39, want: nil},
				{op: "expire", now: 40, want: []int64{1}},
				{op: "deadline", id: 1, want: nil},
				{op: "expire", now: 40, want: nil},
			},
		},
		{
			name: "touch moves to a later bucket",
			tick: 10,
			steps: []step{
				{op: "touch", id: 1, timeout: 30, now: 0},
				{op: "touch", id: 2, timeout: 30, now: 0},
				{op: "touch", id: 1, timeout: 30, now: 15},
				{op: "expire", now: 40, want: []int64{2}},
				{op: "expire", now: 49, want: nil},
				{op: "expire", now: 50, want: []int64{1}},
			},
		},
		{
			name: "shorter timeout moves to an earlier bucket",
			tick: 10,
			steps: []step{
				{op: "touch", id: 1, timeout: 100, now: 0},
				{op: "touch", id: 1, timeout: 10, now: 5},
				{op: "deadline", id: 1, want: []int64{20}},
				{op: "expire", now: 20, want: []int64{1}},
				{op: "expire", now: 200, want: nil},
			},
		},
		{
			name: "touch within the same bucket keeps the deadline",
			tick: 2000,
			steps: []step{
				{op: "touch", id: 1, timeout: 4000, now: 100},
				{op: "touch", id: 1, timeout: 4000, now: 1999},
				{op: "deadline", id: 1, want: []int64{6000}},
				{op: "touch", id: 1, timeout: 4000, now: 2000},
				{op: "deadline", id: 1, want: []int64{8000}},
			},
			left: 1,
		},
		{
			name: "expired is sorted across buckets",
			tick: 10,
			steps: []step{
				{op: "touch", id: 9, timeout: 10, now: 0},
				{op: "touch", id: -4, timeout: 50, now: 0},
				{op: "touch", id: 5, timeout: 30, now: 0},
				{op: "touch", id: 1, timeout: 10, now: 0},
				{op: "touch", id: 7, timeout: 90, now: 0},
				{op: "expire", now: 60, want: []int64{-4, 1, 5, 9}},
				{op: "expire", now: 1000, want: []int64{7}},
			},
		},
		{
			name: "removed session never expires",
			tick: 10,
			steps: []step{
				{op: "touch", id: 1, timeout: 30, now: 0},
				{op: "touch", id: 2, timeout: 30, now: 0},
				{op: "remove", id: 1},
				{op: "remove", id: 77},
				{op: "deadline", id: 1, want: nil},
				{op: "expire", now: 100, want: []int64{2}},
			},
		},
		{
			name: "emptied bucket is reused",
			tick: 10,
			steps: []step{
				{op: "touch", id: 1, timeout: 30, now: 0}, // bucket 40
				{op: "remove", id: 1},                     // bucket 40 empty
				{op: "touch", id: 2, timeout: 35, now: 0}, // bucket 40 again
				{op: "touch", id: 3, timeout: 40, now: 0}, // bucket 50
				{op: "expire", now: 45, want: []int64{2}},
				{op: "expire", now: 50, want: []int64{3}},
			},
		},
		{
			name: "expired session can come back",
			tick: 10,
			steps: []step{
				{op: "touch", id: 1, timeout: 30, now: 0},
				{op: "expire", now: 40, want: []int64{1}},
				{op: "touch", id: 1, timeout: 30, now: 41},
				{op: "deadline", id: 1, want: []int64{80}},
				{op: "expire", now: 79, want: nil},
				{op: "expire", now: 80, want: []int64{1}},
			},
		},
		{
			name: "reset gives everyone a full timeout from now",
			tick: 10,
			steps: []step{
				{op: "touch", id: 1, timeout: 30, now: 0},
				{op: "touch", id: 2, timeout: 100, now: 0},
				{op: "touch", id: 3, timeout: 30, now: 25},
				{op: "reset", now: 500},
				{op: "deadline", id: 1, want: []int64{540}},
				{op: "deadline", id: 2, want: []int64{610}},
				{op: "deadline", id: 3, want: []int64{540}},
				{op: "expire", now: 539, want: nil},
				{op: "expire", now: 540, want: []int64{1, 3}},
				{op: "expire", now: 610, want: []int64{2}},
			},
		},
		{
			name: "reset uses the latest timeout",
			tick: 10,
			steps: []step{
				{op: "touch", id: 1, timeout: 30, now: 0},
				{op: "touch", id: 1, timeout: 35, now: 0}, // same bucket, new timeout
				{op: "reset", now: 5},
				{op: "deadline", id: 1, want: []int64{50}},
			},
			left: 1,
		},
		{
			name: "reset of an empty tracker",
			tick: 10,
			steps: []step{
				{op: "reset", now: 5},
				{op: "expire", now: 1 << 40, want: nil},
			},
		},
		{
			name: "tick of one",
			tick: 1,
			steps: []step{
				{op: "touch", id: 1, timeout: 5, now: 10},
				{op: "deadline", id: 1, want: []int64{16}},
				{op: "expire", now: 15, want: nil},
				{op: "expire", now: 16, want: []int64{1}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker(tc.tick)
			for i, s := range tc.steps {
				switch s.op {
				case "touch":
					tr.Touch(s.id, s.timeout, s.now)
				case "remove":
					tr.Remove(s.id)
				case "reset":
					tr.ResetAll(s.now)
				case "expire":
					if got := tr.Expired(s.now); !slices.Equal(got, s.want) {
						t.Fatalf("step %d: Expired(%d) = %v, want %v", i, s.now, got, s.want)
					}
				case "deadline":
					d, ok := tr.Deadline(s.id)
					if ok != (s.want != nil) || (ok && d != s.want[0]) {
						t.Fatalf("step %d: Deadline(%d) = %d, %v; want %v", i, s.id, d, ok, s.want)
					}
				default:
					t.Fatalf("unknown op %q", s.op)
				}
				checkInvariants(t, tr)
			}
			if tr.Len() != tc.left {
				t.Fatalf("Len = %d, want %d", tr.Len(), tc.left)
			}
		})
	}
}

func TestNewTrackerRejectsBadTick(t *testing.T) {
	for _, tick := range []int64{0, -5} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewTracker(%d) did not panic", tick)
				}
			}()
			NewTracker(tick)
		}()
	}
}

// checkInvariants verifies that every session sits in the bucket of its
// deadline, and that the heap holds each bucket exactly once.
func checkInvariants(t *testing.T, tr *Tracker) {
	t.Helper()
	for id, s := range tr.sessions {
		if _, ok := tr.buckets[s.deadline][id]; !ok {
			t.Fatalf("session %d missing from bucket %d", id, s.deadline)
		}
		if s.deadline%tr.tick != 0 {
			t.Fatalf("session %d deadline %d not on a tick", id, s.deadline)
		}
	}
	n := 0
	for d, b := range tr.buckets {
		for id := range b {
			if tr.sessions[id].deadline != d {
				t.Fatalf("session %d in stale bucket %d", id, d)
			}
			n++
		}
	}
	if n != len(tr.sessions) {
		t.Fatalf("%d bucket entries for %d sessions", n, len(tr.sessions))
	}
	heapKeys := slices.Sorted(slices.Values(tr.due))
	if !slices.Equal(heapKeys, slices.Sorted(maps.Keys(tr.buckets))) {
		t.Fatalf("heap %v does not match buckets %v", heapKeys, slices.Sorted(maps.Keys(tr.buckets)))
	}
	for i := 1; i < len(tr.due); i++ {
		if tr.due[(i-1)/2] > tr.due[i] {
			t.Fatalf("heap order broken at %d: %v", i, tr.due)
		}
	}
}

// TestTrackerAgainstModel drives the tracker and a map of raw deadlines with
// the same random operations and a clock that only moves forward.
func TestTrackerAgainstModel(t *testing.T) {
	for seed := range uint64(10) {
		rng := rand.New(rand.NewPCG(seed, 11))
		tick := int64(1 + rng.IntN(50))
		tr := NewTracker(tick)
		type entry struct{ timeout, deadline int64 }
		model := map[int64]entry{}
		now := int64(rng.IntN(1000))
		for step := range 3000 {
			id := int64(rng.IntN(40)) - 5
			switch rng.IntN(8) {
			case 0, 1, 2, 3:
				timeout := int32(rng.IntN(400))
				tr.Touch(id, timeout, now)
				model[id] = entry{int64(timeout), (now+int64(timeout))/tick*tick + tick}
			case 4:
				tr.Remove(id)
				delete(model, id)
			case 5:
				now += int64(rng.IntN(60))
				var want []int64
				for id, e := range model {
					if e.deadline <= now {
						want = append(want, id)
						delete(model, id)
					}
				}
				slices.Sort(want)
				if got := tr.Expired(now); !slices.Equal(got, want) {
					t.Fatalf("seed %d step %d: Expired(%d) = %v, want %v", seed, step, now, got, want)
				}
			case 6:
				if rng.IntN(10) == 0 {
					now += int64(rng.IntN(30))
					tr.ResetAll(now)
					for id, e := range model {
						e.deadline = (now+e.timeout)/tick*tick + tick
						model[id] = e
					}
				}
			case 7:
				d, ok := tr.Deadline(id)
				e, want := model[id]
				if ok != want || d != e.deadline {
					t.Fatalf("seed %d step %d: Deadline(%d) = %d, %v; want %d, %v", seed, step, id, d, ok, e.deadline, want)
				}
			}
			if tr.Len() != len(model) {
				t.Fatalf("seed %d step %d: Len = %d, want %d", seed, step, tr.Len(), len(model))
			}
			checkInvariants(t, tr)
		}
	}
}

func TestDeadlineHeap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h deadlineHeap
	var all []int64
	for range 500 {
		v := int64(rng.IntN(1000))
		h.push(v)
		all = append(all, v)
	}
	slices.Sort(all)
	for i, want := range all {
		if got := h.pop(); got != want {
			t.Fatalf("pop %d = %d, want %d", i, got, want)
		}
	}
	if len(h) != 0 {
		t.Fatalf("heap not empty: %v", h)
	}
}
