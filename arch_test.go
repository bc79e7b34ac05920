package zkd_test

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

type listed struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Dir        string
	Name       string
}

const module = "github.com/zkd-io/zkd/"

// TestImportGraph enforces DESIGN.md's layout: the pure core imports no
// I/O, clock or locks; server never reaches the replication or storage
// layers; the client side never imports the server side.
func TestImportGraph(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	pkgs := map[string]listed{}
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module)] = p
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for name, p := range pkgs {
		if _, err := os.Stat(filepath.Join(p.Dir, "doc.go")); err != nil {
			t.Errorf("package %s (%s) has no doc.go", name, p.Name)
		}
	}
	pure := []string{"tree", "watch", "session", "fsm"}
	forbiddenInPure := []string{"net", "os", "time", "sync", "sync/atomic", "net/http", "os/exec"}
	for _, name := range pure {
		p, ok := pkgs[name]
		if !ok {
			t.Errorf("pure package %s missing", name)
			continue
		}
		for _, imp := range p.Imports {
			for _, bad := range forbiddenInPure {
				if imp == bad {
					t.Errorf("pure package %s imports %s", name, imp)
				}
			}
		}
	}
	// Allowed module-internal imports per package (DESIGN.md layout).
	allowed := map[string][]string{
		"jute":    {},
		"proto":   {"jute"},
		"tree":    {"proto", "jute"},
		"watch":   {"proto"},
		"session": {},
		"fsm":     {"tree", "session", "proto", "jute"},
		"config":  {},
		"server":  {"proto", "jute", "fsm", "watch", "session", "tree"},
	}
	for name, ok := range allowed {
		p, found := pkgs[name]
		if !found {
			t.Errorf("package %s missing", name)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			rel := strings.TrimPrefix(imp, module)
			if !contains(ok, rel) {
				t.Errorf("%s imports %s; allowed: %v", name, rel, ok)
			}
		}
	}
	for _, dep := range pkgs["server"].Deps {
		for _, bad := range []string{"raftnode", "peer", "storage"} {
			if dep == module+bad || strings.HasPrefix(dep, module+bad+"/") {
				t.Errorf("server depends on %s", dep)
			}
		}
		if strings.HasPrefix(dep, "go.etcd.io/raft") {
			t.Errorf("server depends on raft (%s)", dep)
		}
	}
	for name, p := range pkgs {
		if name != "zk" && !strings.HasPrefix(name, "zk/") {
			continue
		}
		for _, dep := range p.Deps {
			for _, bad := range []string{"server", "fsm", "tree", "node", "raftnode"} {
				if dep == module+bad {
					t.Errorf("client package %s depends on %s", name, bad)
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
