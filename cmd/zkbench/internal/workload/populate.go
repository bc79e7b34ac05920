package workload

import (
	"context"
	"time"

	"github.com/zkd-io/zkd/cmd/zkbench/internal/hist"
)

// runPopulate creates Nodes znodes of Size bytes from Sessions×Outstanding
// concurrent creates and measures the whole of it (no warmup, Duration
// unused). Ops is the number of creates; Extra: populate_s (elapsed) and,
// with a server PID, rss_growth_bytes and rss_bytes_per_znode (server
// VmRSS after minus before).
func runPopulate(ctx context.Context, cfg *Config, d *dialer, names []string, res *Result) error {
	res.Mode = "closed"
	res.WarmupSec = 0
	sessions, err := d.dialAll(ctx, cfg.Sessions)
	if err != nil {
		return err
	}
	defer closeAll(sessions)
	par := cfg.Sessions * cfg.Outstanding
	if par > len(names) {
		par = len(names)
	}
	hs := make([]*hist.Histogram, par)
	for i := range hs {
		hs[i] = hist.New()
	}
	win := openWindow(cfg.ServerPIDs, nil)
	start := time.Now()
	err = createNodes(ctx, sessions, names, payload(cfg.Size, 0), par, hs)
	elapsed := time.Since(start)
	win.close(res)
	total := hist.New()
	for _, h := range hs {
		total.Merge(h)
	}
	res.Ops = total.Count()
	res.Latency = latencyOf(total)
	res.Extra = map[string]float64{"populate_s": elapsed.Seconds()}
	if res.Server != nil {
		growth := res.Server.EndRSSBytes - win.startRSS
		res.Extra["rss_growth_bytes"] = float64(growth)
		if res.Ops > 0 {
			res.Extra["rss_bytes_per_znode"] = float64(growth) / float64(res.Ops)
		}
	}
	if err != nil {
		res.Errors++
		res.ErrorKinds = addKind(res.ErrorKinds, err.Error(), 1)
	}
	return err
}
