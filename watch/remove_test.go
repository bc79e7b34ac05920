package watch

import (
	"slices"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

const (
	wChildren  = proto.WatcherChildren
	wData      = proto.WatcherData
	wAny       = proto.WatcherAny
	wPers      = proto.WatcherPersistent
	wRecursive = proto.WatcherPersistentRecursive
)

// full holds every kind of watch of connection 1 on /a.
var full = []reg{{"data", 1, "/a"}, {"child", 1, "/a"}, {"pers", 1, "/a"}, {"rec", 1, "/a"}}

func TestRemove(t *testing.T) {
	tests := []struct {
		name  string
		setup []reg
		typ   proto.WatcherType
		want  bool
		after []string
	}{
		{"children removes child standard", full, wChildren, true,
			[]string{"c 1 /a P", "d 1 /a S+P+R"}},
		{"data removes data standard", full, wData, true,
			[]string{"c 1 /a S+P", "d 1 /a P+R"}},
		{"persistent removes persistent from both tables", full, wPers, true,
			[]string{"c 1 /a S", "d 1 /a S+R"}},
		{"recursive removes recursive only", full, wRecursive, true,
			[]string{"c 1 /a S+P", "d 1 /a S+P"}},
		{"any removes every mode in both tables", full, wAny, true, nil},
		{"any removes persistent alone", []reg{{"pers", 1, "/a"}}, wAny, true, nil},
		{"any removes recursive alone", []reg{{"rec", 1, "/a"}}, wAny, true, nil},
		{"any removes child standard alone", []reg{{"child", 1, "/a"}}, wAny, true, nil},
		{"children with only data watch", []reg{{"data", 1, "/a"}}, wChildren, false,
			[]string{"d 1 /a S"}},
		{"children does not remove persistent", []reg{{"pers", 1, "/a"}}, wChildren, false,
			[]string{"c 1 /a P", "d 1 /a P"}},
		{"data with only child watch", []reg{{"child", 1, "/a"}}, wData, false,
			[]string{"c 1 /a S"}},
		{"data does not remove recursive", []reg{{"rec", 1, "/a"}}, wData, false,
			[]string{"d 1 /a R"}},
		{"persistent with only recursive", []reg{{"rec", 1, "/a"}}, wPers, false,
			[]string{"d 1 /a R"}},
		{"recursive with only persistent", []reg{{"pers", 1, "/a"}}, wRecursive, false,
			[]string{"c 1 /a P", "d 1 /a P"}},
		{"other connection untouched", []reg{{"data", 2, "/a"}, {"child", 2, "/a"}}, wAny, false,
			[]string{"c 2 /a S", "d 2 /a S"}},
		{"other path untouched", []reg{{"data", 1, "/b"}}, wAny, false,
			[]string{"d 1 /b S"}},
		{"empty registry", nil, wAny, false, nil},
		{"unknown type", full, proto.WatcherType(9), false,
			[]string{"c 1 /a S+P", "d 1 /a S+P+R"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			apply(r, tc.setup)
			if got := r.Remove(1, "/a", tc.typ); got != tc.want {
				t.Fatalf("Remove = %v, want %v", got, tc.want)
			}
			if got := state(r); !slices.Equal(got, tc.after) {
				t.Fatalf("state:\n got %q\nwant %q", got, tc.after)
			}
			if tc.want && r.Remove(1, "/a", tc.typ) {
				t.Fatalf("second Remove reported a removal")
			}
		})
	}
}

func TestRemovedRecursiveStopsFiringOnDescendants(t *testing.T) {
	r := New()
	r.AddPersistent(1, "/a", true)
	r.AddPersistent(2, "/a", true)
	r.Remove(1, "/a", wRecursive)
	got, _ := conns(r.Fire(created, "/a/b"), created, "/a/b")
	if !slices.Equal(got, []ConnID{2}) {
		t.Fatalf("got %v, want [2]", got)
	}
	r.Remove(2, "/a", wAny)
	if ds := r.Fire(created, "/a/b"); ds != nil {
		t.Fatalf("got %v after removing all recursive watches", ds)
	}
}

func TestHas(t *testing.T) {
	types := []proto.WatcherType{wChildren, wData, wAny, wPers, wRecursive, proto.WatcherType(0)}
	tests := []struct {
		name  string
		setup []reg
		want  []bool // indexed like types
	}{
		{"none", nil, []bool{false, false, false, false, false, false}},
		{"data standard", []reg{{"data", 1, "/a"}}, []bool{false, true, true, false, false, false}},
		{"child standard", []reg{{"child", 1, "/a"}}, []bool{true, false, true, false, false, false}},
		{"persistent", []reg{{"pers", 1, "/a"}}, []bool{false, false, true, true, false, false}},
		{"recursive", []reg{{"rec", 1, "/a"}}, []bool{false, false, true, false, true, false}},
		{"everything", full, []bool{true, true, true, true, true, false}},
		{"other conn and path", []reg{{"data", 2, "/a"}, {"pers", 1, "/b"}, {"rec", 1, "/"}},
			[]bool{false, false, false, false, false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			apply(r, tc.setup)
			for i, typ := range types {
				if got := r.Has(1, "/a", typ); got != tc.want[i] {
					t.Errorf("Has(type %d) = %v, want %v", typ, got, tc.want[i])
				}
			}
		})
	}
}

func TestHasAfterPersistentRemovedFromData(t *testing.T) {
	// Has(Persistent) looks at the data table only, as ZooKeeper does.
	r := New()
	r.AddPersistent(1, "/a", false)
	r.data.clear(1, "/a", modePersistent)
	if r.Has(1, "/a", wPers) {
		t.Fatal("Has(Persistent) true with persistent only in the child table")
	}
	if !r.Has(1, "/a", wAny) {
		t.Fatal("Has(Any) false with persistent in the child table")
	}
}

func TestRemoveConn(t *testing.T) {
	r := New()
	apply(r, full)
	apply(r, []reg{{"data", 1, "/b"}, {"rec", 1, "/"}, {"data", 2, "/a"}, {"child", 2, "/b"}})
	r.RemoveConn(1)
	want := []string{"c 2 /b S", "d 2 /a S"}
	if got := state(r); !slices.Equal(got, want) {
		t.Fatalf("state:\n got %q\nwant %q", got, want)
	}
	if r.data.recursive != 0 {
		t.Fatalf("recursive count %d after RemoveConn", r.data.recursive)
	}
	r.RemoveConn(1) // idempotent
	r.RemoveConn(42)
	if got := state(r); !slices.Equal(got, want) {
		t.Fatalf("state after repeat:\n got %q\nwant %q", got, want)
	}
}
