package fsm

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

func mCreate(typ proto.OpCode, path string, flags proto.CreateMode) proto.MultiOp {
	return proto.MultiOp{Type: typ, Req: &proto.CreateRequest{Path: path, ACL: proto.OpenACLUnsafe, Flags: flags}}
}

func mDelete(path string, v int32) proto.MultiOp {
	return proto.MultiOp{Type: proto.OpDelete, Req: &proto.DeleteRequest{Path: path, Version: v}}
}

func mSet(path, data string, v int32) proto.MultiOp {
	return proto.MultiOp{Type: proto.OpSetData, Req: &proto.SetDataRequest{Path: path, Data: []byte(data), Version: v}}
}

func mCheck(path string, v int32) proto.MultiOp {
	return proto.MultiOp{Type: proto.OpCheck, Req: &proto.CheckVersionRequest{Path: path, Version: v}}
}

// resultsString renders multi results as "type/err:path" items.
func resultsString(m *proto.MultiResponse) string {
	parts := make([]string, len(m.Results))
	for i, r := range m.Results {
		s := fmt.Sprintf("%d/%d", r.Type, r.Err)
		switch resp := r.Resp.(type) {
		case *proto.CreateResponse:
			s += ":" + resp.Path
		case *proto.Create2Response:
			s += ":" + resp.Path
		case *proto.SetDataResponse:
			s += fmt.Sprintf(":v%d", resp.Stat.Version)
		case *proto.GetDataResponse:
			s += fmt.Sprintf(":%q", resp.Data)
		case *proto.GetChildrenResponse:
			s += fmt.Sprintf(":%v", resp.Children)
		}
		parts[i] = s
	}
	return strings.Join(parts, " ")
}

func TestMultiSuccess(t *testing.T) {
	h := newHarness(t, Config{ExtendedTypes: true})
	h.create("/a", []byte("x"), proto.ModePersistent)
	r := h.do(sid, nil, proto.OpMulti, &proto.MultiRequest{Ops: []proto.MultiOp{
		mCheck("/a", 0),
		mCreate(proto.OpCreate, "/a/q-", proto.ModePersistentSequential),
		mCreate(proto.OpCreate2, "/a/q-", proto.ModePersistentSequential), // create2 reported as create
		mCreate(proto.OpCreate, "/a/c", proto.ModeContainer),              // kind from flags: container
		{Type: proto.OpCreateTTL, Req: &proto.CreateTTLRequest{Path: "/a/t", ACL: proto.OpenACLUnsafe, Flags: proto.ModePersistentWithTTL, TTL: 50}},
		{Type: proto.OpCreateTTL, Req: &proto.CreateTTLRequest{Path: "/a/p", ACL: proto.OpenACLUnsafe, Flags: proto.ModePersistent, TTL: 50}}, // TTL dropped
		mSet("/a", "y", 0),
		mCheck("/a", 1),
		mDelete("/a/q-0000000000", 0),
		mCreate(proto.OpCreate, "/a/q-", proto.ModeEphemeralSequential),
	}})
	if r.Err != proto.OK {
		t.Fatal(r.Err)
	}
	m := r.Resp.(*proto.MultiResponse)
	want := "13/0 1/0:/a/q-0000000000 1/0:/a/q-0000000001 15/0:/a/c 15/0:/a/t 1/0:/a/p 5/0:v1 13/0 2/0 1/0:/a/q-0000000005"
	if got := resultsString(m); got != want {
		t.Fatalf("results\n got %s\nwant %s", got, want)
	}
	zxid := int64(h.idx)
	tr := h.f.Tree()
	if o := mustNode(t, tr, "/a/c").Owner(); o != proto.ContainerOwner {
		t.Errorf("/a/c owner %#x", o)
	}
	if o := mustNode(t, tr, "/a/t").Owner(); o != proto.TTLOwnerMask|50 {
		t.Errorf("/a/t owner %#x", o)
	}
	if o := mustNode(t, tr, "/a/p").Owner(); o != 0 {
		t.Errorf("/a/p owner %#x", o)
	}
	if o := mustNode(t, tr, "/a/q-0000000005").Owner(); o != sid {
		t.Errorf("ephemeral owner %#x", o)
	}
	for _, p := range []string{"/a/c", "/a/t", "/a/q-0000000005"} {
		if st := mustNode(t, tr, p).Stat(); st.Czxid != zxid {
			t.Errorf("%s czxid %d, want %d (one zxid for the whole multi)", p, st.Czxid, zxid)
		}
	}
	open := fmt.Sprint(proto.OpenACLUnsafe)
	var want2 []string
	for _, p := range []string{"/a/q-0000000000", "/a/q-0000000001", "/a/c", "/a/t", "/a/p"} {
		want2 = append(want2, "NodeCreated "+p+" "+open, "NodeChildrenChanged /a "+open)
	}
	want2 = append(want2, "NodeDataChanged /a "+open,
		"NodeDeleted /a/q-0000000000 "+open, "NodeChildrenChanged /a "+open,
		"NodeCreated /a/q-0000000005 "+open, "NodeChildrenChanged /a "+open)
	if got := changesString(r.Changes); got != strings.Join(want2, "; ") {
		t.Fatalf("changes\n got %s\nwant %s", got, strings.Join(want2, "; "))
	}
}

