package diff

import (
	"sort"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

// expiryScenario pins what an expiry looks like on both servers, in both
// variants (connection dropped, connection left silent): s0's ephemerals
// R/a/b and R/c go, s1's exists and child watches fire, s2's recursive
// watch on R sees both deletions, the old session cannot be reattached, and
// the slot's next op opens a fresh session that owns no ephemerals.
func expiryScenario(t *testing.T, h *harness) {
	for _, silent := range []bool{false, true} {
		ops := []Op{
			{Kind: KindCreate, Session: 1, Code: proto.OpCreate, Path: "/a", Data: []byte("x")},
			{Kind: KindCreate, Session: 0, Code: proto.OpCreate, Path: "/a/b", Data: []byte("x"), Flags: proto.ModeEphemeral},
			{Kind: KindCreate, Session: 0, Code: proto.OpCreate2, Path: "/c", Data: []byte("x"), Flags: proto.ModeEphemeral},
			{Kind: KindExists, Session: 1, Path: "/a/b", Watch: true},
			{Kind: KindGetChildren, Session: 1, Path: "/a", Watch: true},
			{Kind: KindGetData, Session: 0, Path: "/c", Watch: true},
			{Kind: KindAddWatch, Session: 2, Path: "", Mode: int32(proto.AddWatchPersistentRecursive)},
			{Kind: KindExpireSession, Session: 0, Silent: silent},
			{Kind: KindGetChildren2, Session: 1, Path: ""},
			{Kind: KindGetEphemerals, Session: 0, Path: ""},
		}
		const expiry = 7
		res := h.run(ops)
		if res.rep.Diff != nil {
			t.Fatalf("silent=%v: %s", silent, res.rep.Diff)
		}
		if res.rep.Known != nil {
			t.Fatalf("silent=%v: known bug %q at op %d", silent, res.rep.KnownBug, res.rep.Known.Op)
		}
		for _, tr := range []*Trace{res.zk, res.zkd} {
			z := "-1" // ZooKeeper 3.8; zkd sends the expiry's zxid (allowList notification-zxid)
			if tr.Server == "zkd" {
				z = "trigger"
			}
			want := map[string]string{
				"open.timeout":            "400", // op 1 opened s0 for its expiry
				"expire.gone":             "yes",
				"expire.children R":       "{a}",
				"expire.children R/a":     "{}",
				"expire.reattach.timeout": "0",
				"expire.reattach.session": "0",
				"expire.reattach.passwd":  "16 zero bytes",
				"expire.reattach.closed":  "true",
				"events.s1":               `NodeDeleted "R/a/b" z=` + z + `; NodeChildrenChanged "R/a" z=` + z,
				"events.s2":               `NodeDeleted "R/a/b" z=` + z + `; NodeDeleted "R/c" z=` + z,
			}
			if silent {
				want["expire.closed"] = "true"
			}
			o := tr.Outcomes[expiry]
			got := map[string]string{"open.timeout": tr.Outcomes[1].Get("open.timeout")}
			for _, f := range append(append([]Field(nil), o.Fields...), o.eventFields()...) {
				got[f.Key] = f.Val
			}
			// Ephemerals go in hash-set order: s2's events are a multiset.
			s2 := strings.Split(got["events.s2"], "; ")
			sort.Strings(s2)
			got["events.s2"] = strings.Join(s2, "; ")
			for k, v := range want {
				if got[k] != v {
					t.Errorf("silent=%v %s: %s = %q, want %q\n%s", silent, tr.Server, k, got[k], v, showOutcome(o))
				}
			}
			if e := tr.Outcomes[expiry+2].Get("ephemerals"); e != "{}" {
				t.Errorf("silent=%v %s: the fresh session owns ephemerals %s", silent, tr.Server, e)
			}
		}
	}
}
