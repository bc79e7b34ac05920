package diff

import (
	"strings"
	"testing"
	"time"

	"github.com/zkd-io/zkd/proto"
)

func TestGenerateIsDeterministicAndCoversEveryKind(t *testing.T) {
	cfg := Config{Ops: 300, Sessions: 3, TTL: true, ExpiryPerMille: 5}
	a, b := FormatOps(Generate(7, cfg)), FormatOps(Generate(7, cfg))
	if a != b {
		t.Fatal("same seed, different streams")
	}
	if a == FormatOps(Generate(8, cfg)) {
		t.Fatal("different seeds, same stream")
	}
	seen := map[Kind]bool{}
	codes := map[proto.OpCode]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		for _, o := range Generate(seed, cfg) {
			seen[o.Kind] = true
			if o.Kind == KindCreate {
				codes[o.Code] = true
			}
			for _, s := range o.Sub {
				seen[s.Kind] = true
			}
			last := cfg.Sessions - 1
			if o.Kind == KindAddWatch && o.Session != last {
				t.Fatalf("seed %d: addWatch outside the persistent-watch session: %s", seed, o)
			}
			if o.Watch && o.Session == last {
				t.Fatalf("seed %d: standard watch on the persistent-watch session: %s", seed, o)
			}
		}
	}
	for k := KindCreate; k <= KindCheck; k++ {
		if !seen[k] {
			t.Errorf("kind %s never generated", k)
		}
	}
	for _, c := range []proto.OpCode{proto.OpCreate, proto.OpCreate2, proto.OpCreateContainer, proto.OpCreateTTL} {
		if !codes[c] {
			t.Errorf("create opcode %s never generated", c)
		}
	}
}

func TestGenerateExpiryRate(t *testing.T) {
	count := func(perMille int) int {
		n := 0
		for seed := uint64(1); seed <= 60; seed++ {
			for _, o := range Generate(seed, Config{Ops: 150, Sessions: 3, TTL: true, ExpiryPerMille: perMille}) {
				if o.Kind == KindExpireSession {
					n++
				}
			}
		}
		return n
	}
	if n := count(0); n != 0 {
		t.Fatalf("ExpiryPerMille 0 generated %d expireSession ops", n)
	}
	// 9000 ops at 3 per mille: about 27.
	if n := count(3); n < 10 || n > 50 {
		t.Fatalf("ExpiryPerMille 3 generated %d expireSession ops in 9000", n)
	}
}

func TestSessionTimeoutLooksAhead(t *testing.T) {
	ops := []Op{
		{Kind: KindCreate, Session: 0},        // 0
		{Kind: KindGetData, Session: 1},       // 1
		{Kind: KindExpireSession, Session: 0}, // 2
		{Kind: KindCreate, Session: 0},        // 3
		{Kind: KindCloseSession, Session: 0},  // 4
		{Kind: KindExpireSession, Session: 0}, // 5
		{Kind: KindReconnect, Session: 1},     // 6
	}
	tests := []struct {
		slot, at int
		want     int32
	}{
		{0, 0, minSessionTimeoutMs}, // next end of slot 0 is the expiry at 2
		{0, 2, minSessionTimeoutMs}, // opened by the expiry itself
		{0, 3, normalTimeout},       // ended by closeSession at 4
		{0, 5, minSessionTimeoutMs},
		{1, 0, normalTimeout}, // slot 1 never ends
		{0, 7, normalTimeout}, // past the end
	}
	for _, tc := range tests {
		if got := sessionTimeout(ops, tc.slot, tc.at); got != tc.want {
			t.Errorf("slot %d at op %d: %d, want %d", tc.slot, tc.at, got, tc.want)
		}
	}
}

func TestShortSessionGapMarksRunUnstable(t *testing.T) {
	r := &runner{}
	long := &conn{asked: normalTimeout, lastTouch: time.Now().Add(-time.Second)}
	short := &conn{asked: minSessionTimeoutMs, lastTouch: time.Now()}
	r.noteShort(long)
	r.noteShort(short)
	long.touched(time.Now(), true)
	short.touched(time.Now(), true)
	if r.checkGaps(0); r.unstable != "" {
		t.Fatalf("unstable after short gaps: %s", r.unstable)
	}
	short.lastTouch = time.Now().Add(-gapLimit)
	short.touched(time.Now(), false) // a request that failed after the gap
	if r.checkGaps(1); !strings.HasPrefix(r.unstable, "by op 1 ") {
		t.Fatalf("unstable = %q", r.unstable)
	}
}

