package robust

import (
	"strings"
	"time"

	"github.com/zkd-io/zkd/proto"
)

// idleWait bounds the wait for a server to close a connection that
// stalls: both servers drop a connection without a session after 10 s
// (zkd's handshake deadline; ZooKeeper's sessionless-connection timeout,
// which its expiry queue rounds up to the next 10 s boundary, so up to
// 20 s) and a session's connection once the session expires.
const idleWait = 23 * time.Second

func bytesOf(b ...byte) func() []byte { return func() []byte { return b } }

// handshakeCases are sent as the first bytes of a connection.
func handshakeCases() []hostileCase {
	goodConnect := connectFrame(6000)
	return []hostileCase{
		{name: "hs/negative-length", pre: true, send: func() []byte { return lengthOnly(-4) }, want: "closed"},
		{name: "hs/length-zero", pre: true, send: func() []byte { return lengthOnly(0) }, want: "closed"},
		{name: "hs/length-over-maxbuffer", pre: true, send: func() []byte { return concat(lengthOnly(maxBuffer+1), make([]byte, 64)) }, want: "closed"},
		{name: "hs/length-0x7fffffff", pre: true, send: func() []byte { return lengthOnly(0x7fffffff) }, want: "closed"},
		{name: "hs/length-field-cut-then-close", pre: true, send: bytesOf(0, 0), closeWrite: true, want: "closed"},
		{name: "hs/body-cut-then-close", pre: true, send: func() []byte { return goodConnect[:20] }, closeWrite: true, want: "closed"},
		{name: "hs/body-cut-then-idle", pre: true, send: func() []byte { return goodConnect[:20] }, noProbe: true, wait: idleWait, want: "closed"},
		{name: "hs/half-open-nothing-sent", pre: true, send: func() []byte { return nil }, noProbe: true, wait: idleWait, want: "closed"},
		{name: "hs/connect-too-short", pre: true, send: func() []byte { return rawFrame(make([]byte, 10)) }, want: "closed"},
		{name: "hs/connect-passwd-length-huge", pre: true, send: func() []byte {
			b := connectBody(0, 0, 6000, 0, nil, false)
			return rawFrame(concat(b[:len(b)-4], lengthOnly(0x7fffffff), make([]byte, 16)))
		}, want: "closed"},
		{name: "hs/connect-passwd-null", pre: true, send: func() []byte { return rawFrame(connectBody(0, 0, 6000, 0, nil, true)) }, replies: 1, want: "connect open"},
		{name: "hs/connect-without-readonly-byte", pre: true, send: func() []byte { return rawFrame(connectBody(0, 0, 6000, 0, make([]byte, 16), false)) }, replies: 1, want: "connect open"},
		{name: "hs/connect-trailing-garbage", pre: true, send: func() []byte {
			return rawFrame(concat(connectBody(0, 0, 6000, 0, make([]byte, 16), true), []byte(strings.Repeat("garbage", 8))))
		}, replies: 1, want: "connect open"},
		{name: "hs/connect-negative-timeout", pre: true, send: func() []byte { return rawFrame(connectBody(0, 0, -5, 0, make([]byte, 16), true)) }, replies: 1, want: "connect open"},
		{name: "hs/connect-protocol-version-99", pre: true, send: func() []byte { return rawFrame(connectBody(99, 0, 6000, 0, make([]byte, 16), true)) }, replies: 1, want: "connect open"},
		{name: "hs/connect-passwd-just-under-maxbuffer", pre: true, send: func() []byte {
			return sized(maxBuffer, func(n int) []byte { return rawFrame(connectBody(0, 0, 6000, 0, make([]byte, n), true)) })
		}, replies: 1, want: "connect open"},
		{name: "hs/connect-passwd-over-maxbuffer", pre: true, send: func() []byte {
			return sized(maxBuffer+1, func(n int) []byte { return rawFrame(connectBody(0, 0, 6000, 0, make([]byte, n), true)) })
		}, want: "closed"},
		{name: "hs/unknown-session", pre: true, send: func() []byte {
			return rawFrame(connectBody(0, 0, 6000, 0x0123456789, make([]byte, 16), true))
		}, replies: 1, want: "connect-invalid closed || closed"},
		{name: "hs/zxid-ahead-of-server", pre: true, send: func() []byte {
			return rawFrame(connectBody(0, 1<<40, 6000, 0, make([]byte, 16), true))
		}, want: "closed"},
		{name: "hs/pipelined-before-response", pre: true, send: func() []byte {
			return concat(goodConnect, exists(1, "/"), rawRequest(2, proto.OpGetData, pathBody("/zookeeper")),
				rawRequest(3, proto.OpGetChildren, pathBody("/zookeeper")))
		}, replies: 4, want: "connect 1:OK 2:OK 3:OK open"},
		{name: "hs/pipelined-auth-before-response", pre: true, send: func() []byte {
			return concat(goodConnect, request(proto.XidAuth, proto.OpAuth, &proto.AuthPacket{Scheme: "digest", Auth: []byte("robust:secret")}),
				request(1, proto.OpWhoAmI, nil))
		}, replies: 3, want: "connect -4:OK 1:OK open"},
		{name: "hs/pipelined-after-unknown-session", pre: true, send: func() []byte {
			return concat(rawFrame(connectBody(0, 0, 6000, 0x0123456789, make([]byte, 16), true)), exists(1, "/"))
		}, replies: 1, want: "connect-invalid closed || closed"},
		{name: "hs/pipelined-after-zxid-ahead", pre: true, send: func() []byte {
			return concat(rawFrame(connectBody(0, 1<<40, 6000, 0, make([]byte, 16), true)), exists(1, "/"))
		}, want: "closed"},
		{name: "hs/two-connects", pre: true, send: func() []byte { return concat(goodConnect, goodConnect) }, replies: 2, want: "connect 0:-6 closed"},
		{name: "hs/http-request", pre: true, send: func() []byte { return []byte("GET / HTTP/1.1\r\nHost: zk\r\n\r\n") }, want: "closed"},
		{name: "hs/tls-client-hello", pre: true, send: bytesOf(0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03), want: "closed"},
		{name: "hs/auth-as-first-packet", pre: true, send: func() []byte {
			return request(proto.XidAuth, proto.OpAuth, &proto.AuthPacket{Scheme: "digest", Auth: []byte("robust:secret")})
		}, want: "closed"},
		{name: "hs/ping-as-first-packet", pre: true, send: func() []byte { return request(proto.XidPing, proto.OpPing, nil) }, want: "closed"},
	}
}

