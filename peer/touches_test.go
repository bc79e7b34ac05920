package peer

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

func TestTouchesCodec(t *testing.T) {
	for _, ids := range [][]int64{{}, {1}, {-1, 0, 1 << 62, -(1 << 63)}} {
		got, err := decodeTouches(appendTouches(nil, ids))
		if err != nil || !slices.Equal(got, ids) {
			t.Fatalf("round trip of %v: %v, %v", ids, got, err)
		}
	}
	good := appendTouches(nil, []int64{5, 6})
	for name, b := range map[string][]byte{
		"empty":          nil,
		"truncated id":   good[:len(good)-1],
		"extra bytes":    append(slices.Clone(good), 0),
		"count too high": append([]byte{3}, good[1:]...),
	} {
		if _, err := decodeTouches(b); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

// touchLog records the touches frames a transport receives.
type touchLog struct {
	mu     sync.Mutex
	frames [][]int64
	from   []uint64
}

func (l *touchLog) add(from uint64, ids []int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.frames = append(l.frames, ids)
	l.from = append(l.from, from)
}

func (l *touchLog) get() ([][]int64, []uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.frames), slices.Clone(l.from)
}

// TestTouchesReachTheLeader: touches frames arrive in order, with the
// sender's id, at the member they were sent to, beside raft messages.
func TestTouchesReachTheLeader(t *testing.T) {
	var log touchLog
	a, b := listen(t), listen(t)
	addrs := map[uint64]string{1: a.Addr().String(), 2: b.Addr().String()}
	h := &countHandler{stepped: new(atomic.Int64)}
	ta, err := New(Config{ID: 1, ClusterID: 7, Listener: a, Peers: addrs, Handler: h})
	if err != nil {
		t.Fatal(err)
	}
	tb, err := New(Config{ID: 2, ClusterID: 7, Listener: b, Peers: addrs, Handler: h, OnTouches: log.add})
	if err != nil {
		t.Fatal(err)
	}
	ta.Start()
	tb.Start()
	t.Cleanup(func() { ta.Close(); tb.Close() })

	want := [][]int64{{101, 102}, {103}, {-7}}
	for _, ids := range want {
		ta.SendTouches(2, ids)
	}
	ta.SendTouches(9, []int64{1}) // unknown member: dropped
	waitFor(t, "three touches frames", func() bool { f, _ := log.get(); return len(f) == len(want) })
	frames, from := log.get()
	for i := range want {
		if !slices.Equal(frames[i], want[i]) || from[i] != 1 {
			t.Fatalf("frame %d: %v from %d, want %v from 1", i, frames[i], from[i], want[i])
		}
	}
}

// TestTouchesQueueBounded: touches for a dead peer never hold more than
// the queue bound.
func TestTouchesQueueBounded(t *testing.T) {
	tr, _ := towardsDeadPeer(t, 4)
	for i := range 100 {
		tr.SendTouches(2, []int64{int64(i)})
		if q := tr.peer(2).queued(); q > 4 {
			t.Fatalf("queue holds %d frames, bound 4", q)
		}
	}
}
