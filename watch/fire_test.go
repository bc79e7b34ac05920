package watch

import (
	"slices"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

const (
	created  = proto.EventNodeCreated
	deleted  = proto.EventNodeDeleted
	changed  = proto.EventNodeDataChanged
	children = proto.EventNodeChildrenChanged
)

type fire struct {
	typ  proto.EventType
	path string
	want []ConnID
}

func TestFire(t *testing.T) {
	tests := []struct {
		name  string
		setup []reg
		fires []fire
		after []string
	}{
		// PROTOCOL §5.3, row "create P".
		{
			name: "create fires data table at P",
			setup: []reg{
				{"data", 1, "/a"}, {"child", 2, "/a"}, {"data", 3, "/b"},
			},
			fires: []fire{{created, "/a", []ConnID{1}}},
			after: []string{"c 2 /a S", "d 3 /b S"},
		},
		{
			name: "create fires child table at parent as a separate trigger",
			setup: []reg{
				{"child", 1, "/"}, {"child", 2, "/a"}, {"data", 3, "/"},
			},
			fires: []fire{{created, "/a", nil}, {children, "/", []ConnID{1}}},
			after: []string{"c 2 /a S", "d 3 / S"},
		},
		{
			name: "create fires recursive on P and every ancestor",
			setup: []reg{
				{"rec", 1, "/"}, {"rec", 2, "/a"}, {"rec", 3, "/a/b"},
				{"rec", 4, "/a/b/c"}, {"rec", 5, "/x"}, {"rec", 6, "/a/bb"},
			},
			fires: []fire{{created, "/a/b", []ConnID{1, 2, 3}}},
			after: []string{"d 1 / R", "d 2 /a R", "d 3 /a/b R", "d 4 /a/b/c R", "d 5 /x R", "d 6 /a/bb R"},
		},
		{
			name:  "create does not fire standard or persistent watches on ancestors",
			setup: []reg{{"data", 1, "/a"}, {"pers", 2, "/a"}, {"child", 3, "/a"}},
			fires: []fire{{created, "/a/b", nil}},
			after: []string{"c 2 /a P", "c 3 /a S", "d 1 /a S", "d 2 /a P"},
		},
		{
			name:  "top-level create fires root child watch",
			setup: []reg{{"child", 1, "/"}, {"rec", 2, "/"}},
			fires: []fire{{created, "/z", []ConnID{2}}, {children, "/", []ConnID{1}}},
			after: []string{"d 2 / R"},
		},
		// Row "delete P".
		{
			name: "delete fires data and child tables at P",
			setup: []reg{
				{"data", 1, "/a"}, {"child", 2, "/a"}, {"data", 3, "/a/b"}, {"child", 4, "/b"},
			},
			fires: []fire{{deleted, "/a", []ConnID{1, 2}}},
			after: []string{"c 4 /b S", "d 3 /a/b S"},
		},
		{
			name:  "delete suppresses child delivery for a connection notified via data table",
			setup: []reg{{"data", 1, "/a"}, {"child", 1, "/a"}, {"child", 2, "/a"}},
			fires: []fire{{deleted, "/a", []ConnID{1, 2}}},
			after: nil,
		},
		{
			name:  "delete consumes suppressed child watch too",
			setup: []reg{{"data", 7, "/a"}, {"child", 7, "/a"}},
			fires: []fire{{deleted, "/a", []ConnID{7}}, {children, "/a", nil}},
			after: nil,
		},
		{
			name:  "delete then parent children changed",
			setup: []reg{{"child", 1, "/p"}, {"data", 2, "/p/c"}, {"data", 1, "/p/c"}},
			fires: []fire{{deleted, "/p/c", []ConnID{1, 2}}, {children, "/p", []ConnID{1}}},
			after: nil,
		},
		{
			name:  "delete fires recursive on P and ancestors",
			setup: []reg{{"rec", 1, "/"}, {"rec", 2, "/a/b"}, {"rec", 3, "/a/b/c"}},
			fires: []fire{{deleted, "/a/b", []ConnID{1, 2}}},
			after: []string{"d 1 / R", "d 2 /a/b R", "d 3 /a/b/c R"},
		},
		{
			name:  "delete of a recursive connection that also has a child watch delivers once",
			setup: []reg{{"rec", 1, "/"}, {"child", 1, "/a"}},
			fires: []fire{{deleted, "/a", []ConnID{1}}},
			after: []string{"d 1 / R"},
		},
		// Row "setData P".
		{
			name:  "set data fires data table only",
			setup: []reg{{"data", 1, "/a"}, {"child", 2, "/a"}, {"child", 3, "/"}},
			fires: []fire{{changed, "/a", []ConnID{1}}},
			after: []string{"c 2 /a S", "c 3 / S"},
		},
		{
			name:  "set data fires recursive on P and ancestors",
			setup: []reg{{"rec", 1, "/a"}, {"rec", 2, "/a/b/c"}},
			fires: []fire{{changed, "/a/b", []ConnID{1}}},
			after: []string{"d 1 /a R", "d 2 /a/b/c R"},
		},
		// Row "reconfig".
		{
			name:  "reconfig is a data change on /zookeeper/config",
			setup: []reg{{"data", 1, "/zookeeper/config"}, {"rec", 2, "/zookeeper"}},
			fires: []fire{{changed, "/zookeeper/config", []ConnID{1, 2}}},
			after: []string{"d 2 /zookeeper R"},
		},
		// Row "setACL" and client-only types: no trigger matches anything.
		{
			name:  "non-mutation event types deliver nothing",
			setup: []reg{{"data", 1, "/a"}, {"child", 1, "/a"}, {"pers", 2, "/a"}},
			fires: []fire{
				{proto.EventNone, "/a", nil}, {proto.EventDataWatchRemoved, "/a", nil},
				{proto.EventChildWatchRemoved, "/a", nil}, {proto.EventPersistentWatchRemoved, "/a", nil},
			},
			after: []string{"c 1 /a S", "c 2 /a P", "d 1 /a S", "d 2 /a P"},
		},
		// Persistent (non-recursive) watches, §5.3 notes and §5.4.
		{
			name:  "persistent receives every event on P and stays",
			setup: []reg{{"pers", 1, "/a"}},
			fires: []fire{
				{created, "/a", []ConnID{1}}, {changed, "/a", []ConnID{1}},
				{children, "/a", []ConnID{1}}, {deleted, "/a", []ConnID{1}},
				{created, "/a", []ConnID{1}},
			},
			after: []string{"c 1 /a P", "d 1 /a P"},
		},
		{
			name:  "persistent does not see descendants' data events",
			setup: []reg{{"pers", 1, "/a"}},
			fires: []fire{{created, "/a/b", nil}, {changed, "/a/b", nil}, {deleted, "/a/b", nil}},
			after: []string{"c 1 /a P", "d 1 /a P"},
		},
		{
			name:  "recursive never receives children changed",
			setup: []reg{{"rec", 1, "/a"}, {"rec", 2, "/"}},
			fires: []fire{{children, "/a", nil}, {children, "/", nil}},
			after: []string{"d 1 /a R", "d 2 / R"},
		},
		// Consumption, §5.4.
		{
			name:  "standard watch is one-shot",
			setup: []reg{{"data", 1, "/a"}},
			fires: []fire{{changed, "/a", []ConnID{1}}, {changed, "/a", nil}},
			after: nil,
		},
		{
			name:  "firing strips only standard from a mixed mode set",
			setup: []reg{{"data", 1, "/a"}, {"pers", 1, "/a"}, {"rec", 1, "/a"}, {"child", 1, "/a"}},
			fires: []fire{{changed, "/a", []ConnID{1}}},
			after: []string{"c 1 /a S+P", "d 1 /a P+R"},
		},
		{
			name:  "children changed consumes the child standard watch only",
			setup: []reg{{"child", 1, "/a"}, {"data", 1, "/a"}},
			fires: []fire{{children, "/a", []ConnID{1}}, {children, "/a", nil}},
			after: []string{"d 1 /a S"},
		},
		{
			name:  "recursive on ancestor does not consume standard on ancestor",
			setup: []reg{{"rec", 1, "/a"}, {"data", 1, "/a"}},
			fires: []fire{{changed, "/a/b", []ConnID{1}}},
			after: []string{"d 1 /a S+R"},
		},
		// Dedup: one delivery per connection per trigger, sorted by conn.
		{
			name: "exists and getData on the same path deliver once",
			setup: []reg{
				{"data", 9, "/a"}, {"data", 9, "/a"}, {"data", 3, "/a"}, {"data", 5, "/a"},
			},
			fires: []fire{{deleted, "/a", []ConnID{3, 5, 9}}},
			after: nil,
		},
		{
			name:  "recursive on several ancestors and P deliver once",
			setup: []reg{{"rec", 1, "/"}, {"rec", 1, "/a"}, {"rec", 1, "/a/b"}, {"pers", 1, "/a/b"}},
			fires: []fire{{created, "/a/b", []ConnID{1}}},
			after: []string{"c 1 /a/b P", "d 1 / R", "d 1 /a R", "d 1 /a/b P+R"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			apply(r, tc.setup)
			for i, f := range tc.fires {
				got, err := conns(r.Fire(f.typ, f.path), f.typ, f.path)
				if err != nil {
					t.Fatalf("fire %d: %v", i, err)
				}
				if !slices.Equal(got, f.want) {
					t.Fatalf("fire %d (%v %s): got %v, want %v", i, f.typ, f.path, got, f.want)
				}
			}
			got := state(r)
			want := slices.Clone(tc.after)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("state after fires:\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestParent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", ""}, {"/a", "/"}, {"/a/b", "/a"}, {"/a/b/c", "/a/b"}, {"a", ""}, {"", ""},
	}
	for _, tc := range tests {
		if got := parent(tc.in); got != tc.want {
			t.Errorf("parent(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
