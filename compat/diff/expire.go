package diff

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"time"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// normalTimeout is the session timeout (ms) every session asks for, except
// one whose slot's next session-ending op is an expireSession: that one
// asks for the minimum (minSessionTimeoutMs), so that its expiry takes
// about half a second. It survives the ops before its expiry because the
// runner pings every open session after each op and while it waits for an
// expiry, and no other op holds the runner longer than a few milliseconds
// (see callThenPing) unless a server misbehaves or the machine stalls;
// checkGaps notices the stalls.
const normalTimeout = 10000

// expiryWait bounds how long the runner waits for a server to expire a
// session; expiryPoll is how often it looks.
const (
	expiryWait = 5 * time.Second
	expiryPoll = 20 * time.Millisecond
)

// gapLimit is how long a session that asked for the minimum timeout may
// go untouched (conn.maxGap) before its run counts as unstable. Below the
// minimum, a correct server cannot have expired it; the margin covers
// the servers' clocks and schedulers.
const gapLimit = (minSessionTimeoutMs - 50) * time.Millisecond

// noteShort remembers c when its session asked for less than
// normalTimeout, for checkGaps.
func (r *runner) noteShort(c *conn) {
	if c.asked < normalTimeout {
		r.short = append(r.short, c)
	}
}

// checkGaps marks the run unstable (after op i) when a short session may
// have gone untouched for gapLimit. The expiring connection's gaps after
// its marker was created are never measured: nothing is sent on it.
func (r *runner) checkGaps(i int) {
	for _, c := range r.short {
		if r.unstable == "" && c.maxGap >= gapLimit {
			r.unstable = fmt.Sprintf("by op %d a session that asked for %d ms went up to %v untouched",
				i, c.asked, c.maxGap.Round(time.Millisecond))
		}
	}
}

// sessionTimeout is the timeout a session opened in slot at op i asks for:
// the minimum when the slot's next session-ending op from op i on
// (closeSession or expireSession) is an expiry, else normalTimeout. It
// depends on the stream only, so both servers and every shrink candidate
// agree on it.
func sessionTimeout(ops []Op, slot, i int) int32 {
	for j := i; j >= 0 && j < len(ops); j++ {
		if ops[j].Session != slot {
			continue
		}
		switch ops[j].Kind {
		case KindCloseSession:
			return normalTimeout
		case KindExpireSession:
			return minSessionTimeoutMs
		}
	}
	return normalTimeout
}

// expire runs an expireSession op. The slot's session asked for the
// minimum timeout. The runner creates an ephemeral marker for it outside
// the run root (so the wait ends at the same point on both servers, even
// for a session without ephemerals), then drops the TCP connection without
// closeSession or, when Silent, leaves it open and quiet, and polls on its
// own setup session until the marker is gone. Then it lists the children
// of the run root and of every parent of the session's ephemerals, and
// reattaches with the old session id and password, which the server must
// refuse (timeout 0, then close). The next op on the slot opens a fresh
// session. It returns the zxid of the expiry, which the notifications it
// fired carry, or 0.
//
// With Silent, notifications the expiring connection itself receives are
// dropped: ZooKeeper may close the socket while they are still queued
// (a watch on the session's own ephemeral fired before the close in 4 of
// 10 tries; zkd delivered it every time), so either answer is right.
func (r *runner) expire(o Op, sl *slot, b *builder) int64 {
	c := sl.c
	sl.c = nil
	marker := fmt.Sprintf("%s-expire-s%dg%d", r.opt.Root, sl.index, sl.gen)
	h, _, err := c.call(proto.OpCreate, &proto.CreateRequest{Path: marker, Data: []byte{}, ACL: proto.OpenACLUnsafe, Flags: proto.ModeEphemeral})
	sl.carry = append(sl.carry, c.pending...)
	c.pending = nil
	if err != nil || h.Err != proto.OK {
		b.add("expire.marker", failure(err, h))
		c.close()
		return 0
	}
	b.addHeaderZxid("expire.marker.zxid", h.Zxid)
	if !o.Silent {
		c.close()
	}
	zxid, gone := r.awaitGone(marker, sl)
	b.add("expire.gone", gone)
	if zxid != 0 {
		b.addHeaderZxid("expire.zxid", zxid)
	}
	if o.Silent {
		b.add("expire.closed", fmt.Sprint(c.awaitClose(closeWait)))
		c.pending = nil
		c.close()
	}
	r.listParents(o, sl, b)
	r.reattachExpired(o, c, b)
	return zxid
}

