//go:build !linux

package workload

import "time"

// pacer sleeps on a Go timer (see pace_linux.go for why Linux does
// better).
type pacer struct{}

func newPacer(bool) *pacer { return &pacer{} }

func (*pacer) sleep(d time.Duration) { time.Sleep(d) }

func (*pacer) close() {}
