package workload

import (
	"context"
	"time"

	"github.com/zkd-io/zkd/cmd/zkbench/internal/hist"
	"github.com/zkd-io/zkd/cmd/zkbench/internal/procstat"
)

// runIdle opens Sessions sessions (16 connecting at a time), waits Warmup,
// then measures the server over Duration while the sessions only ping
// (go-zookeeper pings every third of the session timeout). Ops stays 0;
// Latency is each session's connect to established. Extra: sessions_held,
// connect_s (opening them all) and, with server
// PIDs, rss_before_bytes (server VmRSS before the first session) and
// rss_per_session_bytes ((peak VmRSS in the window - before) / sessions).
func runIdle(ctx context.Context, cfg *Config, d *dialer, res *Result) error {
	res.Extra = map[string]float64{}
	var before int64
	if len(cfg.ServerPIDs) > 0 {
		if snap, err := procstat.ReadSum(cfg.ServerPIDs); err == nil {
			before = snap.RSSBytes
			res.Extra["rss_before_bytes"] = float64(before)
		}
	}
	sessions := make([]*session, cfg.Sessions)
	hs := make([]*hist.Histogram, 16)
	for i := range hs {
		hs[i] = hist.New()
	}
	start := time.Now()
	err := forEach(ctx, cfg.Sessions, len(hs), func(g, i int) error {
		t := time.Now()
		s, err := d.dial(ctx, false)
		if err != nil {
			return err
		}
		hs[g].Record(int64(time.Since(t)))
		sessions[i] = s
		return nil
	})
	defer closeAll(sessions)
	res.Extra["connect_s"] = time.Since(start).Seconds()
	est := hist.New()
	for _, h := range hs {
		est.Merge(h)
	}
	res.Latency = latencyOf(est)
	res.Extra["sessions_held"] = float64(est.Count())
	if err != nil {
		res.Errors++
		res.ErrorKinds = addKind(res.ErrorKinds, err.Error(), 1)
		return err
	}
	sleepCtx(ctx, cfg.Warmup)
	win := openWindow(cfg.ServerPIDs, nil)
	sleepCtx(ctx, cfg.Duration)
	win.close(res)
	if res.Server != nil && before > 0 {
		res.Extra["rss_per_session_bytes"] = float64(res.Server.PeakRSSBytes-before) / float64(cfg.Sessions)
	}
	return ctx.Err()
}