// awaitGone polls on the setup session until marker no longer exists or
// expiryWait passes, pinging every other live session meanwhile so that
// only the expiring one runs out of time. It returns the zxid of the reply
// that first found the marker gone (the last transaction applied, which is
// the expiry's closeSession) and "yes", or 0 and why not.
func (r *runner) awaitGone(marker string, expiring *slot) (int64, string) {
	deadline := time.Now().Add(expiryWait)
	for i := 0; i <= int(expiryWait/expiryPoll) && time.Now().Before(deadline); i++ {
		h, _, err := r.setup.call(proto.OpExists, &proto.ExistsRequest{Path: marker})
		switch {
		case err != nil:
			return 0, "poll " + failure(err, h)
		case h.Err == proto.ErrNoNode:
			return h.Zxid, "yes"
		case h.Err != proto.OK:
			return 0, "poll " + h.Err.String()
		}
		r.keepAlive(expiring)
		time.Sleep(expiryPoll)
	}
	return 0, "not within " + expiryWait.String()
}

// keepAlive pings every live session but except's; notifications that
// arrive meanwhile stay pending for the op's drain.
func (r *runner) keepAlive(except *slot) {
	for _, s := range r.slots {
		if s != except && s.c != nil && !s.c.dead {
			_, _, _ = s.c.callXid(proto.XidPing, proto.OpPing, nil)
		}
	}
}

// listParents adds, from the setup session, the children of the run root
// and of every parent of an ephemeral the expired session created: its
// ephemerals must be gone. Replies pass through Server.Mutate.
func (r *runner) listParents(o Op, sl *slot, b *builder) {
	parents := []string{r.opt.Root}
	for _, p := range sl.ephemerals {
		parents = append(parents, path.Dir(p))
	}
	sort.Strings(parents)
	for i, p := range parents {
		if i > 0 && p == parents[i-1] {
			continue
		}
		key := "expire.children " + r.norm.rel(p)
		h, body, err := r.setup.call(proto.OpGetChildren, &proto.GetChildrenRequest{Path: p})
		if err != nil || h.Err != proto.OK {
			b.add(key, failure(err, h))
			continue
		}
		var rec proto.GetChildrenResponse
		rd := jute.NewReader(body)
		rec.Decode(rd)
		if rd.Err() != nil {
			b.add(key, "decode: "+rd.Err().Error())
			continue
		}
		if r.srv.Mutate != nil {
			r.srv.Mutate(o, &rec)
		}
		b.add(key, sortedSet(rec.Children, func(s string) string { return s }))
	}
}

// reattachExpired connects with the expired session's id, password and
// last zxid, as a client does after a disconnect, and adds the answer: a
// ConnectResponse with timeout 0, session id 0 and a zero password, then
// the server closes the connection (clients report SessionExpired). The
// response passes through Server.Mutate.
func (r *runner) reattachExpired(o Op, old *conn, b *builder) {
	c, resp, err := dial(r.srv.Addr, old.session, old.passwd, old.lastZxid, old.asked, r.opt.Timeout)
	if err != nil {
		b.add("expire.reattach", failure(err, proto.ReplyHeader{}))
		return
	}
	defer c.close()
	if r.srv.Mutate != nil {
		r.srv.Mutate(o, &resp)
	}
	b.addInt("expire.reattach.timeout", int64(resp.TimeOut))
	switch resp.SessionID {
	case 0:
		b.add("expire.reattach.session", "0")
	case old.session:
		b.add("expire.reattach.session", "same")
	default:
		b.add("expire.reattach.session", "other")
	}
	b.add("expire.reattach.passwd", passwdShape(resp.Passwd))
	if resp.HasReadOnly {
		b.add("expire.reattach.readOnly", fmt.Sprint(resp.ReadOnly))
	} else {
		b.add("expire.reattach.readOnly", "absent")
	}
	b.add("expire.reattach.closed", fmt.Sprint(c.awaitClose(closeWait)))
}

// passwdShape renders a session password by shape only: its length and
// whether it is all zero.
func passwdShape(p []byte) string {
	for _, x := range p {
		if x != 0 {
			return fmt.Sprintf("%d bytes", len(p))
		}
	}
	return fmt.Sprintf("%d zero bytes", len(p))
}

// failure renders a request that did not succeed: a transport error by
// kind (never its text, which may hold a port), else the reply's code.
func failure(err error, h proto.ReplyHeader) string {
	switch {
	case err == nil:
		return h.Err.String()
	case errors.Is(err, errClosed):
		return "connection closed"
	case errors.Is(err, errTimeout), errors.Is(err, errUnanswered):
		return "no reply"
	}
	return "failed"
}
