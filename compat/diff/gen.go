package diff

import (
	"math"
	"math/rand/v2"

	"github.com/zkd-io/zkd/proto"
)

// Config shapes a generated stream.
type Config struct {
	Ops      int  // number of ops
	Sessions int  // session slots (2 or 3 is plenty)
	TTL      bool // generate createTTL in TTL modes (both servers need extended types)
	// MixWatchModes lets any session hold standard and persistent watches.
	// Off (the default), the last session is the only one that adds
	// persistent and recursive watches (recursive ones only on R and R/a,
	// persistent ones elsewhere) and it sets no standard watches, because
	// ZooKeeper 3.8 cannot hold two modes on one path for one connection
	// (see versionGaps) and every mix hides that path's events from the
	// comparison.
	MixWatchModes bool
	// ExpiryPerMille is the chance, in thousandths, that an op is an
	// expireSession of a random slot. Each costs the runner about the
	// minimum session timeout plus a tick (roughly 0.5-0.7 s), so streams
	// keep it rare; 0 generates none and leaves the stream exactly as it
	// was before the kind existed.
	ExpiryPerMille int
}

// recursivePaths are where the persistent-watch session puts recursive
// watches; persistent ones go elsewhere.
var recursivePaths = []string{"", "/a"}

// Path universe (templates, see Op).
var (
	// corePaths are the plain nodes ops usually address, seqPaths the
	// sequential names the streams may have created ("@seq" last).
	corePaths = []string{"", "/a", "/a/b", "/a/b/c", "/c", "/c/d", "/q"}
	seqPaths  = []string{"/q/n-0000000000", "/q/n-0000000001", "/q/n-0000000002",
		"/a/n-0000000000", "/a/n-0000000001", "@seq"}
	// createPaths are non-sequential create targets.
	createPaths = []string{"/a", "/a", "/a/b", "/a/b/c", "/c", "/c", "/c/d", "/q", "/c/d/e"}
	// seqPrefixes are sequential create targets ("/q/" relies on the suffix
	// to become valid).
	seqPrefixes = []string{"/q/n-", "/q/n-", "/a/n-", "/q/"}
	// reservedPaths lie in /zookeeper: read freely, written only where the
	// write must fail.
	reservedPaths = []string{"~/zookeeper", "~/zookeeper/config", "~/zookeeper/quota", "~/zookeeper/nothere"}
	// deleteOnlyPaths may only be deleted (which must fail).
	deleteOnlyPaths = []string{"~/", "~/zookeeper", "~/zookeeper/config", "~/zookeeper/quota", "~/zookeeper/nothere"}
	// invalidPaths break ZooKeeper's path rules.
	invalidPaths = []string{"~", "~a", "/a/", "//a", "/a/./b", "/a/../b", "/.",
		"/a\x00b", "/\x01", "/\u007f", "/\U0001F600", "/\uE000", "/\uFFF0"}
	// oddValidPaths are legal but unusual.
	oddValidPaths = []string{"/a b", "/\u00e9", "/a/b c"}
)

type gen struct {
	r   *rand.Rand
	cfg Config
}

// Generate returns the stream for seed: the same seed and Config always
// give the same ops.
func Generate(seed uint64, cfg Config) []Op {
	if cfg.Sessions <= 0 {
		cfg.Sessions = 3
	}
	g := &gen{r: rand.New(rand.NewPCG(seed, 0x7a6b64)), cfg: cfg}
	ops := make([]Op, 0, cfg.Ops)
	for len(ops) < cfg.Ops {
		ops = append(ops, g.op())
	}
	return ops
}

// weighted kinds of top-level ops.
var kindWeights = []struct {
	kind Kind
	w    int
}{
	{KindCreate, 40}, {KindDelete, 12}, {KindExists, 14}, {KindGetData, 14},
	{KindSetData, 18}, {KindGetACL, 7}, {KindSetACL, 9}, {KindGetChildren, 5},
	{KindGetChildren2, 10}, {KindSync, 3}, {KindMulti, 16}, {KindMultiRead, 5},
	{KindCheckWatches, 4}, {KindRemoveWatches, 4}, {KindAddWatch, 7},
	{KindGetEphemerals, 3}, {KindGetAllChildrenNumber, 3}, {KindWhoAmI, 2},
	{KindAuth, 6}, {KindReconfig, 1}, {KindCloseSession, 3}, {KindReconnect, 4},
	{KindBadAuth, 1}, {KindStandaloneCheck, 1}, {KindUnknownOp, 1},
}

func (g *gen) pick(n int) int { return g.r.IntN(n) }

func (g *gen) chance(percent int) bool { return g.r.IntN(100) < percent }

