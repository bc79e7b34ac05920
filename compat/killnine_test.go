package compat

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

const (
	killRounds     = 24               // SIGKILLs per run
	killMinRounds  = 20               // fewer than this within the budget fails the test
	killBudget     = 45 * time.Second // rounds stop being started after this
	killWriters    = 4                // concurrent client sessions writing
	killMaxWrites  = 20000            // per writer and round; the kill comes first
	killMinDelayMs = 50               // the kill lands this long after the writers start...
	killMaxDelayMs = 400              // ...and no later than this
	killSession    = 2 * time.Second
	killStartup    = 15 * time.Second // start or restart to ruok
)

// TestKillNineKeepsAcknowledgedWrites runs a real zkd under writes from
// several sessions, SIGKILLs it at a random moment, restarts it on the same
// dataDir and port, and checks that every write the server acknowledged is
// there: each acknowledged create with its data, each znode at its last
// acknowledged setData version (or at the version of the one setData that
// was in flight at the kill, never older), nothing nobody wrote, and the
// server's zxid never behind what it acknowledged or showed before.
//
// ZKD_KILL9_SEED=<n> replays the kill schedule of a failed run.
func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	begin := time.Now()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ZKD_KILL9_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("ZKD_KILL9_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (set ZKD_KILL9_SEED to replay)", seed)
	rng := rand.New(rand.NewPCG(seed, 0x6b696c6c39))

	// A small snapCount makes snapshots, purges and segment releases
	// happen between (and during) the kills.
	p := newCrashable(t, "snapCount=400\n")
	if err := p.start(killStartup); err != nil {
		t.Fatalf("first start: %v\n%s", err, p.logs())
	}
	{
		c := killConnect(t, p)
		if _, err := c.Create("/k", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatalf("create /k: %v", err)
		}
		c.Close()
	}

	m := newAckModel()
	var lastZxid int64 // srvr's zxid after the previous (re)start
	var checkedTotal, inflightTotal int
	otherErrs := map[string]int{}
	round := 0
	for round < killRounds && time.Since(begin) < killBudget {
		round++
		delay := time.Duration(killMinDelayMs+rng.IntN(killMaxDelayMs-killMinDelayMs+1)) * time.Millisecond
		results, preKill := killRound(t, p, round, rng.Uint64(), delay)
		for _, r := range results {
			if r.anomaly != nil {
				t.Errorf("round %d: %v", round, r.anomaly)
			}
			m.add(r)
			if r.inflight != nil {
				inflightTotal++
			}
			if r.stopErr != nil && !connectionError(r.stopErr) {
				otherErrs[r.stopErr.Error()]++
			}
		}
		m.maxZxid = max(m.maxZxid, preKill)

		if err := p.start(killStartup); err != nil {
			t.Fatalf("round %d: restart after SIGKILL: %v\n%s", round, err, p.logs())
		}
		z, err := srvrZxid(p.Addr)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if z < lastZxid || z < m.maxZxid {
			t.Errorf("round %d: zxid after restart is 0x%x, behind the previous restart's 0x%x or the highest acknowledged/seen 0x%x",
				round, z, lastZxid, m.maxZxid)
		}
		lastZxid = z

		children, seen := killReadBack(t, p, m.paths())
		problems, checked := m.check(children, seen)
		checkedTotal += checked
		if len(problems) > 0 {
			if len(problems) > 20 {
				problems = append(problems[:20], fmt.Sprintf("... and %d more", len(problems)-20))
			}
			t.Fatalf("round %d (kill %v into the writes, seed %d): %d acknowledged writes checked, violations:\n%s\n%s",
				round, delay, seed, checked, strings.Join(problems, "\n"), p.logs())
		}
	}
	if round < killMinRounds {
		t.Errorf("only %d kill rounds within %v, want at least %d", round, killBudget, killMinRounds)
	}
	if err := p.stop(10 * time.Second); err != nil {
		t.Errorf("final shutdown: %v\n%s", err, p.logs())
	}
	snaps, _ := filepath.Glob(filepath.Join(p.DataDir, "zkd-snap", "*.snap"))
	if len(snaps) == 0 {
		t.Errorf("no snapshot was written during the run: the kills never met a snapshot\n%s", p.logs())
	}
	if len(otherErrs) > 0 {
		t.Logf("writes that ended with a non-connection error (treated as in flight): %v", otherErrs)
	}
	t.Logf("%d SIGKILL rounds, %d acknowledged creates + %d acknowledged setData, %d znode checks after restarts, %d in-flight writes at kills, last zxid 0x%x, %v",
		round, m.creates, m.sets, checkedTotal, inflightTotal, lastZxid, time.Since(begin).Round(time.Millisecond))
}

// killRound connects the writers, lets them write for delay, samples the
// server's zxid, SIGKILLs the server and collects what each writer saw.
// The sampled zxid was applied before the kill, so it must survive.
func killRound(t *testing.T, p *crashable, round int, seed uint64, delay time.Duration) ([]writerResult, int64) {
	t.Helper()
	conns := make([]*zk.Conn, killWriters)
	for i := range conns {
		conns[i] = killConnect(t, p)
	}
	results := make([]writerResult, killWriters)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runWriter(c, i, round, seed, killMaxWrites)
		}()
	}
	time.Sleep(delay)
	preKill, err := srvrZxid(p.Addr)
	if err != nil {
		t.Fatalf("round %d: before the kill: %v\n%s", round, err, p.logs())
	}
	if err := p.kill(); err != nil {
		t.Fatalf("round %d: %v\n%s", round, err, p.logs())
	}
	// The writers now fail on their in-flight request; closing the
	// connections stops go-zookeeper's reconnect loop before the restart.
	for _, c := range conns {
		wg.Add(1)
		go func() { defer wg.Done(); c.Close() }()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("round %d: writers did not stop within 10s of the kill", round)
	}
	for i, r := range results {
		if len(r.acked) == killMaxWrites {
			t.Fatalf("round %d: writer %d finished all %d writes before the kill", round, i, killMaxWrites)
		}
	}
	return results, preKill
}

// killReadBack reads /k's children and every path with a fresh session.
func killReadBack(t *testing.T, p *crashable, paths []string) ([]string, map[string]observed) {
	t.Helper()
	c := killConnect(t, p)
	defer c.Close()
	children, _, err := c.Children("/k")
	if err != nil {
		t.Fatalf("children of /k after restart: %v", err)
	}
	seen, err := readAll(c, paths)
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	return children, seen
}

// killConnect opens a go-zookeeper session to p and waits for it.
func killConnect(t *testing.T, p *crashable) *zk.Conn {
	t.Helper()
	return zkSession(t, killSession, p.Addr)
}
