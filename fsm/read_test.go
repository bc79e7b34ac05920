package fsm

import (
	"slices"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

// readFixture builds /a (data "d", children b, c) with /a/b/x below, /secret
// (bob ALL, no world access), /adminless (bob READ only + alice READ|ADMIN
// digests, world READ) and ephemerals of sid and other.
func readFixture(t *testing.T, cfg Config) *harness {
	h := newHarness(t, cfg)
	h.create("/a", []byte("d"), proto.ModePersistent)
	h.create("/a/c", nil, proto.ModePersistent)
	h.create("/a/b", nil, proto.ModePersistent)
	h.create("/a/b/x", nil, proto.ModePersistent)
	h.createACL("/secret", bobOnly)
	h.createACL("/adminless", []proto.ACL{
		{Perms: proto.PermRead, ID: bob},
		{Perms: proto.PermRead | proto.PermAdmin, ID: alice},
		{Perms: proto.PermRead, ID: proto.WorldAnyone},
		{Perms: proto.PermRead, ID: proto.Id{Scheme: "ip", ID: "10.0.0.0/8"}},
	})
	h.create("/e1", nil, proto.ModeEphemeral)
	h.create("/eph", nil, proto.ModeEphemeral)
	h.create("/a/b/e", nil, proto.ModeEphemeral)
	h.mustDo(other, nil, proto.OpCreate, &proto.CreateRequest{Path: "/theirs", ACL: proto.OpenACLUnsafe, Flags: proto.ModeEphemeral})
	return h
}

func TestReadErrors(t *testing.T) {
	h := readFixture(t, Config{})
	tests := []struct {
		name string
		auth []proto.Id
		op   proto.OpCode
		req  proto.Record
		want proto.Code
	}{
		{"exists nul", nil, proto.OpExists, &proto.ExistsRequest{Path: "/missing\x00"}, proto.ErrBadArguments},
		{"exists absent", nil, proto.OpExists, &proto.ExistsRequest{Path: "/missing"}, proto.ErrNoNode},
		{"exists no read", nil, proto.OpExists, &proto.ExistsRequest{Path: "/secret"}, proto.ErrNoAuth},
		{"exists with digest", []proto.Id{bob}, proto.OpExists, &proto.ExistsRequest{Path: "/secret"}, proto.OK},
		{"exists invalid path is just absent", nil, proto.OpExists, &proto.ExistsRequest{Path: "a//b"}, proto.ErrNoNode},
		{"getData absent", nil, proto.OpGetData, &proto.GetDataRequest{Path: "/missing"}, proto.ErrNoNode},
		{"getData no read", nil, proto.OpGetData, &proto.GetDataRequest{Path: "/secret"}, proto.ErrNoAuth},
		{"getData super", []proto.Id{superID}, proto.OpGetData, &proto.GetDataRequest{Path: "/secret"}, proto.OK},
		{"getACL absent", nil, proto.OpGetACL, &proto.GetACLRequest{Path: "/missing"}, proto.ErrNoNode},
		{"getACL no read or admin", []proto.Id{alice}, proto.OpGetACL, &proto.GetACLRequest{Path: "/secret"}, proto.ErrNoAuth},
		{"getChildren absent", nil, proto.OpGetChildren, &proto.GetChildrenRequest{Path: "/missing"}, proto.ErrNoNode},
		{"getChildren no read", nil, proto.OpGetChildren, &proto.GetChildrenRequest{Path: "/secret"}, proto.ErrNoAuth},
		{"getChildren2 absent", nil, proto.OpGetChildren2, &proto.GetChildren2Request{Path: "/missing"}, proto.ErrNoNode},
		{"getChildren2 no read", nil, proto.OpGetChildren2, &proto.GetChildren2Request{Path: "/secret"}, proto.ErrNoAuth},
		{"getAllChildrenNumber absent", nil, proto.OpGetAllChildrenNumber, &proto.GetAllChildrenNumberRequest{Path: "/missing"}, proto.ErrNoNode},
		{"getAllChildrenNumber no read", nil, proto.OpGetAllChildrenNumber, &proto.GetAllChildrenNumberRequest{Path: "/secret"}, proto.ErrNoAuth},
		{"wrong record type", nil, proto.OpGetData, &proto.GetChildrenRequest{Path: "/a"}, proto.ErrMarshallingError},
		{"multiRead with writes", nil, proto.OpMultiRead, &proto.MultiRequest{Ops: []proto.MultiOp{mCheck("/a", -1)}}, proto.ErrMarshallingError},
		{"write opcode", nil, proto.OpSetData, &proto.SetDataRequest{Path: "/a"}, proto.ErrUnimplemented},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, code := h.f.Read(sid, tc.auth, tc.op, tc.req)
			if code != tc.want {
				t.Fatalf("code = %v, want %v", code, tc.want)
			}
			if (code == proto.OK) != (resp != nil) {
				t.Fatalf("resp %v with code %v", resp, code)
			}
		})
	}
	hs := readFixture(t, Config{SkipACL: true})
	if _, code := hs.read(proto.OpGetData, &proto.GetDataRequest{Path: "/secret"}); code != proto.OK {
		t.Fatalf("skipACL getData: %v", code)
	}
}