func (g *gen) op() Op {
	if g.cfg.ExpiryPerMille > 0 && g.pick(1000) < g.cfg.ExpiryPerMille {
		return Op{Kind: KindExpireSession, Session: g.pick(g.cfg.Sessions), Silent: g.chance(50)}
	}
	total := 0
	for _, kw := range kindWeights {
		total += kw.w
	}
	n := g.pick(total)
	kind := KindCreate
	for _, kw := range kindWeights {
		if n < kw.w {
			kind = kw.kind
			break
		}
		n -= kw.w
	}
	o := Op{Kind: kind, Session: g.pick(g.cfg.Sessions)}
	split := !g.cfg.MixWatchModes && g.cfg.Sessions >= 2
	persistentRole := split && o.Session == g.cfg.Sessions-1
	switch kind {
	case KindCreate:
		g.create(&o)
	case KindDelete:
		o.Path, o.Version = g.writePath(true, true), g.version()
	case KindExists, KindGetData, KindGetChildren, KindGetChildren2:
		o.Path, o.Watch = g.readPath(), g.chance(50) && !persistentRole
	case KindSetData:
		o.Path, o.Data, o.Version = g.writePath(false), g.data(), g.version()
		if g.chance(3) {
			o.Path = "~/zookeeper/config" // world READ only: NoAuth
		}
	case KindGetACL, KindGetAllChildrenNumber:
		o.Path = g.readPath()
	case KindSetACL:
		o.Path, o.ACL, o.Version = g.writePath(false, true), g.acl(), g.version()
	case KindSync:
		o.Path = g.readPath()
	case KindMulti:
		g.multi(&o)
	case KindMultiRead:
		for i, n := 0, 1+g.pick(3); i < n; i++ {
			s := Op{Kind: KindGetData, Path: g.readPath(), Watch: g.chance(20) && !persistentRole}
			if g.chance(50) {
				s.Kind = KindGetChildren
			}
			o.Sub = append(o.Sub, s)
		}
	case KindCheckWatches, KindRemoveWatches:
		// Types 4 and 5 are unknown to ZooKeeper 3.8 (see versionGaps):
		// mostly 1-3, which both versions answer.
		o.Path, o.Mode = g.watchPath(), int32(1+g.pick(3))
		if persistentRole || g.chance(10) {
			o.Mode = int32(1 + g.pick(5))
		}
		if g.chance(5) {
			o.Mode = []int32{0, 6}[g.pick(2)]
		}
	case KindAddWatch:
		o.Path, o.Mode = g.watchPath(), int32(g.pick(2))
		if split {
			o.Session = g.cfg.Sessions - 1
			o.Path = g.persistentPath(o.Mode == int32(proto.AddWatchPersistentRecursive))
		}
		if g.chance(4) {
			o.Mode = 2
		}
	case KindGetEphemerals:
		o.Path = []string{"", "~/", "~", "/a", "/q", "/q/n-", "~/zzz"}[g.pick(7)]
	case KindAuth:
		o.Auth = []string{"u1:p1", "u1:p1", "u2:p2", "u2:p2", "u1:wrong", "nocolon", ""}[g.pick(7)]
	case KindBadAuth:
		o.Auth = []string{"foo", "Digest"}[g.pick(2)]
	case KindStandaloneCheck:
		o.Path, o.Version = g.writePath(false), g.version()
	case KindUnknownOp:
		o.Code = []proto.OpCode{0, 10, 23, 99, 108}[g.pick(5)]
	case KindReconnect:
		g.reconnect(&o, split, persistentRole)
	}
	return o
}

func (g *gen) create(o *Op) {
	o.Data, o.ACL = g.data(), g.acl()
	switch n := g.pick(100); {
	case n < 40:
		o.Code = proto.OpCreate
	case n < 75:
		o.Code = proto.OpCreate2
	case n < 85:
		o.Code = proto.OpCreateContainer
	default:
		o.Code = proto.OpCreateTTL
		if !g.cfg.TTL {
			o.Code = proto.OpCreate2
		}
	}
	switch o.Code {
	case proto.OpCreateContainer:
		o.Flags = proto.ModeContainer
		if g.chance(10) {
			o.Flags = proto.CreateMode(g.pick(4))
		}
	case proto.OpCreateTTL:
		o.Flags = proto.ModePersistentWithTTL + proto.CreateMode(g.pick(2))
		o.TTL = []int64{100000, 100000, 100000, 1, proto.MaxTTL, 0, -5, proto.MaxTTL + 1}[g.pick(8)]
		if g.chance(5) {
			o.Flags, o.TTL = proto.CreateMode(g.pick(5)), 100000 // non-TTL flag with a TTL: BadArguments
		}
	default:
		o.Flags = proto.CreateMode([]int{0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 4}[g.pick(11)])
		if g.chance(3) {
			o.Flags = []proto.CreateMode{7, -1, 5}[g.pick(3)]
		}
	}
	if o.Flags.Sequential() && g.chance(85) {
		o.Path = seqPrefixes[g.pick(len(seqPrefixes))]
		return
	}
	o.Path = g.createPath()
}

