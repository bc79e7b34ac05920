package diff

import (
	"fmt"
	"strings"
	"time"

	"github.com/zkd-io/zkd/proto"
)

// Server is one side of a differential run.
type Server struct {
	Name string // "zookeeper", "zkd"
	Addr string // host:port of the client port
	// Mutate, when set, may change a decoded reply record before it is
	// normalised (multi replies are passed as *proto.MultiResponse; an
	// expireSession passes its children listings and the ConnectResponse
	// of its reattach). The control test uses it to play a deliberately
	// wrong server.
	Mutate func(op Op, rec proto.Record)
}

// RunOptions configures one run.
type RunOptions struct {
	Root     string        // unique absolute path created for this run, e.g. "/diff-7"
	Sessions int           // session slots
	Timeout  time.Duration // per frame; 0 means 5 s
	// Slow, when set, is told about ops that took more than 300 ms.
	Slow func(i int, o Op, d time.Duration)
}

// Trace is the normalised result of one run on one server.
type Trace struct {
	Server   string
	Outcomes []Outcome // one per op
	// Unstable says why the run cannot be trusted, when a session that
	// asked for the minimum timeout may have gone untouched long enough to
	// expire early (the machine stalled the runner or the server; see
	// gapLimit). The tests run a stream again when a difference comes with
	// an unstable trace.
	Unstable string
}

// slot is one session slot of a run.
type slot struct {
	index int
	c     *conn // nil before the first op and after closeSession
	gen   int   // sessions opened in this slot so far
	ids   []proto.Id
	carry []notification // received on a connection that was replaced
	// ephemerals are the nodes the current session created as ephemeral
	// (absolute paths, from its replies), for the expiry check.
	ephemerals []string
	// watches is the model of the watches the current connection holds
	// (path -> kinds), see watches.go.
	watches map[string]uint8
}

// runner executes one stream against one server.
type runner struct {
	srv   Server
	opt   RunOptions
	ops   []Op    // the stream, for looking ahead (sessionTimeout)
	short []*conn // connections of sessions that asked for the minimum timeout
	// unstable is Trace.Unstable.
	unstable string
	norm     *normaliser
	slots    []*slot
	acls     map[string][]proto.ACL // absolute path -> stored ACL (model)
	lastSeq  string
	setup    *conn
	taints   []Taint  // set by the current op
	gaps     []string // set by the current op
}

var ipID = proto.Id{Scheme: "ip", ID: "127.0.0.1"}

// Run executes ops against srv below a fresh run root and returns one
// Outcome per op. An error means the run could not start (server down,
// root not creatable); failures of single ops are part of the outcomes.
func Run(srv Server, ops []Op, opt RunOptions) (*Trace, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Second
	}
	if opt.Sessions <= 0 {
		opt.Sessions = 3
	}
	r := &runner{srv: srv, opt: opt, norm: newNormaliser(opt.Root), acls: map[string][]proto.ACL{}}
	for i := 0; i < opt.Sessions; i++ {
		r.slots = append(r.slots, &slot{index: i})
	}
	r.ops = ops
	setup, _, err := dial(srv.Addr, 0, nil, 0, normalTimeout, opt.Timeout)
	if err != nil {
		return nil, fmt.Errorf("%s: setup session: %w", srv.Name, err)
	}
	r.setup = setup
	defer r.closeAll()
	h, _, err := setup.call(proto.OpCreate, &proto.CreateRequest{Path: opt.Root, Data: []byte("root"), ACL: proto.OpenACLUnsafe})
	if err != nil || h.Err != proto.OK {
		return nil, fmt.Errorf("%s: create run root %s: %v %v", srv.Name, opt.Root, err, h.Err)
	}
	r.norm.tokens[h.Zxid] = "zR"
	r.norm.max = h.Zxid
	r.norm.owners[setup.session] = "setup"
	r.acls[opt.Root] = proto.OpenACLUnsafe
	tr := &Trace{Server: srv.Name}
	for i, o := range ops {
		start := time.Now()
		tr.Outcomes = append(tr.Outcomes, r.step(i, o))
		r.checkGaps(i)
		if d := time.Since(start); opt.Slow != nil && d > 300*time.Millisecond {
			opt.Slow(i, o, d)
		}
	}
	tr.Unstable = r.unstable
	return tr, nil
}

