package robust

import (
	"fmt"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// opcodeCases send opcodes a server must refuse or treat specially.
func opcodeCases() []hostileCase {
	unknown := func(name string, op int32) hostileCase {
		return hostileCase{name: name, send: func() []byte { return rawRequest(1, proto.OpCode(op), pathBody("/")) }, replies: 1, want: "1:-6 closed"}
	}
	return []hostileCase{
		unknown("op/unknown-99", 99),
		unknown("op/unknown-minus-100", -100),
		unknown("op/unknown-0x7fffffff", 0x7fffffff),
		unknown("op/notification-0", 0),
		unknown("op/gap-10", 10),
		unknown("op/gap-23", 23),
		unknown("op/error-minus-1", -1),
		{name: "op/check-standalone", send: func() []byte {
			return request(1, proto.OpCheck, &proto.CheckVersionRequest{Path: "/", Version: -1})
		}, replies: 1, want: "open"},
		{name: "op/delete-container-from-client", send: func() []byte {
			return request(1, proto.OpDeleteContainer, &proto.DeleteRequest{Path: "/robust-none", Version: -1})
		}, replies: 1, want: "1:-8 open"},
		{name: "op/create-session-from-client", send: func() []byte {
			return rawRequest(1, proto.OpCreateSession, body(func(w *jute.Writer) { w.Int(6000) }))
		}, replies: 1, want: "0:* open"},
		{name: "op/sasl-unconfigured", send: func() []byte {
			return request(1, proto.OpSASL, &proto.GetSASLRequest{Token: []byte("token")})
		}, replies: 1, want: "1:OK open"},
		{name: "op/reconfig-standalone", send: func() []byte {
			return rawRequest(1, proto.OpReconfig, body(func(w *jute.Writer) { w.String(""); w.String(""); w.String(""); w.Long(-1) }))
		}, replies: 1, want: "1:-123 open"},
		{name: "op/close-session-then-request", send: func() []byte {
			return concat(request(1, proto.OpCloseSession, nil), exists(2, "/"))
		}, replies: 1, want: "1:OK closed || 1:OK 2:-112 closed || 1:OK 2:-12 closed"},
		{name: "op/close-session-then-write", send: func() []byte {
			return concat(request(1, proto.OpCloseSession, nil), create(2, "/robust-after-close"))
		}, replies: 1, want: "1:OK closed || 1:OK 2:-112 closed || 1:OK 2:-12 closed"},
		{name: "op/unknown-then-request", send: func() []byte { return concat(rawRequest(1, 99, nil), exists(2, "/")) }, replies: 1, want: "1:-6 2:OK closed || 1:-6 closed"},
		{name: "op/close-session-with-body", send: func() []byte {
			return rawRequest(1, proto.OpCloseSession, repeat([]byte{0xee}, 32))
		}, replies: 1, want: "1:OK closed"},
		{name: "op/ping-positive-xid", send: func() []byte { return request(5, proto.OpPing, nil) }, replies: 1, want: "-2:OK open"},
		{name: "op/ping-with-body", send: func() []byte { return rawRequest(proto.XidPing, proto.OpPing, repeat([]byte{7}, 40)) }, replies: 1, want: "-2:OK open"},
		{name: "op/who-am-i", send: func() []byte { return request(1, proto.OpWhoAmI, nil) }, replies: 1, want: "1:OK open"},
	}
}

// xidCases send client xids that are special to ZooKeeper.
func xidCases() []hostileCase {
	withXid := func(name string, xid int32, want string) hostileCase {
		return hostileCase{name: name, send: func() []byte { return exists(xid, "/") }, replies: 1, want: want}
	}
	return []hostileCase{
		withXid("xid/minus-1-notification", -1, "-1:OK open"),
		withXid("xid/minus-2-ping", -2, "-2:OK open"),
		withXid("xid/minus-4-auth", -4, "-4:OK open"),
		withXid("xid/minus-8-setwatches", -8, "-8:OK open"),
		withXid("xid/zero", 0, "0:OK open"),
		withXid("xid/min-int32", -0x80000000, "-2147483648:OK open"),
		{name: "xid/write-with-minus-1", send: func() []byte { return create(-1, "/robust-xid-minus-1") }, replies: 1, want: "-1:OK open"},
		{name: "xid/setwatches-with-xid-1", send: func() []byte {
			return request(1, proto.OpSetWatches, &proto.SetWatches{ExistWatches: []string{"/robust-none"}, DataWatches: []string{}, ChildWatches: []string{}})
		}, replies: 1, want: "1:OK open"},
		{name: "xid/auth-with-xid-7", send: func() []byte {
			return request(7, proto.OpAuth, &proto.AuthPacket{Scheme: "digest", Auth: []byte("robust:secret")})
		}, replies: 1, want: "7:OK open"},
		{name: "xid/same-xid-3000-reads", send: func() []byte { return repeat(exists(7, "/"), 3000) }, replies: 3000, want: "7:OK×3000 open"},
		{name: "xid/descending-xids", send: func() []byte { return concat(exists(9, "/"), exists(3, "/"), exists(1, "/")) }, replies: 3, want: "9:OK 3:OK 1:OK open"},
	}
}

// authCases send auth packets (xid -4, opcode 100).
func authCases() []hostileCase {
	auth := func(name, scheme string, data []byte, want string) hostileCase {
		return hostileCase{name: name, send: func() []byte {
			return request(proto.XidAuth, proto.OpAuth, &proto.AuthPacket{Scheme: scheme, Auth: data})
		}, replies: 1, want: want}
	}
	return []hostileCase{
		auth("auth/unknown-scheme", "bogus", []byte("x"), "-4:-115 closed"),
		auth("auth/empty-scheme", "", []byte("x"), "-4:-115 closed"),
		auth("auth/world-scheme", "world", []byte("anyone"), "-4:-115 closed"),
		auth("auth/super-scheme", "super", []byte("x"), "-4:-115 closed"),
		auth("auth/sasl-scheme", "sasl", []byte("x"), "-4:-115 closed"),
		auth("auth/invalid-utf8-scheme", "dig\xffest", []byte("robust:secret"), "-4:-115 closed"),
		auth("auth/digest-without-colon", "digest", []byte("nocolon"), "-4:OK open"),
		auth("auth/digest-null-auth", "digest", nil, "-4:-115 closed"),
		auth("auth/digest-empty-auth", "digest", []byte{}, "-4:OK open"),
		auth("auth/ip-scheme", "ip", []byte("10.0.0.1"), "-4:OK open"),
		{name: "auth/nonzero-type", send: func() []byte {
			return request(proto.XidAuth, proto.OpAuth, &proto.AuthPacket{Type: 7, Scheme: "digest", Auth: []byte("robust:secret")})
		}, replies: 1, want: "-4:OK open"},
		{name: "auth/scheme-length-huge", send: func() []byte {
			return rawRequest(proto.XidAuth, proto.OpAuth, body(func(w *jute.Writer) { w.Int(0); w.Int(0x7fffffff); w.Buf = append(w.Buf, "digest"...) }))
		}, want: "closed"},
		{name: "auth/5000-distinct-digests-then-write", send: func() []byte {
			var out []byte
			for i := 0; i < 5000; i++ {
				out = append(out, request(proto.XidAuth, proto.OpAuth, &proto.AuthPacket{Scheme: "digest", Auth: []byte(fmt.Sprintf("user%05d:pw", i))})...)
			}
			return concat(out, create(1, "/robust-many-auth"), exists(2, "/robust-many-auth"))
		}, replies: 5002, wait: idleWait, want: "-4:OK×5000 1:OK 2:OK open"},
		{name: "auth/no-body", send: func() []byte { return rawRequest(proto.XidAuth, proto.OpAuth, nil) }, want: "closed"},
	}
}
