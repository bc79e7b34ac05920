package main

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/zktest"
)

// TestProfileWorkload runs one workload for a few seconds against an
// in-process zkd so that `go test -cpuprofile` sees the server's hot path
// (zkd has no pprof endpoint yet). It runs only when ZKBENCH_PROFILE names
// a workload:
//
//	ZKBENCH_PROFILE=set go test ./cmd/zkbench -run TestProfileWorkload \
//	    -cpuprofile /tmp/set.prof
//	go tool pprof -top -focus 'zkd-io/zkd/(server|fsm|raftnode|storage|node)' /tmp/set.prof
//
// The profile holds client and server alike; -focus keeps zkd's frames.
func TestProfileWorkload(t *testing.T) {
	wl := os.Getenv("ZKBENCH_PROFILE")
	if wl == "" {
		t.Skip("set ZKBENCH_PROFILE=<workload> to profile zkd under that workload")
	}
	dur := os.Getenv("ZKBENCH_PROFILE_DURATION")
	if dur == "" {
		dur = "5s"
	}
	srv := zktest.Start(t).Addr
	args := []string{"-addr", srv, "-workload", wl, "-duration", dur, "-warmup", "1s",
		"-server-pid", strconv.Itoa(os.Getpid()), "-nodes", "1000"}
	// ZKBENCH_PROFILE_ARGS adds flags, e.g. "-rate 8000" for open loop.
	args = append(args, strings.Fields(os.Getenv("ZKBENCH_PROFILE_ARGS"))...)
	r := runJSON(t, args...)
	if r.Errors != 0 {
		t.Errorf("%d errors: %v", r.Errors, r.ErrorKinds)
	}
	t.Logf("%s: %.0f ops/s, p50 %.0f µs, p99 %.0f µs, process CPU %.2f s", wl, r.OpsPerSec,
		r.Latency.P50, r.Latency.P99, r.Server.CPUSec)
}
