package fsm

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/zkd-io/zkd/proto"
)

// ConfigPath is the znode that holds the ensemble's membership.
const ConfigPath = "/zookeeper/config"

// Membership is an ensemble's configuration as /zookeeper/config shows it:
// one "server.N=<spec>" line per member, sorted by id, then
// "version=<hex>", the zxid of the entry that made it.
type Membership struct {
	Servers map[uint64]string // id -> spec (host:quorum:election:role;client:port)
	Version int64
}

// ParseMembership reads the text of /zookeeper/config. Lines that are
// neither server.N nor version are ignored, as ZooKeeper's properties
// parser ignores other keys.
func ParseMembership(data []byte) Membership {
	m := Membership{Servers: map[uint64]string{}}
	for line := range strings.SplitSeq(string(data), "\n") {
		key, value, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		if idText, ok := strings.CutPrefix(key, "server."); ok {
			if id, err := strconv.ParseUint(idText, 10, 64); err == nil {
				m.Servers[id] = value
			}
		} else if key == "version" {
			if v, err := strconv.ParseInt(value, 16, 64); err == nil {
				m.Version = v
			}
		}
	}
	return m
}

// Format writes m as /zookeeper/config holds it.
func (m Membership) Format() []byte {
	ids := slices.Sorted(maps.Keys(m.Servers))
	var b strings.Builder
	for _, id := range ids {
		b.WriteString("server.")
		b.WriteString(strconv.FormatUint(id, 10))
		b.WriteByte('=')
		b.WriteString(m.Servers[id])
		b.WriteByte('\n')
	}
	b.WriteString("version=")
	b.WriteString(strconv.FormatInt(m.Version, 16))
	return []byte(b.String())
}

// Participants counts the members whose spec does not say observer.
func (m Membership) Participants() int {
	n := 0
	for _, spec := range m.Servers {
		if !IsObserverSpec(spec) {
			n++
		}
	}
	return n
}

// IsObserverSpec reports whether a server spec's role is observer.
func IsObserverSpec(spec string) bool {
	server, _, _ := strings.Cut(spec, ";")
	parts := strings.Split(server, ":")
	return len(parts) >= 4 && strings.EqualFold(strings.TrimSpace(parts[len(parts)-1]), "observer")
}

// setConfig replaces /zookeeper/config with m, versioned by the entry's
// zxid, and reports the data change.
func (f *FSM) setConfig(rq *request, m Membership) (proto.Record, []Change) {
	m.Version = rq.zxid
	f.tree.SetData(ConfigPath, m.Format(), rq.zxid, rq.time)
	node, _ := f.tree.Get(ConfigPath)
	st := node.Stat()
	return &proto.GetDataResponse{Data: node.Data(), Stat: st},
		[]Change{{Type: proto.EventNodeDataChanged, Path: ConfigPath, ACL: node.ACL()}}
}

// applyConfig applies an EntryConfig: the first leader of an ensemble
// records the membership it was started with (Body: server lines).
func (f *FSM) applyConfig(rq *request, body []byte) Result {
	m := ParseMembership(body)
	if len(m.Servers) == 0 {
		return Result{Err: proto.ErrBadArguments}
	}
	_, changes := f.setConfig(rq, m)
	return Result{Changes: changes}
}

// reconfig applies ZooKeeper's reconfig (PrepRequestProcessor's checks in
// order): disabled, session, standalone (Unimplemented), WRITE on
// /zookeeper/config unless skipACL, curConfigId (BadVersion), then the
// new membership: non-incremental (newMembers) or incremental (leaving
// ids, then joining server.N=spec entries, each with a client port), with
// at least two participants (one when standalone mode is off). Specs are
// normalised by Config.NormalizeServer. The membership change itself is
// carried out by raft once the new /zookeeper/config is applied (package
// node); the reply is the new config's data and stat.
func (f *FSM) reconfig(rq *request, req *proto.ReconfigRequest) (proto.Record, []Change, proto.Code) {
	if !f.cfg.ReconfigEnabled {
		return nil, nil, proto.ErrReconfigDisabled
	}
	if !f.live(rq) {
		return nil, nil, proto.ErrSessionExpired
	}
	if f.cfg.Standalone {
		return nil, nil, proto.ErrUnimplemented
	}
	node, ok := f.tree.Get(ConfigPath)
	if !ok {
		return nil, nil, proto.ErrNoNode
	}
	if !f.cfg.SkipACL && !f.allowed(node.ACL(), rq.auth, proto.PermWrite) {
		return nil, nil, proto.ErrNoAuth
	}
	cur := ParseMembership(node.Data())
	if req.CurConfigID != -1 && req.CurConfigID != cur.Version {
		return nil, nil, proto.ErrBadVersion
	}
	next := Membership{Servers: map[uint64]string{}}
	if !req.NewMembersNull {
		for spec := range strings.SplitSeq(req.NewMembers, ",") {
			if strings.TrimSpace(spec) == "" {
				continue
			}
			if !f.addServer(next, spec, false) {
				return nil, nil, proto.ErrBadArguments
			}
		}
	} else {
		for id, spec := range cur.Servers {
			next.Servers[id] = spec
		}
		if !req.LeavingNull {
			for leaving := range strings.SplitSeq(req.LeavingServers, ",") {
				if strings.TrimSpace(leaving) == "" {
					continue // StringUtils.split drops empty tokens
				}
				id, err := strconv.ParseUint(strings.TrimSpace(leaving), 10, 64)
				if err != nil {
					return nil, nil, proto.ErrBadArguments
				}
				delete(next.Servers, id)
			}
		}
		if !req.JoiningNull {
			for spec := range strings.SplitSeq(req.JoiningServers, ",") {
				if strings.TrimSpace(spec) == "" {
					continue
				}
				if !f.addServer(next, spec, true) {
					return nil, nil, proto.ErrBadArguments
				}
			}
		}
	}
	if next.Participants() < 2 {
		// ZooKeeper: "new configuration must include at least 2
		// followers" while standaloneEnabled (zkd's default).
		return nil, nil, proto.ErrBadArguments
	}
	resp, changes := f.setConfig(rq, next)
	return resp, changes, proto.OK
}

// addServer parses "server.N=spec", normalises spec and puts it in m.
// needClient requires a client port (incremental joins, as ZooKeeper).
func (f *FSM) addServer(m Membership, entry string, needClient bool) bool {
	key, spec, ok := strings.Cut(strings.TrimSpace(entry), "=")
	if !ok {
		return false
	}
	key = strings.TrimSpace(key)
	id, err := strconv.ParseUint(key[strings.LastIndexByte(key, '.')+1:], 10, 64)
	if err != nil || id == 0 {
		return false
	}
	spec = strings.TrimSpace(spec)
	if needClient && !strings.Contains(spec, ";") {
		return false
	}
	if f.cfg.NormalizeServer != nil {
		if spec, err = f.cfg.NormalizeServer(id, spec); err != nil {
			return false
		}
	}
	m.Servers[id] = spec
	return true
}
