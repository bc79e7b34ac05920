package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zkd-io/zkd/cmd/zkbench/internal/report"
	"github.com/zkd-io/zkd/cmd/zkbench/internal/workload"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "zkbench:", err)
		}
		os.Exit(1)
	}
}

// run parses args, performs one workload, prints the table to stdout and
// writes the JSON file when asked.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("zkbench", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var (
		cfg      workload.Config
		addr     = fl.String("addr", "127.0.0.1:2181", "server `host:port[,host:port...]`")
		jsonOut  = fl.String("json", "", "write the result as JSON to `file` (- for stdout)")
		label    = fl.String("label", "", "free text recorded in the JSON (e.g. the server's name)")
		sinceNs  = fl.Int64("since", 0, "restart-probe: server launch time in Unix `nanoseconds` (default: zkbench's start)")
		pids     = fl.String("server-pid", "", "sample the CPU and RSS of this `pid[,pid...]` from /proc during the window (several: summed, e.g. an ensemble's members)")
		quiet    = fl.Bool("q", false, "print no table")
		repDir   = fl.String("report", "", "run nothing: print Markdown tables comparing the JSON results in `dir`")
		repLabs  = fl.String("report-labels", "zookeeper,zkd", "with -report: the two -label values to compare (ratio = second / first)")
		cpuProf  = fl.String("cpuprofile", "", "write a CPU profile of zkbench itself (the client side) to `file`")
		procRoot = fmt.Sprintf("/zkbench-%d", os.Getpid())
	)
	fl.StringVar(&cfg.Workload, "workload", "get", "one of "+strings.Join(workload.Names(), ", "))
	fl.IntVar(&cfg.Sessions, "sessions", 8, "sessions (connections); watchers for watch-fanout; held sessions for idle")
	fl.IntVar(&cfg.Outstanding, "outstanding", 8, "requests in flight per session (closed loop); goroutines per session")
	fl.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured window")
	fl.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "unmeasured run before the window")
	fl.Float64Var(&cfg.Rate, "rate", 0, "open loop: total requests per second (0 = closed loop)")
	fl.BoolVar(&cfg.PreciseTimer, "precise-timer", false, "open loop: schedule on a timerfd instead of a Go timer (Linux; see bench/README.md)")
	fl.IntVar(&cfg.Size, "size", 100, "data bytes per znode written")
	fl.Float64Var(&cfg.ReadRatio, "read-ratio", 0.9, "mixed: share of getData among requests")
	fl.IntVar(&cfg.Nodes, "nodes", 1000, "znodes created before get/set/mixed/multi; number to create for populate")
	fl.IntVar(&cfg.Rounds, "rounds", 0, "watch-fanout: measured rounds (0 = as many as fit -duration)")
	fl.StringVar(&cfg.Root, "root", procRoot, "parent znode of everything the run creates")
	fl.BoolVar(&cfg.Keep, "keep", false, "leave -root in place at the end (populate before restart-probe)")
	fl.DurationVar(&cfg.SessionTimeout, "session-timeout", 10*time.Second, "session timeout asked of the server")
	fl.StringVar(&cfg.Path, "path", "", "restart-probe: znode whose getData must succeed")
	fl.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "bound on connecting a session, on a watch notification, and on restart-probe")
	fl.StringVar(&cfg.Dir, "dir", "", "fsync-probe: directory on the disk to measure")
	fl.BoolVar(&cfg.Verbose, "v", false, "print progress and go-zookeeper's log lines to stderr")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), "usage: zkbench [flags]")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		fl.Usage()
		return fmt.Errorf("unexpected arguments %q", fl.Args())
	}
	if *repDir != "" {
		results, err := report.Load(*repDir)
		if err != nil {
			return err
		}
		return report.Write(stdout, results, strings.Split(*repLabs, ","))
	}
	for _, a := range strings.Split(*addr, ",") {
		if a = strings.TrimSpace(a); a != "" {
			cfg.Addrs = append(cfg.Addrs, a)
		}
	}
	for _, p := range strings.Split(*pids, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pid, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("-server-pid: %q is not a process id", p)
		}
		cfg.ServerPIDs = append(cfg.ServerPIDs, pid)
	}
	if *sinceNs != 0 {
		cfg.Since = time.Unix(0, *sinceNs)
	}
	if cfg.Verbose {
		cfg.Log = stderr
	}
	if *cpuProf != "" {
		stopProf, perr := startCPUProfile(*cpuProf)
		if perr != nil {
			return perr
		}
		defer stopProf()
	}
	res, err := workload.Run(ctx, cfg)
	if res == nil {
		return err
	}
	res.Label = *label
	if !*quiet {
		printTable(stdout, res)
	}
	if *jsonOut != "" {
		if werr := writeJSON(*jsonOut, stdout, res); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// startCPUProfile profiles this process into path until the returned
// function runs: where the load generator's own CPU goes, which on a
// shared machine is CPU the server under test does not get.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func writeJSON(path string, stdout io.Writer, res *workload.Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = stdout.Write(b)
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
