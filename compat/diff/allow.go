package diff

import (
	"strings"

	"github.com/zkd-io/zkd/proto"
)

// Allowance is one deliberate difference between ZooKeeper 3.8 (what
// Debian ships, and what the tests run) and zkd, which follows ZooKeeper
// 3.9.3+ where the versions differ (PROTOCOL.md §12). Apply rewrites the
// pair of outcomes so that the allowed difference disappears and reports
// whether it did anything; anything else must still compare equal.
type Allowance struct {
	Name   string
	Since  string // the ZooKeeper release(s) whose behaviour zkd follows
	Reason string
	Apply  func(c *pairCtx) bool
}

// allowList is the one table of deliberate differences.
var allowList = []Allowance{
	{
		Name:  "notification-zxid",
		Since: "3.9.0 (ZOOKEEPER-4655)",
		Reason: "a notification's ReplyHeader carries the zxid of the transaction that fired it; " +
			"3.8 sends -1. Catch-up events of setWatches carry -1 in both, so only events " +
			"caused by a write are rewritten (ZooKeeper's -1 must meet zkd's \"trigger\")",
		Apply: allowNotificationZxid,
	},
	{
		Name:  "notification-read-acl",
		Since: "3.8.4 / 3.9.2 (CVE-2024-23944; Debian's 3.8.0-11+deb12u2 carries the fix, so unused there)",
		Reason: "a notification is delivered only to connections with READ on the node " +
			"(NodeChildrenChanged: the parent; NodeDeleted: the ACL before deletion); 3.8.0 " +
			"delivers it regardless. ZooKeeper's events the receiver could not READ (per the " +
			"run's ACL model) are dropped before comparing. setWatches catch-up events are not " +
			"filtered by either version",
		Apply: allowNotificationReadACL,
	},
	{
		Name:  "exists-read-acl",
		Since: "3.7.3 / 3.8.4 / 3.9.2 (ZOOKEEPER-2590)",
		Reason: "exists on an existing node needs READ (NoAuth otherwise, and no watch is set); " +
			"3.8.0 answers with the Stat and sets the watch. The op's reply is not compared, and " +
			"if it asked for a watch, that session's data/exist-watch events and checkWatches/" +
			"removeWatches answers on that path are ignored until its connection is replaced",
		Apply: allowExistsReadACL,
	},
	{
		Name:  "ensemble-config",
		Since: "zkd ensemble compared with a standalone ZooKeeper",
		Reason: "a zkd ensemble's /zookeeper/config holds its membership (server.N lines and " +
			"version=), a standalone server's is empty; data and the stat fields a write of it " +
			"sets are not compared. It can only apply when zkd's side is an ensemble",
		Apply: allowEnsembleConfig,
	},
	{
		Name:  "standalone-check",
		Since: "3.8.5 / 3.9.3",
		Reason: "check (13) outside multi is an unknown opcode: Unimplemented, then the " +
			"connection is closed; 3.8.0 answers it. The reply is not compared (the op " +
			"reattaches its session either way)",
		Apply: allowStandaloneCheck,
	},
	{
		Name:  "utf8-strings",
		Since: "zkd (deliberate; every ZooKeeper version differs)",
		Reason: "Jute's Java string writer encodes a character outside the BMP as two 3-byte " +
			"surrogate sequences (CESU-8), which a Java client decodes to U+FFFD; zkd echoes the " +
			"standard UTF-8 the client sent. Only strings ZooKeeper echoes back show it (the sync " +
			"path, ACL ids, whoAmI users): paths with such characters are invalid in both",
		Apply: allowUTF8Strings,
	},
	{
		Name:   "version-string",
		Since:  "3.9.3",
		Reason: "zkd reports itself as \"3.9.3-zkd-…\" in srvr/envi/mntr; the Debian server says 3.8.0",
		Apply: func(c *pairCtx) bool {
			return erase(c, "srvr.version")
		},
	},
}

// triggers reports whether an op kind can fire notifications.
func triggers(k Kind) bool {
	switch k {
	case KindCreate, KindDelete, KindSetData, KindSetACL, KindMulti, KindCloseSession, KindExpireSession:
		return true
	}
	return false
}