func (r *runner) closeAll() {
	for _, sl := range r.slots {
		if sl.c != nil && !sl.c.dead {
			_, _, _ = sl.c.call(proto.OpCloseSession, nil)
			sl.c.close()
		}
	}
	if r.setup != nil {
		_, _, _ = r.setup.call(proto.OpCloseSession, nil)
		r.setup.close()
	}
}

// resolve turns a path template into the path sent on the wire.
func (r *runner) resolve(p string) string {
	switch {
	case p == "@seq":
		if r.lastSeq != "" {
			return r.lastSeq
		}
		return r.opt.Root + "/noseq"
	case strings.HasPrefix(p, "~"):
		return p[1:]
	}
	return r.opt.Root + p
}

// aclOf is the model's ACL of an absolute path; nodes the run did not
// create are world-readable except /zookeeper/config (world READ).
func (r *runner) aclOf(p string) []proto.ACL {
	if a, ok := r.acls[p]; ok {
		return a
	}
	return proto.OpenACLUnsafe
}

// step runs one op, drains every session and normalises the result.
func (r *runner) step(i int, o Op) Outcome {
	var b builder
	sl := r.slots[o.Session]
	out := Outcome{}
	r.taints, r.gaps = nil, nil
	if !r.ensure(i, sl, &b) {
		b.add("err", "no session")
		out.Fields = r.norm.finish(i, &b)
		return out
	}
	abs := r.resolve(o.Path)
	out.Path = r.norm.rel(abs)
	out.CanRead = allows(r.aclOf(abs), sl.ids, proto.PermRead)
	trigger := r.exec(o, sl, &b)
	raw := r.drainAll(&b)
	out.Fields = r.norm.finish(i, &b)
	for _, s := range r.slots {
		for _, n := range raw[s.index] {
			out.Events = append(out.Events, r.event(s, n, trigger))
			// Catch-up events of setWatches consume no registered watch.
			catchUp := s.index == o.Session && o.Kind.reattaches()
			if s.watches != nil && !catchUp {
				s.noteEvent(n.ev.Path, n.ev.Type)
			}
		}
	}
	out.Taints, out.Gaps = r.taints, r.gaps
	return out
}

// ensure gives the slot a live session, opening a new one when op i needs
// it, with the timeout sessionTimeout picks.
func (r *runner) ensure(i int, sl *slot, b *builder) bool {
	if sl.c != nil && !sl.c.dead {
		return true
	}
	if sl.c != nil {
		b.add("reopen", "connection was lost")
	}
	c, resp, err := dial(r.srv.Addr, 0, nil, 0, sessionTimeout(r.ops, sl.index, i), r.opt.Timeout)
	if err != nil {
		b.add("open", "failed")
		sl.c = nil
		return false
	}
	sl.c, sl.ids, sl.watches, sl.ephemerals = c, []proto.Id{ipID}, map[string]uint8{}, nil
	r.noteShort(c)
	sl.gen++
	r.norm.owners[c.session] = fmt.Sprintf("s%dg%d", sl.index, sl.gen)
	b.addInt("open.timeout", int64(resp.TimeOut))
	b.add("open.readOnly", fmt.Sprint(resp.ReadOnly))
	// A ping right away shows the zxid the session's creation consumed, so
	// later replies are not the first to reveal it.
	h, _, err := c.callXid(proto.XidPing, proto.OpPing, nil)
	if err != nil {
		b.add("open.ping", err.Error())
		return true
	}
	b.addHeaderZxid("open.zxid", h.Zxid)
	return true
}