func (g *gen) createPath() string {
	switch n := g.pick(100); {
	case n < 84:
		return createPaths[g.pick(len(createPaths))]
	case n < 88:
		return []string{"~/zookeeper", "~/zookeeper/config/x", "~/zookeeper/quota"}[g.pick(3)]
	case n < 91:
		return oddValidPaths[g.pick(len(oddValidPaths))]
	case n < 93:
		return "" // the run root itself: NodeExists
	}
	return invalidPaths[g.pick(len(invalidPaths))]
}

// node picks a path of the universe: mostly a core node, else a
// sequential name ("@seq" only when allowed).
func (g *gen) node(lastSeq bool) string {
	if g.chance(65) {
		return corePaths[g.pick(len(corePaths))]
	}
	n := len(seqPaths)
	if !lastSeq {
		n--
	}
	return seqPaths[g.pick(n)]
}

// readPath may be anything, including reserved and invalid paths.
func (g *gen) readPath() string {
	switch n := g.pick(100); {
	case n < 82:
		return g.node(true)
	case n < 90:
		return reservedPaths[g.pick(len(reservedPaths))]
	case n < 92:
		return oddValidPaths[g.pick(len(oddValidPaths))]
	}
	return invalidPaths[g.pick(len(invalidPaths))]
}

// writePath never names a reserved node a write could change; delete may
// name reserved nodes (BadArguments or NoNode). keepRoot excludes the run
// root itself (deleting it or changing its ACL would end every later op
// with NoNode or NoAuth).
func (g *gen) writePath(isDelete bool, keepRoot ...bool) string {
	switch n := g.pick(100); {
	case n < 88:
		p := g.node(true)
		for i := 0; i < 10 && p == "" && len(keepRoot) > 0; i++ {
			p = g.node(true)
		}
		if p == "" && len(keepRoot) > 0 {
			p = "/a"
		}
		return p
	case n < 93 && isDelete:
		return deleteOnlyPaths[g.pick(len(deleteOnlyPaths))]
	case n < 95:
		return oddValidPaths[g.pick(len(oddValidPaths))]
	}
	return invalidPaths[g.pick(len(invalidPaths))]
}

func (g *gen) watchPath() string {
	if g.chance(90) {
		return g.node(false)
	}
	return reservedPaths[g.pick(len(reservedPaths))]
}

func (g *gen) version() int32 {
	switch n := g.pick(100); {
	case n < 50:
		return -1
	case n < 70:
		return 0
	case n < 85:
		return 1
	case n < 95:
		return 2
	}
	return []int32{-2, 100, math.MaxInt32, math.MinInt32}[g.pick(4)]
}

func (g *gen) data() []byte {
	switch n := g.pick(100); {
	case n < 15:
		return nil
	case n < 30:
		return []byte{}
	case n < 60:
		return []byte("x")
	case n < 80:
		return []byte("hello")
	}
	b := make([]byte, g.pick(12))
	for i := range b {
		b[i] = byte(g.pick(256))
	}
	return b
}

func (g *gen) acl() int {
	switch n := g.pick(100); {
	case n < 65:
		return 0
	case n < 95:
		return 1 + g.pick(validShapes()-1)
	}
	return validShapes() + g.pick(len(aclShapes)-validShapes())
}

// validShapes is the number of leading valid entries of aclShapes.
func validShapes() int {
	n := 0
	for n < len(aclShapes) && aclShapes[n].valid {
		n++
	}
	return n
}

func (g *gen) multi(o *Op) {
	n := 1 + g.pick(4)
	if g.chance(3) {
		n = 0
	}
	for i := 0; i < n; i++ {
		var s Op
		switch k := g.pick(100); {
		case k < 45:
			s.Kind = KindCreate
			g.create(&s)
			s.Data = []byte("m")
		case k < 65:
			s = Op{Kind: KindDelete, Path: g.writePath(false, true), Version: g.version()}
		case k < 85:
			s = Op{Kind: KindSetData, Path: g.writePath(false), Data: g.data(), Version: g.version()}
		default:
			s = Op{Kind: KindCheck, Path: g.writePath(false), Version: g.version()}
		}
		o.Sub = append(o.Sub, s)
	}
}

func (g *gen) reconnect(o *Op, split, persistentRole bool) {
	if g.chance(30) {
		return // plain reattach, no watches restored
	}
	o.SetWatches2 = g.chance(50) || persistentRole
	first, last := 0, 3
	switch {
	case persistentRole:
		first, last = 3, 5
	case o.SetWatches2 && !split:
		last = 5
	}
	for i := first; i < last; i++ {
		for j, n := 0, g.pick(3); j < n; j++ {
			p := g.node(false)
			if persistentRole {
				p = g.persistentPath(i == 4)
			}
			o.Watches[i] = append(o.Watches[i], p)
		}
	}
}

// persistentPath picks a path for a recursive (R, R/a) or persistent
// (anything else) watch of the persistent-watch session.
func (g *gen) persistentPath(recursive bool) string {
	if recursive {
		return recursivePaths[g.pick(len(recursivePaths))]
	}
	for i := 0; i < 100; i++ {
		p := g.watchPath()
		if p != "" && p != "/a" {
			return p
		}
	}
	return "/c"
}
