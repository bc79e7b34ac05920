package java

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// Kinds of captured exchange (the "kind" line of a golden file).
const (
	kindConnect      = "connect"      // ConnectRequest / ConnectResponse
	kindRequest      = "request"      // RequestHeader+body / ReplyHeader+body
	kindNotification = "notification" // ReplyHeader{xid -1} + WatcherEvent, no request
)

// exchange is one request frame and its reply frame, whole (4-byte length
// included), as they crossed the wire.
type exchange struct {
	kind string
	op   proto.OpCode // the request's type; OpNotification for notifications
	req  []byte       // nil for a notification
	resp []byte
}

// splitFrames cuts a byte stream into whole length-prefixed frames; a cut
// frame at the end (a connection dropped mid-write) is left out.
func splitFrames(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= 4 {
		n := int(int32(binary.BigEndian.Uint32(b)))
		if n < 0 || 4+n > len(b) {
			break
		}
		out = append(out, b[:4+n])
		b = b[4+n:]
	}
	return out
}

// pairConn turns one connection's two streams into exchanges: the
// handshake pair, each request with the reply of the same xid (replies to
// a repeated special xid such as ping's -2 are matched first come, first
// served), and each notification alone. Requests without a reply are left
// out.
func pairConn(toServer, toClient []byte) []exchange {
	reqs := splitFrames(toServer)
	resps := splitFrames(toClient)
	if len(reqs) == 0 || len(resps) == 0 {
		return nil
	}
	out := []exchange{{kind: kindConnect, req: reqs[0], resp: resps[0]}}
	waiting := map[int32][][]byte{}
	for _, f := range reqs[1:] {
		if len(f) < 4+proto.RequestHeaderSize {
			continue
		}
		xid := int32(binary.BigEndian.Uint32(f[4:]))
		waiting[xid] = append(waiting[xid], f)
	}
	for _, f := range resps[1:] {
		if len(f) < 4+proto.ReplyHeaderSize {
			continue
		}
		xid := int32(binary.BigEndian.Uint32(f[4:]))
		if xid == proto.XidNotification {
			out = append(out, exchange{kind: kindNotification, op: proto.OpNotification, resp: f})
			continue
		}
		q := waiting[xid]
		if len(q) == 0 {
			continue // a reply to nothing seen: not a golden pair
		}
		req := q[0]
		waiting[xid] = q[1:]
		op := proto.OpCode(int32(binary.BigEndian.Uint32(req[8:])))
		out = append(out, exchange{kind: kindRequest, op: op, req: req, resp: f})
	}
	return out
}

// errName is a reply code as a file-name part: "ok", "no_node", ...
func errName(c proto.Code) string {
	s := strings.TrimPrefix(c.String(), "zk: ")
	return strings.ReplaceAll(s, " ", "_")
}

// variant names an exchange by what distinguishes it on the wire: the
// opcode, the shape of the request (create mode, watch flag, null data,
// multi sub-ops, watch type) and the outcome. The first exchange of each
// variant becomes a golden file.
func variant(x exchange) string {
	switch x.kind {
	case kindConnect:
		return connectVariant(x)
	case kindNotification:
		var h proto.ReplyHeader
		var e proto.WatcherEvent
		r := jute.NewReader(x.resp[4:])
		h.Decode(r)
		e.Decode(r)
		if r.Err() != nil {
			return "notification_undecodable"
		}
		return "notification_" + e.Type.String()
	}
	name := x.op.String()
	r := jute.NewReader(x.req[4:])
	var h proto.RequestHeader
	h.Decode(r)
	body := proto.NewRequest(x.op)
	if body != nil {
		body.Decode(r)
	}
	if r.Err() != nil {
		return name + "_undecodable"
	}
	name += requestShape(body)
	var rh proto.ReplyHeader
	rr := jute.NewReader(x.resp[4:])
	rh.Decode(rr)
	outcome := errName(rh.Err)
	if rh.Err == proto.OK && (x.op == proto.OpMulti || x.op == proto.OpMultiRead) {
		var m proto.MultiResponse
		m.Decode(rr)
		for _, res := range m.Results {
			if res.Err != proto.OK {
				outcome = "partial_" + errName(res.Err)
				break
			}
		}
	}
	return name + "_" + outcome
}

