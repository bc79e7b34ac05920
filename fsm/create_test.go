package fsm

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

// createFixture builds the state the create precedence cases run against:
//
//	/a          open
//	/a/x        open
//	/locked     world READ only, with child /locked/x
//	/eph        ephemeral of sid
//	/q          under a quota with countHardLimit 2 (/q itself counts)
func createFixture(t *testing.T, cfg Config) *harness {
	h := newHarness(t, cfg)
	h.create("/a", nil, proto.ModePersistent)
	h.create("/a/x", nil, proto.ModePersistent)
	h.create("/locked", nil, proto.ModePersistent)
	h.create("/locked/x", nil, proto.ModePersistent)
	h.mustDo(sid, nil, proto.OpSetACL, &proto.SetACLRequest{Path: "/locked", ACL: readOnly, Version: -1})
	h.create("/eph", nil, proto.ModeEphemeral)
	h.create("/q", nil, proto.ModePersistent)
	h.setQuota("/q", "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=2")
	h.create("/q/full", nil, proto.ModePersistent) // count now 2
	return h
}

func TestCreatePrecedence(t *testing.T) {
	open := proto.OpenACLUnsafe
	none := []proto.ACL{}
	authOnly := []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "auth"}}}
	tests := []struct {
		name    string
		ext     bool
		session int64
		op      proto.OpCode
		path    string
		acl     []proto.ACL
		flags   proto.CreateMode
		ttl     int64
		want    proto.Code
	}{
		// 1. flags before everything else.
		{"bad flags beat dead session", false, dead, proto.OpCreate, "noslash", none, 7, -1, proto.ErrBadArguments},
		{"negative flags", false, sid, proto.OpCreate2, "/n", open, -1, -1, proto.ErrBadArguments},
		// 2. TTL with extended types off.
		{"ttl disabled beats bad ttl", false, dead, proto.OpCreateTTL, "noslash", none, proto.ModePersistentWithTTL, 0, proto.ErrUnimplemented},
		{"ttl flag on create disabled", false, sid, proto.OpCreate, "/n", open, proto.ModePersistentSequentialWithTTL, -1, proto.ErrUnimplemented},
		// 3. TTL consistency.
		{"ttl zero", true, dead, proto.OpCreateTTL, "noslash", none, proto.ModePersistentWithTTL, 0, proto.ErrBadArguments},
		{"ttl too big", true, sid, proto.OpCreateTTL, "/n", open, proto.ModePersistentWithTTL, proto.MaxTTL + 1, proto.ErrBadArguments},
		{"ttl flag without ttl field", true, sid, proto.OpCreate, "/n", open, proto.ModePersistentWithTTL, -1, proto.ErrBadArguments},
		{"ttl on non-ttl mode", true, dead, proto.OpCreateTTL, "/n", open, proto.ModePersistent, 5, proto.ErrBadArguments},
		{"createTTL with non-ttl mode", true, sid, proto.OpCreateTTL, "/n", open, proto.ModePersistent, -1, proto.ErrBadArguments},
		// 4. session.
		{"dead session beats bad path", false, dead, proto.OpCreate, "noslash", none, proto.ModePersistent, -1, proto.ErrSessionExpired},
		{"dead session ephemeral", false, dead, proto.OpCreate, "/n", open, proto.ModeEphemeral, -1, proto.ErrSessionExpired},
		// 5. '/' and NUL.
		{"no slash beats invalid acl", false, sid, proto.OpCreate, "noslash", none, proto.ModePersistent, -1, proto.ErrBadArguments},
		{"empty path", false, sid, proto.OpCreate, "", none, proto.ModePersistent, -1, proto.ErrBadArguments},
		{"nul beats invalid acl", false, sid, proto.OpCreate, "/a\x00b", none, proto.ModePersistent, -1, proto.ErrBadArguments},
		// 6. ACL fix-up.
		{"empty acl beats missing parent", false, sid, proto.OpCreate, "/missing/n", none, proto.ModePersistent, -1, proto.ErrInvalidACL},
		{"auth acl without ids", false, sid, proto.OpCreate, "/missing/n", authOnly, proto.ModePersistent, -1, proto.ErrInvalidACL},
		// 7. parent exists.
		{"missing parent beats bad final path", false, sid, proto.OpCreate, "/missing/", open, proto.ModePersistent, -1, proto.ErrNoNode},
		{"relative path parent", false, sid, proto.OpCreate, "a/b", open, proto.ModePersistent, -1, proto.ErrNoNode},
		// 8. CREATE on parent.
		{"no create perm beats node exists", false, sid, proto.OpCreate, "/locked/x", open, proto.ModePersistent, -1, proto.ErrNoAuth},
		{"no create perm beats bad final path", false, sid, proto.OpCreate, "/locked/", open, proto.ModePersistent, -1, proto.ErrNoAuth},
		// 10. final path validation.
		{"trailing slash", false, sid, proto.OpCreate, "/a/", open, proto.ModePersistent, -1, proto.ErrBadArguments},
		{"dot component", false, sid, proto.OpCreate, "/a/.", open, proto.ModePersistent, -1, proto.ErrBadArguments},
		{"double slash", false, sid, proto.OpCreate, "//a", open, proto.ModePersistent, -1, proto.ErrBadArguments},
		// 11. node exists.
		{"exists beats ephemeral parent", false, sid, proto.OpCreate, "/a/x", open, proto.ModePersistent, -1, proto.ErrNodeExists},
		{"create root", false, sid, proto.OpCreate, "/", open, proto.ModePersistent, -1, proto.ErrNodeExists},
		// 12. ephemeral parent.
		{"ephemeral parent", false, sid, proto.OpCreate, "/eph/c", open, proto.ModePersistent, -1, proto.ErrNoChildrenForEphemerals},
		// 13. quota.
		{"quota exceeded", false, sid, proto.OpCreate, "/q/n", open, proto.ModePersistent, -1, proto.ErrQuotaExceeded},
		// success cases.
		{"sequential trailing slash ok", false, sid, proto.OpCreate, "/a/", open, proto.ModePersistentSequential, -1, proto.OK},
		{"ttl ok", true, sid, proto.OpCreateTTL, "/n", open, proto.ModePersistentWithTTL, 1000, proto.OK},
		{"container ok", false, sid, proto.OpCreateContainer, "/n", open, proto.ModeContainer, -1, proto.OK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := createFixture(t, Config{ExtendedTypes: tc.ext, EnforceQuota: true})
			before := dump(h.f)
			var rec proto.Record = &proto.CreateRequest{Path: tc.path, ACL: tc.acl, Flags: tc.flags}
			if tc.op == proto.OpCreateTTL {
				rec = &proto.CreateTTLRequest{Path: tc.path, ACL: tc.acl, Flags: tc.flags, TTL: tc.ttl}
			} else if tc.ttl != -1 {
				t.Fatal("bad test: ttl only with createTTL")
			}
			r := h.do(tc.session, nil, tc.op, rec)
			if r.Err != tc.want {
				t.Fatalf("err = %v, want %v", r.Err, tc.want)
			}
			if tc.want != proto.OK {
				if r.Resp != nil || r.Changes != nil {
					t.Fatalf("failed create returned %v / %v", r.Resp, r.Changes)
				}
				if after := dump(h.f); after != before {
					t.Fatalf("failed create changed the tree:\n%s\nvs\n%s", before, after)
				}
			}
		})
	}
}

