package procstat

import (
	"os"
	"runtime"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"plain", "1234 (java) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 40 0 100 0 0",
			3250 * time.Millisecond, false},
		{"name with spaces and parens", "99 (a) b (c) R 1 99 99 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0",
			100 * time.Millisecond, false},
		{"truncated", "99 (zkd) S 1 2 3", 0, true},
		{"no name", "99 zkd S", 0, true},
		{"bad number", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 abc 1 0", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("cpu = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name             string
		in               string
		wantRSS, wantHWM int64
		wantErr          bool
	}{
		{"both", "Name:\tzkd\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\nThreads:\t9\n", 1 << 20, 2 << 20, false},
		{"missing", "Name:\tkthreadd\nThreads:\t1\n", 0, 0, true},
		{"bad unit", "VmHWM:\t1 MB\nVmRSS:\t1 kB\n", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rss, hwm, err := parseStatus([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if rss != tt.wantRSS || hwm != tt.wantHWM {
				t.Errorf("rss/hwm = %d/%d, want %d/%d", rss, hwm, tt.wantRSS, tt.wantHWM)
			}
		})
	}
}

func TestSamplerSeesOwnCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	s, err := Start([]int{os.Getpid()}, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// Burn ~150 ms of CPU so at least a few 10 ms ticks are charged.
	deadline := time.Now().Add(150 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	u, err := s.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if u.CPU <= 0 || u.CPU > 10*time.Second {
		t.Errorf("cpu in window = %v (loop ran %d times)", u.CPU, x)
	}
	if u.PeakRSS <= 0 || u.HWMBytes < u.PeakRSS/2 || u.Wall < 150*time.Millisecond {
		t.Errorf("usage = %+v", u)
	}
}

func TestReadSumAddsEveryProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	one, err := Read(0)
	if err != nil {
		t.Fatal(err)
	}
	// CPU time and VmHWM never decrease, so reading this process twice
	// sums to at least twice the earlier reading.
	two, err := ReadSum([]int{os.Getpid(), os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	if two.CPU < 2*one.CPU || two.HWMBytes < 2*one.HWMBytes || two.RSSBytes <= one.RSSBytes {
		t.Errorf("sum of two readings %+v, one reading %+v", two, one)
	}
	if _, err := ReadSum(nil); err == nil {
		t.Error("ReadSum(nil) succeeded")
	}
}
