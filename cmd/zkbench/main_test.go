package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zkd-io/zkd/cmd/zkbench/internal/workload"
	"github.com/zkd-io/zkd/zktest"
)

// runJSON runs zkbench with args against addr and decodes its JSON.
func runJSON(t *testing.T, args ...string) *workload.Result {
	t.Helper()
	out := filepath.Join(t.TempDir(), "result.json")
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, append(args, "-json", out), &stdout, &stderr); err != nil {
		t.Fatalf("zkbench %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res workload.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	if !strings.Contains(stdout.String(), "ops/s") {
		t.Errorf("table missing from stdout:\n%s", stdout.String())
	}
	return &res
}

// checkSane asserts the invariants every request workload's result holds.
func checkSane(t *testing.T, r *workload.Result) {
	t.Helper()
	l := r.Latency
	if r.Ops == 0 || r.OpsPerSec <= 0 {
		t.Errorf("%s: ops %d, ops/s %v", r.Workload, r.Ops, r.OpsPerSec)
	}
	if !(l.Min <= l.P50 && l.P50 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max) || l.P50 <= 0 {
		t.Errorf("%s: latency out of order: %+v", r.Workload, l)
	}
	if l.Count != r.Ops {
		t.Errorf("%s: latency count %d, ops %d", r.Workload, l.Count, r.Ops)
	}
	if r.Errors != 0 || len(r.ErrorKinds) != 0 || r.Disconnects != 0 {
		t.Errorf("%s: errors %d %v, disconnects %d", r.Workload, r.Errors, r.ErrorKinds, r.Disconnects)
	}
	if r.WindowSec < 0.5 || r.WindowSec > 5 {
		t.Errorf("%s: window %v s, want about 1", r.Workload, r.WindowSec)
	}
	s := r.Server
	if s == nil {
		t.Fatalf("%s: no server usage (sample error %q)", r.Workload, r.ServerSampleErr)
	}
	if s.CPUSec < 0 || s.PeakRSSBytes <= 0 || s.HWMBytes < s.PeakRSSBytes/2 {
		t.Errorf("%s: server usage %+v", r.Workload, *s)
	}
}

// rootGone fails when the run left its root znode behind.
func rootGone(t *testing.T, addr, root string) {
	t.Helper()
	c, _, err := zk.Connect([]string{addr}, 5*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ok, _, err := c.Exists(root)
	if err != nil || ok {
		t.Errorf("root %s after the run: exists=%v err=%v", root, ok, err)
	}
}

func TestWorkloadsAgainstZkd(t *testing.T) {
	srv := zktest.Start(t)
	pid := strconv.Itoa(os.Getpid()) // the in-process server is this process
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, r *workload.Result)
	}{
		{"get closed loop", []string{"-workload", "get", "-sessions", "2", "-outstanding", "4", "-nodes", "50"},
			func(t *testing.T, r *workload.Result) {
				if r.Mode != "closed" || r.Nodes != 50 {
					t.Errorf("mode %q nodes %d", r.Mode, r.Nodes)
				}
			}},
		{"create-delete open loop", []string{"-workload", "create-delete", "-sessions", "2", "-outstanding", "4", "-rate", "200"},
			func(t *testing.T, r *workload.Result) {
				// Open loop never runs ahead of its schedule.
				if max := uint64(200*r.WindowSec) + 2; r.Mode != "open" || r.Ops > max {
					t.Errorf("mode %q ops %d, at most %d at 200/s", r.Mode, r.Ops, max)
				}
			}},
		{"watch fan-out", []string{"-workload", "watch-fanout", "-sessions", "5"},
			func(t *testing.T, r *workload.Result) {
				first, last := r.More["first_notification"], r.More["last_notification"]
				if r.Extra["rounds"] < 1 || r.Ops != uint64(r.Extra["rounds"])*5 {
					t.Errorf("rounds %v, notifications %d (want 5 per round)", r.Extra["rounds"], r.Ops)
				}
				if first.Count == 0 || first.P50 > last.P50 || last.Max != r.Latency.Max {
					t.Errorf("first %+v last %+v all %+v", first, last, r.Latency)
				}
			}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := "/zkbench-test-" + strconv.Itoa(i)
			args := append([]string{"-addr", srv.Addr, "-duration", "1s", "-warmup", "200ms",
				"-server-pid", pid, "-root", root}, tt.args...)
			r := runJSON(t, args...)
			checkSane(t, r)
			tt.check(t, r)
			rootGone(t, srv.Addr, root)
		})
	}
}

func TestPopulateKeepThenRestartProbe(t *testing.T) {
	srv := zktest.Start(t)
	r := runJSON(t, "-addr", srv.Addr, "-workload", "populate", "-nodes", "200", "-root", "/kept", "-keep")
	if r.Ops != 200 || r.Errors != 0 || r.Extra["populate_s"] <= 0 {
		t.Fatalf("populate: ops %d errors %d extra %v", r.Ops, r.Errors, r.Extra)
	}
	since := strconv.FormatInt(time.Now().UnixNano(), 10)
	p := runJSON(t, "-addr", srv.Addr, "-workload", "restart-probe", "-path", "/kept/n0000199",
		"-since", since, "-timeout", "10s")
	ready, open := p.Extra["ready_s"], p.Extra["port_open_s"]
	if p.Ops != 1 || ready <= 0 || ready < open || ready > 10 {
		t.Errorf("probe: ops %d extra %v", p.Ops, p.Extra)
	}
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown workload", []string{"-workload", "nope"}, "unknown workload"},
		{"probe without path", []string{"-workload", "restart-probe"}, "needs -path"},
		{"fsync without dir", []string{"-workload", "fsync-probe"}, "needs -dir"},
		{"bad read ratio", []string{"-workload", "mixed", "-read-ratio", "2"}, "read ratio"},
		{"relative root", []string{"-root", "x"}, "root must be"},
		{"stray argument", []string{"get"}, "unexpected arguments"},
		{"bad server pid", []string{"-server-pid", "12,x"}, "not a process id"},
		{"negative server pid", []string{"-server-pid", "-3"}, "server pids must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestFsyncProbe(t *testing.T) {
	r := runJSON(t, "-workload", "fsync-probe", "-dir", t.TempDir(), "-duration", "300ms")
	if r.Ops == 0 || r.Latency.P50 <= 0 || r.Latency.P50 > r.Latency.Max || r.Errors != 0 {
		t.Errorf("fsync probe: %+v", r)
	}
}