func TestCreateQuotaNotEnforced(t *testing.T) {
	h := createFixture(t, Config{})
	if r := h.do(sid, nil, proto.OpCreate, &proto.CreateRequest{Path: "/q/n", ACL: proto.OpenACLUnsafe}); r.Err != proto.OK {
		t.Fatalf("soft quota rejected create: %v", r.Err)
	}
}

func TestCreateSkipACL(t *testing.T) {
	h := createFixture(t, Config{SkipACL: true})
	if r := h.do(sid, nil, proto.OpCreate, &proto.CreateRequest{Path: "/locked/y", ACL: proto.OpenACLUnsafe}); r.Err != proto.OK {
		t.Fatalf("skipACL create: %v", r.Err)
	}
}

func TestCreateStatAndChanges(t *testing.T) {
	h := newHarness(t, Config{})
	h.time = 5000
	h.create("/p", []byte("x"), proto.ModePersistent)
	pBefore := mustNode(t, h.f.Tree(), "/p").Stat()
	r := h.do(sid, []proto.Id{bob}, proto.OpCreate2, &proto.CreateRequest{
		Path: "/p/c", Data: []byte("hello"), Flags: proto.ModePersistent,
		ACL: []proto.ACL{{Perms: proto.PermAll, ID: proto.Id{Scheme: "auth"}}, {Perms: proto.PermRead, ID: proto.WorldAnyone}},
	})
	if r.Err != proto.OK {
		t.Fatal(r.Err)
	}
	zxid := int64(h.idx)
	resp := r.Resp.(*proto.Create2Response)
	want := proto.Stat{Czxid: zxid, Mzxid: zxid, Ctime: 5000, Mtime: 5000, DataLength: 5, Pzxid: zxid}
	if resp.Path != "/p/c" || resp.Stat != want {
		t.Fatalf("response %+v, want path /p/c stat %+v", resp, want)
	}
	p := mustNode(t, h.f.Tree(), "/p").Stat()
	if p.Cversion != pBefore.Cversion+1 || p.NumChildren != 1 || p.Pzxid != zxid ||
		p.Mzxid != pBefore.Mzxid || p.Version != 0 || p.Mtime != pBefore.Mtime {
		t.Fatalf("parent stat %+v (before %+v)", p, pBefore)
	}
	wantACL := []proto.ACL{{Perms: proto.PermAll, ID: bob}, {Perms: proto.PermRead, ID: proto.WorldAnyone}}
	if got := mustNode(t, h.f.Tree(), "/p/c").ACL(); len(got) != 2 || got[0] != wantACL[0] || got[1] != wantACL[1] {
		t.Fatalf("acl %v, want %v", got, wantACL)
	}
	wantCh := "NodeCreated /p/c " + aclText(wantACL) + "; NodeChildrenChanged /p " + aclText(proto.OpenACLUnsafe)
	if got := changesString(r.Changes); got != wantCh {
		t.Fatalf("changes %q, want %q", got, wantCh)
	}
	if h.f.LastZxid() != zxid {
		t.Fatalf("LastZxid %d, want %d", h.f.LastZxid(), zxid)
	}
}