func TestReadResults(t *testing.T) {
	h := readFixture(t, Config{})
	a := mustNode(t, h.f.Tree(), "/a").Stat()

	resp, _ := h.read(proto.OpExists, &proto.ExistsRequest{Path: "/a"})
	if resp.(*proto.ExistsResponse).Stat != a {
		t.Fatalf("exists stat %+v", resp)
	}
	resp, _ = h.read(proto.OpGetData, &proto.GetDataRequest{Path: "/a"})
	if gd := resp.(*proto.GetDataResponse); string(gd.Data) != "d" || gd.Stat != a {
		t.Fatalf("getData %+v", gd)
	}
	resp, _ = h.read(proto.OpGetData, &proto.GetDataRequest{Path: "/a/c"})
	if gd := resp.(*proto.GetDataResponse); gd.Data != nil {
		t.Fatalf("null data read back as %v", gd.Data)
	}
	resp, _ = h.read(proto.OpGetChildren, &proto.GetChildrenRequest{Path: "/a"})
	if got := resp.(*proto.GetChildrenResponse).Children; !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("getChildren %v", got)
	}
	resp, _ = h.read(proto.OpGetChildren2, &proto.GetChildren2Request{Path: "/a"})
	if g := resp.(*proto.GetChildren2Response); !slices.Equal(g.Children, []string{"b", "c"}) || g.Stat != a {
		t.Fatalf("getChildren2 %+v", g)
	}
	resp, _ = h.read(proto.OpGetAllChildrenNumber, &proto.GetAllChildrenNumberRequest{Path: "/a"})
	if n := resp.(*proto.GetAllChildrenNumberResponse).TotalNumber; n != 4 {
		t.Fatalf("getAllChildrenNumber /a = %d", n)
	}
	resp, _ = h.read(proto.OpGetAllChildrenNumber, &proto.GetAllChildrenNumberRequest{Path: "/"})
	if n := resp.(*proto.GetAllChildrenNumberResponse).TotalNumber; int(n) != h.f.Tree().NodeCount()-1 {
		t.Fatalf("getAllChildrenNumber / = %d, nodes %d", n, h.f.Tree().NodeCount())
	}
}

