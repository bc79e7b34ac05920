package server

import (
	"math"
	"strconv"
	"strings"
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

// snapshot returns min/avg/max in milliseconds: min and max whole, avg
// with four decimals, as ZooKeeper's AvgMinMaxCounter gives them.
func (l *latencyStats) snapshot() (min int64, avg float64, max int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count == 0 {
		return 0, 0, 0
	}
	avgMs := float64(l.sum) / float64(time.Millisecond) / float64(l.count)
	return l.min.Milliseconds(), math.Round(avgMs*1e4) / 1e4, l.max.Milliseconds()
}

// javaDouble formats v as Java's Double.toString does for the values the
// stats words print: at least one decimal ("0.0", "2.0", "7.1787").
func javaDouble(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
