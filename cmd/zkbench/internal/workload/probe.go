package workload

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// probeEvery is how often the restart probe starts a new attempt.
const probeEvery = 100 * time.Millisecond

// runProbe measures how long a (re)starting server takes to serve: from
// Since (the moment the caller launched the server; zkbench's own start
// when zero) it dials the first address every 20 ms until the port
// accepts; from then on it starts an attempt every 100 ms — open a
// session (at most 2 s, given up early when the server drops the
// connection) and read Path — without waiting for earlier attempts, since
// a loading server may accept a connection and never answer it. The first
// successful getData ends the probe, so its resolution is about 100 ms.
// Extra: port_open_s (first accepted TCP connection), ready_s (first
// successful getData), attempts (sessions tried). Ops is 1 on success. It
// fails after Timeout.
func runProbe(ctx context.Context, cfg *Config, clk clock, res *Result) error {
	since := cfg.Since
	if since.IsZero() {
		since = clk.base
	}
	res.Extra = map[string]float64{}
	ctx, cancel := context.WithDeadline(ctx, since.Add(cfg.Timeout))
	defer cancel()
	short := *cfg
	short.Timeout = 2 * time.Second
	d := newDialer(&short, clk)
	for {
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", cfg.Addrs[0])
		if err == nil {
			c.Close()
			res.Extra["port_open_s"] = time.Since(since).Seconds()
			break
		}
		select {
		case <-ctx.Done():
			res.Errors++
			return probeTimeout(ctx, cfg, "port never accepted")
		case <-time.After(20 * time.Millisecond):
		}
	}
	actx, stopAttempts := context.WithCancel(ctx)
	defer stopAttempts()
	var wg sync.WaitGroup
	defer wg.Wait()
	ok := make(chan time.Time, 1)
	attempts := 0
	tick := time.NewTicker(probeEvery)
	defer tick.Stop()
	for {
		attempts++
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := probeOnce(actx, d, cfg.Path); err != nil {
				if actx.Err() == nil {
					fmt.Fprintf(cfg.Log, "probe: %v\n", err)
				}
				return
			}
			select {
			case ok <- time.Now():
			default:
			}
		}()
		select {
		case at := <-ok:
			res.Extra["ready_s"] = at.Sub(since).Seconds()
			res.Extra["attempts"] = float64(attempts)
			res.Ops = 1
			stopAttempts()
			return nil
		case <-ctx.Done():
			res.Extra["attempts"] = float64(attempts)
			res.Errors++
			return probeTimeout(ctx, cfg, "not readable")
		case <-tick.C:
		}
	}
}

func probeTimeout(ctx context.Context, cfg *Config, what string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("restart probe: %s %s within %v", cfg.Path, what, cfg.Timeout)
	}
	return ctx.Err()
}

// probeOnce opens one session, giving up at the first lost connection
// (a server still loading closes it) instead of waiting out go-zookeeper's
// one-second reconnect pause, and reads path.
func probeOnce(ctx context.Context, d *dialer, path string) error {
	s, err := d.dialWith(ctx, false, true)
	if err != nil {
		return err
	}
	defer s.close()
	if _, _, err := s.conn.Get(path); err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	return nil
}
