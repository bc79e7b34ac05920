package report

import "github.com/zkd-io/zkd/cmd/zkbench/internal/workload"

// metric is one row of a workload's table.
type metric struct {
	name   string
	higher bool // higher is better
	format string
	get    func(r *workload.Result) (float64, bool)
}

func ops(r *workload.Result) (float64, bool)  { return r.OpsPerSec, true }
func p50(r *workload.Result) (float64, bool)  { return r.Latency.P50, r.Latency.Count > 0 }
func p99(r *workload.Result) (float64, bool)  { return r.Latency.P99, r.Latency.Count > 0 }
func p999(r *workload.Result) (float64, bool) { return r.Latency.P999, r.Latency.Count > 0 }
func pmax(r *workload.Result) (float64, bool) { return r.Latency.Max, r.Latency.Count > 0 }
func errs(r *workload.Result) (float64, bool) { return float64(r.Errors + r.Late), true }

func cpuPer1k(r *workload.Result) (float64, bool) {
	if r.Server == nil || r.Ops == 0 {
		return 0, false
	}
	return r.Server.CPUSecPer1kOps, true
}

func cpuSec(r *workload.Result) (float64, bool) {
	if r.Server == nil {
		return 0, false
	}
	return r.Server.CPUSec, true
}

func peakRSS(r *workload.Result) (float64, bool) {
	if r.Server == nil {
		return 0, false
	}
	return float64(r.Server.PeakRSSBytes) / (1 << 20), true
}

func more(name string, q func(l workload.Latency) float64) func(r *workload.Result) (float64, bool) {
	return func(r *workload.Result) (float64, bool) {
		l, ok := r.More[name]
		if !ok || l.Count == 0 {
			return 0, false
		}
		return q(l), true
	}
}

func extra(name string, scale float64) func(r *workload.Result) (float64, bool) {
	return func(r *workload.Result) (float64, bool) {
		v, ok := r.Extra[name]
		return v * scale, ok
	}
}

func requestMetrics() []metric {
	return []metric{
		{"ops/s", true, "%.0f", ops},
		{"p50 µs", false, "%.0f", p50},
		{"p99 µs", false, "%.0f", p99},
		{"p99.9 µs", false, "%.0f", p999},
		{"max µs", false, "%.0f", pmax},
		{"errors (+late)", false, "%.0f", errs},
		{"server CPU s / 1,000 ops", false, "%.4f", cpuPer1k},
		{"server peak RSS MiB", false, "%.1f", peakRSS},
	}
}

// metricsFor lists the rows shown for a workload; the first row is the
// headline.
func metricsFor(name string) []metric {
	switch name {
	case workload.WatchFanout:
		return []metric{
			{"notifications/s", true, "%.0f", ops},
			{"first notification p50 µs", false, "%.0f", more("first_notification", func(l workload.Latency) float64 { return l.P50 })},
			{"last notification p50 µs", false, "%.0f", more("last_notification", func(l workload.Latency) float64 { return l.P50 })},
			{"last notification p99 µs", false, "%.0f", more("last_notification", func(l workload.Latency) float64 { return l.P99 })},
			{"rounds", true, "%.0f", extra("rounds", 1)},
			{"errors", false, "%.0f", errs},
			{"server CPU s / 1,000 notifications", false, "%.4f", cpuPer1k},
			{"server peak RSS MiB", false, "%.1f", peakRSS},
		}
	case workload.SessionChurn:
		return []metric{
			{"sessions/s", true, "%.0f", ops},
			{"establish p50 µs", false, "%.0f", p50},
			{"establish p99 µs", false, "%.0f", p99},
			{"close p50 µs", false, "%.0f", more("close", func(l workload.Latency) float64 { return l.P50 })},
			{"errors", false, "%.0f", errs},
			{"server CPU s / 1,000 sessions", false, "%.4f", cpuPer1k},
			{"server peak RSS MiB", false, "%.1f", peakRSS},
		}
	case workload.Idle:
		return []metric{
			{"server peak RSS MiB", false, "%.1f", peakRSS},
			{"RSS per session KiB", false, "%.2f", extra("rss_per_session_bytes", 1.0/1024)},
			{"server CPU s in window", false, "%.2f", cpuSec},
			{"sessions held", true, "%.0f", extra("sessions_held", 1)},
			{"connect p50 µs", false, "%.0f", p50},
			{"errors", false, "%.0f", errs},
		}
	case workload.Populate:
		return []metric{
			{"creates/s", true, "%.0f", ops},
			{"elapsed s", false, "%.2f", extra("populate_s", 1)},
			{"p99 µs", false, "%.0f", p99},
			{"RSS growth bytes / znode", false, "%.0f", extra("rss_bytes_per_znode", 1)},
			{"server CPU s / 1,000 creates", false, "%.4f", cpuPer1k},
			{"server peak RSS MiB", false, "%.1f", peakRSS},
			{"errors", false, "%.0f", errs},
		}
	case workload.RestartProbe:
		return []metric{
			{"ready s (launch → getData ok)", false, "%.2f", extra("ready_s", 1)},
			{"port open s", false, "%.2f", extra("port_open_s", 1)},
			{"errors", false, "%.0f", errs},
		}
	case workload.FsyncProbe:
		return []metric{
			{"fdatasync/s", true, "%.0f", ops},
			{"p50 µs", false, "%.0f", p50},
			{"p99 µs", false, "%.0f", p99},
		}
	}
	return requestMetrics()
}
