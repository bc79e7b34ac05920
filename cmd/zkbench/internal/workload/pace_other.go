//go:build !linux

package workload

import "time"

// newPacer returns a pacer that sleeps on a Go timer (see pace_linux.go
// for why Linux does better).
func newPacer() pacer { return pacer{} }

type pacer struct{}

func (pacer) sleep(d time.Duration) { time.Sleep(d) }
