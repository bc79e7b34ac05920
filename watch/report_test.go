package watch

import (
	"maps"
	"slices"
	"testing"
)

func TestReports(t *testing.T) {
	r := New()
	apply(r, []reg{
		{"data", 3, "/b"}, {"data", 3, "/a"}, {"data", 1, "/a"},
		{"rec", 2, "/"}, {"pers", 1, "/a"},
		{"child", 4, "/c"}, {"child", 1, "/a"},
	})

	conns, paths, total := r.Summary()
	// data table: 1:/a 2:/ 3:/a,/b; the child-only connection 4 is not counted.
	if conns != 3 || paths != 3 || total != 4 {
		t.Fatalf("Summary = %d, %d, %d; want 3, 3, 4", conns, paths, total)
	}
	// data 4 pairs + child 1:/a, 4:/c.
	if n := r.Count(); n != 6 {
		t.Fatalf("Count = %d, want 6", n)
	}

	wantConn := map[ConnID][]string{1: {"/a"}, 2: {"/"}, 3: {"/a", "/b"}}
	if got := r.ByConn(); !maps.EqualFunc(got, wantConn, slices.Equal) {
		t.Fatalf("ByConn = %v, want %v", got, wantConn)
	}
	wantPath := map[string][]ConnID{"/": {2}, "/a": {1, 3}, "/b": {3}}
	if got := r.ByPath(); !maps.EqualFunc(got, wantPath, slices.Equal) {
		t.Fatalf("ByPath = %v, want %v", got, wantPath)
	}

	r.Fire(deleted, "/a")
	conns, paths, total = r.Summary()
	// 1:/a keeps its persistent watch; 3:/a is consumed.
	if conns != 3 || paths != 3 || total != 3 {
		t.Fatalf("after fire Summary = %d, %d, %d; want 3, 3, 3", conns, paths, total)
	}
	r.RemoveConn(1)
	r.RemoveConn(2)
	r.RemoveConn(3)
	r.RemoveConn(4)
	if conns, paths, total = r.Summary(); conns+paths+total != 0 || r.Count() != 0 {
		t.Fatalf("empty registry reports %d, %d, %d, count %d", conns, paths, total, r.Count())
	}
	if len(r.ByConn()) != 0 || len(r.ByPath()) != 0 {
		t.Fatal("empty registry lists watches")
	}
}
