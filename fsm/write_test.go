package fsm

import (
	"fmt"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

// writeFixture builds:
//
//	/a            open, data "v0", version 0, child /a/b
//	/a/b          open
//	/nodel        ACL: bob ALL, world READ|CREATE|WRITE|ADMIN (no DELETE), child /nodel/c
//	/ro           world READ only
//	/bobs         bob ALL
//	/q, /q/n      under a quota with byteHardLimit 4; /q/n holds "12"
func writeFixture(t *testing.T) *harness {
	h := newHarness(t, Config{EnforceQuota: true})
	h.create("/a", []byte("v0"), proto.ModePersistent)
	h.create("/a/b", nil, proto.ModePersistent)
	h.createACL("/nodel", []proto.ACL{
		{Perms: proto.PermAll, ID: bob},
		{Perms: proto.PermAll &^ proto.PermDelete, ID: proto.WorldAnyone},
	})
	h.create("/nodel/c", nil, proto.ModePersistent)
	h.createACL("/ro", readOnly)
	h.createACL("/bobs", bobOnly)
	h.create("/q", nil, proto.ModePersistent)
	h.setQuota("/q", "count=-1,bytes=-1=;byteHardLimit=4;countHardLimit=-1")
	h.create("/q/n", []byte("12"), proto.ModePersistent)
	return h
}

func TestWritePrecedence(t *testing.T) {
	del := func(path string, v int32) proto.Record { return &proto.DeleteRequest{Path: path, Version: v} }
	set := func(path, data string, v int32) proto.Record {
		return &proto.SetDataRequest{Path: path, Data: []byte(data), Version: v}
	}
	setACL := func(path string, acl []proto.ACL, v int32) proto.Record {
		return &proto.SetACLRequest{Path: path, ACL: acl, Version: v}
	}
	tests := []struct {
		name    string
		session int64
		auth    []proto.Id
		op      proto.OpCode
		req     proto.Record
		want    proto.Code
	}{
		// delete: session, path shape, parent, DELETE on parent, node, version, children.
		{"delete dead session beats special path", dead, nil, proto.OpDelete, del("/", -1), proto.ErrSessionExpired},
		{"delete root", sid, nil, proto.OpDelete, del("/", -1), proto.ErrBadArguments},
		{"delete /zookeeper", sid, nil, proto.OpDelete, del("/zookeeper", -1), proto.ErrBadArguments},
		{"delete /zookeeper/quota", sid, nil, proto.OpDelete, del("/zookeeper/quota", -1), proto.ErrBadArguments},
		{"delete /zookeeper/config", sid, nil, proto.OpDelete, del("/zookeeper/config", -1), proto.ErrBadArguments},
		{"delete no slash", sid, nil, proto.OpDelete, del("a", -1), proto.ErrBadArguments},
		{"delete nul", sid, nil, proto.OpDelete, del("/a\x00", -1), proto.ErrBadArguments},
		{"delete missing parent", sid, nil, proto.OpDelete, del("/missing/x", -1), proto.ErrNoNode},
		{"delete missing child of parent without DELETE", sid, nil, proto.OpDelete, del("/nodel/missing", 5), proto.ErrNoAuth},
		{"delete child of parent without DELETE", sid, nil, proto.OpDelete, del("/nodel/c", -1), proto.ErrNoAuth},
		{"delete missing node", sid, nil, proto.OpDelete, del("/a/missing", 5), proto.ErrNoNode},
		{"delete bad version beats not empty", sid, nil, proto.OpDelete, del("/a", 3), proto.ErrBadVersion},
		{"delete not empty", sid, nil, proto.OpDelete, del("/a", 0), proto.ErrNotEmpty},
		{"delete invalid but existing-style path", sid, nil, proto.OpDelete, del("/a/", -1), proto.ErrNoNode},
		{"delete ok with digest on parent", sid, []proto.Id{bob}, proto.OpDelete, del("/nodel/c", 0), proto.OK},
		// setData: session, path, node, WRITE, quota, version.
		{"setData dead session beats bad path", dead, nil, proto.OpSetData, set("bad", "", 9), proto.ErrSessionExpired},
		{"setData bad path", sid, nil, proto.OpSetData, set("/a/", "", 9), proto.ErrBadArguments},
		{"setData missing", sid, nil, proto.OpSetData, set("/missing", "", 9), proto.ErrNoNode},
		{"setData no WRITE beats quota and version", sid, nil, proto.OpSetData, set("/ro", "too long", 9), proto.ErrNoAuth},
		{"setData quota beats version", sid, nil, proto.OpSetData, set("/q/n", "12345", 9), proto.ErrQuotaExceeded},
		{"setData bad version", sid, nil, proto.OpSetData, set("/q/n", "1", 9), proto.ErrBadVersion},
		{"setData shrinking under quota", sid, nil, proto.OpSetData, set("/q/n", "1", 0), proto.OK},
		// setACL: session, path, ACL fix-up, node, ADMIN, aversion.
		{"setACL dead session", dead, nil, proto.OpSetACL, setACL("bad", nil, 9), proto.ErrSessionExpired},
		{"setACL bad path beats invalid acl", sid, nil, proto.OpSetACL, setACL("/a/", nil, 9), proto.ErrBadArguments},
		{"setACL invalid acl beats missing node", sid, nil, proto.OpSetACL, setACL("/missing", nil, 9), proto.ErrInvalidACL},
		{"setACL missing node", sid, nil, proto.OpSetACL, setACL("/missing", readOnly, 9), proto.ErrNoNode},
		{"setACL no ADMIN beats version", sid, nil, proto.OpSetACL, setACL("/bobs", readOnly, 9), proto.ErrNoAuth},
		{"setACL bad aversion", sid, []proto.Id{bob}, proto.OpSetACL, setACL("/bobs", readOnly, 9), proto.ErrBadVersion},
		{"setACL bad aversion open node", sid, nil, proto.OpSetACL, setACL("/a", readOnly, 1), proto.ErrBadVersion},
		{"setACL ok", sid, []proto.Id{bob}, proto.OpSetACL, setACL("/bobs", readOnly, 0), proto.OK},
		// other opcodes.
		{"standalone check", sid, nil, proto.OpCheck, &proto.CheckVersionRequest{Path: "/a", Version: 0}, proto.ErrUnimplemented},
		{"deleteContainer from a client", sid, nil, proto.OpDeleteContainer, &proto.DeleteContainerRequest{Path: "/a/b"}, proto.ErrUnimplemented},
		{"read opcode", sid, nil, proto.OpGetData, &proto.GetDataRequest{Path: "/a"}, proto.ErrUnimplemented},
		{"unknown opcode", sid, nil, proto.OpCode(77), nil, proto.ErrUnimplemented},
		{"sync dead session", dead, nil, proto.OpSync, &proto.SyncRequest{Path: "/x"}, proto.ErrSessionExpired},
		{"sync", sid, nil, proto.OpSync, &proto.SyncRequest{Path: "/x"}, proto.OK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := writeFixture(t)
			before := dump(h.f)
			r := h.do(tc.session, tc.auth, tc.op, tc.req)
			if r.Err != tc.want {
				t.Fatalf("err = %v, want %v", r.Err, tc.want)
			}
			if tc.want != proto.OK {
				if r.Resp != nil || r.Changes != nil {
					t.Fatalf("failed request returned %v / %v", r.Resp, r.Changes)
				}
				if after := dump(h.f); after != before {
					t.Fatalf("failed request changed the tree:\n%s\nvs\n%s", before, after)
				}
			}
		})
	}
}

