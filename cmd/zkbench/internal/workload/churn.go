package workload

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/zkd-io/zkd/cmd/zkbench/internal/hist"
)

// runChurn measures session churn: Sessions×Outstanding goroutines each
// loop connect → session established → close (go-zookeeper sends
// closeSession and waits for its reply, at most one second). Ops is the
// number of completed cycles; Latency is connect to established; More
// holds "close" (closeSession sent to answered) and "cycle".
func runChurn(ctx context.Context, cfg *Config, d *dialer, res *Result) error {
	res.Mode = "closed"
	par := cfg.Sessions * cfg.Outstanding
	clk := d.clk
	var winStart, winEnd atomic.Int64
	winStart.Store(never)
	winEnd.Store(never)
	var completed atomic.Uint64
	stop := make(chan struct{})
	type slot struct {
		est, cls, cyc *hist.Histogram
		errs          map[string]uint64
	}
	slots := make([]*slot, par)
	var wg sync.WaitGroup
	for i := range slots {
		sl := &slot{est: hist.New(), cls: hist.New(), cyc: hist.New(), errs: map[string]uint64{}}
		slots[i] = sl
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				t0 := clk.now()
				s, err := d.dial(ctx, false)
				t1 := clk.now()
				var t2 int64
				if err == nil {
					s.close()
					t2 = clk.now()
				}
				if t0 < winStart.Load() || t0 >= winEnd.Load() {
					continue
				}
				completed.Add(1)
				if err != nil {
					sl.errs[err.Error()]++
					continue
				}
				sl.est.Record(t1 - t0)
				sl.cls.Record(t2 - t1)
				sl.cyc.Record(t2 - t0)
			}
		}()
	}
	sleepCtx(ctx, cfg.Warmup)
	winStart.Store(clk.now())
	win := openWindow(cfg.ServerPIDs, &completed)
	sleepCtx(ctx, cfg.Duration)
	winEnd.Store(clk.now())
	win.close(res)
	close(stop)
	wg.Wait()
	est, cls, cyc := hist.New(), hist.New(), hist.New()
	for _, sl := range slots {
		est.Merge(sl.est)
		cls.Merge(sl.cls)
		cyc.Merge(sl.cyc)
		for k, n := range sl.errs {
			res.Errors += n
			res.ErrorKinds = addKind(res.ErrorKinds, k, n)
		}
	}
	res.Ops = cyc.Count()
	res.Latency = latencyOf(est)
	res.More = map[string]Latency{"close": latencyOf(cls), "cycle": latencyOf(cyc)}
	return ctx.Err()
}
