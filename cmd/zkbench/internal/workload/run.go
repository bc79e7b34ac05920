package workload

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Run performs one workload and returns what it measured. The result is
// returned, partly filled, even with an error.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	res := &Result{
		Workload:     cfg.Workload,
		Addrs:        cfg.Addrs,
		Mode:         "special",
		Sessions:     cfg.Sessions,
		Outstanding:  cfg.Outstanding,
		Rate:         cfg.Rate,
		PreciseTimer: cfg.PreciseTimer && cfg.Rate > 0,
		Size:         cfg.Size,
		WarmupSec:    cfg.Warmup.Seconds(),
	}
	if needsNodes(cfg.Workload) {
		res.Nodes = cfg.Nodes
	}
	if cfg.Workload == Mixed {
		res.ReadRatio = cfg.ReadRatio
	}
	clk := newClock()
	var err error
	switch cfg.Workload {
	case FsyncProbe:
		res.Addrs = nil
		err = runFsync(ctx, &cfg, res)
	case RestartProbe:
		err = runProbe(ctx, &cfg, clk, res)
	default:
		err = runWithRoot(ctx, &cfg, clk, res)
	}
	res.finish()
	return res, err
}

// runWithRoot runs a workload that works under the run's root znode and
// removes the root afterwards (unless Keep), even after an error or ^C.
func runWithRoot(ctx context.Context, cfg *Config, clk clock, res *Result) (err error) {
	d := newDialer(cfg, clk)
	defer func() { res.Disconnects = d.disconnects.Load() }()
	admin, err := d.dial(ctx, true)
	if err != nil {
		return fmt.Errorf("admin session: %w", err)
	}
	defer admin.close()
	if err := createRoot(admin, cfg.Root); err != nil {
		return err
	}
	var known []string
	defer func() {
		if cfg.Keep {
			fmt.Fprintf(cfg.Log, "keeping %s\n", cfg.Root)
			return
		}
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if cerr := removeTree(cctx, admin, cfg.Root, known); cerr != nil && err == nil {
			err = fmt.Errorf("clean up: %w", cerr)
		}
	}()
	par := cfg.Sessions * cfg.Outstanding
	switch cfg.Workload {
	case Get, Set, Mixed, Multi:
		sessions, err := d.dialAll(ctx, cfg.Sessions)
		if err != nil {
			return err
		}
		defer closeAll(sessions)
		known = nodeNames(cfg.Root, cfg.Nodes)
		fmt.Fprintf(cfg.Log, "creating %d znodes of %d bytes\n", cfg.Nodes, cfg.Size)
		if err := createNodes(ctx, sessions, known, payload(cfg.Size, 0), par, nil); err != nil {
			return fmt.Errorf("populate: %w", err)
		}
		runRequests(ctx, cfg, clk, sessions, known, opFor(cfg), res)
	case CreateDelete, Ephemeral:
		sessions, err := d.dialAll(ctx, cfg.Sessions)
		if err != nil {
			return err
		}
		defer closeAll(sessions)
		runRequests(ctx, cfg, clk, sessions, nil, opFor(cfg), res)
	case Populate:
		known = nodeNames(cfg.Root, cfg.Nodes)
		return runPopulate(ctx, cfg, d, known, res)
	case WatchFanout:
		return runWatch(ctx, cfg, d, admin, res)
	case SessionChurn:
		return runChurn(ctx, cfg, d, res)
	case Idle:
		return runIdle(ctx, cfg, d, res)
	}
	return ctx.Err()
}
