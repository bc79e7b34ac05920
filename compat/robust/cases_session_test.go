package robust

import (
	"fmt"
	"time"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// reattachCases present the bystander's session id (sid) without its
// password. zkd checks the password before touching the session's
// connection; ZooKeeper 3.8 first closes the connection the session has
// (the bystander's), then refuses the newcomer, so on ZooKeeper the
// bystander reconnects and its reconnect races these cases.
func reattachCases(sid int64) []hostileCase {
	wrong := make([]byte, 16)
	for i := range wrong {
		wrong[i] = 0x55
	}
	reattach := func(lastZxid int64, passwd []byte) func() []byte {
		return func() []byte { return rawFrame(connectBody(0, lastZxid, 6000, sid, passwd, true)) }
	}
	// ZooKeeper's answer: the refusal, unless the bystander's reconnect
	// closed this connection first.
	const raced = "connect-invalid closed || closed"
	return []hostileCase{
		{name: "reattach/bystander-id-wrong-password", pre: true, send: reattach(0, wrong), replies: 1, want: raced},
		{name: "reattach/bystander-id-null-password", pre: true, send: reattach(0, nil), replies: 1, want: raced},
		{name: "reattach/bystander-id-empty-password", pre: true, send: reattach(0, []byte{}), replies: 1, want: raced},
		{name: "reattach/bystander-id-zxid-ahead", pre: true, send: reattach(1<<40, wrong), want: "closed"},
		{name: "reattach/bystander-id-then-requests", pre: true, send: func() []byte {
			return concat(reattach(0, wrong)(), request(1, proto.OpDelete, &proto.DeleteRequest{Path: bystanderRoot + "/c1", Version: -1}))
		}, replies: 1, want: raced},
	}
}

// sessionCases touch other sessions' watches and stall a session.
func sessionCases() []hostileCase {
	return []hostileCase{
		{name: "session/removewatches-on-bystander-path", send: func() []byte {
			return request(1, proto.OpRemoveWatches, &proto.CheckWatchesRequest{Path: bystanderRoot, Type: proto.WatcherAny})
		}, replies: 1, want: "1:-121 open"},
		// ZooKeeper's answer: see knownDifferences.
		{name: "session/checkwatches-on-bystander-path", send: func() []byte {
			return request(1, proto.OpCheckWatches, &proto.CheckWatchesRequest{Path: bystanderRoot, Type: proto.WatcherData})
		}, replies: 1, want: "1:OK open"},
		{name: "session/stalled-reader-expires", custom: stalledReader, want: "partial-replies closed"},
	}
}

// stalledReader: a client asks for 128 replies of 512 KiB (64 MiB in
// all), then stops reading and stops pinging, longer than its session
// may live. The session expires; the server should then close the
// connection and drop what it had queued for it, so that a client that
// never reads cannot pin server memory. Reading afterwards must therefore
// end in a close long before all 128 replies arrive (socket buffers hold
// a few MiB at most).
func stalledReader(addr string) (string, error) {
	const n, size = 128, 512 << 10
	setup := hostileCase{name: "stalled setup", send: func() []byte {
		return concat(create(1, "/robust-stalled"),
			request(2, proto.OpSetData, &proto.SetDataRequest{Path: "/robust-stalled", Data: make([]byte, size), Version: -1}))
	}, timeoutMs: 20000, replies: 2}
	if got, err := runCase(addr, &setup); err != nil || got != "1:OK 2:OK open" {
		return "", fmt.Errorf("setup: %q, %v", got, err)
	}
	w, err := dialWire(addr)
	if err != nil {
		return "", err
	}
	defer w.close()
	if err := w.handshake(4000); err != nil {
		return "", fmt.Errorf("handshake: %w", err)
	}
	get := request(3, proto.OpGetData, &proto.GetDataRequest{Path: "/robust-stalled"})
	w.sendAsync(repeat(get, n), false)
	// The stall is the behaviour under test: longer than the 4 s session
	// plus a 2 s tick of expiry bucketing.
	time.Sleep(8 * time.Second)
	got := 0
	for {
		f, err := w.next(time.Now().Add(5 * time.Second))
		if err != nil {
			t := &transcript{}
			end := t.end(err)
			if got == n {
				return "all-replies " + end, nil
			}
			return "partial-replies " + end, nil
		}
		var h proto.ReplyHeader
		r := jute.NewReader(f)
		h.Decode(r)
		if r.Err() == nil && h.Xid == 3 && h.Err == proto.OK {
			got++
		}
	}
}
