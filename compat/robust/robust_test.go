package robust

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkd-io/zkd/compat/diff"
	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/zktest"
)

// batch is a group of cases run concurrently, or a scenario; the
// bystander is checked after each.
type batch struct {
	name     string
	cases    []hostileCase
	scenario func(t *testing.T, addr string)
	// zookeeperDropsBystander: ZooKeeper closes the bystander's
	// connection during this batch (the bystander must come back with
	// the same session and nothing else may change).
	zookeeperDropsBystander bool
}

// caseBatches is the hand-made table, in the order it runs; sid is the
// bystander's session id, which some cases try to take over.
func caseBatches(sid int64) []batch {
	return []batch{
		{name: "reattach", cases: reattachCases(sid), zookeeperDropsBystander: true},
		{name: "session", cases: sessionCases()},
		{name: "handshake", cases: handshakeCases()},
		{name: "framing", cases: framingCases()},
		{name: "opcodes", cases: opcodeCases()},
		{name: "xids", cases: xidCases()},
		{name: "auth", cases: authCases()},
		{name: "no-body", cases: noBodyCases()},
		{name: "vectors", cases: vectorCases()},
		{name: "paths", cases: pathCases()},
		{name: "multi", cases: multiCases()},
		{name: "create", cases: createCases()},
		{name: "watches", cases: watchCases()},
		{name: "floods", cases: floodCases()},
		{name: "aftermath", cases: aftermathCases()},
	}
}

// allCases flattens the table.
func allCases(sid int64) []hostileCase {
	var out []hostileCase
	for _, b := range caseBatches(sid) {
		out = append(out, b.cases...)
	}
	return out
}

// workers is how many cases of a batch run at once.
const workers = 6

// runBatch runs cases concurrently and returns name -> transcript.
func runBatch(t *testing.T, addr string, cases []hostileCase) map[string]string {
	t.Helper()
	out := make(map[string]string, len(cases))
	var mu sync.Mutex
	next := make(chan *hostileCase)
	var wg sync.WaitGroup
	for i := 0; i < workers && i < len(cases); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				got, err := runCase(addr, c)
				if err != nil {
					got = "harness error: " + err.Error()
				}
				mu.Lock()
				out[c.name] = got
				mu.Unlock()
			}
		}()
	}
	for i := range cases {
		next <- &cases[i]
	}
	close(next)
	wg.Wait()
	return out
}

// splitIdle separates the cases that wait for an idle connection to be
// closed or stall on purpose (they take ~10 s each and run beside
// everything else).
func splitIdle(cases []hostileCase) (quick, idle []hostileCase) {
	for _, c := range cases {
		if c.wait >= idleWait || c.custom != nil {
			idle = append(idle, c)
		} else {
			quick = append(quick, c)
		}
	}
	return quick, idle
}

// attack runs the whole table and the scenarios against addr, checking
// the bystander and the server's health after each batch, and returns
// every case's transcript.
func attack(t *testing.T, server, addr string, by *bystander, scenarios []batch) map[string]string {
	results := make(map[string]string)
	var idle []hostileCase
	var quickBatches []batch
	for _, b := range caseBatches(by.sid) {
		q, i := splitIdle(b.cases)
		idle = append(idle, i...)
		b.cases = q
		quickBatches = append(quickBatches, b)
	}
	idleDone := make(chan map[string]string, 1)
	go func() { idleDone <- runBatch(t, addr, idle) }()
	for _, b := range quickBatches {
		for k, v := range runBatch(t, addr, b.cases) {
			results[k] = v
		}
		if b.zookeeperDropsBystander && server == "zookeeper" {
			by.awaitReconnect(t, "batch "+b.name)
		}
		by.check(t, "batch "+b.name)
		if err := checkServes(addr); err != nil {
			t.Errorf("after batch %s: %v", b.name, err)
		}
	}
	for k, v := range <-idleDone {
		results[k] = v
	}
	by.check(t, "idle connections")
	for _, s := range scenarios {
		s.scenario(t, addr)
		by.check(t, "scenario "+s.name)
		if err := checkServes(addr); err != nil {
			t.Errorf("after scenario %s: %v", s.name, err)
		}
	}
	by.finalCheck(t)
	return results
}

// expectedOutcome is what server ("zkd" or "zookeeper") should answer.
func expectedOutcome(server string, c *hostileCase) string {
	if d, ok := knownDifferences()[c.name]; ok {
		if server == "zkd" {
			return d.zkd
		}
		return d.zookeeper
	}
	return c.want
}

// checkOutcomes compares one server's transcripts with the table.
func checkOutcomes(t *testing.T, server string, results map[string]string) {
	t.Helper()
	bugs := knownZkdBugs()
	for _, c := range allCases(0) {
		got, ok := results[c.name]
		if !ok {
			t.Errorf("%s: case did not run", c.name)
			continue
		}
		want := expectedOutcome(server, &c)
		if bug, ok := bugs[c.name]; ok && server == "zkd" {
			switch {
			case matchOutcome(bug.got, got):
				t.Logf("KNOWN ZKD BUG %s: zkd gives %q, want %q: %s", c.name, short(got), short(want), bug.reason)
				continue
			case matchOutcome(want, got):
				t.Errorf("%s: listed in knownZkdBugs but zkd now gives the expected %q; remove it from the list", c.name, short(want))
				continue
			}
		}
		if !matchOutcome(want, got) {
			t.Errorf("%s on %s:\n got  %q\n want %q", c.name, server, short(got), short(want))
		}
	}
}