func TestShrinkKeepsOnlyWhatFails(t *testing.T) {
	ops := Generate(3, Config{Ops: 120, Sessions: 3})
	ops[40] = Op{Kind: KindDelete, Session: 1, Path: "/needle"}
	ops[90] = Op{Kind: KindMulti, Session: 2, Sub: []Op{
		{Kind: KindCheck, Path: "/x"}, {Kind: KindSetData, Path: "/needle"}, {Kind: KindCheck, Path: "/y"}}}
	// Fails when the delete comes before a multi that sets /needle.
	fails := func(c []Op) bool {
		del := false
		for _, o := range c {
			if o.Kind == KindDelete && o.Path == "/needle" {
				del = true
			}
			if o.Kind == KindMulti && del {
				for _, s := range o.Sub {
					if s.Kind == KindSetData && s.Path == "/needle" {
						return true
					}
				}
			}
		}
		return false
	}
	got, calls := Shrink(ops, fails, 500)
	if len(got) != 2 || got[0].Kind != KindDelete || got[1].Kind != KindMulti || len(got[1].Sub) != 1 {
		t.Fatalf("shrunk to:\n%s", FormatOps(got))
	}
	if calls > 500 {
		t.Fatalf("%d calls over budget", calls)
	}
	if _, calls := Shrink(ops, fails, 5); calls > 5 {
		t.Fatalf("budget 5, %d calls", calls)
	}
}

func TestNormaliserZxidsAndTimes(t *testing.T) {
	n := newNormaliser("/run")
	n.tokens[100] = "zR"
	n.max = 100
	var b builder
	b.addHeaderZxid("zxid", 105)
	n.addStat(&b, "", &proto.Stat{Czxid: 105, Mzxid: 105, Pzxid: 104, Ctime: 50, Mtime: 50})
	got := n.finish(3, &b)
	want := map[string]string{"zxid": ">max", "czxid": "z3.1", "mzxid": "z3.1", "pzxid": "z3.0", "ctime": "t~z3.1", "mtime": "t~z3.1"}
	for _, f := range got {
		if w, ok := want[f.Key]; ok && f.Val != w {
			t.Errorf("%s = %s, want %s", f.Key, f.Val, w)
		}
	}
	// Same zxid, other time: inconsistent; a later zxid with an earlier
	// time: out of order.
	var b2 builder
	b2.addHeaderZxid("zxid", 105)
	b2.addTime("t1", 105, 51)
	b2.addTime("t2", 110, 10)
	got = n.finish(4, &b2)
	if got[0].Val != "=max" || got[1].Val != "t!=z3.1" || !strings.HasPrefix(got[2].Val, "t<order!") {
		t.Fatalf("fields %+v", got)
	}
	if n.rel("/run/a") != "R/a" || n.rel("/run") != "R" || n.rel("/runner") != "/runner" {
		t.Fatal("rel")
	}
}

func outcome(fields ...string) Outcome {
	var o Outcome
	for i := 0; i+1 < len(fields); i += 2 {
		o.Fields = append(o.Fields, Field{fields[i], fields[i+1]})
	}
	return o
}

func withEvents(o Outcome, es ...Event) Outcome {
	o.Events = es
	return o
}

func TestCompareAllowList(t *testing.T) {
	ev := func(path, z string, readable bool) Event {
		return Event{Session: 1, Type: proto.EventNodeCreated, State: proto.StateSyncConnected, Path: path, Zxid: z, Readable: readable}
	}
	ok := outcome("err", proto.OK.String(), "zxid", ">max")
	create := Op{Kind: KindCreate, Session: 0, Path: "/a"}
	noAuthExists := Outcome{Fields: outcome("err", proto.ErrNoAuth.String(), "zxid", "=max").Fields, Path: "R/a"}
	okExists := Outcome{Fields: outcome("err", proto.OK.String(), "zxid", "=max", "stat.version", "0").Fields, Path: "R/a"}
	tests := []struct {
		name     string
		op       Op
		zk, zkd  Outcome
		wantDiff bool
		allowed  string
	}{
		{"notification zxid -1 vs trigger", create, withEvents(ok, ev("R/a", "-1", true)), withEvents(ok, ev("R/a", "trigger", true)), false, "notification-zxid"},
		{"zkd sending -1 for a write's event", create, withEvents(ok, ev("R/a", "-1", true)), withEvents(ok, ev("R/a", "-1", true)), true, ""},
		{"catch-up events keep -1", Op{Kind: KindReconnect, Session: 1}, withEvents(ok, ev("R/a", "-1", true)), withEvents(ok, ev("R/a", "trigger", true)), true, ""},
		{"unreadable event dropped", create, withEvents(ok, ev("R/a", "-1", false)), ok, false, "notification-read-acl"},
		{"readable event missing", create, withEvents(ok, ev("R/a", "-1", true)), ok, true, ""},
		{"exists without READ", Op{Kind: KindExists, Path: "/a"}, okExists, noAuthExists, false, "exists-read-acl"},
		{"exists NoAuth though readable", Op{Kind: KindExists, Path: "/a"}, func() Outcome { o := okExists; o.CanRead = true; return o }(), noAuthExists, true, ""},
		{"standalone check", Op{Kind: KindStandaloneCheck}, outcome("err", "no reply"), outcome("err", proto.ErrUnimplemented.String(), "zxid", "-1"), false, "standalone-check"},
		{"plain difference", Op{Kind: KindGetData}, outcome("err", "zk: ok", "data", `"x"`), outcome("err", "zk: ok", "data", `"y"`), true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := compareWith([]Op{tc.op}, &Trace{Outcomes: []Outcome{tc.zk}}, &Trace{Outcomes: []Outcome{tc.zkd}}, allowList, nil)
			if (rep.Diff != nil) != tc.wantDiff {
				t.Fatalf("diff = %v, want diff %v", rep.Diff, tc.wantDiff)
			}
			if tc.allowed != "" && rep.Allowed[tc.allowed] == 0 {
				t.Fatalf("allowance %s not used: %v", tc.allowed, rep.Allowed)
			}
		})
	}
}

