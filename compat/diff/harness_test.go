package diff

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/zktest"
)

var longMode = flag.Bool("diff.long", false, "run the long differential mode (also ZKD_DIFF_LONG=1)")

// plan is how many seeds and ops a run covers.
type plan struct {
	base    uint64 // first seed
	seeds   int
	ops     int
	budget  time.Duration // stop starting new seeds after this
	shrinks int           // shrink runs per difference
	maxDiff int           // distinct differences to collect before failing
	expiry  int           // Config.ExpiryPerMille
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// currentPlan: the default run is bounded for `go test ./...`; the long
// mode runs many more seeds from a time-derived base (printed, so a
// failure can be replayed with ZKD_DIFF_SEED).
func currentPlan() plan {
	p := plan{base: 1, seeds: 60, ops: 150, budget: 40 * time.Second, shrinks: 120, maxDiff: 3, expiry: 3}
	if *longMode || os.Getenv("ZKD_DIFF_LONG") == "1" {
		p = plan{base: uint64(time.Now().UnixNano() % 1_000_000_000), seeds: 100000, ops: 400,
			budget: 10 * time.Minute, shrinks: 400, maxDiff: 10, expiry: 8}
		if d, err := time.ParseDuration(os.Getenv("ZKD_DIFF_DURATION")); err == nil {
			p.budget = d
		}
	}
	if v, err := strconv.ParseUint(os.Getenv("ZKD_DIFF_SEED"), 10, 64); err == nil {
		p.base = v
	}
	p.seeds = envInt("ZKD_DIFF_SEEDS", p.seeds)
	p.ops = envInt("ZKD_DIFF_OPS", p.ops)
	if v, err := strconv.Atoi(os.Getenv("ZKD_DIFF_EXPIRY")); err == nil && v >= 0 {
		p.expiry = v
	}
	return p
}

// harness holds one ZooKeeper and one zkd for a whole test.
type harness struct {
	t        *testing.T
	zk, zkd  Server
	sessions int
	runs     int
	unstable int // runs repeated because they were unstable
	// perRun, when set, gives zkd's side a fresh Mutate for every run
	// (stateful control mutators).
	perRun func() func(op Op, rec proto.Record)
}

func newHarness(t *testing.T) *harness { return newHarnessOn(t, false) }

// newHarnessOn starts ZooKeeper and zkd; with ensemble, zkd is a 3-member
// zktest.Cluster and every session of the zkd side goes to one follower,
// so each write is forwarded to the leader and answered after the
// follower applied it, and session expiry is the leader's decision made
// from the follower's forwarded touches.
func newHarnessOn(t *testing.T, ensemble bool) *harness {
	t.Helper()
	script := ZooKeeperScript()
	if script == "" {
		msg := "zkServer.sh not found; install the Debian package zookeeper (apt-get install zookeeper)"
		if os.Getenv("ZKD_REQUIRE_EXTERNAL") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	start := time.Now()
	var zk *ZooKeeper
	zk = StartZooKeeper(t, script)
	same := func(c *config.Config) {
		// The same session timing as the ZooKeeper side (zooCfg).
		c.TickTime = tickMs * time.Millisecond
		c.MinSessionTimeout = minSessionTimeoutMs * time.Millisecond
		c.MaxSessionTimeout = maxSessionTimeoutMs * time.Millisecond
		c.ExtendedTypesEnabled = true
		c.ContainerCheckInterval = time.Hour // as the ZooKeeper side: no reaping during a run
		c.MaxClientCnxns = 0
	}
	var zkdAddr string
	if ensemble {
		c := zktest.StartCluster(t, 3, same)
		c.WaitLeader(10 * time.Second)
		f := c.Followers()[0]
		// WaitLeader counts members that know no leader yet; this one
		// must know it, or it refuses clients.
		for deadline := time.Now().Add(10 * time.Second); f.Node().Leader() == 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("follower %d learned no leader within 10s", f.ID)
			}
		}
		zkdAddr = f.Addr
		awaitInitialConfig(t, zkdAddr)
	} else {
		zkdAddr = zktest.Start(t, same).Addr
	}
	t.Logf("servers up in %v: zookeeper %s, zkd %s (ensemble %v)", time.Since(start).Round(time.Millisecond), zk.Addr, zkdAddr, ensemble)
	return &harness{t: t, zk: Server{Name: "zookeeper", Addr: zk.Addr}, zkd: Server{Name: "zkd", Addr: zkdAddr}, sessions: 3}
}