// short keeps long transcripts readable in messages.
func short(s string) string {
	if len(s) > 200 {
		return s[:100] + " … " + s[len(s)-80:]
	}
	return s
}

// TestTablesAreConsistent keeps the case names unique and the difference
// and bug lists pointing at real cases.
func TestTablesAreConsistent(t *testing.T) {
	names := make(map[string]bool)
	wants := make(map[string]string)
	for _, c := range allCases(0) {
		wants[c.name] = c.want
		if names[c.name] {
			t.Errorf("duplicate case %s", c.name)
		}
		names[c.name] = true
		if c.want == "" {
			t.Errorf("%s: no expected outcome", c.name)
		}
	}
	for name, d := range knownDifferences() {
		if !names[name] {
			t.Errorf("knownDifferences names no case: %s", name)
		}
		if d.zkd == d.zookeeper || d.reason == "" {
			t.Errorf("knownDifferences %s: outcomes must differ and carry a reason", name)
		}
		if w, ok := wants[name]; ok && w != d.zookeeper {
			t.Errorf("knownDifferences %s: the case's want %q is not ZooKeeper's outcome %q", name, w, d.zookeeper)
		}
	}
	for name, b := range knownZkdBugs() {
		if !names[name] {
			t.Errorf("knownZkdBugs names no case: %s", name)
		}
		if b.reason == "" {
			t.Errorf("knownZkdBugs %s: no reason", name)
		}
	}
	t.Logf("%d hand-made cases", len(names))
}

// requireZooKeeper returns zkServer.sh or skips (fails under
// ZKD_REQUIRE_EXTERNAL=1) naming the Debian package.
func requireZooKeeper(t *testing.T) string {
	t.Helper()
	if p := diff.ZooKeeperScript(); p != "" {
		return p
	}
	msg := "zkServer.sh not found; install the Debian package zookeeper (apt-get install zookeeper)"
	if os.Getenv("ZKD_REQUIRE_EXTERNAL") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// startZkd runs the server under test with zkd's defaults plus the
// settings the ZooKeeper side runs with: TTL nodes enabled, tickTime 2 s
// and so sessions of 4 to 40 s (zktest's own short ticks would let a
// session expire while a loaded machine delivers a case).
func startZkd(t *testing.T) *zktest.Server {
	return zktest.Start(t, func(c *config.Config) {
		c.ExtendedTypesEnabled = true
		c.TickTime = 2 * time.Second
		c.MinSessionTimeout = 4 * time.Second
		c.MaxSessionTimeout = 40 * time.Second
	})
}

// TestHostileInput runs the hand-made table against zkd and, when it is
// installed, Apache ZooKeeper 3.8, and checks each against its expected
// outcomes; a case where the two differ without being listed fails on
// one side. The cases where they differ are logged side by side.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	book := make(map[string]map[string]string)
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		logDifferences(t, book)
	})
	t.Run("zkd", func(t *testing.T) {
		t.Parallel()
		srv := startZkd(t)
		by := startBystander(t, srv.Addr)
		results := attack(t, "zkd", srv.Addr, by, []batch{
			{name: "churn", scenario: churn},
			{name: "per-ip-cap", scenario: perIPCap(srv.Cfg.MaxClientCnxns)},
		})
		checkOutcomes(t, "zkd", results)
		mu.Lock()
		book["zkd"] = results
		mu.Unlock()
	})
	t.Run("zookeeper", func(t *testing.T) {
		t.Parallel()
		zk := diff.StartZooKeeper(t, requireZooKeeper(t))
		by := startBystander(t, zk.Addr)
		results := attack(t, "zookeeper", zk.Addr, by, []batch{{name: "churn", scenario: churn}})
		checkOutcomes(t, "zookeeper", results)
		mu.Lock()
		book["zookeeper"] = results
		mu.Unlock()
	})
}

// logDifferences prints the cases where zkd and ZooKeeper answered
// differently in this run.
func logDifferences(t *testing.T, book map[string]map[string]string) {
	zkd, zk := book["zkd"], book["zookeeper"]
	if zkd == nil || zk == nil {
		return
	}
	var lines []string
	for _, c := range allCases(0) {
		if zkd[c.name] != zk[c.name] {
			lines = append(lines, fmt.Sprintf("  %-44s zkd %-28q zookeeper %q", c.name, short(zkd[c.name]), short(zk[c.name])))
		}
	}
	sort.Strings(lines)
	t.Logf("%d of %d cases answered differently by zkd and ZooKeeper:\n%s", len(lines), len(allCases(0)), strings.Join(lines, "\n"))
}
