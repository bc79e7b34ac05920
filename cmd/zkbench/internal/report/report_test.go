package report

import (
	"strings"
	"testing"

	"github.com/zkd-io/zkd/cmd/zkbench/internal/workload"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		in   []float64
		want summary
	}{
		{[]float64{3}, summary{3, 3, 3, 1}},
		{[]float64{5, 1, 3}, summary{3, 1, 5, 3}},
		{[]float64{4, 1, 3, 2}, summary{2.5, 1, 4, 4}},
	}
	for _, tt := range tests {
		got, ok := summarize(tt.in)
		if !ok || got != tt.want {
			t.Errorf("summarize(%v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	if _, ok := summarize(nil); ok {
		t.Error("summarize(nil) reported a value")
	}
}

func TestWriteRatiosAndOrder(t *testing.T) {
	res := func(label, wl string, opsPerSec float64) *workload.Result {
		return &workload.Result{Label: label, Workload: wl, Mode: "closed", OpsPerSec: opsPerSec, Ops: 1,
			Latency: workload.Latency{Count: 1, P50: 100, P99: 200, P999: 300, Max: 400},
			Server:  &workload.Usage{CPUSecPer1kOps: 0.5, PeakRSSBytes: 64 << 20}}
	}
	rs := []*workload.Result{
		res("zkd", workload.Set, 3000), res("zookeeper", workload.Set, 1000), res("zookeeper", workload.Set, 2000),
		res("zkd", workload.Get, 10), res("zookeeper", workload.Get, 20),
	}
	var b strings.Builder
	if err := Write(&b, rs, []string{"zookeeper", "zkd"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"| get | ops/s | 20 | 10 | 0.50 | higher |",
		"| set | ops/s | 1500 | 3000 | 2.00 | higher |",
		"| ops/s | 1500 (1000–2000) | 3000 | 2.00 | higher |",
		"| server peak RSS MiB | 64.0 | 64.0 | 1.00 | lower |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Index(out, "### get") > strings.Index(out, "### set") {
		t.Errorf("workloads out of order:\n%s", out)
	}
	if err := Write(&b, rs, []string{"zkd"}); err == nil {
		t.Error("one label accepted")
	}
}
