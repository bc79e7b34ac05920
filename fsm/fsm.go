package fsm

import (
	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/session"
	"github.com/zkd-io/zkd/tree"
)

// Config holds the replicated behaviour switches. Every replica must use
// the same Config, or replicas diverge.
type Config struct {
	ExtendedTypes   bool // zookeeper.extendedTypesEnabled: TTL nodes allowed
	EnforceQuota    bool // zookeeper.enforceQuota: hard quotas reject
	SkipACL         bool // skipACL=yes: no ACL checks at all
	ReconfigEnabled bool // reconfigEnabled
	Standalone      bool // answer reconfig with Unimplemented (after the disabled and session checks)
	// NormalizeServer checks and rewrites the spec of a server line a
	// reconfig brings in ("host:quorum:election[:role][;[addr:]port]") to
	// the form /zookeeper/config holds; nil keeps specs as given. It must
	// be a pure function: every replica calls it with the same input.
	NormalizeServer func(id uint64, spec string) (string, error)
	MaxNeverUsedMs  int64 // znode.container.maxNeverUsedIntervalMs (0 = never reap never-used containers)
	MaxDataBytes    int   // jute.maxbuffer: larger create/setData data -> BadArguments (0 = no limit)
}

// Change is one watch trigger of an applied write, in firing order. ACL is
// the list that governs READ for delivering it.
type Change struct {
	Type proto.EventType
	Path string
	ACL  []proto.ACL
}

// Result is the outcome of applying one entry: the error code for the
// reply header, the response record (nil when the reply has no body) and
// the changes to fire.
type Result struct {
	Err     proto.Code
	Resp    proto.Record
	Changes []Change
	// SoftQuota lists the paths whose write went over a soft quota limit
	// (or a hard one while quotas are not enforced): ZooKeeper logs these
	// and lets the write through.
	SoftQuota []string
}

// FSM is the replicated state: the data tree and the session table.
type FSM struct {
	cfg      Config
	tree     *tree.Tree
	sessions *session.Table
	lastZxid int64
	// softQuota collects soft-quota warnings during one Apply.
	softQuota []string
}

// New returns a state machine with a fresh tree and no sessions.
func New(cfg Config) *FSM {
	return &FSM{cfg: cfg, tree: tree.New(), sessions: session.NewTable()}
}

// Tree returns the data tree. Callers must not mutate it.
func (f *FSM) Tree() *tree.Tree { return f.tree }

// Sessions returns the session table. Callers must not mutate it.
func (f *FSM) Sessions() *session.Table { return f.sessions }

// LastZxid returns the zxid (log index) of the last applied entry.
func (f *FSM) LastZxid() int64 { return f.lastZxid }

// Apply applies entry e committed at log index index and returns its
// result. zxid = int64(index); every entry consumes it.
func (f *FSM) Apply(index uint64, e *Entry) Result {
	f.lastZxid = int64(index)
	f.softQuota = nil
	rq := &request{session: e.Session, auth: e.Auth, zxid: int64(index), time: e.Time}
	var res Result
	switch e.Type {
	case EntryRequest:
		res = f.applyRequest(rq, e.Op, e.Body)
	case EntryCreateSession:
		res = f.createSession(e)
	case EntryCloseSession:
		res = f.closeSession(rq)
	case EntryReap:
		res = f.reap(rq, e.Paths)
	case EntryConfig:
		res = f.applyConfig(rq, e.Body)
	case EntryMoveSession:
		// Replicated state does not record where a session is served;
		// the entry orders the move among the writes so every server
		// can close the session's older connections (package server).
		if _, ok := f.sessions.Get(e.Session); !ok {
			res = Result{Err: proto.ErrSessionExpired}
		}
	default:
		res = Result{Err: proto.ErrMarshallingError}
	}
	res.SoftQuota, f.softQuota = f.softQuota, nil
	return res
}

// checkQuota applies the quota rules to a write of path and remembers a
// soft-limit excess for the Result.
func (f *FSM) checkQuota(path string, countDelta int, bytesDelta int64) error {
	soft, err := f.tree.CheckQuota(path, countDelta, bytesDelta, f.cfg.EnforceQuota)
	if err != nil {
		return err
	}
	if soft {
		f.softQuota = append(f.softQuota, path)
	}
	return nil
}

// request is the context of one applied request.
type request struct {
	session int64
	auth    []proto.Id
	zxid    int64
	time    int64
}

// live reports whether the request's session is in the table.
func (f *FSM) live(rq *request) bool {
	_, ok := f.sessions.Get(rq.session)
	return ok
}

// allowed is the ACL check with Config.SkipACL applied.
func (f *FSM) allowed(acl []proto.ACL, auth []proto.Id, perm int32) bool {
	return f.cfg.SkipACL || CheckACL(acl, auth, perm)
}

// tooLarge reports whether data exceeds Config.MaxDataBytes.
func (f *FSM) tooLarge(data []byte) bool {
	return f.cfg.MaxDataBytes > 0 && len(data) > f.cfg.MaxDataBytes
}

// deleteChanges returns the changes of deleting the node at path whose ACL
// before deletion was acl.
func (f *FSM) deleteChanges(path string, acl []proto.ACL) []Change {
	parent := tree.ParentOf(path)
	return []Change{
		{Type: proto.EventNodeDeleted, Path: path, ACL: acl},
		{Type: proto.EventNodeChildrenChanged, Path: parent, ACL: f.aclOf(parent)},
	}
}

// aclOf returns the ACL of the node at path, nil when it is absent.
func (f *FSM) aclOf(path string) []proto.ACL {
	if n := f.tree.Get(path); n != nil {
		return n.ACL()
	}
	return nil
}
