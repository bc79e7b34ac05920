package fsm

import (
	"strconv"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

// normalize stands in for the node's normaliser: it appends
// ":participant" to specs without a role.
func normalize(id uint64, spec string) (string, error) {
	server, client, _ := strings.Cut(spec, ";")
	if strings.Count(server, ":") == 2 {
		server += ":participant"
	}
	if client == "" {
		return server, nil
	}
	return server + ";" + client, nil
}

func TestReconfigEnsemble(t *testing.T) {
	h := newHarness(t, Config{ReconfigEnabled: true, SkipACL: true, NormalizeServer: normalize})
	initial := "server.1=h1:1:2:participant;h1:10\nserver.2=h2:1:2:participant;h2:10\nserver.3=h3:1:2:participant;h3:10\n"
	if r := h.apply(Entry{Type: EntryConfig, Time: h.time, Body: []byte(initial)}); r.Err != proto.OK || len(r.Changes) != 1 {
		t.Fatalf("initial config: %+v", r)
	}
	cfgIdx := int64(h.idx)
	node := h.f.Tree().Get(ConfigPath)
	want := initial + "version=" + strconv.FormatInt(cfgIdx, 16)
	if string(node.Data()) != want {
		t.Fatalf("config = %q, want %q", node.Data(), want)
	}
	rc := func(req proto.ReconfigRequest) Result {
		t.Helper()
		return h.do(sid, nil, proto.OpReconfig, &req)
	}
	// A stale curConfigId fails; the current one passes.
	if r := rc(proto.ReconfigRequest{LeavingServers: "3", JoiningNull: true, NewMembersNull: true, CurConfigID: cfgIdx + 1}); r.Err != proto.ErrBadVersion {
		t.Fatalf("stale config id: %v", r.Err)
	}
	r := rc(proto.ReconfigRequest{LeavingServers: "3", JoiningServers: "server.4=h4:1:2;h4:10", NewMembersNull: true, CurConfigID: cfgIdx})
	if r.Err != proto.OK {
		t.Fatalf("incremental: %v", r.Err)
	}
	m := ParseMembership(r.Resp.(*proto.GetDataResponse).Data)
	if len(m.Servers) != 3 || m.Servers[4] != "h4:1:2:participant;h4:10" || m.Servers[3] != "" || m.Version != int64(h.idx) {
		t.Fatalf("after incremental reconfig: %+v", m)
	}
	if len(r.Changes) != 1 || r.Changes[0].Type != proto.EventNodeDataChanged || r.Changes[0].Path != ConfigPath {
		t.Fatalf("changes: %+v", r.Changes)
	}
	// A joiner without a client port, a bad id, an unparsable leaver,
	// and a config left with one participant are BadArguments.
	for _, bad := range []proto.ReconfigRequest{
		{JoiningServers: "server.5=h5:1:2", LeavingNull: true, NewMembersNull: true, CurConfigID: -1},
		{JoiningServers: "server.x=h5:1:2;3", LeavingNull: true, NewMembersNull: true, CurConfigID: -1},
		{LeavingServers: "two", JoiningNull: true, NewMembersNull: true, CurConfigID: -1},
		{LeavingServers: "1,2", JoiningNull: true, NewMembersNull: true, CurConfigID: -1},
		{NewMembers: "server.1=h1:1:2;10,server.2=h2:1:2:observer;10", JoiningNull: true, LeavingNull: true, CurConfigID: -1},
	} {
		if r := rc(bad); r.Err != proto.ErrBadArguments {
			t.Errorf("%+v: %v, want BadArguments", bad, r.Err)
		}
	}
	// Non-incremental replaces everything.
	r = rc(proto.ReconfigRequest{NewMembers: "server.1=h1:1:2;h1:10,server.2=h2:1:2;h2:10,server.7=h7:1:2:observer;h7:10", JoiningNull: true, LeavingNull: true, CurConfigID: -1})
	if r.Err != proto.OK {
		t.Fatalf("non-incremental: %v", r.Err)
	}
	m = ParseMembership(h.f.Tree().Get(ConfigPath).Data())
	if len(m.Servers) != 3 || m.Participants() != 2 || !IsObserverSpec(m.Servers[7]) {
		t.Fatalf("after non-incremental reconfig: %+v", m)
	}
	// Without skipACL, WRITE on /zookeeper/config (world:anyone READ) is
	// needed.
	h2 := newHarness(t, Config{ReconfigEnabled: true})
	h2.apply(Entry{Type: EntryConfig, Body: []byte(initial)})
	if r := h2.do(sid, nil, proto.OpReconfig, &proto.ReconfigRequest{LeavingServers: "3", JoiningNull: true, NewMembersNull: true, CurConfigID: -1}); r.Err != proto.ErrNoAuth {
		t.Fatalf("reconfig without WRITE: %v", r.Err)
	}
}
