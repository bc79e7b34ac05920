package workload

import (
	"os"
	"syscall"
	"time"
	"unsafe"
)

// A Go timer wakes a process idling in the network poller at millisecond
// granularity (the poller's wait is in whole milliseconds): at 2,000 slots
// per second time.After overslept by 550 µs at the median and 1 ms at p90
// in a test program, and every open-loop latency counts that lateness from
// its scheduled time. With precise set, the dispatcher instead reads a
// timerfd through the same poller, which wakes it when the kernel's
// high-resolution timer fires. It is off by default: on the machine the
// committed results come from it halved the set p50 at 2,000/s for zkd but
// raised the p99 (bench/TARGETS.md), so the published runs keep the Go
// timer they were made with. (Sleeping in nanosleep on a locked thread
// was as precise when idle but worse under load: the thread waited for a
// P after each sleep, and get at 15,000/s saw p99s of 20-80 ms.)

// Linux constants (linux/timerfd.h, linux/time.h).
const (
	clockMonotonic = 1
	tfdNonblock    = syscall.O_NONBLOCK
	tfdCloexec     = syscall.O_CLOEXEC
)

// pacer sleeps on a timerfd read through Go's network poller, or on a
// Go timer when f is nil.
type pacer struct {
	f   *os.File // nil: sleep on a Go timer
	buf [8]byte
}

// newPacer returns a pacer on a timerfd if precise (and the kernel has
// one), else on a Go timer.
func newPacer(precise bool) *pacer {
	if !precise {
		return &pacer{}
	}
	fd, _, errno := syscall.Syscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, tfdNonblock|tfdCloexec, 0)
	if errno != 0 {
		return &pacer{}
	}
	return &pacer{f: os.NewFile(fd, "timerfd")}
}

// sleep blocks the calling goroutine for about d (d > 0).
func (p *pacer) sleep(d time.Duration) {
	if p.f == nil {
		time.Sleep(d)
		return
	}
	var spec struct{ interval, value syscall.Timespec }
	spec.value = syscall.NsecToTimespec(int64(d))
	if _, _, errno := syscall.Syscall6(syscall.SYS_TIMERFD_SETTIME, p.f.Fd(), 0,
		uintptr(unsafe.Pointer(&spec)), 0, 0, 0); errno != 0 {
		time.Sleep(d)
		return
	}
	if _, err := p.f.Read(p.buf[:]); err != nil {
		time.Sleep(d)
	}
}

func (p *pacer) close() {
	if p.f != nil {
		p.f.Close()
	}
}
