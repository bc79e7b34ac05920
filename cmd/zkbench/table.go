package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/zkd-io/zkd/cmd/zkbench/internal/workload"
)

// printTable writes a result for people: one row of rates and latencies,
// then the server's resource use, other distributions, extras and errors.
func printTable(w io.Writer, r *workload.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tmode\tops\tops/s\tp50 µs\tp99 µs\tp99.9 µs\tmax µs\terrors\t")
	fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%s\t%d\t\n", r.Workload, r.Mode, r.Ops, r.OpsPerSec,
		latencyCells(r.Latency), r.Errors)
	for _, name := range sortedKeys(r.More) {
		fmt.Fprintf(tw, "  %s\t\t%d\t\t%s\t\t\n", name, r.More[name].Count, latencyCells(r.More[name]))
	}
	tw.Flush()
	fmt.Fprintf(w, "window %.2f s, sessions %d × outstanding %d, size %d B", r.WindowSec, r.Sessions, r.Outstanding, r.Size)
	if r.Rate > 0 {
		fmt.Fprintf(w, ", rate %.0f/s (late %d)", r.Rate, r.Late)
	}
	fmt.Fprintf(w, ", client CPU %.2f s, disconnects %d\n", r.ClientCPUSec, r.Disconnects)
	if s := r.Server; s != nil {
		fmt.Fprintf(w, "server pid %s: CPU %.2f s", joinInts(s.PIDs), s.CPUSec)
		if s.CPUSecPer1kOps > 0 {
			fmt.Fprintf(w, " (%.4f s per 1,000 ops)", s.CPUSecPer1kOps)
		}
		fmt.Fprintf(w, ", peak RSS %s, end RSS %s, VmHWM %s\n", mib(s.PeakRSSBytes), mib(s.EndRSSBytes), mib(s.HWMBytes))
	}
	if r.ServerSampleErr != "" {
		fmt.Fprintf(w, "server sampling: %s\n", r.ServerSampleErr)
	}
	if len(r.Extra) > 0 {
		var parts []string
		for _, k := range sortedKeys(r.Extra) {
			parts = append(parts, fmt.Sprintf("%s=%.4g", k, r.Extra[k]))
		}
		fmt.Fprintf(w, "extra: %s\n", strings.Join(parts, " "))
	}
	for _, k := range sortedKeys(r.ErrorKinds) {
		fmt.Fprintf(w, "error ×%d: %s\n", r.ErrorKinds[k], k)
	}
	if len(r.Timeline) > 0 {
		fmt.Fprintf(w, "per second: %v\n", r.Timeline)
	}
}

func latencyCells(l workload.Latency) string {
	return fmt.Sprintf("%.0f\t%.0f\t%.0f\t%.0f", l.P50, l.P99, l.P999, l.Max)
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, "+")
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
