package diff

import (
	"fmt"
	"strings"

	"github.com/zkd-io/zkd/proto"
)

// Kind is what an Op does. Most kinds are one request; the compound kinds
// (KindUnknownOp, KindBadAuth, KindStandaloneCheck, KindReconnect) also
// reattach the session, and KindExpireSession lets it expire.
type Kind int

// Op kinds.
const (
	KindCreate Kind = iota // opcode 1, 15, 19 or 21 (Op.Code)
	KindDelete
	KindExists
	KindGetData
	KindSetData
	KindGetACL
	KindSetACL
	KindGetChildren
	KindGetChildren2
	KindSync
	KindMulti
	KindMultiRead
	KindCheckWatches
	KindRemoveWatches
	KindAddWatch
	KindGetEphemerals
	KindGetAllChildrenNumber
	KindWhoAmI
	KindAuth // digest or ip auth that succeeds
	KindReconfig
	KindCloseSession
	KindReconnect       // drop the TCP connection, reattach, optionally setWatches(2)
	KindBadAuth         // auth with an unknown scheme (AuthFailed, close), then reattach
	KindStandaloneCheck // check (13) outside multi, then reattach
	KindUnknownOp       // an opcode no server knows (Unimplemented, close), then reattach
	KindExpireSession   // let the session expire, then try to reattach it (see expire.go)
	KindCheck           // check (13), only as a multi sub-op
)

var kindNames = [...]string{
	KindCreate: "create", KindDelete: "delete", KindExists: "exists",
	KindGetData: "getData", KindSetData: "setData", KindGetACL: "getACL",
	KindSetACL: "setACL", KindGetChildren: "getChildren",
	KindGetChildren2: "getChildren2", KindSync: "sync", KindMulti: "multi",
	KindMultiRead: "multiRead", KindCheckWatches: "checkWatches",
	KindRemoveWatches: "removeWatches", KindAddWatch: "addWatch",
	KindGetEphemerals: "getEphemerals", KindGetAllChildrenNumber: "getAllChildrenNumber",
	KindWhoAmI: "whoAmI", KindAuth: "auth", KindReconfig: "reconfig",
	KindCloseSession: "closeSession", KindReconnect: "reconnect",
	KindBadAuth: "badAuth", KindStandaloneCheck: "standaloneCheck",
	KindUnknownOp: "unknownOp", KindExpireSession: "expireSession", KindCheck: "check",
}

func (k Kind) String() string {
	if int(k) >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// reattaches reports whether the op ends by reattaching its session on a
// new connection.
func (k Kind) reattaches() bool {
	switch k {
	case KindReconnect, KindBadAuth, KindStandaloneCheck, KindUnknownOp:
		return true
	}
	return false
}

// Op is one step of a stream. Paths are templates resolved per run by
// resolvePath: "" is the run root R, "/x" is R+"/x", "~/x" is the absolute
// path "/x" (outside the run root), "~x" is the raw string "x" and "@seq"
// is the last sequential node this run created on that server.
type Op struct {
	Kind    Kind
	Session int          // slot, 0-based
	Code    proto.OpCode // the opcode for KindCreate and KindUnknownOp
	Path    string
	Data    []byte // nil is a null buffer
	Version int32
	Flags   proto.CreateMode
	TTL     int64
	ACL     int  // index into aclShapes
	Watch   bool // exists/getData/getChildren(2)
	// Mode is the addWatch mode or the checkWatches/removeWatches type.
	Mode int32
	// Auth is "user:password" for digest auth, "" for ip auth (KindAuth),
	// the scheme for KindBadAuth.
	Auth string
	Sub  []Op // multi / multiRead sub-ops (Kind/Code/Path/...; Session unused)
	// Watches are the lists a reconnect sends: data, exist, child,
	// persistent, persistent-recursive. SetWatches2 selects opcode 105
	// (else 101, which carries only the first three). No lists, no packet.
	Watches     [5][]string
	SetWatches2 bool
	// Silent (KindExpireSession) keeps the connection open and quiet until
	// the server expires the session and closes it; otherwise the runner
	// drops the TCP connection without closeSession first.
	Silent bool
}

// hasWatches reports whether a reconnect restores any watch.
func (o Op) hasWatches() bool {
	for _, l := range o.Watches {
		if len(l) > 0 {
			return true
		}
	}
	return false
}

// String renders the op the way a failure report prints it.
func (o Op) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "s%d %s", o.Session, o.Kind)
	o.args(&b)
	return b.String()
}