func aclText(acl []proto.ACL) string { return fmt.Sprint(acl) }

func TestCreateOwnersAndResponses(t *testing.T) {
	h := newHarness(t, Config{ExtendedTypes: true})
	tests := []struct {
		op        proto.OpCode
		path      string
		flags     proto.CreateMode
		ttl       int64
		wantOwner int64
		wantStat  bool
	}{
		{proto.OpCreate, "/p1", proto.ModePersistent, -1, 0, false},
		{proto.OpCreate, "/e1", proto.ModeEphemeral, -1, sid, false},
		{proto.OpCreate2, "/e2", proto.ModeEphemeralSequential, -1, sid, true},
		{proto.OpCreate, "/c1", proto.ModeContainer, -1, 0, false}, // as ZooKeeper's CreateTxn
		{proto.OpCreateContainer, "/c2", proto.ModeContainer, -1, proto.ContainerOwner, true},
		{proto.OpCreateContainer, "/c3", proto.ModePersistent, -1, proto.ContainerOwner, true},
		{proto.OpCreateTTL, "/t1", proto.ModePersistentWithTTL, 1234, proto.TTLOwnerMask | 1234, true},
		{proto.OpCreateTTL, "/t2", proto.ModePersistentSequentialWithTTL, proto.MaxTTL, proto.TTLOwnerMask | proto.MaxTTL, true},
	}
	for _, tc := range tests {
		var rec proto.Record = &proto.CreateRequest{Path: tc.path, ACL: proto.OpenACLUnsafe, Flags: tc.flags}
		if tc.op == proto.OpCreateTTL {
			rec = &proto.CreateTTLRequest{Path: tc.path, ACL: proto.OpenACLUnsafe, Flags: tc.flags, TTL: tc.ttl}
		}
		r := h.do(sid, nil, tc.op, rec)
		if r.Err != proto.OK {
			t.Fatalf("%s %s: %v", tc.op, tc.path, r.Err)
		}
		var path string
		switch resp := r.Resp.(type) {
		case *proto.CreateResponse:
			if tc.wantStat {
				t.Fatalf("%s: CreateResponse, want Create2Response", tc.op)
			}
			path = resp.Path
		case *proto.Create2Response:
			if !tc.wantStat {
				t.Fatalf("%s: Create2Response, want CreateResponse", tc.op)
			}
			path = resp.Path
			if resp.Stat != mustNode(t, h.f.Tree(), path).Stat() {
				t.Fatalf("%s: stat %+v differs from the node's", tc.op, resp.Stat)
			}
		default:
			t.Fatalf("%s: response %T", tc.op, r.Resp)
		}
		if got := mustNode(t, h.f.Tree(), path).Owner(); got != tc.wantOwner {
			t.Errorf("%s %s: owner %#x, want %#x", tc.op, path, got, tc.wantOwner)
		}
	}
}

