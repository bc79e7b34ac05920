package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/node"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "zkd:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fl := flag.NewFlagSet("zkd", flag.ContinueOnError)
	debugLog := fl.Bool("debug", false, "log at debug level")
	pprofAddr := fl.String("pprof", "", "serve Go's net/http/pprof profiles at this address (host:port; off when empty)")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), "usage: zkd [-debug] [-pprof host:port] [zoo.cfg]")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	level := slog.LevelInfo
	if *debugLog {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	var cfg config.Config
	switch fl.NArg() {
	case 0:
		cfg = config.Default()
	case 1:
		var err error
		if cfg, err = config.Load(fl.Arg(0)); err != nil {
			return err
		}
	default:
		fl.Usage()
		return errors.New("too many arguments")
	}
	if err := config.FromEnv(&cfg, os.Getenv); err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}

	if *pprofAddr != "" {
		if err := servePprof(*pprofAddr, log); err != nil {
			return err
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	n, err := node.Start(ctx, cfg, node.Options{Logger: log})
	if err != nil {
		return err
	}
	// Start's replay read whole WAL segments and decoded a snapshot: hand
	// the memory it no longer needs back to the OS now rather than over
	// minutes. After Start, too, because loading a snapshot switches the
	// GC off for a moment.
	debug.FreeOSMemory()
	go gcTune(ctx, os.Getenv)
	<-ctx.Done()
	log.Info("shutting down")
	// A leader hands its leadership to an up-to-date follower first, so
	// the ensemble does not wait out an election timeout.
	hctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return n.Shutdown(hctx)
}
