package fsm

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

func TestCreateSession(t *testing.T) {
	h := newHarness(t, Config{})
	pw := []byte("0123456789abcdef")
	e := Entry{Type: EntryCreateSession, Session: 0x42, Timeout: 6000, Password: pw}
	if r := h.apply(e); r.Err != proto.OK || r.Resp != nil || r.Changes != nil {
		t.Fatalf("create: %+v", r)
	}
	s, ok := h.f.Sessions().Get(0x42)
	if !ok || s.ID != 0x42 || s.Timeout != 6000 || string(s.Password) != string(pw) {
		t.Fatalf("session %+v %v", s, ok)
	}
	if r := h.apply(e); r.Err != proto.OK {
		t.Fatalf("identical re-create: %v", r.Err)
	}
	e.Password = []byte("another password")
	if r := h.apply(e); r.Err != proto.ErrRuntimeInconsistency {
		t.Fatalf("conflicting re-create: %v", r.Err)
	}
	if s, _ := h.f.Sessions().Get(0x42); string(s.Password) != string(pw) {
		t.Fatal("conflicting re-create changed the session")
	}
	if h.f.LastZxid() != int64(h.idx) {
		t.Fatal("zxid not consumed")
	}
}

func TestCloseSessionRemovesEphemerals(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("/app", nil, proto.ModePersistent)
	h.create("/app/e1", nil, proto.ModeEphemeral)
	h.create("/app/e-", nil, proto.ModeEphemeralSequential)
	h.create("/top", nil, proto.ModeEphemeral)
	h.mustDo(sid, []proto.Id{bob}, proto.OpCreate, &proto.CreateRequest{Path: "/app/mine", ACL: bobOnly, Flags: proto.ModeEphemeral})
	h.mustDo(other, nil, proto.OpCreate, &proto.CreateRequest{Path: "/app/theirs", ACL: proto.OpenACLUnsafe, Flags: proto.ModeEphemeral})
	r := h.apply(Entry{Type: EntryCloseSession, Session: sid, Time: h.time})
	if r.Err != proto.OK || r.Resp != nil {
		t.Fatalf("close: %+v", r)
	}
	zxid := int64(h.idx)
	if _, ok := h.f.Sessions().Get(sid); ok {
		t.Fatal("session still present")
	}
	if got := mustNode(t, h.f.Tree(), "/app").Children(); !slices.Equal(got, []string{"theirs"}) {
		t.Fatalf("children left %v", got)
	}
	if has(h.f.Tree(), "/top") || len(h.f.Tree().Ephemerals(sid)) != 0 {
		t.Fatal("ephemerals left")
	}
	if pz := mustNode(t, h.f.Tree(), "/app").Pzxid(); pz != zxid {
		t.Fatalf("parent pzxid %d, want %d", pz, zxid)
	}
	open := fmt.Sprint(proto.OpenACLUnsafe)
	var want []string
	for _, p := range []string{"/app/e-0000000001", "/app/e1", "/app/mine", "/top"} {
		acl := open
		if p == "/app/mine" {
			acl = fmt.Sprint(bobOnly)
		}
		want = append(want, "NodeDeleted "+p+" "+acl, "NodeChildrenChanged "+parentOf(p)+" "+open)
	}
	if got := changesString(r.Changes); got != strings.Join(want, "; ") {
		t.Fatalf("changes\n got %s\nwant %s", got, strings.Join(want, "; "))
	}
	// Requests from the closed session now fail; closing again is a no-op.
	if r := h.do(sid, nil, proto.OpCreate, &proto.CreateRequest{Path: "/x", ACL: proto.OpenACLUnsafe}); r.Err != proto.ErrSessionExpired {
		t.Fatalf("create after close: %v", r.Err)
	}
	before := dump(h.f)
	if r := h.apply(Entry{Type: EntryCloseSession, Session: sid}); r.Err != proto.OK || r.Changes != nil {
		t.Fatalf("second close: %+v", r)
	}
	if r := h.apply(Entry{Type: EntryCloseSession, Session: dead}); r.Err != proto.OK {
		t.Fatalf("close unknown: %+v", r)
	}
	if dump(h.f) != before {
		t.Fatal("no-op close changed state")
	}
}

func parentOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/"
	}
	return p[:i]
}

