package watch

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

// model is a deliberately naive registry: a flat set of
// (table, conn, path, mode) facts, searched exhaustively.
type fact struct {
	table byte // 'd' or 'c'
	conn  ConnID
	path  string
	mode  mode // exactly one bit
}

type model map[fact]bool

func isAncestor(a, p string) bool {
	if a == "/" {
		return p != "/"
	}
	return strings.HasPrefix(p, a+"/")
}

func (m model) fire(typ proto.EventType, p string) []Delivery {
	hit := map[ConnID]bool{}
	var consumed []fact
	for f := range m {
		match := false
		switch {
		case f.table == 'd' && (typ == created || typ == changed || typ == deleted):
			match = f.path == p || (f.mode == modeRecursive && isAncestor(f.path, p))
		case f.table == 'c' && (typ == deleted || typ == children):
			match = f.path == p
		}
		if match {
			hit[f.conn] = true
			if f.mode == modeStandard && f.path == p {
				consumed = append(consumed, f)
			}
		}
	}
	for _, f := range consumed {
		delete(m, f)
	}
	var out []Delivery
	for _, c := range slices.Sorted(maps.Keys(hit)) {
		out = append(out, Delivery{Conn: c, Type: typ, Path: p})
	}
	return out
}

// spec lists the (table, mode) pairs a watcher type removes or checks.
func spec(t proto.WatcherType, forHas bool) []fact {
	switch t {
	case wChildren:
		return []fact{{table: 'c', mode: modeStandard}}
	case wData:
		return []fact{{table: 'd', mode: modeStandard}}
	case wPers:
		if forHas {
			return []fact{{table: 'd', mode: modePersistent}}
		}
		return []fact{{table: 'd', mode: modePersistent}, {table: 'c', mode: modePersistent}}
	case wRecursive:
		return []fact{{table: 'd', mode: modeRecursive}}
	case wAny:
		var out []fact
		for _, tb := range []byte{'d', 'c'} {
			for _, md := range []mode{modeStandard, modePersistent, modeRecursive} {
				out = append(out, fact{table: tb, mode: md})
			}
		}
		return out
	}
	return nil
}

func (m model) remove(c ConnID, p string, t proto.WatcherType) bool {
	removed := false
	for _, s := range spec(t, false) {
		f := fact{s.table, c, p, s.mode}
		if m[f] {
			delete(m, f)
			removed = true
		}
	}
	return removed
}

func (m model) has(c ConnID, p string, t proto.WatcherType) bool {
	for _, s := range spec(t, true) {
		if m[fact{s.table, c, p, s.mode}] {
			return true
		}
	}
	return false
}

func (m model) state() []string {
	modes := map[string]mode{}
	for f := range m {
		modes[fmt.Sprintf("%c %d %s", f.table, f.conn, f.path)] |= f.mode
	}
	var out []string
	for k, md := range modes {
		out = append(out, k+" "+modeString(md))
	}
	slices.Sort(out)
	return out
}

func (m model) summary() (int, int, int) {
	cs, ps, pairs := map[ConnID]bool{}, map[string]bool{}, map[string]bool{}
	for f := range m {
		if f.table == 'd' {
			cs[f.conn], ps[f.path] = true, true
			pairs[fmt.Sprint(f.conn, f.path)] = true
		}
	}
	return len(cs), len(ps), len(pairs)
}

func TestAgainstModel(t *testing.T) {
	paths := []string{"/", "/a", "/a/b", "/a/b/c", "/a/bc", "/b"}
	events := []proto.EventType{created, deleted, changed, children}
	types := []proto.WatcherType{wChildren, wData, wAny, wPers, wRecursive}
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		r, m := New(), model{}
		for step := range 1500 {
			c := ConnID(1 + rng.IntN(4))
			p := paths[rng.IntN(len(paths))]
			var op string
			switch k := rng.IntN(10); k {
			case 0, 1:
				op = "data"
				r.AddData(c, p)
				m[fact{'d', c, p, modeStandard}] = true
			case 2:
				op = "child"
				r.AddChild(c, p)
				m[fact{'c', c, p, modeStandard}] = true
			case 3:
				op = "pers"
				r.AddPersistent(c, p, false)
				m[fact{'d', c, p, modePersistent}] = true
				m[fact{'c', c, p, modePersistent}] = true
			case 4:
				op = "rec"
				r.AddPersistent(c, p, true)
				m[fact{'d', c, p, modeRecursive}] = true
			case 5, 6:
				typ := events[rng.IntN(len(events))]
				op = fmt.Sprint("fire ", typ)
				got, want := r.Fire(typ, p), m.fire(typ, p)
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d step %d: Fire(%v, %s) = %v, want %v", seed, step, typ, p, got, want)
				}
			case 7:
				typ := types[rng.IntN(len(types))]
				op = fmt.Sprint("remove ", typ)
				if got, want := r.Remove(c, p, typ), m.remove(c, p, typ); got != want {
					t.Fatalf("seed %d step %d: Remove(%d, %s, %d) = %v, want %v", seed, step, c, p, typ, got, want)
				}
			case 8:
				typ := types[rng.IntN(len(types))]
				op = fmt.Sprint("has ", typ)
				if got, want := r.Has(c, p, typ), m.has(c, p, typ); got != want {
					t.Fatalf("seed %d step %d: Has(%d, %s, %d) = %v, want %v", seed, step, c, p, typ, got, want)
				}
			case 9:
				if rng.IntN(4) != 0 {
					continue
				}
				op = "drop"
				r.RemoveConn(c)
				for f := range m {
					if f.conn == c {
						delete(m, f)
					}
				}
			}
			if got, want := state(r), m.state(); !slices.Equal(got, want) {
				t.Fatalf("seed %d step %d after %s %d %s:\n got %q\nwant %q", seed, step, op, c, p, got, want)
			}
			gc, gp, gt := r.Summary()
			wc, wp, wt := m.summary()
			if gc != wc || gp != wp || gt != wt {
				t.Fatalf("seed %d step %d: Summary = %d,%d,%d want %d,%d,%d", seed, step, gc, gp, gt, wc, wp, wt)
			}
		}
	}
}
