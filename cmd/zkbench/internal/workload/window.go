package workload

import (
	"sync/atomic"
	"time"

	"github.com/zkd-io/zkd/cmd/zkbench/internal/procstat"
)

// window is a measured interval: server CPU/RSS sampling (summed over the
// servers' processes), this process's CPU, and a per-second count of
// completed requests.
type window struct {
	pids       []int
	sampler    *procstat.Sampler
	sampleErr  error
	startRSS   int64 // servers' VmRSS when the window opened
	client     procstat.Snapshot
	clientErr  error
	start      time.Time
	completed  *atomic.Uint64
	stopTicker chan struct{}
	tickerDone chan []uint64
}

// openWindow starts measuring. completed may be nil (no timeline).
func openWindow(pids []int, completed *atomic.Uint64) *window {
	w := &window{pids: pids, completed: completed, start: time.Now()}
	if len(pids) > 0 {
		w.sampler, w.sampleErr = procstat.Start(pids, 100*time.Millisecond)
		if w.sampleErr == nil {
			w.startRSS = w.sampler.StartRSS()
		}
	}
	w.client, w.clientErr = procstat.Read(0)
	if completed != nil {
		w.stopTicker = make(chan struct{})
		w.tickerDone = make(chan []uint64, 1)
		go w.tick()
	}
	return w
}

func (w *window) tick() {
	var timeline []uint64
	last := w.completed.Load()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-w.stopTicker:
			w.tickerDone <- timeline
			return
		case <-t.C:
			now := w.completed.Load()
			timeline = append(timeline, now-last)
			last = now
		}
	}
}

// close stops measuring and fills the window's fields of res.
func (w *window) close(res *Result) time.Duration {
	elapsed := time.Since(w.start)
	res.WindowSec = elapsed.Seconds()
	if w.stopTicker != nil {
		close(w.stopTicker)
		res.Timeline = <-w.tickerDone
	}
	if w.clientErr == nil {
		if end, err := procstat.Read(0); err == nil {
			res.ClientCPUSec = (end.CPU - w.client.CPU).Seconds()
		}
	}
	switch {
	case len(w.pids) == 0:
	case w.sampleErr != nil:
		res.ServerSampleErr = w.sampleErr.Error()
	default:
		u, err := w.sampler.Stop()
		if err != nil {
			res.ServerSampleErr = err.Error()
		}
		res.Server = usageOf(w.pids, u)
	}
	return elapsed
}