func TestSequentialNaming(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("/s", nil, proto.ModePersistent)
	if got := h.create("/s/a-", nil, proto.ModePersistentSequential); got != "/s/a-0000000000" {
		t.Fatalf("first = %s", got)
	}
	h.create("/s/plain", nil, proto.ModePersistent) // consumes a number
	if got := h.create("/s/b-", nil, proto.ModeEphemeralSequential); got != "/s/b-0000000002" {
		t.Fatalf("third = %s", got)
	}
	h.mustDo(sid, nil, proto.OpDelete, &proto.DeleteRequest{Path: "/s/plain", Version: -1}) // does not
	if got := h.create("/s/", nil, proto.ModePersistentSequential); got != "/s/0000000003" {
		t.Fatalf("fourth = %s", got)
	}
	// A failed sequential create does not consume a number.
	r := h.do(sid, nil, proto.OpCreate, &proto.CreateRequest{Path: "/s/x", ACL: nil, Flags: proto.ModePersistentSequential})
	if r.Err != proto.ErrInvalidACL {
		t.Fatal(r.Err)
	}
	if got := h.create("/s/x", nil, proto.ModePersistentSequential); got != "/s/x0000000004" {
		t.Fatalf("fifth = %s", got)
	}
	if cv := mustNode(t, h.f.Tree(), "/s").StoredCversion(); cv != 5 {
		t.Fatalf("stored cversion %d", cv)
	}
}

func TestSequenceSuffix(t *testing.T) {
	tests := map[int32]string{
		0:             "0000000000",
		42:            "0000000042",
		math.MaxInt32: "2147483647",
		-5:            "-000000005", // Java's String.format("%010d", -5)
		math.MinInt32: "-2147483648",
	}
	for in, want := range tests {
		if got := sequenceSuffix(in); got != want {
			t.Errorf("sequenceSuffix(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestCreateDataLimit(t *testing.T) {
	h := newHarness(t, Config{MaxDataBytes: 4})
	r := h.do(dead, nil, proto.OpCreate, &proto.CreateRequest{Path: "/big", Data: []byte("12345"), ACL: proto.OpenACLUnsafe})
	if r.Err != proto.ErrBadArguments {
		t.Fatalf("err = %v", r.Err)
	}
	h.create("/ok", []byte("1234"), proto.ModePersistent)
}

func TestCreateNullAndEmptyData(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("/null", nil, proto.ModePersistent)
	h.create("/empty", []byte{}, proto.ModePersistent)
	if d := mustNode(t, h.f.Tree(), "/null").Data(); d != nil {
		t.Fatalf("null data became %v", d)
	}
	if d := mustNode(t, h.f.Tree(), "/empty").Data(); d == nil {
		t.Fatal("empty data became null")
	}
	if !strings.HasPrefix(dump(h.f), "/ ") {
		t.Fatal("dump broken")
	}
}