func TestReap(t *testing.T) {
	const ttl = 1000
	setup := func(cfg Config) *harness {
		h := newHarness(t, cfg)
		h.time = 10_000
		mk := func(op proto.OpCode, path string, ttl int64) {
			var rec proto.Record = &proto.CreateRequest{Path: path, ACL: proto.OpenACLUnsafe, Flags: proto.ModeContainer}
			if op == proto.OpCreateTTL {
				rec = &proto.CreateTTLRequest{Path: path, ACL: proto.OpenACLUnsafe, Flags: proto.ModePersistentWithTTL, TTL: ttl}
			}
			h.mustDo(sid, nil, op, rec)
		}
		mk(proto.OpCreateContainer, "/used", 0) // will have had a child
		mk(proto.OpCreateContainer, "/busy", 0) // has a child
		mk(proto.OpCreateContainer, "/fresh", 0)
		mk(proto.OpCreateTTL, "/ttl", ttl)
		mk(proto.OpCreateTTL, "/ttlkid", ttl)
		h.create("/used/c", nil, proto.ModePersistent)
		h.mustDo(sid, nil, proto.OpDelete, &proto.DeleteRequest{Path: "/used/c", Version: -1})
		h.create("/busy/c", nil, proto.ModePersistent)
		h.create("/ttlkid/c", nil, proto.ModePersistent)
		h.create("/plain", nil, proto.ModePersistent)
		h.create("/plain/c", nil, proto.ModePersistent)
		h.mustDo(sid, nil, proto.OpDelete, &proto.DeleteRequest{Path: "/plain/c", Version: -1})
		return h
	}
	all := []string{"/used", "/busy", "/fresh", "/ttl", "/ttlkid", "/plain", "/missing", "/", "/zookeeper"}
	tests := []struct {
		name   string
		cfg    Config
		now    int64
		reaped []string
	}{
		{"at ttl boundary", Config{ExtendedTypes: true}, 10_000 + ttl, []string{"/used"}},
		{"past ttl", Config{ExtendedTypes: true}, 10_000 + ttl + 1, []string{"/used", "/ttl"}},
		{"never used too young", Config{ExtendedTypes: true, MaxNeverUsedMs: 5000}, 15_000, []string{"/used", "/ttl"}},
		{"never used expired", Config{ExtendedTypes: true, MaxNeverUsedMs: 5000}, 15_001, []string{"/used", "/fresh", "/ttl"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := setup(tc.cfg)
			r := h.apply(Entry{Type: EntryReap, Time: tc.now, Paths: append([]string{"/used"}, all...)})
			if r.Err != proto.OK || r.Resp != nil {
				t.Fatalf("reap: %+v", r)
			}
			var deleted []string
			for _, c := range r.Changes {
				if c.Type == proto.EventNodeDeleted {
					deleted = append(deleted, c.Path)
				}
			}
			if !slices.Equal(deleted, tc.reaped) {
				t.Fatalf("reaped %v, want %v", deleted, tc.reaped)
			}
			for _, p := range all {
				gone := !has(h.f.Tree(), p)
				if gone != (slices.Contains(tc.reaped, p) || p == "/missing") {
					t.Errorf("%s present=%v", p, !gone)
				}
			}
			if len(r.Changes) != 2*len(tc.reaped) || (len(r.Changes) > 0 && changesString(r.Changes[1:2]) != "NodeChildrenChanged / "+fmt.Sprint(proto.OpenACLUnsafe)) {
				t.Fatalf("changes %s", changesString(r.Changes))
			}
		})
	}
}

func TestReapTTLRefreshedBySetData(t *testing.T) {
	h := newHarness(t, Config{ExtendedTypes: true})
	h.mustDo(sid, nil, proto.OpCreateTTL, &proto.CreateTTLRequest{Path: "/t", ACL: proto.OpenACLUnsafe, Flags: proto.ModePersistentWithTTL, TTL: 100})
	h.time += 90
	h.mustDo(sid, nil, proto.OpSetData, &proto.SetDataRequest{Path: "/t", Data: []byte("x"), Version: -1})
	if r := h.apply(Entry{Type: EntryReap, Time: 1000 + 150, Paths: []string{"/t"}}); len(r.Changes) != 0 {
		t.Fatal("reaped a refreshed TTL node")
	}
	if r := h.apply(Entry{Type: EntryReap, Time: 1000 + 191, Paths: []string{"/t"}}); len(r.Changes) != 2 {
		t.Fatal("expired TTL node not reaped")
	}
}