func (o Op) args(b *strings.Builder) {
	switch o.Kind {
	case KindCreate:
		fmt.Fprintf(b, "(%s) %s data=%s flags=%d acl=%s", o.Code, showPath(o.Path), showData(o.Data), o.Flags, aclShapes[o.ACL].name)
		if o.Code == proto.OpCreateTTL {
			fmt.Fprintf(b, " ttl=%d", o.TTL)
		}
	case KindDelete:
		fmt.Fprintf(b, " %s v=%d", showPath(o.Path), o.Version)
	case KindExists, KindGetData, KindGetChildren, KindGetChildren2:
		fmt.Fprintf(b, " %s watch=%v", showPath(o.Path), o.Watch)
	case KindSetData:
		fmt.Fprintf(b, " %s data=%s v=%d", showPath(o.Path), showData(o.Data), o.Version)
	case KindSetACL:
		fmt.Fprintf(b, " %s acl=%s v=%d", showPath(o.Path), aclShapes[o.ACL].name, o.Version)
	case KindGetACL, KindSync, KindGetEphemerals, KindGetAllChildrenNumber:
		fmt.Fprintf(b, " %s", showPath(o.Path))
	case KindCheckWatches, KindRemoveWatches:
		fmt.Fprintf(b, " %s type=%d", showPath(o.Path), o.Mode)
	case KindAddWatch:
		fmt.Fprintf(b, " %s mode=%d", showPath(o.Path), o.Mode)
	case KindAuth:
		if o.Auth == "" {
			b.WriteString(" ip")
		} else {
			fmt.Fprintf(b, " digest %q", o.Auth)
		}
	case KindBadAuth:
		fmt.Fprintf(b, " scheme=%q", o.Auth)
	case KindStandaloneCheck:
		fmt.Fprintf(b, " %s v=%d", showPath(o.Path), o.Version)
	case KindUnknownOp:
		fmt.Fprintf(b, " opcode=%d", o.Code)
	case KindExpireSession:
		if o.Silent {
			b.WriteString(" silent")
		} else {
			b.WriteString(" drop")
		}
	case KindReconnect:
		if o.SetWatches2 {
			b.WriteString(" setWatches2")
		} else if o.hasWatches() {
			b.WriteString(" setWatches")
		}
		names := [5]string{"data", "exist", "child", "persistent", "recursive"}
		for i, l := range o.Watches {
			if len(l) > 0 {
				ps := make([]string, len(l))
				for j, p := range l {
					ps[j] = showPath(p)
				}
				fmt.Fprintf(b, " %s=[%s]", names[i], strings.Join(ps, " "))
			}
		}
	case KindMulti, KindMultiRead:
		b.WriteString(" [")
		for i, s := range o.Sub {
			if i > 0 {
				b.WriteString("; ")
			}
			s.subString(b)
		}
		b.WriteString("]")
	}
}

func (o Op) subString(b *strings.Builder) {
	switch o.Kind {
	case KindCreate:
		fmt.Fprintf(b, "%s %s flags=%d acl=%s", o.Code, showPath(o.Path), o.Flags, aclShapes[o.ACL].name)
		if o.Code == proto.OpCreateTTL {
			fmt.Fprintf(b, " ttl=%d", o.TTL)
		}
	case KindDelete:
		fmt.Fprintf(b, "delete %s v=%d", showPath(o.Path), o.Version)
	case KindSetData:
		fmt.Fprintf(b, "setData %s data=%s v=%d", showPath(o.Path), showData(o.Data), o.Version)
	case KindCheck:
		fmt.Fprintf(b, "check %s v=%d", showPath(o.Path), o.Version)
	case KindGetData, KindGetChildren:
		fmt.Fprintf(b, "%s %s watch=%v", o.Kind, showPath(o.Path), o.Watch)
	default:
		b.WriteString(o.Kind.String())
	}
}

// showPath renders a path template: R for the run root.
func showPath(p string) string {
	switch {
	case p == "@seq":
		return "<last sequential>"
	case strings.HasPrefix(p, "~"):
		return fmt.Sprintf("%q", p[1:])
	}
	return fmt.Sprintf("%q", "R"+p)
}

func showData(d []byte) string {
	if d == nil {
		return "null"
	}
	return fmt.Sprintf("%q", d)
}

// FormatOps renders a stream one op per line, numbered.
func FormatOps(ops []Op) string {
	var b strings.Builder
	for i, o := range ops {
		fmt.Fprintf(&b, "  %3d  %s\n", i, o)
	}
	return b.String()
}
