package workload

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zkd-io/zkd/cmd/zkbench/internal/hist"
)

// opFunc performs one request for a worker.
type opFunc func(w *worker) error

// worker is one request slot: a goroutine sharing its session's
// connection with the session's other slots.
type worker struct {
	id      int
	s       *session
	rng     *rand.Rand
	data    []byte
	nodes   []string // znodes of the populated set, read-only
	root    string
	seq     uint64
	pending string // create-delete: the znode to delete next
	h       *hist.Histogram
	errs    map[string]uint64
}

func (w *worker) randomNode() string { return w.nodes[w.rng.IntN(len(w.nodes))] }

// engine runs request workloads closed or open loop.
type engine struct {
	cfg       *Config
	clk       clock
	winStart  atomic.Int64 // clock reading; a request counts iff its reference time
	winEnd    atomic.Int64 // (start or scheduled) falls in [winStart, winEnd)
	completed atomic.Uint64
	started   atomic.Uint64 // open loop: scheduled requests of the window that started
	stop      chan struct{}
}

const never = int64(^uint64(0) >> 1)

func (e *engine) inWindow(ref int64) bool {
	return ref >= e.winStart.Load() && ref < e.winEnd.Load()
}

// record accounts one finished request.
func (e *engine) record(w *worker, ref, end int64, err error) {
	if !e.inWindow(ref) {
		return
	}
	e.completed.Add(1)
	if err != nil {
		w.errs[errorKind(err)]++
		return
	}
	w.h.Record(end - ref)
}

// runRequests drives op from Sessions×Outstanding workers through warmup
// and the measured window, then stops them and merges what they saw.
func runRequests(ctx context.Context, cfg *Config, clk clock, sessions []*session, nodes []string, op opFunc, res *Result) {
	e := &engine{cfg: cfg, clk: clk, stop: make(chan struct{})}
	e.winStart.Store(never)
	e.winEnd.Store(never)
	var workers []*worker
	for i, s := range sessions {
		for k := 0; k < cfg.Outstanding; k++ {
			id := i*cfg.Outstanding + k
			workers = append(workers, &worker{
				id: id, s: s, rng: rand.New(rand.NewPCG(uint64(id), uint64(clk.base.UnixNano()))),
				data: payload(cfg.Size, id), nodes: nodes, root: cfg.Root,
				h: hist.New(), errs: map[string]uint64{},
			})
		}
	}
	var sched chan int64
	var interval time.Duration
	var wg sync.WaitGroup
	if cfg.Rate > 0 {
		res.Mode = "open"
		interval = time.Duration(float64(time.Second) / cfg.Rate)
		if interval <= 0 {
			interval = 1
		}
		sched = make(chan int64, 1<<16)
	} else {
		res.Mode = "closed"
	}
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if sched != nil {
				e.openLoop(w, op, sched)
			} else {
				e.closedLoop(w, op)
			}
		}()
	}
	schedStart := clk.now()
	dispatchDone := make(chan struct{})
	if sched != nil {
		go e.dispatch(sched, schedStart, interval, dispatchDone)
	} else {
		close(dispatchDone)
	}

	sleepCtx(ctx, cfg.Warmup)
	e.winStart.Store(clk.now())
	win := openWindow(cfg.ServerPIDs, &e.completed)
	sleepCtx(ctx, cfg.Duration)
	end := clk.now()
	e.winEnd.Store(end)
	win.close(res)
	close(e.stop)
	<-dispatchDone

	if sched != nil {
		res.Late = lateCount(e.winStart.Load(), end, schedStart, interval, e.started.Load())
	}
	// Workers finish their current request; a server that never answers
	// is cut off by closing the sessions, which fails what is pending.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		res.ErrorKinds = addKind(res.ErrorKinds, "stuck at stop (sessions closed)", 1)
		closeAll(sessions)
		<-done
	}
	total := hist.New()
	for _, w := range workers {
		total.Merge(w.h)
		for k, n := range w.errs {
			res.ErrorKinds = addKind(res.ErrorKinds, k, n)
			res.Errors += n
		}
	}
	res.Ops = total.Count()
	res.Latency = latencyOf(total)
}

func (e *engine) closedLoop(w *worker, op opFunc) {
	for {
		select {
		case <-e.stop:
			return
		default:
		}
		ref := e.clk.now()
		err := op(w)
		e.record(w, ref, e.clk.now(), err)
	}
}

func (e *engine) openLoop(w *worker, op opFunc, sched <-chan int64) {
	for {
		select {
		case <-e.stop:
			return
		case ref := <-sched:
			if d := ref - e.clk.now(); d > 0 {
				time.Sleep(time.Duration(d))
			}
			if e.inWindow(ref) {
				e.started.Add(1)
			}
			err := op(w)
			e.record(w, ref, e.clk.now(), err)
		}
	}
}

// maxPaceStep bounds one sleep of the dispatcher.
const maxPaceStep = 5 * time.Millisecond

// dispatch emits scheduled times start+i*interval until stop. It never
// skips a slot: when it falls behind (workers all busy, channel full) the
// times it sends are already past and the requests' latency includes the
// wait. It sleeps on a pacer, in steps of at most maxPaceStep so that it
// sees stop soon.
func (e *engine) dispatch(sched chan<- int64, start int64, interval time.Duration, done chan<- struct{}) {
	defer close(done)
	p := newPacer(e.cfg.PreciseTimer)
	defer p.close()
	for i := int64(0); ; i++ {
		next := start + i*int64(interval)
		for d := next - e.clk.now(); d > 0; d = next - e.clk.now() {
			select {
			case <-e.stop:
				return
			default:
			}
			p.sleep(min(time.Duration(d), maxPaceStep))
		}
		select {
		case <-e.stop:
			return
		case sched <- next:
		}
	}
}

// lateCount is the number of slots scheduled in [winStart, winEnd) minus
// those that started.
func lateCount(winStart, winEnd, schedStart int64, interval time.Duration, started uint64) uint64 {
	first := (winStart - schedStart + int64(interval) - 1) / int64(interval)
	last := (winEnd - schedStart + int64(interval) - 1) / int64(interval) // exclusive
	if first < 0 {
		first = 0
	}
	due := uint64(0)
	if last > first {
		due = uint64(last - first)
	}
	if started >= due {
		return 0
	}
	return due - started
}

func addKind(m map[string]uint64, kind string, n uint64) map[string]uint64 {
	if m == nil {
		m = map[string]uint64{}
	}
	m[kind] += n
	return m
}

func errorKind(err error) string { return err.Error() }

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// payload is size bytes of printable data, different per worker.
func payload(size, seed int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte('a' + (i+seed)%26)
	}
	return b
}
