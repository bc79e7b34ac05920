package node_test

import (
	"strings"
	"testing"

	"github.com/go-zookeeper/zk"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/zktest"
)

// quotaExceeded is how go-zookeeper reports ZooKeeper's QuotaExceeded
// (-125), a code it has no sentinel for.
const quotaExceeded = "unknown error: -125"

// setQuota does what zkCli's setquota does: create /zookeeper/quota<path>
// component by component, then the limits node with the StatsTrack text and
// a stats node with zero usage (the server recounts it).
func setQuota(t *testing.T, c *zk.Conn, path, limits string) {
	t.Helper()
	acl := zk.WorldACL(zk.PermAll)
	p := "/zookeeper/quota"
	for _, part := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		p += "/" + part
		if _, err := c.Create(p, nil, 0, acl); err != nil && err != zk.ErrNodeExists {
			t.Fatalf("create %s: %v", p, err)
		}
	}
	if _, err := c.Create(p+"/zookeeper_limits", []byte(limits), 0, acl); err != nil {
		t.Fatalf("create limits node: %v", err)
	}
	if _, err := c.Create(p+"/zookeeper_stats", []byte("count=0,bytes=0"), 0, acl); err != nil {
		t.Fatalf("create stats node: %v", err)
	}
}

func quotaStats(t *testing.T, c *zk.Conn, path string) string {
	t.Helper()
	d, _, err := c.Get("/zookeeper/quota" + path + "/zookeeper_stats")
	if err != nil {
		t.Fatalf("get stats of %s: %v", path, err)
	}
	return string(d)
}

func mustCreate(t *testing.T, c *zk.Conn, path string, data []byte) {
	t.Helper()
	if _, err := c.Create(path, data, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("create %s: %v", path, err)
	}
}

func TestQuotaSoftLimitWarnsButWritesSucceedAndStatsTrack(t *testing.T) {
	s := zktest.Start(t) // enforceQuota off, ZooKeeper's default
	c := connect(t, s.Addr)
	mustCreate(t, c, "/app", nil)
	setQuota(t, c, "/app", "count=3,bytes=-1")
	if got := quotaStats(t, c, "/app"); got != "count=1,bytes=0" {
		t.Fatalf("stats after setquota = %q, want the recount count=1,bytes=0", got)
	}
	for _, name := range []string{"c1", "c2", "c3", "c4"} {
		mustCreate(t, c, "/app/"+name, []byte("xy")) // c3 and c4 go over count=3
	}
	if got := quotaStats(t, c, "/app"); got != "count=5,bytes=8" {
		t.Fatalf("stats after 4 creates = %q, want count=5,bytes=8", got)
	}
	if _, err := c.Set("/app/c1", []byte("xyz"), -1); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("/app/c4", -1); err != nil {
		t.Fatal(err)
	}
	if got := quotaStats(t, c, "/app"); got != "count=4,bytes=7" {
		t.Fatalf("stats after set and delete = %q, want count=4,bytes=7", got)
	}
	// A hard limit is only a warning while enforceQuota is off.
	mustCreate(t, c, "/loose", nil)
	setQuota(t, c, "/loose", "count=-1,bytes=-1;countHardLimit=2;byteHardLimit=-1")
	for _, name := range []string{"a", "b", "c"} {
		mustCreate(t, c, "/loose/"+name, nil)
	}
	if got := quotaStats(t, c, "/loose"); got != "count=4,bytes=0" {
		t.Fatalf("/loose stats = %q", got)
	}
}

func TestQuotaHardLimitEnforcedRejectsWithQuotaExceeded(t *testing.T) {
	s := zktest.Start(t, func(c *config.Config) { c.EnforceQuota = true })
	c := connect(t, s.Addr)
	acl := zk.WorldACL(zk.PermAll)

	// Count: /app itself plus two children reach countHardLimit=3.
	mustCreate(t, c, "/app", nil)
	setQuota(t, c, "/app", "count=-1,bytes=-1;countHardLimit=3;byteHardLimit=-1")
	mustCreate(t, c, "/app/c1", nil)
	mustCreate(t, c, "/app/c2", nil)
	if _, err := c.Create("/app/c3", nil, 0, acl); err == nil || err.Error() != quotaExceeded {
		t.Fatalf("create over countHardLimit: %v, want %q", err, quotaExceeded)
	}
	if ok, _, _ := c.Exists("/app/c3"); ok {
		t.Fatalf("the rejected node exists")
	}
	if got := quotaStats(t, c, "/app"); got != "count=3,bytes=0" {
		t.Fatalf("stats after the rejection = %q, want count=3,bytes=0", got)
	}
	if _, err := c.Multi(&zk.CreateRequest{Path: "/app/m", Acl: acl}); err == nil {
		t.Fatalf("multi over countHardLimit succeeded")
	}
	if ok, _, _ := c.Exists("/app/m"); ok {
		t.Fatalf("the rejected multi's node exists")
	}
	if err := c.Delete("/app/c2", -1); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, c, "/app/c3", nil) // room again

	// Bytes: setData and create are both checked against byteHardLimit.
	mustCreate(t, c, "/bin", nil)
	setQuota(t, c, "/bin", "count=-1,bytes=-1;countHardLimit=-1;byteHardLimit=10")
	if _, err := c.Set("/bin", []byte("0123456789"), -1); err != nil {
		t.Fatalf("setData to exactly byteHardLimit: %v", err)
	}
	if _, err := c.Set("/bin", []byte("0123456789a"), -1); err == nil || err.Error() != quotaExceeded {
		t.Fatalf("setData over byteHardLimit: %v, want %q", err, quotaExceeded)
	}
	if _, err := c.Create("/bin/x", []byte("y"), 0, acl); err == nil || err.Error() != quotaExceeded {
		t.Fatalf("create over byteHardLimit: %v, want %q", err, quotaExceeded)
	}
	if d, _, _ := c.Get("/bin"); string(d) != "0123456789" {
		t.Fatalf("/bin = %q after the rejected setData", d)
	}

	// A soft limit stays soft even when quotas are enforced.
	mustCreate(t, c, "/soft", nil)
	setQuota(t, c, "/soft", "count=1,bytes=-1")
	mustCreate(t, c, "/soft/a", nil)
	mustCreate(t, c, "/soft/b", nil)
}