func TestCompareTaintsAndKnownBugs(t *testing.T) {
	ok := outcome("err", proto.OK.String())
	ev := Event{Session: 2, Type: proto.EventNodeDataChanged, State: proto.StateSyncConnected, Path: "R/a/b", Zxid: "trigger", Readable: true}
	taint := Taint{Session: 2, Path: "R/a", Subtree: true, Reason: "watch-modes-per-path"}
	ops := []Op{{Kind: KindAddWatch, Session: 2}, {Kind: KindSetData, Session: 0}, {Kind: KindReconnect, Session: 2}, {Kind: KindSetData, Session: 0}}
	zkOut := []Outcome{{Fields: ok.Fields, Taints: []Taint{taint}}, withEvents(ok, ev), ok, withEvents(ok, ev)}
	zkdOut := []Outcome{ok, ok, ok, ok}
	rep := Compare(ops, &Trace{Outcomes: zkOut}, &Trace{Outcomes: zkdOut})
	if rep.Diff == nil || rep.Diff.Op != 3 {
		t.Fatalf("taint should cover op 1 and end with the reconnect at op 2: %+v", rep.Diff)
	}
	bug := []knownBug{{Name: "b", Match: func(c *bugCtx, d FieldDiff) bool { return d.Key == "data" }}}
	zk := &Trace{Outcomes: []Outcome{outcome("data", "1"), outcome("data", "2")}}
	zkd := &Trace{Outcomes: []Outcome{outcome("data", "1"), outcome("data", "3")}}
	two := []Op{{Kind: KindGetData}, {Kind: KindGetData}}
	rep = compareWith(two, zk, zkd, nil, bug)
	if rep.Diff != nil || rep.Known == nil || rep.KnownBug != "b" || rep.Compared != 2 {
		t.Fatalf("known bug: %+v", rep)
	}
	bug[0].Continue = true
	zk.Outcomes = append(zk.Outcomes, outcome("err", "a"))
	zkd.Outcomes = append(zkd.Outcomes, outcome("err", "b"))
	rep = compareWith(append(two, Op{Kind: KindSync}), zk, zkd, nil, bug)
	if rep.Diff == nil || rep.Diff.Op != 2 || rep.KnownHits["b"] != 1 {
		t.Fatalf("continue past a known bug: %+v", rep)
	}
}

func TestACLModel(t *testing.T) {
	u1 := proto.Id{Scheme: "digest", ID: digestID("u1:p1")}
	if u1.ID != digestU1 {
		t.Fatalf("digest %s, want %s", u1.ID, digestU1)
	}
	ids := []proto.Id{ipID, u1}
	exp := expandACL(aclShapes[11].acl, ids) // auth+u1All
	if len(exp) != 2 || exp[0].ID != u1 || exp[1].ID != u1 {
		t.Fatalf("expand %v", exp)
	}
	cases := []struct {
		shape int
		ids   []proto.Id
		read  bool
	}{
		{0, []proto.Id{ipID}, true},
		{3, []proto.Id{ipID}, false},
		{3, ids, true},
		{5, ids, false},
		{7, []proto.Id{ipID}, true},
		{8, []proto.Id{ipID}, false},
		{10, ids, false},
	}
	for _, c := range cases {
		if got := allows(aclShapes[c.shape].acl, c.ids, proto.PermRead); got != c.read {
			t.Errorf("%s with %v: READ %v, want %v", aclShapes[c.shape].name, c.ids, got, c.read)
		}
	}
}
