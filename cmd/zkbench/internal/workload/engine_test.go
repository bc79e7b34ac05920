package workload

import (
	"strings"
	"testing"
	"time"
)

func TestLateCount(t *testing.T) {
	ms := int64(time.Millisecond)
	tests := []struct {
		name              string
		winStart, winEnd  int64
		schedStart        int64
		interval          time.Duration
		started, wantLate uint64
	}{
		{"all started", 0, 10 * ms, 0, time.Millisecond, 10, 0},
		{"half started", 0, 10 * ms, 0, time.Millisecond, 5, 5},
		{"window after warmup", 100 * ms, 110 * ms, 0, time.Millisecond, 7, 3},
		{"slot on the window start counts", 100 * ms, 101 * ms, 0, time.Millisecond, 0, 1},
		{"more started than due", 0, 10 * ms, 0, time.Millisecond, 12, 0},
		{"empty window", 5 * ms, 5 * ms, 0, time.Millisecond, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lateCount(tt.winStart, tt.winEnd, tt.schedStart, tt.interval, tt.started)
			if got != tt.wantLate {
				t.Errorf("lateCount = %d, want %d", got, tt.wantLate)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	good := func() Config {
		return Config{Addrs: []string{"127.0.0.1:2181"}, Workload: Get, Sessions: 1, Outstanding: 1,
			Duration: time.Second, Size: 100, ReadRatio: 0.9, Nodes: 10, Root: "/zkbench-1",
			SessionTimeout: 10 * time.Second, Timeout: time.Second}
	}
	tests := []struct {
		name   string
		change func(c *Config)
		want   string // "" = valid
	}{
		{"defaults", func(c *Config) {}, ""},
		{"unknown", func(c *Config) { c.Workload = "scan" }, "unknown workload"},
		{"no address", func(c *Config) { c.Addrs = nil }, "no server address"},
		{"zero sessions", func(c *Config) { c.Sessions = 0 }, "sessions"},
		{"multi with two nodes", func(c *Config) { c.Workload, c.Nodes = Multi, 2 }, "at least 3 nodes"},
		{"create-delete needs no nodes", func(c *Config) { c.Workload, c.Nodes = CreateDelete, 0 }, ""},
		{"root slash", func(c *Config) { c.Root = "/" }, "root must be"},
		{"root trailing slash", func(c *Config) { c.Root = "/a/" }, "root must be"},
		{"oversize", func(c *Config) { c.Size = 2 << 20 }, "size"},
		{"populate ignores duration", func(c *Config) { c.Workload, c.Duration = Populate, 0 }, ""},
		{"probe needs path", func(c *Config) { c.Workload = RestartProbe }, "needs -path"},
		{"fsync needs only dir", func(c *Config) { c.Workload, c.Addrs, c.Dir = FsyncProbe, nil, "/tmp" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good()
			tt.change(&c)
			err := c.validate()
			if tt.want == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// TestDispatch checks that the dispatcher emits every slot in order, never
// before its time, and sees stop during a long sleep.
func TestDispatch(t *testing.T) {
	e := &engine{cfg: &Config{PreciseTimer: true}, clk: newClock(), stop: make(chan struct{})}
	sched := make(chan int64, 100)
	done := make(chan struct{})
	start := e.clk.now()
	interval := time.Millisecond
	go e.dispatch(sched, start, interval, done)
	for i := int64(0); i < 20; i++ {
		select {
		case ref := <-sched:
			if want := start + i*int64(interval); ref != want {
				t.Fatalf("slot %d: %d, want %d", i, ref, want)
			}
			if now := e.clk.now(); now < ref {
				t.Fatalf("slot %d emitted %v before its time", i, time.Duration(ref-now))
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("slot %d not emitted", i)
		}
	}
	close(e.stop)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("dispatch did not stop")
	}

	// At one slot an hour it sleeps in short steps and still stops.
	e = &engine{cfg: &Config{}, clk: newClock(), stop: make(chan struct{})}
	done = make(chan struct{})
	go e.dispatch(make(chan int64, 1), e.clk.now()+int64(time.Hour), time.Hour, done)
	time.Sleep(2 * maxPaceStep)
	close(e.stop)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("dispatch did not stop while sleeping")
	}
}
