package session

import "slices"

// tracked is one session known to the tracker.
type tracked struct {
	timeout  int64 // ms
	deadline int64 // bucket, a multiple of the tick
}

// Tracker is the leader's expiry schedule; see the package documentation.
// It is not safe for concurrent use.
type Tracker struct {
	tick     int64
	sessions map[int64]tracked
	// buckets maps a deadline to the sessions due then. A bucket emptied by
	// Touch or Remove stays until its deadline is expired, so that every key
	// has exactly one entry in due.
	buckets map[int64]map[int64]struct{}
	due     deadlineHeap
}

// NewTracker returns an empty tracker with buckets tickMs wide. It panics if
// tickMs is not positive.
func NewTracker(tickMs int64) *Tracker {
	if tickMs <= 0 {
		panic("session: tracker tick must be positive")
	}
	return &Tracker{
		tick:     tickMs,
		sessions: make(map[int64]tracked),
		buckets:  make(map[int64]map[int64]struct{}),
	}
}

func (t *Tracker) roundUp(ms int64) int64 {
	return ms/t.tick*t.tick + t.tick
}

// Touch records activity on session id at nowMs, moving its deadline to
// nowMs+timeoutMs rounded up to the next tick boundary. An untracked id
// becomes tracked.
func (t *Tracker) Touch(id int64, timeoutMs int32, nowMs int64) {
	timeout := int64(timeoutMs)
	deadline := t.roundUp(nowMs + timeout)
	old, ok := t.sessions[id]
	if ok && old.deadline == deadline {
		if old.timeout != timeout {
			t.sessions[id] = tracked{timeout: timeout, deadline: deadline}
		}
		return
	}
	if ok {
		delete(t.buckets[old.deadline], id)
	}
	t.sessions[id] = tracked{timeout: timeout, deadline: deadline}
	t.enqueue(id, deadline)
}

func (t *Tracker) enqueue(id, deadline int64) {
	b := t.buckets[deadline]
	if b == nil {
		b = make(map[int64]struct{})
		t.buckets[deadline] = b
		t.due.push(deadline)
	}
	b[id] = struct{}{}
}

// Remove stops tracking session id (closed by its client); unknown ids are
// ignored.
func (t *Tracker) Remove(id int64) {
	s, ok := t.sessions[id]
	if !ok {
		return
	}
	delete(t.buckets[s.deadline], id)
	delete(t.sessions, id)
}

// Expired removes and returns, sorted, every session whose deadline is at or
// before nowMs; nil when there are none.
func (t *Tracker) Expired(nowMs int64) []int64 {
	var out []int64
	for len(t.due) > 0 && t.due[0] <= nowMs {
		d := t.due.pop()
		for id := range t.buckets[d] {
			delete(t.sessions, id)
			out = append(out, id)
		}
		delete(t.buckets, d)
	}
	slices.Sort(out)
	return out
}

// ResetAll gives every tracked session a full timeout from nowMs.
func (t *Tracker) ResetAll(nowMs int64) {
	clear(t.buckets)
	t.due = t.due[:0]
	for id, s := range t.sessions {
		s.deadline = t.roundUp(nowMs + s.timeout)
		t.sessions[id] = s
		t.enqueue(id, s.deadline)
	}
}

// Deadline returns the tick boundary at which session id expires.
func (t *Tracker) Deadline(id int64) (int64, bool) {
	s, ok := t.sessions[id]
	return s.deadline, ok
}

// Len is the number of tracked sessions.
func (t *Tracker) Len() int {
	return len(t.sessions)
}
