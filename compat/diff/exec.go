package diff

import (
	"fmt"
	"time"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// closeWait bounds how long the runner waits for a server to close a
// connection it is expected to close.
const closeWait = time.Second

// exec sends the op's request(s) on the slot's connection and adds the
// reply's fields. It returns the zxid of a write's reply (the zxid its
// notifications should carry), or 0.
func (r *runner) exec(o Op, sl *slot, b *builder) int64 {
	c := sl.c
	switch o.Kind {
	case KindAuth:
		scheme, auth := "ip", []byte(nil)
		if o.Auth != "" {
			scheme, auth = "digest", []byte(o.Auth)
		}
		h, _, err := c.call(proto.OpAuth, &proto.AuthPacket{Scheme: scheme, Auth: auth})
		if !r.header(b, h, err) {
			return 0
		}
		if h.Err == proto.OK && scheme == "digest" {
			sl.addID(proto.Id{Scheme: "digest", ID: digestID(o.Auth)})
		}
		return 0
	case KindBadAuth:
		h, _, err := c.call(proto.OpAuth, &proto.AuthPacket{Scheme: o.Auth, Auth: []byte("x")})
		r.header(b, h, err)
		b.add("closed", fmt.Sprint(c.awaitClose(closeWait)))
		r.reattach(o, sl, b)
		return 0
	case KindUnknownOp:
		h, _, err := c.call(o.Code, nil)
		r.header(b, h, err)
		b.add("closed", fmt.Sprint(c.awaitClose(closeWait)))
		r.reattach(o, sl, b)
		return 0
	case KindStandaloneCheck:
		h, body, err := c.callThenPing(proto.OpCheck, &proto.CheckVersionRequest{Path: r.resolve(o.Path), Version: o.Version})
		if r.header(b, h, err) {
			b.addInt("bodyLen", int64(len(body)))
		}
		r.reattach(o, sl, b)
		return 0
	case KindReconnect:
		r.reattach(o, sl, b)
		return 0
	case KindExpireSession:
		return r.expire(o, sl, b)
	case KindCloseSession:
		h, _, err := c.call(proto.OpCloseSession, nil)
		r.header(b, h, err)
		b.add("closed", fmt.Sprint(c.awaitClose(closeWait)))
		sl.carry = append(sl.carry, c.pending...)
		c.pending = nil
		c.close()
		sl.c = nil
		return h.Zxid
	}
	if o.Kind == KindCheckWatches && r.checkWatchesDiffers(sl, r.resolve(o.Path), proto.WatcherType(o.Mode)) {
		r.gaps = append(r.gaps, "check-watches-semantics")
	}
	code, req := r.request(o)
	h, body, err := c.call(code, req)
	if !r.header(b, h, err) {
		return 0
	}
	r.noteWatches(o, sl, h.Err)
	rec := r.decode(o, code, h, body, b)
	if rec != nil {
		r.describe(b, "", rec)
		r.model(o, sl, rec)
	}
	switch o.Kind {
	case KindCreate, KindDelete, KindSetData, KindSetACL, KindMulti:
		return h.Zxid
	}
	return 0
}

// header adds the reply header fields; false when there was no reply.
func (r *runner) header(b *builder, h proto.ReplyHeader, err error) bool {
	if err != nil {
		switch err {
		case errClosed:
			b.add("err", "connection closed")
		case errTimeout, errUnanswered:
			b.add("err", "no reply")
		default:
			b.add("err", err.Error())
		}
		return false
	}
	b.add("err", h.Err.String())
	b.addHeaderZxid("zxid", h.Zxid)
	return true
}

func (sl *slot) addID(id proto.Id) {
	for _, have := range sl.ids {
		if have == id {
			return
		}
	}
	sl.ids = append(sl.ids, id)
}

// request builds the wire request of a single-request op.
func (r *runner) request(o Op) (proto.OpCode, proto.Record) {
	p := r.resolve(o.Path)
	switch o.Kind {
	case KindCreate:
		return o.Code, r.createRecord(o)
	case KindDelete:
		return proto.OpDelete, &proto.DeleteRequest{Path: p, Version: o.Version}
	case KindExists:
		return proto.OpExists, &proto.ExistsRequest{Path: p, Watch: o.Watch}
	case KindGetData:
		return proto.OpGetData, &proto.GetDataRequest{Path: p, Watch: o.Watch}
	case KindSetData:
		return proto.OpSetData, &proto.SetDataRequest{Path: p, Data: o.Data, Version: o.Version}
	case KindGetACL:
		return proto.OpGetACL, &proto.GetACLRequest{Path: p}
	case KindSetACL:
		return proto.OpSetACL, &proto.SetACLRequest{Path: p, ACL: aclShapes[o.ACL].acl, Version: o.Version}
	case KindGetChildren:
		return proto.OpGetChildren, &proto.GetChildrenRequest{Path: p, Watch: o.Watch}
	case KindGetChildren2:
		return proto.OpGetChildren2, &proto.GetChildren2Request{Path: p, Watch: o.Watch}
	case KindSync:
		return proto.OpSync, &proto.SyncRequest{Path: p}
	case KindMulti, KindMultiRead:
		m := &proto.MultiRequest{}
		for _, s := range o.Sub {
			m.Ops = append(m.Ops, r.subRequest(s))
		}
		if o.Kind == KindMultiRead {
			return proto.OpMultiRead, m
		}
		return proto.OpMulti, m
	case KindCheckWatches:
		return proto.OpCheckWatches, &proto.CheckWatchesRequest{Path: p, Type: proto.WatcherType(o.Mode)}
	case KindRemoveWatches:
		return proto.OpRemoveWatches, &proto.RemoveWatchesRequest{Path: p, Type: proto.WatcherType(o.Mode)}
	case KindAddWatch:
		return proto.OpAddWatch, &proto.AddWatchRequest{Path: p, Mode: proto.AddWatchMode(o.Mode)}
	case KindGetEphemerals:
		return proto.OpGetEphemerals, &proto.GetEphemeralsRequest{PrefixPath: p}
	case KindGetAllChildrenNumber:
		return proto.OpGetAllChildrenNumber, &proto.GetAllChildrenNumberRequest{Path: p}
	case KindWhoAmI:
		return proto.OpWhoAmI, nil
	case KindReconfig:
		return proto.OpReconfig, &proto.ReconfigRequest{JoiningServers: "server.9=127.0.0.1:2888:3888;2181",
			LeavingNull: true, NewMembersNull: true, CurConfigID: -1}
	}
	panic(fmt.Sprintf("diff: no request for %s", o.Kind))
}

func (r *runner) createRecord(o Op) proto.Record {
	p := r.resolve(o.Path)
	acl := aclShapes[o.ACL].acl
	if o.Code == proto.OpCreateTTL {
		return &proto.CreateTTLRequest{Path: p, Data: o.Data, ACL: acl, Flags: o.Flags, TTL: o.TTL}
	}
	return &proto.CreateRequest{Path: p, Data: o.Data, ACL: acl, Flags: o.Flags}
}

func (r *runner) subRequest(s Op) proto.MultiOp {
	p := r.resolve(s.Path)
	switch s.Kind {
	case KindCreate:
		return proto.MultiOp{Type: s.Code, Req: r.createRecord(s)}
	case KindDelete:
		return proto.MultiOp{Type: proto.OpDelete, Req: &proto.DeleteRequest{Path: p, Version: s.Version}}
	case KindSetData:
		return proto.MultiOp{Type: proto.OpSetData, Req: &proto.SetDataRequest{Path: p, Data: s.Data, Version: s.Version}}
	case KindCheck:
		return proto.MultiOp{Type: proto.OpCheck, Req: &proto.CheckVersionRequest{Path: p, Version: s.Version}}
	case KindGetData:
		return proto.MultiOp{Type: proto.OpGetData, Req: &proto.GetDataRequest{Path: p, Watch: s.Watch}}
	case KindGetChildren:
		return proto.MultiOp{Type: proto.OpGetChildren, Req: &proto.GetChildrenRequest{Path: p, Watch: s.Watch}}
	}
	panic(fmt.Sprintf("diff: no sub-request for %s", s.Kind))
}

// decode reads the reply body: header-only replies (err != 0, except
// multi and multiRead) and bodiless opcodes give nil.
func (r *runner) decode(o Op, code proto.OpCode, h proto.ReplyHeader, body []byte, b *builder) proto.Record {
	if h.Err != proto.OK && code != proto.OpMulti && code != proto.OpMultiRead {
		if len(body) > 0 {
			b.addInt("bodyLen", int64(len(body)))
		}
		return nil
	}
	rec := proto.NewResponse(code)
	if rec == nil {
		if len(body) > 0 {
			b.addInt("bodyLen", int64(len(body)))
		}
		return nil
	}
	rd := jute.NewReader(body)
	rec.Decode(rd)
	if rd.Err() != nil {
		b.add("decode", rd.Err().Error())
		return nil
	}
	if r.srv.Mutate != nil {
		r.srv.Mutate(o, rec)
	}
	return rec
}

// describe adds the normalised fields of a reply record under prefix.
func (r *runner) describe(b *builder, prefix string, rec proto.Record) {
	n := r.norm
	switch x := rec.(type) {
	case *proto.CreateResponse:
		b.add(prefix+"path", n.rel(x.Path))
	case *proto.Create2Response:
		b.add(prefix+"path", n.rel(x.Path))
		n.addStat(b, prefix+"stat.", &x.Stat)
	case *proto.ExistsResponse:
		n.addStat(b, prefix+"stat.", &x.Stat)
	case *proto.GetDataResponse:
		b.add(prefix+"data", showData(x.Data))
		n.addStat(b, prefix+"stat.", &x.Stat)
	case *proto.SetDataResponse:
		n.addStat(b, prefix+"stat.", &x.Stat)
	case *proto.SetACLResponse:
		n.addStat(b, prefix+"stat.", &x.Stat)
	case *proto.GetACLResponse:
		b.add(prefix+"acl", showACL(x.ACL))
		b.addInt(prefix+"aclLen", int64(len(x.ACL)))
		n.addStat(b, prefix+"stat.", &x.Stat)
	case *proto.GetChildrenResponse:
		b.add(prefix+"children", sortedSet(x.Children, func(s string) string { return s }))
	case *proto.GetChildren2Response:
		b.add(prefix+"children", sortedSet(x.Children, func(s string) string { return s }))
		n.addStat(b, prefix+"stat.", &x.Stat)
	case *proto.SyncResponse:
		b.add(prefix+"path", n.rel(x.Path))
	case *proto.GetEphemeralsResponse:
		b.add(prefix+"ephemerals", sortedSet(x.Ephemerals, n.rel))
	case *proto.GetAllChildrenNumberResponse:
		b.addInt(prefix+"total", int64(x.TotalNumber))
	case *proto.ErrorResponse:
		b.add(prefix+"body.err", x.Err.String())
	case *proto.WhoAmIResponse:
		// ZooKeeper keeps a connection's auth ids in a hash set: a set.
		var ids []string
		for _, ci := range x.ClientInfo {
			ids = append(ids, ci.AuthScheme+":"+ci.User)
		}
		b.add(prefix+"whoami", sortedSet(ids, func(s string) string { return s }))
	case *proto.MultiResponse:
		b.addInt(prefix+"results", int64(len(x.Results)))
		for i, res := range x.Results {
			p := fmt.Sprintf("%sr%d.", prefix, i)
			b.add(p+"type", res.Type.String())
			b.add(p+"err", res.Err.String())
			if res.Resp != nil {
				if _, isErr := res.Resp.(*proto.ErrorResponse); !isErr {
					r.describe(b, p, res.Resp)
				}
			}
		}
	default:
		b.add(prefix+"record", fmt.Sprintf("%T", rec))
	}
}

// model updates the run's ACL and sequence bookkeeping after a reply.
func (r *runner) model(o Op, sl *slot, rec proto.Record) {
	switch x := rec.(type) {
	case *proto.CreateResponse:
		r.created(o, sl, x.Path)
	case *proto.Create2Response:
		r.created(o, sl, x.Path)
	case *proto.SetACLResponse:
		r.acls[r.resolve(o.Path)] = expandACL(aclShapes[o.ACL].acl, sl.ids)
	case *proto.MultiResponse:
		if o.Kind != KindMulti || len(x.Results) != len(o.Sub) {
			return
		}
		for _, res := range x.Results {
			if res.Type == proto.OpError {
				return
			}
		}
		for i, res := range x.Results {
			switch y := res.Resp.(type) {
			case *proto.CreateResponse:
				r.created(o.Sub[i], sl, y.Path)
			case *proto.Create2Response:
				r.created(o.Sub[i], sl, y.Path)
			}
		}
	}
}

func (r *runner) created(o Op, sl *slot, path string) {
	r.acls[path] = expandACL(aclShapes[o.ACL].acl, sl.ids)
	if o.Flags.Ephemeral() {
		sl.ephemerals = append(sl.ephemerals, path)
	}
	if o.Flags.Sequential() {
		r.lastSeq = path
	}
}
