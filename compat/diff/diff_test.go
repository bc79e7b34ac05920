package diff

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zkd-io/zkd/proto"
)

// TestDifferential runs seeded streams against Apache ZooKeeper and zkd
// (one server of each for the whole test) and fails on any difference the
// allow-list and knownBugs do not explain, printing the shrunk sequence.
func TestDifferential(t *testing.T) {
	h := newHarness(t)
	t.Run("random", func(t *testing.T) { h.t = t; runSeeds(t, h, currentPlan()) })
	t.Run("control", func(t *testing.T) { h.t = t; controlRun(t, h) })
	t.Run("srvr", func(t *testing.T) { h.t = t; srvrShape(t, h) })
	t.Run("knownBugs", func(t *testing.T) { h.t = t; replayKnownBugs(t, h) })
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
	cfg := Config{Ops: p.ops, Sessions: h.sessions, TTL: true}
	seen := map[string]bool{}
	allowed := map[string]int{}
	known := map[string]int{}
	seeds, compared, failures := 0, 0, 0
	t.Logf("seeds from %d, %d ops each (at most %d seeds or %v)", p.base, p.ops, p.seeds, p.budget)
	for i := 0; i < p.seeds && time.Since(start) < p.budget; i++ {
		seed := p.base + uint64(i)
		// Every fourth seed lets sessions mix watch modes on a path, which
		// ZooKeeper 3.8 can only partly judge (versionGaps taint it).
		cfg.MixWatchModes = seed%4 == 3
		res := h.run(Generate(seed, cfg))
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
		t.Errorf("%s", describe(seed, res, small, calls))
		if failures >= p.maxDiff {
			break
		}
	}
	t.Logf("compared %d seeds (base %d) x %d ops: %d ops compared in %v; allowed differences used: %v; known bugs hit: %v",
		seeds, p.base, p.ops, compared, time.Since(start).Round(time.Millisecond), allowed, known)

}

// mutators play deliberately wrong servers for the control subtest: each
// breaks one rule in zkd's replies, and the tester must report a
// difference in the named field and shrink it to at most maxOps ops.
var mutators = []struct {
	name   string
	field  string // a differing field the report must name
	maxOps int
	mutate func(op Op, rec proto.Record)
}{
	{"cversion one too high", "stat.cversion", 2, func(op Op, rec proto.Record) {
		if r, ok := rec.(*proto.GetChildren2Response); ok {
			r.Stat.Cversion++
		}
	}},
	{"mtime moved off its zxid", "stat.mtime", 3, func(op Op, rec proto.Record) {
		// Only some replies: a server wrong everywhere alike would be
		// consistent, and times are compared only by their relations.
		switch r := rec.(type) {
		case *proto.GetDataResponse:
			if r.Stat.Mzxid != r.Stat.Czxid {
				r.Stat.Mtime++
			}
		case *proto.ExistsResponse:
			if r.Stat.Mzxid != r.Stat.Czxid {
				r.Stat.Mtime++
			}
		}
	}},
	{"sequence suffix off by one", "path", 3, func(op Op, rec proto.Record) {
		if r, ok := rec.(*proto.CreateResponse); ok && strings.HasSuffix(r.Path, "0000000001") {
			r.Path = strings.TrimSuffix(r.Path, "1") + "2"
		}
	}},
	{"ACL perms widened", "acl", 3, func(op Op, rec proto.Record) {
		if r, ok := rec.(*proto.GetACLResponse); ok {
			for i := range r.ACL {
				r.ACL[i].Perms |= proto.PermAdmin
			}
		}
	}},
}

// controlRun proves the tester can fail: for each mutator, the tester must
// report the broken field within a few seeds and shrink it to a handful of
// ops.
func controlRun(t *testing.T, h *harness) {
	saved := h.zkd.Mutate
	defer func() { h.zkd.Mutate = saved }()
	cfg := Config{Ops: 80, Sessions: h.sessions, TTL: true}
	for _, m := range mutators {
		h.zkd.Mutate = m.mutate
		caught := false
		for seed := uint64(1); seed <= uint64(envInt("ZKD_DIFF_CONTROL_SEEDS", 30)) && !caught; seed++ {
			res := h.run(Generate(seed, cfg))
			if res.rep.Diff == nil {
				continue
			}
			caught = true
			if !strings.Contains(res.rep.Diff.Signature(), m.field) {
				t.Fatalf("control %q: expected a %s difference, got %s", m.name, m.field, res.rep.Diff)
			}
			small, calls := h.shrink(res, 60)
			if len(small.ops) > m.maxOps || small.rep.Diff == nil {
				t.Fatalf("control %q: shrunk to %d ops:\n%s", m.name, len(small.ops), describe(seed, res, small, calls))
			}
			t.Logf("control %q: caught at seed %d op %d, shrunk to %d op(s) in %d runs:\n%s",
				m.name, seed, res.rep.Diff.Op, len(small.ops), calls, FormatOps(small.ops))
		}
		if !caught {
			t.Errorf("control %q: no difference reported against the mutated server", m.name)
		}
	}
}

// srvrShape compares the srvr four-letter word: the same lines in the same
// order with the same mode; the version line is allow-listed.
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
