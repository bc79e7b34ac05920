package workload

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zkd-io/zkd/cmd/zkbench/internal/hist"
)

// runWatch measures watch fan-out. Sessions watcher sessions each set a
// data watch on one znode (getData with watch); a separate writer session
// then sets the znode; each watcher's notification is timestamped by its
// connection's event callback as it is decoded. A round waits for every
// watcher (at most Timeout) before the next is armed.
//
// Rounds in Warmup are not recorded. Then Rounds rounds run, or with
// Rounds = 0 as many as fit Duration. Ops is the number of notifications
// received; Latency is setData-sent to each notification; More holds the
// per-round first and last notification; a watcher that hears nothing
// within Timeout is an error. Extra: rounds.
func runWatch(ctx context.Context, cfg *Config, d *dialer, admin *session, res *Result) error {
	target := cfg.Root + "/w"
	data := payload(cfg.Size, 0)
	if _, err := admin.conn.Create(target, data, 0, zk.WorldACL(zk.PermAll)); err != nil {
		return fmt.Errorf("create %s: %w", target, err)
	}
	watchers, err := d.dialAll(ctx, cfg.Sessions)
	if err != nil {
		return err
	}
	defer closeAll(watchers)
	writer, err := d.dial(ctx, false)
	if err != nil {
		return fmt.Errorf("writer session: %w", err)
	}
	defer writer.close()

	all, first, last := hist.New(), hist.New(), hist.New()
	var completed atomic.Uint64
	warmEnd := time.Now().Add(cfg.Warmup)
	var win *window
	var winStart time.Time
	rounds := 0
	for ctx.Err() == nil {
		measuring := !time.Now().Before(warmEnd)
		if measuring && win == nil {
			win, winStart = openWindow(cfg.ServerPIDs, &completed), time.Now()
		}
		if measuring && ((cfg.Rounds > 0 && rounds >= cfg.Rounds) ||
			(cfg.Rounds == 0 && time.Since(winStart) >= cfg.Duration)) {
			break
		}
		r := watchRound(ctx, cfg, watchers, writer, target, data)
		if !measuring {
			continue
		}
		rounds++
		for _, k := range r.errs {
			res.Errors++
			res.ErrorKinds = addKind(res.ErrorKinds, k, 1)
		}
		if len(r.lat) == 0 {
			continue
		}
		lo, hi := r.lat[0], r.lat[0]
		for _, l := range r.lat {
			all.Record(l)
			lo, hi = min(lo, l), max(hi, l)
		}
		first.Record(lo)
		last.Record(hi)
		completed.Add(uint64(len(r.lat)))
	}
	if win == nil {
		win = openWindow(cfg.ServerPIDs, &completed)
	}
	win.close(res)
	res.Ops = all.Count()
	res.Latency = latencyOf(all)
	res.More = map[string]Latency{"first_notification": latencyOf(first), "last_notification": latencyOf(last)}
	res.Extra = map[string]float64{"rounds": float64(rounds)}
	return ctx.Err()
}

type roundResult struct {
	lat  []int64  // nanoseconds from setData sent to each notification
	errs []string // one per watcher that failed
}

// watchRound arms every watcher, sets target and collects notifications.
func watchRound(ctx context.Context, cfg *Config, watchers []*session, writer *session, target string, data []byte) roundResult {
	var r roundResult
	chans := make([]<-chan zk.Event, len(watchers))
	armErrs := make([]error, len(watchers))
	_ = forEach(ctx, len(watchers), 64, func(_, i int) error {
		_, _, ch, err := watchers[i].conn.GetW(target)
		chans[i], armErrs[i] = ch, err
		return nil
	})
	t0 := writer.clk.now()
	if _, err := writer.conn.Set(target, data, -1); err != nil {
		r.errs = append(r.errs, "writer setData: "+err.Error())
	}
	deadline := time.Now().Add(cfg.Timeout)
	for i, ch := range chans {
		if armErrs[i] != nil || ch == nil {
			r.errs = append(r.errs, fmt.Sprintf("arm watch: %v", armErrs[i]))
			continue
		}
		ev, ok := waitEvent(ctx, ch, deadline)
		switch {
		case !ok:
			r.errs = append(r.errs, "no notification within timeout")
		case ev.Type != zk.EventNodeDataChanged:
			r.errs = append(r.errs, "watch ended by "+ev.Type.String())
		default:
			r.lat = append(r.lat, watchers[i].notified.Load()-t0)
		}
	}
	return r
}

// waitEvent receives from ch until deadline; an event already there is
// taken even when the deadline has passed.
func waitEvent(ctx context.Context, ch <-chan zk.Event, deadline time.Time) (zk.Event, bool) {
	select {
	case ev := <-ch:
		return ev, true
	default:
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case ev := <-ch:
		return ev, true
	case <-t.C:
	case <-ctx.Done():
	}
	return zk.Event{}, false
}