// drainAll pings every live session and returns the notifications each
// received since the previous op.
func (r *runner) drainAll(b *builder) map[int][]notification {
	out := map[int][]notification{}
	for _, s := range r.slots {
		ns := s.carry
		s.carry = nil
		if s.c != nil && !s.c.dead {
			got, err := s.c.drain()
			ns = append(ns, got...)
			if err != nil {
				b.add(fmt.Sprintf("drain.s%d", s.index), err.Error())
			}
		} else if s.c != nil {
			ns = append(ns, s.c.pending...)
			s.c.pending = nil
		}
		out[s.index] = ns
	}
	return out
}

func (r *runner) event(s *slot, n notification, trigger int64) Event {
	e := Event{Session: s.index, Type: n.ev.Type, State: n.ev.State, Path: r.norm.rel(n.ev.Path)}
	switch t, ok := r.norm.zxidToken(n.zxid); {
	case n.zxid == -1:
		e.Zxid = "-1"
	case trigger > 0 && n.zxid == trigger:
		e.Zxid = "trigger"
	case ok:
		e.Zxid = t
	default:
		e.Zxid = "z?"
	}
	e.Readable = allows(r.aclOf(n.ev.Path), s.ids, proto.PermRead)
	return e
}

// reattach replaces the slot's connection by a new one to the same
// session, as a client does after a disconnect, optionally restoring
// watches with setWatches/setWatches2.
func (r *runner) reattach(o Op, sl *slot, b *builder) {
	old := sl.c
	sl.carry = append(sl.carry, old.pending...)
	old.pending = nil
	old.close()
	c, resp, err := dial(r.srv.Addr, old.session, old.passwd, old.lastZxid, old.asked, r.opt.Timeout)
	if err != nil {
		b.add("reattach", "failed")
		sl.c = old
		return
	}
	b.addInt("reattach.timeout", int64(resp.TimeOut))
	b.add("reattach.sameSession", fmt.Sprint(resp.SessionID == old.session))
	if resp.TimeOut <= 0 {
		c.close()
		sl.c = old
		return
	}
	sl.c, sl.ids, sl.watches = c, []proto.Id{ipID}, map[string]uint8{}
	r.noteShort(c)
	if o.hasWatches() || o.SetWatches2 {
		r.restoreWatches(o, sl, old.lastZxid, b)
	}
	// A ping shows whether anything consumed a zxid meanwhile.
	if h, _, err := c.callXid(proto.XidPing, proto.OpPing, nil); err == nil {
		b.addHeaderZxid("reattach.zxid", h.Zxid)
	}
}

// restoreWatches sends setWatches/setWatches2 on a reattached connection.
func (r *runner) restoreWatches(o Op, sl *slot, relZxid int64, b *builder) {
	c := sl.c
	var lists [5][]string
	for i, l := range o.Watches {
		lists[i] = []string{} // clients send empty lists, never null ones
		for _, p := range l {
			lists[i] = append(lists[i], r.resolve(p))
		}
	}
	op, req := proto.OpSetWatches, proto.Record(&proto.SetWatches{
		RelativeZxid: relZxid, DataWatches: lists[0], ExistWatches: lists[1], ChildWatches: lists[2]})
	if o.SetWatches2 {
		op, req = proto.OpSetWatches2, &proto.SetWatches2{RelativeZxid: relZxid,
			DataWatches: lists[0], ExistWatches: lists[1], ChildWatches: lists[2],
			PersistentWatches: lists[3], PersistentRecursiveWatches: lists[4]}
	}
	h, body, err := c.call(op, req)
	if err != nil {
		b.add("setWatches", err.Error())
		return
	}
	b.add("setWatches.err", h.Err.String())
	b.addInt("setWatches.bodyLen", int64(len(body)))
	if h.Err == proto.OK {
		r.noteSetWatches(sl, lists, c.pending)
	}
}