func TestReconfig(t *testing.T) {
	tests := []struct {
		cfg     Config
		session int64
		want    proto.Code
	}{
		{Config{}, dead, proto.ErrReconfigDisabled},
		{Config{ReconfigEnabled: true}, dead, proto.ErrSessionExpired},
		{Config{ReconfigEnabled: true, Standalone: true}, sid, proto.ErrUnimplemented},
		{Config{ReconfigEnabled: true}, sid, proto.ErrNoAuth}, // ensemble: WRITE on /zookeeper/config
	}
	for i, tc := range tests {
		h := newHarness(t, tc.cfg)
		r := h.do(tc.session, nil, proto.OpReconfig, &proto.ReconfigRequest{NewMembers: "server.1=a:1:2;3", CurConfigID: -1})
		if r.Err != tc.want {
			t.Errorf("case %d: err = %v, want %v", i, r.Err, tc.want)
		}
	}
}

func TestUndecodableBody(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.apply(Entry{Type: EntryRequest, Session: sid, Op: proto.OpCreate, Body: []byte{0, 0, 0, 9, '/'}})
	if r.Err != proto.ErrMarshallingError {
		t.Fatalf("err = %v", r.Err)
	}
	if h.f.LastZxid() != int64(h.idx) {
		t.Fatal("failed entry did not consume its zxid")
	}
}