func connectVariant(x exchange) string {
	var req proto.ConnectRequest
	var resp proto.ConnectResponse
	r := jute.NewReader(x.req[4:])
	req.Decode(r)
	rr := jute.NewReader(x.resp[4:])
	resp.Decode(rr)
	if r.Err() != nil || rr.Err() != nil {
		return "connect_undecodable"
	}
	name := "connect_new"
	if req.SessionID != 0 {
		name = "connect_reattach"
	}
	if resp.TimeOut <= 0 {
		name += "_rejected"
	}
	if !req.HasReadOnly {
		name += "_no_readonly"
	}
	return name
}

var createModes = map[proto.CreateMode]string{
	proto.ModePersistent: "persistent", proto.ModeEphemeral: "ephemeral",
	proto.ModePersistentSequential: "persistent_sequential", proto.ModeEphemeralSequential: "ephemeral_sequential",
	proto.ModeContainer: "container", proto.ModePersistentWithTTL: "persistent_with_ttl",
	proto.ModePersistentSequentialWithTTL: "persistent_sequential_with_ttl",
}

var watcherTypes = map[proto.WatcherType]string{
	proto.WatcherChildren: "children", proto.WatcherData: "data", proto.WatcherAny: "any",
	proto.WatcherPersistent: "persistent", proto.WatcherPersistentRecursive: "persistent_recursive",
}

// requestShape is the part of a variant name that a request body adds.
func requestShape(body proto.Record) string {
	watch := func(w bool) string {
		if w {
			return "_watch"
		}
		return ""
	}
	null := func(b []byte) string {
		if b == nil {
			return "_nulldata"
		}
		return ""
	}
	switch b := body.(type) {
	case *proto.CreateRequest:
		return "_" + createModes[proto.CreateMode(b.Flags)] + null(b.Data)
	case *proto.CreateTTLRequest:
		return "_" + createModes[proto.CreateMode(b.Flags)] + null(b.Data)
	case *proto.SetDataRequest:
		return null(b.Data)
	case *proto.ExistsRequest:
		return watch(b.Watch)
	case *proto.GetDataRequest:
		if b.Path == "/zookeeper/config" {
			return "_config" + watch(b.Watch)
		}
		return watch(b.Watch)
	case *proto.GetChildrenRequest:
		return watch(b.Watch)
	case *proto.GetChildren2Request:
		return watch(b.Watch)
	case *proto.AddWatchRequest:
		if b.Mode == proto.AddWatchPersistentRecursive {
			return "_persistent_recursive"
		}
		return "_persistent"
	case *proto.CheckWatchesRequest:
		return "_" + watcherTypes[b.Type]
	case *proto.RemoveWatchesRequest:
		return "_" + watcherTypes[b.Type]
	case *proto.AuthPacket:
		return "_" + b.Scheme
	case *proto.MultiRequest:
		var ops []string
		for _, op := range b.Ops {
			ops = append(ops, op.Type.String())
		}
		if len(ops) == 0 {
			return "_empty"
		}
		return "_" + strings.Join(ops, "-")
	}
	return ""
}

// describe is a one-line summary of a frame for the golden file's comment.
func describe(x exchange) string {
	switch x.kind {
	case kindConnect:
		var req proto.ConnectRequest
		req.Decode(jute.NewReader(x.req[4:]))
		return fmt.Sprintf("ConnectRequest %+v", req)
	case kindNotification:
		return "watch notification"
	}
	r := jute.NewReader(x.req[4:])
	var h proto.RequestHeader
	h.Decode(r)
	body := proto.NewRequest(x.op)
	if body == nil {
		return fmt.Sprintf("xid %d %s, no body", h.Xid, h.Type)
	}
	body.Decode(r)
	if m, ok := body.(*proto.MultiRequest); ok {
		var ops []string
		for _, op := range m.Ops {
			ops = append(ops, fmt.Sprintf("%s %+v", op.Type, op.Req))
		}
		return fmt.Sprintf("xid %d %s [%s]", h.Xid, h.Type, strings.Join(ops, "; "))
	}
	return fmt.Sprintf("xid %d %s %+v", h.Xid, h.Type, body)
}