// awaitInitialConfig waits until the member at addr serves the
// /zookeeper/config its first leader records in the log on one of its
// first ticks: if that entry were applied during a run, it would be a
// transaction the run cannot see, and the next reply's zxid would run
// ahead of ZooKeeper's.
func awaitInitialConfig(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, _, err := dial(addr, 0, nil, 0, normalTimeout, 5*time.Second)
		if err == nil {
			h, body, err := c.call(proto.OpGetData, &proto.GetDataRequest{Path: "/zookeeper/config"})
			var resp proto.GetDataResponse
			ok := err == nil && h.Err == proto.OK
			if ok {
				r := jute.NewReader(body)
				resp.Decode(r)
				ok = r.Err() == nil && len(resp.Data) > 0
			}
			_, _, _ = c.call(proto.OpCloseSession, nil)
			c.close()
			if ok {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s served no /zookeeper/config within 10s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// result is one differential run.
type result struct {
	rep      Report
	zk, zkd  *Trace
	ops      []Op
	runIndex int
}

// unstable is why a result cannot be trusted ("" when it can).
func (r result) unstable() string {
	switch {
	case r.zk.Unstable != "":
		return "zookeeper: " + r.zk.Unstable
	case r.zkd.Unstable != "":
		return "zkd: " + r.zkd.Unstable
	}
	return ""
}

// run executes ops on both servers (concurrently, each under a fresh run
// root) and compares them. A difference in an unstable run (a short
// session may have expired early because the machine stalled) is not
// trusted: the stream runs again, at most twice more.
func (h *harness) run(ops []Op) result {
	h.t.Helper()
	res := h.runOnce(ops)
	for i := 0; i < 2 && res.rep.Diff != nil && res.unstable() != ""; i++ {
		h.unstable++
		h.t.Logf("run %d: difference at op %d in an unstable run (%s); running it again", res.runIndex, res.rep.Diff.Op, res.unstable())
		res = h.runOnce(ops)
	}
	return res
}

func (h *harness) runOnce(ops []Op) result {
	h.t.Helper()
	h.runs++
	opt := RunOptions{Root: fmt.Sprintf("/diff-%d", h.runs), Sessions: h.sessions}
	if os.Getenv("ZKD_DIFF_TRACE") != "" {
		opt.Slow = func(i int, o Op, d time.Duration) { h.t.Logf("run %d: op %d took %v: %s", h.runs, i, d, o) }
	}
	zkd := h.zkd
	if h.perRun != nil {
		zkd.Mutate = h.perRun()
	}
	var wg sync.WaitGroup
	var tzk, tzkd *Trace
	var ezk, ezkd error
	wg.Add(2)
	go func() { defer wg.Done(); tzk, ezk = Run(h.zk, ops, opt) }()
	go func() { defer wg.Done(); tzkd, ezkd = Run(zkd, ops, opt) }()
	wg.Wait()
	if ezk != nil || ezkd != nil {
		h.t.Fatalf("run %d: zookeeper: %v; zkd: %v", h.runs, ezk, ezkd)
	}
	return result{rep: Compare(ops, tzk, tzkd), zk: tzk, zkd: tzkd, ops: ops, runIndex: h.runs}
}

// shrink minimises a failing stream, keeping the difference's signature.
func (h *harness) shrink(res result, budget int) (result, int) {
	sig := res.rep.Diff.Signature()
	ops := res.ops[:res.rep.Diff.Op+1]
	last := res
	fails := func(cand []Op) bool {
		r := h.run(cand)
		if r.rep.Diff != nil && r.rep.Diff.Signature() == sig {
			last = r
			return true
		}
		return false
	}
	if !fails(ops) {
		return res, 1 // not reproducible on its own; report the original
	}
	small, calls := Shrink(ops, fails, budget)
	if len(last.ops) != len(small) {
		last = h.run(small)
	}
	return last, calls + 1
}

// describe renders a difference for the test log: the seed, the shortest
// stream, the differing fields and both full outcomes of the last op.
func describe(seed uint64, expiry int, orig result, small result, calls int) string {
	var b strings.Builder
	d := small.rep.Diff
	fmt.Fprintf(&b, "DIFFERENCE seed=%d (first at op %d of %d; shrunk to %d ops with %d runs)\n",
		seed, orig.rep.Diff.Op, len(orig.ops), len(small.ops), calls)
	fmt.Fprintf(&b, "replay: ZKD_DIFF_SEED=%d ZKD_DIFF_SEEDS=1 ZKD_DIFF_OPS=%d ZKD_DIFF_EXPIRY=%d go test ./compat/diff -run TestDifferential/random\n",
		seed, len(orig.ops), expiry)
	b.WriteString("shortest sequence:\n")
	b.WriteString(FormatOps(small.ops))
	b.WriteString(d.String())
	if u := small.unstable(); u != "" {
		fmt.Fprintf(&b, "  (unstable run, not trusted: %s)\n", u)
	}
	if d.Op < len(small.zk.Outcomes) {
		fmt.Fprintf(&b, "  zookeeper outcome: %s\n", showOutcome(small.zk.Outcomes[d.Op]))
		fmt.Fprintf(&b, "  zkd outcome:       %s\n", showOutcome(small.zkd.Outcomes[d.Op]))
	}
	return b.String()
}

func showOutcome(o Outcome) string {
	var parts []string
	for _, f := range o.Fields {
		parts = append(parts, f.Key+"="+f.Val)
	}
	for _, f := range o.eventFields() {
		parts = append(parts, f.Key+"=["+f.Val+"]")
	}
	return strings.Join(parts, " ")
}
