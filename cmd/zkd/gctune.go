package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// GC tuning. Go's default GOGC=100 lets the heap grow to twice the live
// data before collecting. zkd's live data is mostly the data tree, large
// and long-lived: with a million znodes that default alone costs hundreds
// of megabytes of RSS for garbage that is mostly short-lived request
// buffers. gcTune keeps the headroom at about gcHeadroom bytes, but at
// least gcMinPercent and at most gcMaxPercent of the live heap, re-reading
// the live heap every second. An explicit GOGC or GOMEMLIMIT in the
// environment turns it off.
//
// Small trees get the headroom too, up to gcMaxPercent. With 4-6 MB
// live, capping at 100 percent meant 12-14 collections a second under
// closed-loop set load, 33 ms of GC CPU per second (gctrace) out of about
// 800 ms zkd used. At 400 percent: 3 a second, 10 ms, and peak RSS 51 MiB
// instead of 30. (At 1000 percent the collections were as few, but the
// goal overshot the headroom, since the live heap moves between samples:
// 60 MiB.) The 3 % of CPU saved is below what alternating end-to-end runs
// on this machine can resolve.
//
// A small headroom means more collections, but a collection costs little
// here: the tree's records and blobs hold no pointers, so the collector
// marks a chunk without reading it, and the pointerful rest of the heap is
// small. With a million znodes resident under set load, headroom 48 MiB
// (25 %) left the process at 309-320 MiB; at 10-12 % it stays near 260,
// with no change in CPU per write beyond noise.
const (
	gcHeadroom   = 24 << 20
	gcMinPercent = 10
	gcMaxPercent = 400
	gcPeriod     = time.Second
)

// gcPercentFor returns the GOGC percentage for a live heap of live bytes.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return 100
	}
	p := uint64(gcHeadroom) * 100 / live
	return int(min(max(p, gcMinPercent), gcMaxPercent))
}

// gcTune adjusts GOGC until ctx ends.
func gcTune(ctx context.Context, getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	current := 100
	t := time.NewTicker(gcPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		if p := gcPercentFor(sample[0].Value.Uint64()); p != current {
			debug.SetGCPercent(p)
			current = p
		}
	}
}
