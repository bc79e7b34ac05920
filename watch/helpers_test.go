package watch

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zkd-io/zkd/proto"
)

// reg is one registration in a test setup.
type reg struct {
	kind string // "data", "child", "pers", "rec"
	conn ConnID
	path string
}

func apply(r *Registry, regs []reg) {
	for _, g := range regs {
		switch g.kind {
		case "data":
			r.AddData(g.conn, g.path)
		case "child":
			r.AddChild(g.conn, g.path)
		case "pers":
			r.AddPersistent(g.conn, g.path, false)
		case "rec":
			r.AddPersistent(g.conn, g.path, true)
		default:
			panic("unknown reg kind " + g.kind)
		}
	}
}

func modeString(m mode) string {
	var parts []string
	if m&modeStandard != 0 {
		parts = append(parts, "S")
	}
	if m&modePersistent != 0 {
		parts = append(parts, "P")
	}
	if m&modeRecursive != 0 {
		parts = append(parts, "R")
	}
	return strings.Join(parts, "+")
}

// state lists every entry of both tables as "d|c conn path modes", sorted,
// after checking that the two indexes of each table agree.
func state(r *Registry) []string {
	var out []string
	for _, tt := range []struct {
		name string
		t    *table
	}{{"d", &r.data}, {"c", &r.child}} {
		n, rec := 0, 0
		for p, cs := range tt.t.byPath {
			if len(cs) == 0 {
				panic("empty path entry " + p)
			}
			for c, m := range cs {
				if m == 0 {
					panic("empty mode stored")
				}
				if tt.t.byConn[c][p] != m {
					panic(fmt.Sprintf("indexes disagree on %d %s", c, p))
				}
				if m&modeRecursive != 0 {
					rec++
				}
				n++
				out = append(out, fmt.Sprintf("%s %d %s %s", tt.name, c, p, modeString(m)))
			}
		}
		total := 0
		for _, ps := range tt.t.byConn {
			if len(ps) == 0 {
				panic("empty conn entry")
			}
			total += len(ps)
		}
		if total != n || rec != tt.t.recursive {
			panic(fmt.Sprintf("table %s: %d vs %d entries, recursive %d vs %d", tt.name, total, n, rec, tt.t.recursive))
		}
	}
	slices.Sort(out)
	return out
}

func conns(ds []Delivery, typ proto.EventType, path string) ([]ConnID, error) {
	var out []ConnID
	for _, d := range ds {
		if d.Type != typ || d.Path != path {
			return nil, fmt.Errorf("delivery %+v, want type %v path %s", d, typ, path)
		}
		out = append(out, d.Conn)
	}
	return out, nil
}
