package robust

import (
	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// multiCases forge multi (14) and multiRead (22) bodies.
func multiCases() []hostileCase {
	multi := func(name string, op proto.OpCode, f func(w *jute.Writer), want string) hostileCase {
		return hostileCase{name: name, send: func() []byte { return rawRequest(1, op, body(f)) }, replies: 1, multi: 1, want: want}
	}
	getDataOp := func(w *jute.Writer, path string) {
		multiHeader(w, int32(proto.OpGetData), false)
		rawString(w, path)
		w.Bool(false)
	}
	createOp := func(w *jute.Writer, path string, flags int32) {
		multiHeader(w, int32(proto.OpCreate), false)
		rawString(w, path)
		w.Buffer(nil)
		openACL(w)
		w.Int(flags)
	}
	return []hostileCase{
		multi("multi/empty", proto.OpMulti, multiEnd, "1:OK[] open"),
		multi("multiread/empty", proto.OpMultiRead, multiEnd, "1:OK[] open"),
		multi("multi/contains-multi", proto.OpMulti, func(w *jute.Writer) {
			multiHeader(w, int32(proto.OpMulti), false)
			checkOp(w, "/", -1)
			multiEnd(w)
			multiEnd(w)
		}, "1:-5 open"),
		multi("multi/unknown-subop-77", proto.OpMulti, func(w *jute.Writer) { multiHeader(w, 77, false); rawString(w, "/"); multiEnd(w) }, "1:-5 open"),
		multi("multi/subop-ping", proto.OpMulti, func(w *jute.Writer) { multiHeader(w, int32(proto.OpPing), false); multiEnd(w) }, "1:-5 open"),
		multi("multi/read-and-write-mixed", proto.OpMulti, func(w *jute.Writer) {
			getDataOp(w, "/")
			createOp(w, "/robust-mixed", 0)
			multiEnd(w)
		}, "1:-5 open"),
		multi("multiread/read-and-write-mixed", proto.OpMultiRead, func(w *jute.Writer) {
			getDataOp(w, "/")
			checkOp(w, "/", -1)
			multiEnd(w)
		}, "1:-5 open"),
		multi("multiread/writes-only", proto.OpMultiRead, func(w *jute.Writer) { checkOp(w, "/", -1); multiEnd(w) }, "1:-5 open"),
		multi("multi/reads-only", proto.OpMulti, func(w *jute.Writer) { getDataOp(w, "/"); multiEnd(w) }, "1:-5 open"),
		multi("multi/no-terminator", proto.OpMulti, func(w *jute.Writer) { checkOp(w, "/", -1) }, "1:-5 open"),
		multi("multi/subop-body-cut", proto.OpMulti, func(w *jute.Writer) { multiHeader(w, int32(proto.OpCreate), false); rawString(w, "/robust-cut") }, "1:-5 open"),
		multi("multi/done-flag-on-typed-header", proto.OpMulti, func(w *jute.Writer) { multiHeader(w, int32(proto.OpCheck), true) }, "1:OK[] open"),
		multi("multi/failing-subop", proto.OpMulti, func(w *jute.Writer) {
			checkOp(w, "/", -1)
			createOp(w, "/robust-none/x", 0)
			checkOp(w, "/", -1)
			multiEnd(w)
		}, "1:OK[OK,-101,-2] open"),
		multi("multi/invalid-path-subop", proto.OpMulti, func(w *jute.Writer) { createOp(w, "robust", 0); multiEnd(w) }, "1:OK[-8] open"),
		multi("multi/invalid-flags-subop", proto.OpMulti, func(w *jute.Writer) { createOp(w, "/robust-flags", 99); multiEnd(w) }, "1:OK[-8] open"),
		multi("multi/10000-checks", proto.OpMulti, func(w *jute.Writer) {
			for i := 0; i < 10000; i++ {
				checkOp(w, "/", -1)
			}
			multiEnd(w)
		}, "1:OK[check×10000] open"),
		multi("multiread/missing-nodes", proto.OpMultiRead, func(w *jute.Writer) {
			getDataOp(w, "/robust-none")
			getDataOp(w, "/robust-\xff")
			multiEnd(w)
		}, "1:OK[-101×2] open"),
	}
}

// createCases send creates with hostile flags, TTLs, ACLs and data sizes.
func createCases() []hostileCase {
	createWith := func(name string, op proto.OpCode, f func(w *jute.Writer), want string) hostileCase {
		return hostileCase{name: name, send: func() []byte { return rawRequest(1, op, body(f)) }, replies: 1, want: want}
	}
	acl := func(scheme, id string, perms int32) func(w *jute.Writer) {
		return func(w *jute.Writer) {
			w.String("/robust-acl")
			w.Buffer(nil)
			w.Int(1)
			w.Int(perms)
			rawString(w, scheme)
			rawString(w, id)
			w.Int(0)
		}
	}
	ttl := func(flags int32, ttl int64) func(w *jute.Writer) {
		return func(w *jute.Writer) {
			w.String("/robust-ttl")
			w.Buffer(nil)
			openACL(w)
			w.Int(flags)
			w.Long(ttl)
		}
	}
	setData := func(n int) []byte {
		return request(2, proto.OpSetData, &proto.SetDataRequest{Path: "/robust-bigdata", Data: make([]byte, n), Version: -1})
	}
	return []hostileCase{
		createWith("create/flags-99", proto.OpCreate, func(w *jute.Writer) { w.String("/robust-f"); w.Buffer(nil); openACL(w); w.Int(99) }, "1:-8 open"),
		createWith("create/flags-minus-1", proto.OpCreate, func(w *jute.Writer) { w.String("/robust-f"); w.Buffer(nil); openACL(w); w.Int(-1) }, "1:-8 open"),
		createWith("create/ttl-mode-via-create", proto.OpCreate, func(w *jute.Writer) {
			w.String("/robust-f")
			w.Buffer(nil)
			openACL(w)
			w.Int(int32(proto.ModePersistentWithTTL))
		}, "1:-8 open"),
		createWith("create/ttl-zero", proto.OpCreateTTL, ttl(int32(proto.ModePersistentWithTTL), 0), "1:-8 open"),
		createWith("create/ttl-negative", proto.OpCreateTTL, ttl(int32(proto.ModePersistentWithTTL), -5), "1:-8 open"),
		createWith("create/ttl-huge", proto.OpCreateTTL, ttl(int32(proto.ModePersistentWithTTL), 1<<62), "1:-8 open"),
		createWith("create/ttl-with-ephemeral-mode", proto.OpCreateTTL, ttl(int32(proto.ModeEphemeral), 1000), "1:-8 open"),
		createWith("create/acl-unknown-scheme", proto.OpCreate, acl("bogus", "x", proto.PermAll), "1:-114 open"),
		createWith("create/acl-digest-without-colon", proto.OpCreate, acl("digest", "nocolon", proto.PermAll), "1:-114 open"),
		createWith("create/acl-ip-malformed", proto.OpCreate, acl("ip", "999.1.1.1/99", proto.PermAll), "1:-114 open"),
		createWith("create/acl-invalid-utf8-id", proto.OpCreate, acl("world", "any\xffone", proto.PermAll), "1:-114 open"),
		{name: "data/just-under-maxbuffer-then-get", send: func() []byte {
			set := sized(maxBuffer, setData)
			get := request(3, proto.OpGetData, &proto.GetDataRequest{Path: "/robust-bigdata"})
			return concat(create(1, "/robust-bigdata"), set, get)
		}, replies: 3, want: "1:OK 2:OK 3:OK open"},
		{name: "data/over-maxbuffer", send: func() []byte { return sized(maxBuffer+1, setData) }, want: "closed"},
	}
}