func TestMultiFailureRollsBack(t *testing.T) {
	tests := []struct {
		name string
		ops  []proto.MultiOp
		want string
	}{
		{"create then missing parent",
			[]proto.MultiOp{mCreate(proto.OpCreate, "/a/new", 0), mSet("/a", "z", -1), mCreate(proto.OpCreate, "/nope/x", 0), mDelete("/a/b", -1)},
			"-1/0 -1/0 -1/-101 -1/-2"},
		{"first fails", []proto.MultiOp{mCheck("/a", 7), mCreate(proto.OpCreate, "/a/new", 0)}, "-1/-103 -1/-2"},
		{"last fails", []proto.MultiOp{mDelete("/a/b", -1), mDelete("/a", -1), mCheck("/a", 0)}, "-1/0 -1/0 -1/-101"},
		{"sees earlier sub-op", []proto.MultiOp{mCreate(proto.OpCreate, "/a/new", 0), mCreate(proto.OpCreate, "/a/new", 0)}, "-1/0 -1/-110"},
		{"sequential then delete then not empty", []proto.MultiOp{mCreate(proto.OpCreate, "/a/b/s", proto.ModePersistentSequential), mDelete("/a/b", -1)}, "-1/0 -1/-111"},
		{"invalid flags", []proto.MultiOp{mCreate(proto.OpCreate2, "/a/x", 9)}, "-1/-8"},
		{"ttl disabled", []proto.MultiOp{{Type: proto.OpCreateTTL, Req: &proto.CreateTTLRequest{Path: "/a/t", ACL: proto.OpenACLUnsafe, Flags: proto.ModePersistentWithTTL, TTL: 5}}}, "-1/-6"},
		{"container flag in create with ephemeral parent check", []proto.MultiOp{mCreate(proto.OpCreate, "/a/e", proto.ModeEphemeral), mCreate(proto.OpCreate, "/a/e/x", proto.ModeContainer)}, "-1/0 -1/-108"},
		{"ttl flags after failure are not examined", []proto.MultiOp{mCheck("/a", 9), mCreate(proto.OpCreate, "/a/t", proto.ModePersistentWithTTL)}, "-1/-103 -1/-2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			h.create("/a", []byte("x"), proto.ModePersistent)
			h.create("/a/b", nil, proto.ModePersistent)
			before := dump(h.f)
			r := h.do(sid, nil, proto.OpMulti, &proto.MultiRequest{Ops: tc.ops})
			if r.Err != proto.OK || r.Changes != nil {
				t.Fatalf("err %v changes %v", r.Err, r.Changes)
			}
			if got := resultsString(r.Resp.(*proto.MultiResponse)); got != tc.want {
				t.Fatalf("results %s, want %s", got, tc.want)
			}
			if after := dump(h.f); after != before {
				t.Fatalf("failed multi changed the tree:\n%s\nvs\n%s", before, after)
			}
			if h.f.LastZxid() != int64(h.idx) {
				t.Fatal("failed multi did not consume its zxid")
			}
			// Sequence numbers were not consumed either.
			if got := h.create("/a/s", nil, proto.ModePersistentSequential); got != "/a/s0000000001" {
				t.Fatalf("next sequential %s", got)
			}
		})
	}
}

func TestMultiWholeRequestErrors(t *testing.T) {
	h := newHarness(t, Config{ExtendedTypes: true})
	h.create("/a", nil, proto.ModePersistent)
	before := dump(h.f)
	tests := []struct {
		name    string
		session int64
		ops     []proto.MultiOp
		want    proto.Code
	}{
		{"ttl flags under a create header", sid, []proto.MultiOp{mCreate(proto.OpCreate, "/a/1", 0), mCreate(proto.OpCreate, "/a/t", proto.ModePersistentWithTTL)}, proto.ErrMarshallingError},
		{"read ops in multi", sid, []proto.MultiOp{{Type: proto.OpGetData, Req: &proto.GetDataRequest{Path: "/a"}}}, proto.ErrMarshallingError},
		{"empty multi dead session", dead, nil, proto.ErrSessionExpired},
	}
	for _, tc := range tests {
		r := h.do(tc.session, nil, proto.OpMulti, &proto.MultiRequest{Ops: tc.ops})
		if r.Err != tc.want || r.Resp != nil {
			t.Errorf("%s: err %v resp %v, want %v", tc.name, r.Err, r.Resp, tc.want)
		}
	}
	if after := dump(h.f); after != before {
		t.Fatalf("tree changed:\n%s\nvs\n%s", before, after)
	}
	r := h.do(sid, nil, proto.OpMulti, &proto.MultiRequest{})
	if r.Err != proto.OK || len(r.Resp.(*proto.MultiResponse).Results) != 0 {
		t.Fatalf("empty multi: %v %v", r.Err, r.Resp)
	}
}

func TestMultiDeadSessionPerOp(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.do(dead, nil, proto.OpMulti, &proto.MultiRequest{Ops: []proto.MultiOp{mCreate(proto.OpCreate, "/x", 0), mDelete("/x", -1)}})
	if r.Err != proto.OK {
		t.Fatal(r.Err)
	}
	if got := resultsString(r.Resp.(*proto.MultiResponse)); got != "-1/-112 -1/-2" {
		t.Fatalf("results %s", got)
	}
}

func TestMultiResponseEncodes(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.do(sid, nil, proto.OpMulti, &proto.MultiRequest{Ops: []proto.MultiOp{mCreate(proto.OpCreate, "/x", 0), mCheck("/nope", -1)}})
	var w = r.Resp.(*proto.MultiResponse)
	var buf = encode(w)
	var back proto.MultiResponse
	decode(t, buf, &back)
	if got := resultsString(&back); got != "-1/0 -1/-101" {
		t.Fatalf("decoded results %s", got)
	}
}