func TestDeleteStatAndChanges(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("/p", nil, proto.ModePersistent)
	h.createACL("/p/c", bobOnly)
	before := h.f.Tree().Get("/p").Stat()
	r := h.do(sid, nil, proto.OpDelete, &proto.DeleteRequest{Path: "/p/c", Version: 0})
	if r.Err != proto.OK || r.Resp != nil {
		t.Fatalf("delete: %v %v", r.Err, r.Resp)
	}
	if h.f.Tree().Get("/p/c") != nil {
		t.Fatal("node still there")
	}
	p := h.f.Tree().Get("/p")
	st := p.Stat()
	if st.Cversion != before.Cversion+1 || st.NumChildren != 0 || st.Pzxid != int64(h.idx) || p.StoredCversion() != 1 {
		t.Fatalf("parent stat %+v stored %d (before %+v)", st, p.StoredCversion(), before)
	}
	want := fmt.Sprintf("NodeDeleted /p/c %v; NodeChildrenChanged /p %v", bobOnly, proto.OpenACLUnsafe)
	if got := changesString(r.Changes); got != want {
		t.Fatalf("changes %q, want %q", got, want)
	}
}

func TestSetDataStatAndChanges(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("/n", []byte("a"), proto.ModePersistent)
	created := h.f.Tree().Get("/n").Stat()
	h.time = 9000
	r := h.do(sid, nil, proto.OpSetData, &proto.SetDataRequest{Path: "/n", Data: []byte("abc"), Version: 0})
	if r.Err != proto.OK {
		t.Fatal(r.Err)
	}
	st := r.Resp.(*proto.SetDataResponse).Stat
	want := created
	want.Version, want.Mzxid, want.Mtime, want.DataLength = 1, int64(h.idx), 9000, 3
	if st != want {
		t.Fatalf("stat %+v, want %+v", st, want)
	}
	if got := changesString(r.Changes); got != fmt.Sprintf("NodeDataChanged /n %v", proto.OpenACLUnsafe) {
		t.Fatalf("changes %q", got)
	}
	// Version -1 matches any version; null data stays null.
	r = h.do(sid, nil, proto.OpSetData, &proto.SetDataRequest{Path: "/n", Data: nil, Version: -1})
	if r.Err != proto.OK || r.Resp.(*proto.SetDataResponse).Stat.Version != 2 || h.f.Tree().Get("/n").Data() != nil {
		t.Fatalf("second setData: %v %+v", r.Err, r.Resp)
	}
}

func TestSetDataLimit(t *testing.T) {
	h := newHarness(t, Config{MaxDataBytes: 2})
	h.create("/n", nil, proto.ModePersistent)
	if r := h.do(dead, nil, proto.OpSetData, &proto.SetDataRequest{Path: "/n", Data: []byte("abc"), Version: -1}); r.Err != proto.ErrBadArguments {
		t.Fatalf("err = %v", r.Err)
	}
}

func TestSetACLStatNoChanges(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("/n", []byte("a"), proto.ModePersistent)
	before := h.f.Tree().Get("/n").Stat()
	r := h.do(sid, []proto.Id{bob}, proto.OpSetACL, &proto.SetACLRequest{
		Path: "/n", Version: 0,
		ACL: []proto.ACL{{Perms: proto.PermRead, ID: proto.Id{Scheme: "auth"}}, {Perms: proto.PermRead, ID: proto.Id{Scheme: "auth"}}},
	})
	if r.Err != proto.OK || r.Changes != nil {
		t.Fatalf("setACL: %v changes %v", r.Err, r.Changes)
	}
	st := r.Resp.(*proto.SetACLResponse).Stat
	want := before
	want.Aversion = 1
	if st != want {
		t.Fatalf("stat %+v, want %+v", st, want)
	}
	if got := h.f.Tree().Get("/n").ACL(); len(got) != 1 || got[0] != (proto.ACL{Perms: proto.PermRead, ID: bob}) {
		t.Fatalf("acl %v", got)
	}
}
