package fsm

import (
	"bytes"

	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/session"
)

// createSession adds the entry's session. Re-applying an identical session
// is OK; another session under a taken id is ErrRuntimeInconsistency and
// changes nothing.
func (f *FSM) createSession(e *Entry) Result {
	s := session.Session{ID: e.Session, Timeout: e.Timeout, Password: e.Password}
	if f.sessions.Add(s) {
		return Result{}
	}
	old, _ := f.sessions.Get(e.Session)
	if old.Timeout == s.Timeout && bytes.Equal(old.Password, s.Password) {
		return Result{}
	}
	return Result{Err: proto.ErrRuntimeInconsistency}
}

// closeSession deletes the session's ephemerals, firing their delete
// changes, and removes the session. Closing an unknown session is OK.
func (f *FSM) closeSession(rq *request) Result {
	var changes []Change
	for _, path := range f.tree.Ephemerals(rq.session) {
		node, ok := f.tree.Get(path)
		if !ok || node.NumChildren() > 0 {
			continue // cannot happen: ephemerals have no children
		}
		acl := node.ACL()
		f.tree.Delete(path, rq.zxid)
		changes = append(changes, f.deleteChanges(path, acl)...)
	}
	f.sessions.Remove(rq.session)
	return Result{Changes: changes}
}

// reap deletes the candidates that are still expired at rq.time: childless
// containers that have had a child (or, with MaxNeverUsedMs set, never had
// one and were last modified longer ago than that) and childless TTL nodes
// last modified longer ago than their TTL. Other candidates are skipped.
func (f *FSM) reap(rq *request, paths []string) Result {
	var changes []Change
	for _, path := range paths {
		node, ok := f.tree.Get(path)
		if !ok || node.NumChildren() > 0 || !f.expired(node.Owner(), node.StoredCversion(), node.Mtime(), rq.time) {
			continue
		}
		acl := node.ACL()
		f.tree.Delete(path, rq.zxid)
		changes = append(changes, f.deleteChanges(path, acl)...)
	}
	return Result{Changes: changes}
}

// expired decides whether a childless node with the given raw owner, stored
// cversion and mtime is due for reaping at now.
func (f *FSM) expired(owner int64, cversion int32, mtime, now int64) bool {
	switch {
	case owner == proto.ContainerOwner:
		if cversion > 0 {
			return true
		}
		return f.cfg.MaxNeverUsedMs != 0 && now-mtime > f.cfg.MaxNeverUsedMs
	case isTTLOwner(owner):
		ttl := owner & proto.MaxTTL
		return ttl != 0 && now-mtime > ttl
	}
	return false
}
