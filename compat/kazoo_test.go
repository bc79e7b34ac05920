package compat

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// systemPython is Debian's interpreter, the one python3-kazoo installs
// into; a python3 earlier on PATH (pyenv, venv) would not see kazoo.
const systemPython = "/usr/bin/python3"

// requireKazoo returns a python that can import kazoo, or skips (fails
// under ZKD_REQUIRE_EXTERNAL=1) naming the Debian package python3-kazoo.
func requireKazoo(t *testing.T) string {
	t.Helper()
	py := requireTool(t, "python3-kazoo", systemPython)
	out, err := exec.Command(py, "-c", "import kazoo.client, kazoo.recipe.cache").CombinedOutput()
	if err == nil {
		return py
	}
	msg := "kazoo is not importable by " + py + "; install the Debian package python3-kazoo (apt-get install python3-kazoo): " + strings.TrimSpace(string(out))
	if os.Getenv("ZKD_REQUIRE_EXTERNAL") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// kazooChecks are the lines testdata/kazoo_suite.py prints on success, one
// per check, so that a check silently dropped from the script is noticed.
var kazooChecks = []string{
	"connect",
	"connect_crud",
	"ephemeral_sequence",
	"ephemeral_gone_after_owner_stops",
	"data_watch",
	"children_watch",
	"transactions",
	"digest_acl",
	"four_letter_words",
	"lock",
	"election",
	"barrier",
	"double_barrier",
	"counter",
	"queue",
	"locking_queue",
	"party",
	"tree_cache",
	"semaphore",
}

// TestKazooAgainstZkd runs testdata/kazoo_suite.py (the Python client
// kazoo) against a zkd started from a ZooKeeper zoo.cfg: CRUD, ephemeral
// and sequential nodes, DataWatch/ChildrenWatch, multi transactions,
// digest ACLs, four-letter words, and kazoo's recipes (Lock, Election,
// Barrier, DoubleBarrier, Counter, Queue, LockingQueue, Party,
// ShallowParty, TreeCache, Semaphore).
func TestKazooAgainstZkd(t *testing.T) {
	py := requireKazoo(t)
	p := startZkd(t, "")
	runKazooSuite(t, py, p.Addr)
}

// runKazooSuite runs testdata/kazoo_suite.py with py against hosts (a
// kazoo connection string: host:port[,host:port...]) and fails unless
// every check in kazooChecks reported ok.
func runKazooSuite(t *testing.T, py, hosts string) {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "kazoo_suite.py"))
	if err != nil {
		t.Fatal(err)
	}
	out := run(t, 90*time.Second, "", py, script, hosts)
	t.Logf("kazoo_suite.py output:\n%s", out)
	if !strings.Contains(out, "PASS all ") || strings.Contains(out, "FAIL") {
		t.Fatalf("kazoo suite failed:\n%s", out)
	}
	passed := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "ok" {
			passed[f[1]] = true
		}
	}
	for _, name := range kazooChecks {
		if !passed[name] {
			t.Errorf("check %q did not report ok", name)
		}
	}
}
