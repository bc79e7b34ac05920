package server

import (
	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// decode reads a request record from body.
func decode(body []byte, rec proto.Record) error {
	r := jute.NewReader(body)
	rec.Decode(r)
	return r.Err()
}

// answerRead answers a read-class request from the applied state and
// registers the watch it asks for (state loop).
func (s *Server) answerRead(c *conn, r *request) {
	zxid := s.fsm.LastZxid()
	switch r.op {
	case proto.OpWhoAmI:
		s.reply(c, r.xid, zxid, proto.OK, s.whoAmI(c))
		return
	case proto.OpSetWatches, proto.OpSetWatches2:
		s.setWatches(c, r)
		return
	case proto.OpCheckWatches, proto.OpRemoveWatches:
		var req proto.CheckWatchesRequest
		if err := decode(r.body, &req); err != nil || req.Type < proto.WatcherChildren || req.Type > proto.WatcherPersistentRecursive {
			s.reply(c, r.xid, zxid, proto.ErrMarshallingError, nil)
			return
		}
		var found bool
		if r.op == proto.OpCheckWatches {
			found = s.watches.Has(c.id, req.Path, req.Type)
		} else {
			found = s.watches.Remove(c.id, req.Path, req.Type)
		}
		code := proto.OK
		if !found {
			code = proto.ErrNoWatcher
		}
		s.reply(c, r.xid, zxid, code, nil)
		return
	case proto.OpAddWatch:
		var req proto.AddWatchRequest
		if err := decode(r.body, &req); err != nil || (req.Mode != proto.AddWatchPersistent && req.Mode != proto.AddWatchPersistentRecursive) {
			s.reply(c, r.xid, zxid, proto.ErrMarshallingError, nil)
			return
		}
		s.watches.AddPersistent(c.id, req.Path, req.Mode == proto.AddWatchPersistentRecursive)
		s.reply(c, r.xid, zxid, proto.OK, &proto.ErrorResponse{Err: proto.OK})
		return
	}
	req := proto.NewRequest(r.op)
	if req == nil || decode(r.body, req) != nil {
		s.reply(c, r.xid, zxid, proto.ErrMarshallingError, nil)
		return
	}
	resp, code := s.fsm.Read(c.session, s.authFor(c), r.op, req)
	s.registerWatch(c, req, code)
	s.reply(c, r.xid, zxid, code, resp)
}

// authFor returns the ids ACL checks run with; skipACL acts as super.
func (s *Server) authFor(c *conn) []proto.Id {
	if s.cfg.SkipACL {
		return superAuth
	}
	return c.auth
}

var superAuth = []proto.Id{{Scheme: "super", ID: ""}}

// registerWatch adds the watch a read asked for, following ZooKeeper:
// exists watches even an absent node; getData/getChildren only on success.
// multiRead never sets a watch: ZooKeeper drops its sub-requests' watch
// flags when it decodes them.
func (s *Server) registerWatch(c *conn, req proto.Record, code proto.Code) {
	switch q := req.(type) {
	case *proto.ExistsRequest:
		if q.Watch && (code == proto.OK || code == proto.ErrNoNode) {
			s.watches.AddData(c.id, q.Path)
		}
	case *proto.GetDataRequest:
		if q.Watch && code == proto.OK {
			s.watches.AddData(c.id, q.Path)
		}
	case *proto.GetChildrenRequest:
		if q.Watch && code == proto.OK {
			s.watches.AddChild(c.id, q.Path)
		}
	case *proto.GetChildren2Request:
		if q.Watch && code == proto.OK {
			s.watches.AddChild(c.id, q.Path)
		}
	}
}

// setWatches re-registers a reconnecting client's watches, sending the
// catch-up events ZooKeeper sends for changes after relativeZxid
// (PROTOCOL.md §5.6). Catch-up events carry zxid -1.
func (s *Server) setWatches(c *conn, r *request) {
	var sw proto.SetWatches2
	if r.op == proto.OpSetWatches {
		var old proto.SetWatches
		if err := decode(r.body, &old); err != nil {
			s.reply(c, r.xid, s.fsm.LastZxid(), proto.ErrMarshallingError, nil)
			return
		}
		sw = proto.SetWatches2{RelativeZxid: old.RelativeZxid, DataWatches: old.DataWatches, ExistWatches: old.ExistWatches, ChildWatches: old.ChildWatches}
	} else if err := decode(r.body, &sw); err != nil {
		s.reply(c, r.xid, s.fsm.LastZxid(), proto.ErrMarshallingError, nil)
		return
	}
	t := s.fsm.Tree()
	rel := sw.RelativeZxid
	for _, p := range sw.DataWatches {
		n, ok := t.Get(p)
		switch {
		case !ok:
			s.notify(c, proto.EventNodeDeleted, p, -1)
		case n.Mzxid() > rel:
			s.notify(c, proto.EventNodeDataChanged, p, -1)
		default:
			s.watches.AddData(c.id, p)
		}
	}
	for _, p := range sw.ExistWatches {
		if _, ok := t.Get(p); ok {
			s.notify(c, proto.EventNodeCreated, p, -1)
		} else {
			s.watches.AddData(c.id, p)
		}
	}
	for _, p := range sw.ChildWatches {
		n, ok := t.Get(p)
		switch {
		case !ok:
			s.notify(c, proto.EventNodeDeleted, p, -1)
		case n.Pzxid() > rel:
			s.notify(c, proto.EventNodeChildrenChanged, p, -1)
		default:
			s.watches.AddChild(c.id, p)
		}
	}
	for _, p := range sw.PersistentWatches {
		s.watches.AddPersistent(c.id, p, false)
	}
	for _, p := range sw.PersistentRecursiveWatches {
		s.watches.AddPersistent(c.id, p, true)
	}
	// ZooKeeper echoes the request's xid: -8 from clients that send it so,
	// an ordinary xid from the 3.6+ Java client, which checks the order.
	s.reply(c, r.xid, s.fsm.LastZxid(), proto.OK, nil)
}