func TestGetACLMasking(t *testing.T) {
	h := readFixture(t, Config{})
	masked := []proto.ACL{
		{Perms: proto.PermRead, ID: proto.Id{Scheme: "digest", ID: "bob:x"}},
		{Perms: proto.PermRead | proto.PermAdmin, ID: proto.Id{Scheme: "digest", ID: "alice:x"}},
		{Perms: proto.PermRead, ID: proto.WorldAnyone},
		{Perms: proto.PermRead, ID: proto.Id{Scheme: "ip", ID: "10.0.0.0/8"}},
	}
	full := mustNode(t, h.f.Tree(), "/adminless").ACL()
	tests := []struct {
		name string
		auth []proto.Id
		cfg  Config
		want []proto.ACL
	}{
		{"world reader sees masked digests", nil, Config{}, masked},
		{"reader without admin", []proto.Id{bob}, Config{}, masked},
		{"admin sees hashes", []proto.Id{alice}, Config{}, full},
		{"super sees hashes", []proto.Id{superID}, Config{}, full},
		{"skipACL sees hashes", nil, Config{SkipACL: true}, full},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.f.cfg = tc.cfg
			resp, code := h.f.Read(sid, tc.auth, proto.OpGetACL, &proto.GetACLRequest{Path: "/adminless"})
			if code != proto.OK {
				t.Fatal(code)
			}
			g := resp.(*proto.GetACLResponse)
			if !slices.Equal(g.ACL, tc.want) || g.Stat != mustNode(t, h.f.Tree(), "/adminless").Stat() {
				t.Fatalf("acl %v, want %v", g.ACL, tc.want)
			}
		})
	}
	if got := mustNode(t, h.f.Tree(), "/adminless").ACL(); got[0].ID.ID == "bob:x" {
		t.Fatal("masking modified the stored ACL")
	}
	// ADMIN alone is enough to read the ACL.
	h.f.cfg = Config{}
	h.createACL("/adminonly", []proto.ACL{{Perms: proto.PermAdmin, ID: bob}})
	if _, code := h.f.Read(sid, []proto.Id{bob}, proto.OpGetACL, &proto.GetACLRequest{Path: "/adminonly"}); code != proto.OK {
		t.Fatalf("admin-only getACL: %v", code)
	}
}

func TestGetEphemerals(t *testing.T) {
	h := readFixture(t, Config{})
	tests := []struct {
		session int64
		prefix  string
		want    []string
	}{
		{sid, "", []string{"/a/b/e", "/e1", "/eph"}},
		{sid, "/", []string{"/a/b/e", "/e1", "/eph"}},
		{sid, "  / ", []string{"/a/b/e", "/e1", "/eph"}},
		{sid, " ", []string{"/a/b/e", "/e1", "/eph"}},
		{sid, "/e", []string{"/e1", "/eph"}}, // plain string prefix
		{sid, "/eph", []string{"/eph"}},
		{sid, "/a/b", []string{"/a/b/e"}},
		{sid, "/nothing", []string{}},
		{other, "", []string{"/theirs"}},
		{dead, "", []string{}},
	}
	for _, tc := range tests {
		resp, code := h.f.Read(tc.session, nil, proto.OpGetEphemerals, &proto.GetEphemeralsRequest{PrefixPath: tc.prefix})
		if code != proto.OK {
			t.Fatal(code)
		}
		if got := resp.(*proto.GetEphemeralsResponse).Ephemerals; !slices.Equal(got, tc.want) || got == nil {
			t.Errorf("session %#x prefix %q: %v, want %v", tc.session, tc.prefix, got, tc.want)
		}
	}
}

func TestMultiRead(t *testing.T) {
	h := readFixture(t, Config{})
	req := &proto.MultiRequest{Ops: []proto.MultiOp{
		{Type: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/a"}},
		{Type: proto.OpGetChildren, Req: &proto.GetChildrenRequest{Path: "/missing"}},
		{Type: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/secret"}},
		{Type: proto.OpGetChildren, Req: &proto.GetChildrenRequest{Path: "/a"}},
	}}
	resp, code := h.read(proto.OpMultiRead, req)
	if code != proto.OK {
		t.Fatal(code)
	}
	if got := resultsString(resp.(*proto.MultiResponse)); got != `4/0:"d" -1/-101 -1/-102 8/0:[b c]` {
		t.Fatalf("results %s", got)
	}
	resp, code = h.read(proto.OpMultiRead, &proto.MultiRequest{})
	if code != proto.OK || len(resp.(*proto.MultiResponse).Results) != 0 {
		t.Fatalf("empty multiRead: %v %v", resp, code)
	}
}
