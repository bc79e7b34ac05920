package workload

import (
	"runtime"
	"syscall"
	"time"
)

// prSetTimerSlack is prctl's PR_SET_TIMERSLACK (linux/prctl.h).
const prSetTimerSlack = 29

// newPacer returns a pacer for the calling goroutine's dispatch loop. It
// locks the goroutine to its OS thread for good (the thread exits with
// it) and lowers that thread's timer slack to 1 µs, so that nanosleep
// wakes within tens of microseconds of its deadline. A Go timer wakes a
// process idling in the network poller at millisecond granularity: at
// 2,000 requests/s, time.After overslept by 550 µs at the median and 1 ms
// at p90, and every open-loop latency counted that from its scheduled
// send time, against either server.
func newPacer() pacer {
	runtime.LockOSThread()
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetTimerSlack, 1000, 0)
	return pacer{}
}

type pacer struct{}

// sleep blocks the thread for d.
func (pacer) sleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}
