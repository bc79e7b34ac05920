package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zkd-io/zkd/cmd/zkbench/internal/workload"
)

// Load reads every *.json result in dir.
func Load(dir string) ([]*workload.Result, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list results: %w", err)
	}
	slices.Sort(paths)
	var out []*workload.Result
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read result: %w", err)
		}
		var r workload.Result
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("decode %s: %w", filepath.Base(p), err)
		}
		out = append(out, &r)
	}
	return out, nil
}

// summary is one metric of one workload for one label.
type summary struct {
	med, lo, hi float64
	n           int
}

func summarize(vals []float64) (summary, bool) {
	if len(vals) == 0 {
		return summary{}, false
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return summary{med: med, lo: s[0], hi: s[len(s)-1], n: len(s)}, true
}

// Write renders the tables for labels (ratio = labels[1] / labels[0]):
// first a headline table with each workload's first metric, then one
// table per workload. Workloads appear in workload.Names order.
func Write(w io.Writer, results []*workload.Result, labels []string) error {
	if len(labels) != 2 {
		return fmt.Errorf("report: want two labels, got %d", len(labels))
	}
	by := map[string]map[string][]*workload.Result{}
	for _, r := range results {
		if by[r.Workload] == nil {
			by[r.Workload] = map[string][]*workload.Result{}
		}
		by[r.Workload][r.Label] = append(by[r.Workload][r.Label], r)
	}
	var present []string
	for _, name := range workload.Names() {
		if by[name] != nil {
			present = append(present, name)
		}
	}
	a, b := labels[0], labels[1]
	fmt.Fprintf(w, "### Headline (median of repetitions; ratio = %s / %s)\n\n", b, a)
	fmt.Fprintf(w, "| workload | metric | %s | %s | ratio | better |\n|---|---|---:|---:|---:|---|\n", a, b)
	for _, name := range present {
		m := metricsFor(name)[0]
		row(w, name+" | "+m.name, m, by[name][a], by[name][b], true)
	}
	for _, name := range present {
		fmt.Fprintf(w, "\n### %s\n\n%s\n\n", name, params(by[name][a], by[name][b]))
		fmt.Fprintf(w, "| metric | %s median (min–max) | %s median (min–max) | ratio | better |\n|---|---:|---:|---:|---|\n", a, b)
		for _, m := range metricsFor(name) {
			row(w, m.name, m, by[name][a], by[name][b], false)
		}
	}
	return nil
}

func values(m metric, rs []*workload.Result) []float64 {
	var out []float64
	for _, r := range rs {
		if v, ok := m.get(r); ok {
			out = append(out, v)
		}
	}
	return out
}

// row writes one metric; brief leaves out the min–max range.
func row(w io.Writer, head string, m metric, ra, rb []*workload.Result, brief bool) {
	sa, okA := summarize(values(m, ra))
	sb, okB := summarize(values(m, rb))
	cell := func(s summary, ok bool) string {
		if !ok {
			return "–"
		}
		if brief || s.n == 1 || s.lo == s.hi {
			return fmt.Sprintf(m.format, s.med)
		}
		return fmt.Sprintf(m.format+" ("+m.format+"–"+m.format+")", s.med, s.lo, s.hi)
	}
	ratio := "–"
	if okA && okB && sa.med != 0 {
		ratio = fmt.Sprintf("%.2f", sb.med/sa.med)
	}
	better := "lower"
	if m.higher {
		better = "higher"
	}
	fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", head, cell(sa, okA), cell(sb, okB), ratio, better)
}

// params describes how a workload was run, from its first result.
func params(ra, rb []*workload.Result) string {
	rs := append(slices.Clone(ra), rb...)
	if len(rs) == 0 {
		return ""
	}
	r := rs[0]
	var p []string
	p = append(p, fmt.Sprintf("%d runs per server", max(len(ra), len(rb))), "mode "+r.Mode)
	if r.Sessions > 0 {
		p = append(p, fmt.Sprintf("sessions %d", r.Sessions))
	}
	if r.Mode == "closed" && r.Outstanding > 0 && r.Workload != workload.Populate && r.Workload != workload.FsyncProbe {
		p = append(p, fmt.Sprintf("outstanding %d", r.Outstanding))
	}
	if r.Rate > 0 {
		p = append(p, fmt.Sprintf("rate %.0f/s", r.Rate))
	}
	if r.Nodes > 0 {
		p = append(p, fmt.Sprintf("nodes %d", r.Nodes))
	}
	if r.ReadRatio > 0 {
		p = append(p, fmt.Sprintf("read ratio %.2f", r.ReadRatio))
	}
	p = append(p, fmt.Sprintf("size %d B", r.Size))
	if r.WindowSec > 0 && r.Workload != workload.Populate && r.Workload != workload.RestartProbe {
		p = append(p, fmt.Sprintf("warmup %.0f s, window %.0f s", r.WarmupSec, r.WindowSec))
	}
	return strings.Join(p, ", ") + "."
}