// framingCases are sent after a completed handshake.
func framingCases() []hostileCase {
	return []hostileCase{
		{name: "fr/negative-length", send: func() []byte { return lengthOnly(-1) }, want: "closed"},
		{name: "fr/length-zero", send: func() []byte { return lengthOnly(0) }, want: "closed"},
		{name: "fr/length-over-maxbuffer", send: func() []byte { return concat(lengthOnly(maxBuffer+1), make([]byte, 64)) }, want: "closed"},
		{name: "fr/length-0x7fffffff", send: func() []byte { return lengthOnly(0x7fffffff) }, want: "closed"},
		{name: "fr/header-4-bytes", send: func() []byte { return rawFrame([]byte{0, 0, 0, 1}) }, want: "closed"},
		{name: "fr/header-7-bytes", send: func() []byte { return rawFrame([]byte{0, 0, 0, 1, 0, 0, 0}) }, want: "closed"},
		{name: "fr/length-field-cut-then-close", send: bytesOf(0, 0), closeWrite: true, want: "closed"},
		{name: "fr/body-cut-then-close", send: func() []byte { f := exists(1, "/robust"); return f[:len(f)-5] }, closeWrite: true, want: "closed"},
		{name: "fr/body-cut-then-idle", timeoutMs: 1, send: func() []byte { return concat(lengthOnly(100), make([]byte, 20)) },
			noProbe: true, wait: idleWait, want: "closed"},
		{name: "fr/idle-without-pings", timeoutMs: 1, send: func() []byte { return nil }, noProbe: true, wait: idleWait, want: "closed"},
		{name: "fr/garbage-0xab", send: func() []byte { return repeat([]byte{0xab}, 64) }, want: "closed"},
		{name: "fr/garbage-http", send: func() []byte { return []byte("GET / HTTP/1.1\r\nHost: zk\r\n\r\n") }, want: "closed"},
		{name: "fr/garbage-framed", send: func() []byte { return rawFrame([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}) }, replies: 1, want: "16909060:-6 closed"},
		{name: "fr/frame-exactly-maxbuffer", send: func() []byte { return padTo(exists(1, "/"), maxBuffer) }, replies: 1, want: "1:OK open"},
		{name: "fr/trailing-bytes-after-body", send: func() []byte { return padTo(exists(1, "/"), 200) }, replies: 1, want: "1:OK open"},
		{name: "fr/second-connect-request", send: func() []byte { return connectFrame(6000) }, replies: 1, want: "0:-6 closed || 0:-6 open"},
		{name: "fr/garbage-after-valid-request", send: func() []byte { return concat(exists(1, "/"), repeat([]byte{0xff}, 16)) }, replies: 1, want: "1:OK closed || closed"},
	}
}
