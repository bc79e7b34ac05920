package procstat

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// userHZ is the unit of utime and stime in /proc/PID/stat.
const userHZ = 100

// Snapshot is one reading of a process.
type Snapshot struct {
	CPU      time.Duration // utime+stime since the process started
	RSSBytes int64         // VmRSS
	HWMBytes int64         // VmHWM: peak resident set since start
}

// Read returns the current CPU time and memory of pid (0 = this process).
func Read(pid int) (Snapshot, error) {
	dir := "/proc/self"
	if pid != 0 {
		dir = "/proc/" + strconv.Itoa(pid)
	}
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return Snapshot{}, fmt.Errorf("read process stat: %w", err)
	}
	cpu, err := parseStat(stat)
	if err != nil {
		return Snapshot{}, err
	}
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return Snapshot{}, fmt.Errorf("read process status: %w", err)
	}
	rss, hwm, err := parseStatus(status)
	if err != nil {
		return Snapshot{}, err
	}
	return Snapshot{CPU: cpu, RSSBytes: rss, HWMBytes: hwm}, nil
}

// parseStat returns utime+stime from the text of /proc/PID/stat. The
// command name (field 2) may hold spaces and parentheses, so fields are
// counted from the last ')'.
func parseStat(b []byte) (time.Duration, error) {
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return 0, errors.New("parse process stat: no command name")
	}
	fields := strings.Fields(string(b[end+1:]))
	// fields[0] is field 3 (state); utime is field 14, stime field 15.
	if len(fields) < 13 {
		return 0, fmt.Errorf("parse process stat: %d fields after the name", len(fields))
	}
	utime, err := strconv.ParseInt(fields[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse process stat utime: %w", err)
	}
	stime, err := strconv.ParseInt(fields[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse process stat stime: %w", err)
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}

// parseStatus returns VmRSS and VmHWM in bytes from /proc/PID/status.
func parseStatus(b []byte) (rss, hwm int64, err error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	var haveRSS, haveHWM bool
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(value)
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("parse process status %s: %q", key, value)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("parse process status %s: %w", key, err)
		}
		if key == "VmRSS" {
			rss, haveRSS = kb*1024, true
		} else {
			hwm, haveHWM = kb*1024, true
		}
	}
	if !haveRSS || !haveHWM {
		return 0, 0, errors.New("parse process status: no VmRSS/VmHWM (kernel thread or zombie?)")
	}
	return rss, hwm, nil
}

// ReadSum returns the sums of Read over pids: CPU time, VmRSS and VmHWM
// of the processes of an ensemble taken together. Each VmHWM is that
// process's own peak, so their sum bounds from above the peak the
// processes reached together.
func ReadSum(pids []int) (Snapshot, error) {
	if len(pids) == 0 {
		return Snapshot{}, errors.New("read processes: no pid")
	}
	var sum Snapshot
	for _, pid := range pids {
		s, err := Read(pid)
		if err != nil {
			return Snapshot{}, fmt.Errorf("pid %d: %w", pid, err)
		}
		sum.CPU += s.CPU
		sum.RSSBytes += s.RSSBytes
		sum.HWMBytes += s.HWMBytes
	}
	return sum, nil
}

// Sampler watches a group of processes (one, or the members of an
// ensemble) from Start until Stop, summing them as ReadSum does.
type Sampler struct {
	pids     []int
	first    Snapshot
	start    time.Time
	cancel   context.CancelFunc
	done     chan struct{}
	mu       sync.Mutex // guards the fields below, written by the poll loop
	peakRSS  int64
	last     Snapshot
	firstErr error
}

// Usage is what a Sampler saw between Start and Stop.
type Usage struct {
	CPU      time.Duration // CPU time used in the window
	Wall     time.Duration // length of the window
	PeakRSS  int64         // largest VmRSS sampled in the window, bytes
	EndRSS   int64         // VmRSS at Stop, bytes
	HWMBytes int64         // VmHWM at Stop: peak since the process started
}

// Start takes a first reading of pids and polls their memory every
// interval until Stop. Usage then holds sums: CPU time over the
// processes, and the largest sum of their VmRSS read in one sample.
func Start(pids []int, interval time.Duration) (*Sampler, error) {
	first, err := ReadSum(pids)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sampler{pids: pids, first: first, start: time.Now(), cancel: cancel,
		done: make(chan struct{}), peakRSS: first.RSSBytes, last: first}
	go s.loop(ctx, interval)
	return s, nil
}

func (s *Sampler) loop(ctx context.Context, interval time.Duration) {
	defer close(s.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sample()
		}
	}
}

func (s *Sampler) sample() {
	snap, err := ReadSum(s.pids)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.firstErr == nil {
			s.firstErr = err
		}
		return
	}
	s.last = snap
	if snap.RSSBytes > s.peakRSS {
		s.peakRSS = snap.RSSBytes
	}
}

// StartRSS is VmRSS at Start, in bytes.
func (s *Sampler) StartRSS() int64 { return s.first.RSSBytes }

// Stop takes a last reading and returns the usage over the window. The
// error is the first failed reading (for example, the process exited).
func (s *Sampler) Stop() (Usage, error) {
	s.cancel()
	<-s.done
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := Usage{
		CPU:      s.last.CPU - s.first.CPU,
		Wall:     time.Since(s.start),
		PeakRSS:  s.peakRSS,
		EndRSS:   s.last.RSSBytes,
		HWMBytes: s.last.HWMBytes,
	}
	return u, s.firstErr
}
