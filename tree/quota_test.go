package tree

import (
	"strings"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

// setQuota does what zkCli's setquota does: create the quota directory for
// prefix, then the limits node, then the stats node.
func setQuota(tr *Tree, prefix, limits string, zxid int64) {
	dir := quotaPath
	for _, part := range strings.Split(prefix[1:], "/") {
		dir += "/" + part
		if _, ok := tr.Get(dir); !ok {
			tr.Create(dir, nil, open, 0, zxid, 1)
		}
	}
	tr.Create(limitsPath(prefix), []byte(limits), open, 0, zxid, 1)
	tr.Create(statsPath(prefix), []byte("count=0,bytes=0"), open, 0, zxid, 1)
}

func statsOf(t *testing.T, tr *Tree, prefix string) string {
	t.Helper()
	return string(mustGet(t, tr, statsPath(prefix)).Data())
}

func TestQuotaStatsFollowChanges(t *testing.T) {
	tr := New()
	tr.Create("/a", []byte("ab"), open, 0, 1, 1)
	tr.Create("/a/b", []byte("c"), open, 0, 2, 1)
	tr.Create("/ab", []byte("zzzz"), open, 0, 3, 1)
	setQuota(tr, "/a", "count=10,bytes=100", 4)
	sn := mustGet(t, tr, statsPath("/a"))
	steps := []struct {
		name string
		fn   func()
		want string
	}{
		{"recount at stats creation", func() {}, "count=2,bytes=3"},
		{"create below", func() { tr.Create("/a/c", []byte("xyz"), open, 0, 5, 1) }, "count=3,bytes=6"},
		{"create deeper, nil data", func() { tr.Create("/a/c/d", nil, open, 0, 6, 1) }, "count=4,bytes=6"},
		{"setData grows", func() { tr.SetData("/a/b", []byte("cccc"), 7, 1) }, "count=4,bytes=9"},
		{"setData on root", func() { tr.SetData("/a", nil, 8, 1) }, "count=4,bytes=7"},
		{"delete", func() { tr.Delete("/a/c/d", 9) }, "count=3,bytes=7"},
		{"delete with data", func() { tr.Delete("/a/c", 10) }, "count=2,bytes=4"},
		{"sibling prefix /ab not counted", func() { tr.Create("/ab/x", []byte("q"), open, 0, 11, 1) }, "count=2,bytes=4"},
		{"setACL not counted", func() { tr.SetACL("/a/b", readOK) }, "count=2,bytes=4"},
		{"unregister on limits delete", func() {
			tr.Delete(limitsPath("/a"), 12)
			tr.Create("/a/e", []byte("e"), open, 0, 13, 1)
		}, "count=2,bytes=4"},
	}
	for _, s := range steps {
		s.fn()
		if got := statsOf(t, tr, "/a"); got != s.want {
			t.Errorf("%s: stats %q, want %q", s.name, got, s.want)
		}
	}
	// The stats node's data is rewritten directly.
	if sn.Version() != 0 || sn.Mzxid() != 4 {
		t.Errorf("stats node version %d mzxid %d, want 0 and 4", sn.Version(), sn.Mzxid())
	}
	checkIndexes(t, tr, nil)
}

func TestQuotaLongestPrefix(t *testing.T) {
	tr := New()
	tr.Create("/a", nil, open, 0, 1, 1)
	tr.Create("/a/b", nil, open, 0, 2, 1)
	setQuota(tr, "/a", "count=10", 3)
	setQuota(tr, "/a/b", "count=10", 4)
	if got := statsOf(t, tr, "/a"); got != "count=2,bytes=0" {
		t.Errorf("outer stats %q", got)
	}
	tr.Create("/a/b/c", []byte("12"), open, 0, 5, 1)
	tr.Create("/a/x", []byte("1"), open, 0, 6, 1)
	if got := statsOf(t, tr, "/a/b"); got != "count=2,bytes=2" {
		t.Errorf("inner stats %q, want count=2,bytes=2", got)
	}
	if got := statsOf(t, tr, "/a"); got != "count=3,bytes=1" {
		t.Errorf("outer stats %q, want count=3,bytes=1 (inner changes go to the inner quota only)", got)
	}
	if got := tr.quotaFor("/a/bc"); got != "/a" {
		t.Errorf("quotaFor(/a/bc) = %q, want /a (whole components)", got)
	}
	checkIndexes(t, tr, []string{"/a/b"})
}

func TestQuotaEdgeCases(t *testing.T) {
	t.Run("missing quota root counts zero", func(t *testing.T) {
		tr := New()
		setQuota(tr, "/x", "count=1", 1)
		if got := statsOf(t, tr, "/x"); got != "count=0,bytes=0" {
			t.Errorf("stats %q", got)
		}
		tr.Create("/x", []byte("ab"), open, 0, 2, 1)
		if got := statsOf(t, tr, "/x"); got != "count=1,bytes=2" {
			t.Errorf("stats after creating the root %q", got)
		}
	})
	t.Run("quota on /zookeeper skips the quota directory", func(t *testing.T) {
		tr := New()
		tr.SetData("/zookeeper/config", []byte("cfg"), 1, 1)
		setQuota(tr, "/zookeeper", "count=100", 2)
		if got := statsOf(t, tr, "/zookeeper"); got != "count=2,bytes=3" {
			t.Errorf("stats %q, want count=2,bytes=3", got)
		}
		tr.Create("/zookeeper/quota/junk", []byte("j"), open, 0, 3, 1)
		tr.SetData("/zookeeper/quota", []byte("j"), 4, 1)
		tr.Create("/zookeeper/other", []byte("o"), open, 0, 5, 1)
		if got := statsOf(t, tr, "/zookeeper"); got != "count=3,bytes=4" {
			t.Errorf("stats %q, want count=3,bytes=4", got)
		}
		checkIndexes(t, tr, []string{"/zookeeper"})
	})
	t.Run("limits directly under the quota directory", func(t *testing.T) {
		tr := New()
		tr.Create(quotaPath+"/"+limitsName, []byte("count=1"), open, 0, 1, 1)
		tr.Create(quotaPath+"/"+statsName, []byte("count=0,bytes=0"), open, 0, 2, 1)
		if len(tr.quotas) != 0 {
			t.Errorf("registered %v", sortedKeys(tr.quotas))
		}
		if got := string(mustGet(t, tr, quotaPath+"/"+statsName).Data()); got != "count=0,bytes=0" {
			t.Errorf("stats rewritten to %q", got)
		}
		tr.Delete(quotaPath+"/"+limitsName, 3)
	})
	t.Run("limits node outside /zookeeper/quota/", func(t *testing.T) {
		tr := New()
		tr.Create("/zookeeper/quotax", nil, open, 0, 1, 1)
		tr.Create("/zookeeper/quotax/"+limitsName, []byte("count=1"), open, 0, 2, 1)
		if len(tr.quotas) != 0 {
			t.Errorf("registered %v", sortedKeys(tr.quotas))
		}
	})
	t.Run("stats node keeps extra keys", func(t *testing.T) {
		tr := New()
		tr.Create("/q", nil, open, 0, 1, 1)
		setQuota(tr, "/q", "count=5", 2)
		tr.SetData(statsPath("/q"), []byte("count=1,bytes=0=;zz=7"), 3, 1)
		tr.Create("/q/a", []byte("abc"), open, 0, 4, 1)
		if got := statsOf(t, tr, "/q"); got != "count=2,bytes=3=;zz=7" {
			t.Errorf("stats %q", got)
		}
	})
	t.Run("stats node missing", func(t *testing.T) {
		tr := New()
		tr.Create("/q", nil, open, 0, 1, 1)
		tr.Create(quotaPath+"/q", nil, open, 0, 2, 1)
		tr.Create(limitsPath("/q"), []byte("countHardLimit=0"), open, 0, 3, 1)
		tr.Create("/q/a", nil, open, 0, 4, 1) // no stats node: nothing to update
		if soft, err := tr.CheckQuota("/q/b", 1, 0, true); soft || err != nil {
			t.Errorf("CheckQuota without stats = %v, %v", soft, err)
		}
	})
}

func TestCheckQuota(t *testing.T) {
	tests := []struct {
		name    string
		limits  string
		path    string
		count   int
		bytes   int64
		enforce bool
		soft    bool
		err     error
	}{
		// Usage is count=3 (/q, /q/a, /q/b), bytes=10.
		{"no quota", "count=1", "/other/x", 1, 100, true, false, nil},
		{"quota dir never limited", "countHardLimit=0", quotaPath + "/q/x", 1, 0, true, false, nil},
		{"within soft count", "count=4", "/q/c", 1, 0, true, false, nil},
		{"soft count exceeded", "count=3", "/q/c", 1, 0, true, true, nil},
		{"soft bytes exceeded", "count=-1,bytes=12", "/q/a", 0, 3, true, true, nil},
		{"bytes within", "count=-1,bytes=13", "/q/a", 0, 3, true, false, nil},
		{"hard count enforced", "count=100,bytes=-1=;countHardLimit=3", "/q/c", 1, 0, true, false, proto.ErrQuotaExceeded},
		{"hard count not enforced", "count=100,bytes=-1=;countHardLimit=3", "/q/c", 1, 0, false, true, nil},
		{"hard wins over soft", "count=1,bytes=-1=;countHardLimit=10", "/q/c", 1, 0, true, false, nil},
		{"hard bytes enforced", "count=-1,bytes=-1=;byteHardLimit=10", "/q/c", 1, 1, true, false, proto.ErrQuotaExceeded},
		{"hard bytes exact fit", "count=-1,bytes=-1=;byteHardLimit=11", "/q/c", 1, 1, true, false, nil},
		{"zero bytes delta skips byte check", "count=-1,bytes=-1=;byteHardLimit=0", "/q/c", 1, 0, true, false, nil},
		{"zero count delta skips count check", "count=-1,bytes=-1=;countHardLimit=0", "/q/a", 0, 1, true, false, nil},
		{"negative delta within", "count=-1,bytes=-1=;byteHardLimit=5", "/q/a", 0, -6, true, false, nil},
		{"negative delta still over", "count=-1,bytes=-1=;byteHardLimit=5", "/q/a", 0, -1, true, false, proto.ErrQuotaExceeded},
		{"unlimited", "count=-1,bytes=-1", "/q/c", 1, 1000, true, false, nil},
		{"count zero limit", "count=0", "/q/c", 1, 0, true, true, nil},
		{"quota root itself", "countHardLimit=3", "/q", 1, 0, true, false, proto.ErrQuotaExceeded},
		{"soft count and hard bytes", "count=1,bytes=-1=;byteHardLimit=10", "/q/c", 1, 5, true, false, proto.ErrQuotaExceeded},
		{"soft count and bytes fine", "count=1,bytes=-1=;byteHardLimit=100", "/q/c", 1, 5, true, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := New()
			tr.Create("/q", []byte("12345"), open, 0, 1, 1)
			tr.Create("/q/a", []byte("123"), open, 0, 2, 1)
			tr.Create("/q/b", []byte("12"), open, 0, 3, 1)
			tr.Create("/other", nil, open, 0, 4, 1)
			setQuota(tr, "/q", tc.limits, 5)
			if got := statsOf(t, tr, "/q"); got != "count=3,bytes=10" {
				t.Fatalf("stats %q", got)
			}
			soft, err := tr.CheckQuota(tc.path, tc.count, tc.bytes, tc.enforce)
			if soft != tc.soft || err != tc.err {
				t.Errorf("CheckQuota = (%v, %v), want (%v, %v)", soft, err, tc.soft, tc.err)
			}
		})
	}
}
