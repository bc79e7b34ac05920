package workload

import (
	"syscall"
	"testing"
	"time"
)

// TestPacerWaitsInThePoller checks that the timerfd pacer sleeps at least
// as long as asked and that its descriptor stays non-blocking, so that a
// sleep parks the goroutine in Go's poller rather than holding a thread.
func TestPacerWaitsInThePoller(t *testing.T) {
	p := newPacer(true)
	defer p.close()
	if p.f == nil {
		t.Skip("no timerfd on this kernel")
	}
	for range 3 {
		start := time.Now()
		p.sleep(2 * time.Millisecond)
		if d := time.Since(start); d < 2*time.Millisecond {
			t.Fatalf("slept %v, asked 2ms", d)
		}
	}
	// Fd leaves a descriptor that was non-blocking when os.NewFile got it
	// as it is.
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, p.f.Fd(), syscall.F_GETFL, 0)
	if errno != 0 {
		t.Fatalf("fcntl: %v", errno)
	}
	if flags&syscall.O_NONBLOCK == 0 {
		t.Fatal("the timerfd is blocking")
	}
}