func allowNotificationZxid(c *pairCtx) bool {
	if !triggers(c.op.Kind) {
		return false
	}
	used := false
	for i := range c.zk.Events {
		if c.zk.Events[i].Zxid == "-1" {
			c.zk.Events[i].Zxid = "trigger"
			used = true
		}
	}
	return used
}

func allowNotificationReadACL(c *pairCtx) bool {
	if !triggers(c.op.Kind) {
		return false // setWatches catch-up events are not filtered, in 3.9 either
	}
	kept := c.zk.Events[:0]
	for _, e := range c.zk.Events {
		if e.Readable {
			kept = append(kept, e)
		}
	}
	used := len(kept) != len(c.zk.Events)
	c.zk.Events = kept
	return used
}

func allowExistsReadACL(c *pairCtx) bool {
	if c.op.Kind != KindExists || c.zk.CanRead ||
		c.zk.Get("err") != proto.OK.String() || c.zkd.Get("err") != proto.ErrNoAuth.String() {
		return false
	}
	c.zk.Fields = keepOnly(c.zk.Fields, "open.")
	c.zkd.Fields = keepOnly(c.zkd.Fields, "open.")
	if c.op.Watch {
		c.addTaint(Taint{Session: c.op.Session, Path: c.zk.Path, DataOnly: true, Reason: "exists-read-acl"})
	}
	return true
}

func allowEnsembleConfig(c *pairCtx) bool {
	// Collected first: erase rewrites the field slices. A result is the
	// config node's when the op names it or its data is server lines.
	var prefixes []string
	for _, f := range c.zkd.Fields {
		prefix, ok := strings.CutSuffix(f.Key, "stat.dataLength")
		if !ok || f.Val == "0" || c.zk.Get(f.Key) != "0" {
			continue
		}
		if c.zk.Path == "/zookeeper/config" || strings.HasPrefix(c.zkd.Get(prefix+"data"), `"server.`) {
			prefixes = append(prefixes, prefix)
		}
	}
	did := false
	for _, prefix := range prefixes {
		for _, k := range []string{"data", "stat.mzxid", "stat.mtime", "stat.version", "stat.dataLength"} {
			if erase(c, prefix+k) {
				did = true
			}
		}
	}
	return did
}

func allowStandaloneCheck(c *pairCtx) bool {
	if c.op.Kind != KindStandaloneCheck || c.zkd.Get("err") != proto.ErrUnimplemented.String() {
		return false
	}
	erase(c, "err")
	erase(c, "bodyLen")
	erase(c, "reattach.zxid")      // 3.8.0 runs a check as a transaction
	if c.zkd.Get("zxid") == "-1" { // what 3.9.3 sends; anything else is the known bug
		erase(c, "zxid")
	}
	return true
}

// erase removes key from both outcomes when their values differ and
// reports whether it did.
func erase(c *pairCtx, key string) bool {
	if c.zk.Get(key) == c.zkd.Get(key) {
		return false
	}
	c.zk.Fields = without(c.zk.Fields, key)
	c.zkd.Fields = without(c.zkd.Fields, key)
	return true
}

func without(fs []Field, key string) []Field {
	out := fs[:0]
	for _, f := range fs {
		if f.Key != key {
			out = append(out, f)
		}
	}
	return out
}

// keepOnly keeps the fields whose key starts with prefix.
func keepOnly(fs []Field, prefix string) []Field {
	out := fs[:0]
	for _, f := range fs {
		if len(f.Key) >= len(prefix) && f.Key[:len(prefix)] == prefix {
			out = append(out, f)
		}
	}
	return out
}

// allowUTF8Strings drops fields where ZooKeeper's value holds a CESU-8
// surrogate and zkd's holds none.
func allowUTF8Strings(c *pairCtx) bool {
	did := false
	for _, f := range append([]Field(nil), c.zk.Fields...) {
		if hasCESU8(f.Val) && !hasCESU8(c.zkd.Get(f.Key)) {
			did = erase(c, f.Key) || did
		}
	}
	return did
}
