package diff

import (
	"path"
	"strings"
	"testing"
	"time"

	"github.com/zkd-io/zkd/proto"
)

// control is a deliberately wrong server for the control subtest: it
// breaks one rule in zkd's replies, and the tester must report a
// difference in the named field and shrink it to at most maxOps ops (and,
// when expires is set, to a stream that still expires a session).
type control struct {
	name    string
	field   string // a differing field the report must name
	maxOps  int
	expires bool
	// mutate rewrites replies; perRun, when set instead, makes a fresh
	// (stateful) mutator for every run.
	mutate func(op Op, rec proto.Record)
	perRun func() func(op Op, rec proto.Record)
	// stream builds the stream for a seed; nil is Generate with 80 ops.
	stream func(seed uint64, sessions int) []Op
}

var controls = []control{
	{name: "cversion one too high", field: "stat.cversion", maxOps: 2, mutate: func(op Op, rec proto.Record) {
		if r, ok := rec.(*proto.GetChildren2Response); ok {
			r.Stat.Cversion++
		}
	}},
	{name: "mtime moved off its zxid", field: "stat.mtime", maxOps: 3, mutate: func(op Op, rec proto.Record) {
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
	{name: "sequence suffix off by one", field: "path", maxOps: 3, mutate: func(op Op, rec proto.Record) {
		if r, ok := rec.(*proto.CreateResponse); ok && strings.HasSuffix(r.Path, "0000000001") {
			r.Path = strings.TrimSuffix(r.Path, "1") + "2"
		}
	}},
	{name: "ACL perms widened", field: "acl", maxOps: 3, mutate: func(op Op, rec proto.Record) {
		if r, ok := rec.(*proto.GetACLResponse); ok {
			for i := range r.ACL {
				r.ACL[i].Perms |= proto.PermAdmin
			}
		}
	}},
	{name: "expired session reattached", field: "expire.reattach.timeout", maxOps: 1, expires: true, stream: expiryStream,
		mutate: func(op Op, rec proto.Record) {
			if r, ok := rec.(*proto.ConnectResponse); ok && op.Kind == KindExpireSession {
				r.TimeOut = minSessionTimeoutMs
			}
		}},
	{name: "expiry leaves a child behind", field: "expire.children", maxOps: 1, expires: true, stream: expiryStream,
		mutate: func(op Op, rec proto.Record) {
			if r, ok := rec.(*proto.GetChildrenResponse); ok && op.Kind == KindExpireSession {
				r.Children = append(r.Children, "left-behind")
			}
		}},
	{name: "expired ephemeral still listed later", field: "children", maxOps: 3, expires: true,
		perRun: keepExpiredEphemerals, stream: plantedExpiry},
}

// expiryStream is a one-op generated stream: an expireSession.
func expiryStream(seed uint64, sessions int) []Op {
	return Generate(seed, Config{Ops: 1, Sessions: sessions, ExpiryPerMille: 1000})
}

// plantedExpiry is a generated stream without expiries into which s0
// creates an ephemeral, later expires, and s1 then lists R: the shrinker
// must dig those three ops out of the rest.
func plantedExpiry(seed uint64, sessions int) []Op {
	ops := Generate(seed, Config{Ops: 2, Sessions: sessions, TTL: true})
	plant := []struct {
		at int
		op Op
	}{
		{1, Op{Kind: KindCreate, Session: 0, Code: proto.OpCreate, Path: "/x-expiring", Data: []byte("e"), Flags: proto.ModeEphemeral}},
		{2, Op{Kind: KindExpireSession, Session: 0}},
		{4, Op{Kind: KindGetChildren2, Session: 1, Path: ""}},
	}
	for _, p := range plant {
		ops = append(ops[:p.at], append([]Op{p.op}, ops[p.at:]...)...)
	}
	return ops
}

// keepExpiredEphemerals plays a server whose expiry deletes the session's
// ephemerals yet keeps listing them: it remembers the ephemerals each slot
// created with a plain create and, once that slot's session expired, adds
// their names back to every later getChildren(2) reply of their parent.
func keepExpiredEphemerals() func(op Op, rec proto.Record) {
	created := map[int][]string{} // slot -> ephemeral paths below the run root ("/x")
	var gone []string
	inRoot := func(p string) string { // "/diff-7/x" -> "/x"
		if i := strings.IndexByte(p[1:], '/'); i >= 0 {
			return p[i+1:]
		}
		return p
	}
	addGone := func(op Op, children []string) []string {
		for _, g := range gone {
			parent := path.Dir(g)
			if parent == "/" {
				parent = ""
			}
			name := path.Base(g)
			listed := false
			for _, c := range children {
				listed = listed || c == name
			}
			if parent == op.Path && !listed {
				children = append(children, name)
			}
		}
		return children
	}
	return func(op Op, rec proto.Record) {
		switch r := rec.(type) {
		case *proto.CreateResponse:
			if op.Kind == KindCreate && op.Flags.Ephemeral() {
				created[op.Session] = append(created[op.Session], inRoot(r.Path))
			}
		case *proto.Create2Response:
			if op.Kind == KindCreate && op.Flags.Ephemeral() {
				created[op.Session] = append(created[op.Session], inRoot(r.Path))
			}
		case *proto.ConnectResponse:
			if op.Kind == KindExpireSession {
				gone = append(gone, created[op.Session]...)
				delete(created, op.Session)
			}
		case *proto.GetChildrenResponse:
			if op.Kind == KindGetChildren {
				r.Children = addGone(op, r.Children)
			}
		case *proto.GetChildren2Response:
			r.Children = addGone(op, r.Children)
		}
	}
}

// controlRun proves the tester can fail: for each control, the tester
// must report the broken field within a few seeds and shrink it to a
// handful of ops.
func controlRun(t *testing.T, h *harness) {
	saved := h.zkd.Mutate
	defer func() { h.zkd.Mutate, h.perRun = saved, nil }()
	for _, m := range controls {
		h.zkd.Mutate, h.perRun = m.mutate, m.perRun
		stream := m.stream
		if stream == nil {
			stream = func(seed uint64, sessions int) []Op {
				return Generate(seed, Config{Ops: 80, Sessions: sessions, TTL: true})
			}
		}
		caught, start := false, time.Now()
		for seed := uint64(1); seed <= uint64(envInt("ZKD_DIFF_CONTROL_SEEDS", 30)) && !caught; seed++ {
			res := h.run(stream(seed, h.sessions))
			if res.rep.Diff == nil {
				continue
			}
			caught = true
			if !strings.Contains(res.rep.Diff.Signature(), m.field) {
				t.Fatalf("control %q: expected a %s difference, got %s", m.name, m.field, res.rep.Diff)
			}
			small, calls := h.shrink(res, 60)
			if len(small.ops) > m.maxOps || small.rep.Diff == nil || m.expires && !hasKind(small.ops, KindExpireSession) {
				t.Fatalf("control %q: shrunk to %d ops:\n%s", m.name, len(small.ops), describe(seed, 0, res, small, calls))
			}
			t.Logf("control %q: caught at seed %d op %d, shrunk to %d op(s) in %d runs (%v):\n%s",
				m.name, seed, res.rep.Diff.Op, len(small.ops), calls, time.Since(start).Round(time.Millisecond), FormatOps(small.ops))
		}
		if !caught {
			t.Errorf("control %q: no difference reported against the mutated server", m.name)
		}
	}
}

func hasKind(ops []Op, k Kind) bool {
	for _, o := range ops {
		if o.Kind == k {
			return true
		}
	}
	return false
}
