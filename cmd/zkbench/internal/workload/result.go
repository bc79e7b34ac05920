package workload

import (
	"github.com/zkd-io/zkd/cmd/zkbench/internal/hist"
	"github.com/zkd-io/zkd/cmd/zkbench/internal/procstat"
)

// Result is what one run measured. Latencies are in microseconds.
type Result struct {
	Label       string   `json:"label,omitempty"` // free text from the caller, e.g. the server's name
	Workload    string   `json:"workload"`
	Addrs       []string `json:"addrs,omitempty"`
	Mode        string   `json:"mode"` // "closed", "open" or "special"
	Sessions    int      `json:"sessions"`
	Outstanding int      `json:"outstanding"`
	Rate        float64  `json:"rate,omitempty"`
	// PreciseTimer: the open-loop dispatcher waited on a timerfd.
	PreciseTimer bool    `json:"precise_timer,omitempty"`
	Size         int     `json:"size"`
	Nodes        int     `json:"nodes,omitempty"`
	ReadRatio    float64 `json:"read_ratio,omitempty"`
	WarmupSec    float64 `json:"warmup_s"`
	WindowSec    float64 `json:"window_s"` // length of the measured window

	Ops        uint64            `json:"ops"`
	OpsPerSec  float64           `json:"ops_per_sec"`
	Latency    Latency           `json:"latency_us"`
	Errors     uint64            `json:"errors"`
	ErrorKinds map[string]uint64 `json:"error_kinds,omitempty"`
	// Late counts open-loop requests scheduled in the window that had not
	// started when it closed.
	Late        uint64 `json:"late,omitempty"`
	Disconnects uint64 `json:"disconnects"` // session events other than our own closes
	// Timeline is the number of requests completed in each second of the
	// window; a 0 in the middle is a stall.
	Timeline []uint64 `json:"ops_per_second_timeline,omitempty"`

	// More holds the workload's other distributions (watch-fanout's first
	// and last notification per round, session-churn's close).
	More map[string]Latency `json:"more_latency_us,omitempty"`
	// Extra holds workload-specific numbers (idle RSS per session, probe
	// elapsed time, ...); each is described where it is set.
	Extra map[string]float64 `json:"extra,omitempty"`

	Server          *Usage  `json:"server,omitempty"`
	ClientCPUSec    float64 `json:"client_cpu_s"`
	ServerSampleErr string  `json:"server_sample_error,omitempty"`
}

// Latency summarises a histogram in microseconds.
type Latency struct {
	Count uint64  `json:"count"`
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

// Usage is the server processes' resource use over the window, summed
// when there are several (the members of an ensemble).
type Usage struct {
	PIDs           []int   `json:"pids"`
	CPUSec         float64 `json:"cpu_s"`
	CPUSecPer1kOps float64 `json:"cpu_s_per_1000_ops,omitempty"`
	PeakRSSBytes   int64   `json:"peak_rss_bytes"` // largest VmRSS (summed) sampled in the window
	EndRSSBytes    int64   `json:"end_rss_bytes"`
	HWMBytes       int64   `json:"vmhwm_bytes"` // VmHWM at the end: peak since the server started (summed)
}

func latencyOf(h *hist.Histogram) Latency {
	us := func(ns int64) float64 { return float64(ns) / 1e3 }
	return Latency{
		Count: h.Count(),
		Min:   us(h.Min()),
		Mean:  h.Mean() / 1e3,
		P50:   us(h.Quantile(0.50)),
		P99:   us(h.Quantile(0.99)),
		P999:  us(h.Quantile(0.999)),
		Max:   us(h.Max()),
	}
}

func usageOf(pids []int, u procstat.Usage) *Usage {
	return &Usage{
		PIDs:         pids,
		CPUSec:       u.CPU.Seconds(),
		PeakRSSBytes: u.PeakRSS,
		EndRSSBytes:  u.EndRSS,
		HWMBytes:     u.HWMBytes,
	}
}

// finish derives the rates once Ops and the window are known.
func (r *Result) finish() {
	if r.WindowSec > 0 {
		r.OpsPerSec = float64(r.Ops) / r.WindowSec
	}
	if r.Server != nil && r.Ops > 0 {
		r.Server.CPUSecPer1kOps = r.Server.CPUSec * 1000 / float64(r.Ops)
	}
}
