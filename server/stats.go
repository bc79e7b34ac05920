package server

import (
	"sync"
	"time"
)

// latencyStats aggregates request latencies for srvr/stat/mntr. The state
// loop writes; four-letter words read through Server.do, so the mutex only
// guards against the reset words racing with a snapshot.
type latencyStats struct {
	mu    sync.Mutex
	min   time.Duration
	max   time.Duration
	sum   time.Duration
	count int64
}

func (l *latencyStats) add(d time.Duration) {
	l.mu.Lock()
	if l.count == 0 || d < l.min {
		l.min = d
	}
	if d > l.max {
		l.max = d
	}
	l.sum += d
	l.count++
	l.mu.Unlock()
}

func (l *latencyStats) reset() {
	l.mu.Lock()
	l.min, l.max, l.sum, l.count = 0, 0, 0, 0
	l.mu.Unlock()
}

// snapshot returns min/avg/max in milliseconds.
func (l *latencyStats) snapshot() (min, avg, max int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count == 0 {
		return 0, 0, 0
	}
	return l.min.Milliseconds(), (l.sum / time.Duration(l.count)).Milliseconds(), l.max.Milliseconds()
}
