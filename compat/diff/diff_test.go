package diff

import (
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestDifferential runs seeded streams against Apache ZooKeeper and zkd
// (one server of each for the whole test) and fails on any difference the
// allow-list and knownBugs do not explain, printing the shrunk sequence.
func TestDifferential(t *testing.T) {
	h := newHarness(t)
	t.Run("random", func(t *testing.T) { h.t = t; runSeeds(t, h, currentPlan()) })
	t.Run("control", func(t *testing.T) { h.t = t; controlRun(t, h) })
	t.Run("expiry", func(t *testing.T) { h.t = t; expiryScenario(t, h) })
	t.Run("srvr", func(t *testing.T) { h.t = t; srvrShape(t, h) })
	t.Run("knownBugs", func(t *testing.T) { h.t = t; replayKnownBugs(t, h) })
}

// TestDifferentialEnsembleFollower runs seeded streams against Apache
// ZooKeeper (standalone) and a follower of a 3-member zkd ensemble: a
// client of a follower must see exactly what a client of a single server
// sees, expiry included. A third of the standalone plan's seeds.
func TestDifferentialEnsembleFollower(t *testing.T) {
	h := newHarnessOn(t, true)
	p := currentPlan()
	p.seeds = max(p.seeds/3, 1)
	p.budget /= 2
	t.Run("random", func(t *testing.T) { h.t = t; runSeeds(t, h, p) })
	t.Run("expiry", func(t *testing.T) { h.t = t; expiryScenario(t, h) })
}

// replayKnownBugs runs each known bug's reproducing stream: it must still
// differ only in ways the entry explains. One that no longer differs is
// fixed, and the test says to delete the entry.
func replayKnownBugs(t *testing.T, h *harness) {
	for _, k := range knownBugs {
		res := h.run(k.Repro)
		switch {
		case res.rep.Diff != nil:
			t.Errorf("known bug %q: its repro shows another difference:\n%s", k.Name, res.rep.Diff)
		case res.rep.KnownHits[k.Name] == 0:
			t.Logf("known bug %q no longer reproduces: delete its entry from knownBugs", k.Name)
		default:
			t.Logf("known bug %q still open", k.Name)
		}
	}
}

func runSeeds(t *testing.T, h *harness, p plan) {
	start := time.Now()
	cfg := Config{Ops: p.ops, Sessions: h.sessions, TTL: true, ExpiryPerMille: p.expiry}
	seen := map[string]bool{}
	allowed := map[string]int{}
	known := map[string]int{}
	seeds, compared, failures, expiries, unstable := 0, 0, 0, 0, 0
	t.Logf("seeds from %d, %d ops each, expiry %d‰ (at most %d seeds or %v)", p.base, p.ops, p.expiry, p.seeds, p.budget)
	for i := 0; i < p.seeds && time.Since(start) < p.budget; i++ {
		seed := p.base + uint64(i)
		// Every fourth seed lets sessions mix watch modes on a path, which
		// ZooKeeper 3.8 can only partly judge (versionGaps taint it).
		cfg.MixWatchModes = seed%4 == 3
		ops := Generate(seed, cfg)
		for _, o := range ops {
			if o.Kind == KindExpireSession {
				expiries++
			}
		}
		res := h.run(ops)
		if res.unstable() != "" {
			unstable++
		}
		seeds++
		compared += res.rep.Compared
		for k, v := range res.rep.Allowed {
			allowed[k] += v
		}
		for k, v := range res.rep.KnownHits {
			known[k] += v
		}
		if res.rep.Known != nil {
			t.Logf("seed %d: known bug %q at op %d (comparison stopped there)", seed, res.rep.KnownBug, res.rep.Known.Op)
		}
		if res.rep.Diff == nil {
			continue
		}
		sig := res.rep.Diff.Signature()
		if seen[sig] {
			t.Errorf("seed %d: another instance of %s at op %d", seed, sig, res.rep.Diff.Op)
			continue
		}
		seen[sig] = true
		failures++
		small, calls := h.shrink(res, p.shrinks)
		t.Errorf("%s", describe(seed, p.expiry, res, small, calls))
		if failures >= p.maxDiff {
			break
		}
	}
	t.Logf("compared %d seeds (base %d) x %d ops (%d expireSession): %d ops compared in %v; allowed differences used: %v; known bugs hit: %v; unstable runs: %d (%d repeated)",
		seeds, p.base, p.ops, expiries, compared, time.Since(start).Round(time.Millisecond), allowed, known, unstable, h.unstable)

}

// digits matches a run of decimal digits.
var digits = regexp.MustCompile(`[0-9]+`)

// srvrShape compares the srvr four-letter word: the same lines in the same
// order with the same mode and the same form of the latency line; the
// version line is allow-listed.
func srvrShape(t *testing.T, h *harness) {
	outcome := func(addr string) Outcome {
		out, err := FourLetter(addr, "srvr")
		if err != nil {
			t.Fatalf("srvr %s: %v", addr, err)
		}
		var o Outcome
		var keys []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			k, v, _ := strings.Cut(line, ":")
			keys = append(keys, k)
			switch k {
			case "Zookeeper version":
				o.Set("srvr.version", strings.TrimSpace(v))
			case "Mode":
				o.Set("srvr.mode", strings.TrimSpace(v))
			case "Latency min/avg/max":
				// The values differ; their form must not (ZooKeeper prints
				// the average as a Java double: "0/0.0/0", "0/7.1787/57").
				o.Set("srvr.latency.form", digits.ReplaceAllString(strings.TrimSpace(v), "N"))
			}
		}
		sort.Strings(keys)
		o.Set("srvr.keys", strings.Join(keys, "|"))
		return o
	}
	zk, zkd := &Trace{Outcomes: []Outcome{outcome(h.zk.Addr)}}, &Trace{Outcomes: []Outcome{outcome(h.zkd.Addr)}}
	rep := Compare([]Op{{Kind: KindWhoAmI}}, zk, zkd)
	if rep.Diff != nil {
		t.Fatalf("srvr differs:\n%s", rep.Diff)
	}
	t.Logf("srvr: allowed %v", rep.Allowed)
}
