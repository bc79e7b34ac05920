package workload

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Workload names accepted by Run.
const (
	Get          = "get"
	Set          = "set"
	Mixed        = "mixed"
	CreateDelete = "create-delete"
	Ephemeral    = "ephemeral"
	Multi        = "multi"
	WatchFanout  = "watch-fanout"
	SessionChurn = "session-churn"
	Idle         = "idle"
	Populate     = "populate"
	RestartProbe = "restart-probe"
	FsyncProbe   = "fsync-probe"
)

// Names lists every workload in the order the usage text shows them.
func Names() []string {
	return []string{Get, Set, Mixed, CreateDelete, Ephemeral, Multi, WatchFanout,
		SessionChurn, Idle, Populate, RestartProbe, FsyncProbe}
}

// Config is one run.
type Config struct {
	Addrs          []string      // host:port of the servers (go-zookeeper picks one per session)
	Workload       string        // one of Names
	Sessions       int           // connections (watchers for watch-fanout, held sessions for idle)
	Outstanding    int           // requests in flight per session (closed loop)
	Duration       time.Duration // measured window
	Warmup         time.Duration // run before the window, not measured
	Rate           float64       // total requests per second; 0 = closed loop
	PreciseTimer   bool          // open loop: the dispatcher waits on a timerfd (Linux), not a Go timer
	Size           int           // bytes of data per znode write
	ReadRatio      float64       // share of reads in mixed, 0..1
	Nodes          int           // znodes created before get/set/mixed/multi; count for populate
	Rounds         int           // watch-fanout rounds after warmup; 0 = as many as fit Duration
	Root           string        // parent of every znode the run creates
	Keep           bool          // leave Root in place at the end
	ServerPIDs     []int         // sample these processes' CPU and RSS, summed; nil = do not
	SessionTimeout time.Duration // asked of the server at connect
	Path           string        // restart-probe: znode whose getData must succeed
	Since          time.Time     // restart-probe: when the server was started
	Timeout        time.Duration // restart-probe: give up after; also bounds connects
	Dir            string        // fsync-probe: directory on the disk to measure
	Log            io.Writer     // progress and client log lines (nil = discard)
	Verbose        bool          // pass go-zookeeper's own log lines to Log
}

func (c *Config) validate() error {
	known := false
	for _, n := range Names() {
		if c.Workload == n {
			known = true
		}
	}
	if !known {
		return fmt.Errorf("unknown workload %q (want one of %s)", c.Workload, strings.Join(Names(), ", "))
	}
	if c.Workload == FsyncProbe {
		if c.Dir == "" {
			return errors.New("fsync-probe needs -dir")
		}
		return nil
	}
	if len(c.Addrs) == 0 {
		return errors.New("no server address")
	}
	checks := []struct {
		ok  bool
		msg string
	}{
		{c.Sessions >= 1, "sessions must be at least 1"},
		{c.Outstanding >= 1, "outstanding must be at least 1"},
		{c.Duration > 0 || c.Workload == Populate || c.Workload == RestartProbe, "duration must be positive"},
		{c.Warmup >= 0, "warmup must not be negative"},
		{c.Rate >= 0, "rate must not be negative"},
		{c.Size >= 0 && c.Size <= 1<<20, "size must be within 0..1048576"},
		{c.ReadRatio >= 0 && c.ReadRatio <= 1, "read ratio must be within 0..1"},
		{c.Nodes >= 1 || !needsNodes(c.Workload), "nodes must be at least 1"},
		{c.Nodes >= 3 || c.Workload != Multi, "multi needs at least 3 nodes"},
		{strings.HasPrefix(c.Root, "/") && len(c.Root) > 1 && !strings.HasSuffix(c.Root, "/"), "root must be an absolute znode path other than /"},
		{c.SessionTimeout > 0, "session timeout must be positive"},
		{c.Timeout > 0, "timeout must be positive"},
		{c.Path != "" || c.Workload != RestartProbe, "restart-probe needs -path"},
		{!slices.ContainsFunc(c.ServerPIDs, func(p int) bool { return p <= 0 }), "server pids must be positive"},
	}
	for _, ch := range checks {
		if !ch.ok {
			return errors.New(ch.msg)
		}
	}
	return nil
}

func needsNodes(w string) bool {
	return w == Get || w == Set || w == Mixed || w == Multi || w == Populate
}
