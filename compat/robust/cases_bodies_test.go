package robust

import (
	"strings"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// noBodyCases send a request header alone for opcodes that need a body.
func noBodyCases() []hostileCase {
	ops := []struct {
		name string
		xid  int32
		op   proto.OpCode
		want string
	}{
		{"create", 1, proto.OpCreate, "1:-5 open"},
		{"create2", 1, proto.OpCreate2, "1:-5 open"},
		{"createContainer", 1, proto.OpCreateContainer, "1:-5 open"},
		{"createTTL", 1, proto.OpCreateTTL, "1:-5 open"},
		{"delete", 1, proto.OpDelete, "1:-5 open"},
		{"setData", 1, proto.OpSetData, "1:-5 open"},
		{"setACL", 1, proto.OpSetACL, "1:-5 open"},
		{"exists", 1, proto.OpExists, "1:-5 open"},
		{"getData", 1, proto.OpGetData, "1:-5 open"},
		{"getACL", 1, proto.OpGetACL, "1:-5 open"},
		{"getChildren", 1, proto.OpGetChildren, "1:-5 open"},
		{"getChildren2", 1, proto.OpGetChildren2, "1:-5 open"},
		{"sync", 1, proto.OpSync, "1:-5 open"},
		{"multi", 1, proto.OpMulti, "1:-5 open"},
		{"multiRead", 1, proto.OpMultiRead, "1:-5 open"},
		{"setWatches", proto.XidSetWatches, proto.OpSetWatches, "-8:-5 open"},
		{"setWatches2", proto.XidSetWatches, proto.OpSetWatches2, "-8:-5 open"},
		{"addWatch", 1, proto.OpAddWatch, "1:-5 open"},
		{"checkWatches", 1, proto.OpCheckWatches, "1:-5 open"},
		{"removeWatches", 1, proto.OpRemoveWatches, "1:-5 open"},
		{"getEphemerals", 1, proto.OpGetEphemerals, "1:-5 open"},
		{"getAllChildrenNumber", 1, proto.OpGetAllChildrenNumber, "1:-5 open"},
		{"reconfig", 1, proto.OpReconfig, "1:-5 open"},
	}
	out := make([]hostileCase, 0, len(ops))
	for _, o := range ops {
		out = append(out, hostileCase{name: "nobody/" + o.name, send: func() []byte { return rawRequest(o.xid, o.op, nil) }, replies: 1, want: o.want})
	}
	return out
}

// vectorCases forge vector, string and buffer lengths inside bodies.
func vectorCases() []hostileCase {
	createACL := func(count int32, entries int) []byte {
		return rawRequest(1, proto.OpCreate, body(func(w *jute.Writer) {
			w.String("/robust-vec")
			w.Buffer(nil)
			w.Int(count)
			for i := 0; i < entries; i++ {
				w.Int(proto.PermAll)
				w.String("world")
				w.String("anyone")
			}
			w.Int(0)
		}))
	}
	setWatches := func(counts [3]int32) []byte {
		return rawRequest(proto.XidSetWatches, proto.OpSetWatches, body(func(w *jute.Writer) {
			w.Long(0)
			for _, c := range counts {
				w.Int(c)
			}
		}))
	}
	return []hostileCase{
		{name: "vec/create-acl-null", send: func() []byte { return createACL(-1, 0) }, replies: 1, want: "1:-114 open"},
		{name: "vec/create-acl-empty", send: func() []byte { return createACL(0, 0) }, replies: 1, want: "1:-114 open"},
		{name: "vec/create-acl-count-huge", send: func() []byte { return createACL(0x7fffffff, 1) }, replies: 1, want: "1:-5 open"},
		{name: "vec/create-acl-count-minus-2", send: func() []byte { return createACL(-2, 1) }, replies: 1, want: "1:-8 open"},
		{name: "vec/setacl-acl-null", send: func() []byte {
			return rawRequest(1, proto.OpSetACL, body(func(w *jute.Writer) { w.String(bystanderRoot + "-none"); w.Int(-1); w.Int(-1) }))
		}, replies: 1, want: "1:-114 open"},
		{name: "vec/setwatches-lists-null", send: func() []byte { return setWatches([3]int32{-1, -1, -1}) }, replies: 1, want: "-8:-5 open"},
		{name: "vec/setwatches-count-huge", send: func() []byte { return setWatches([3]int32{0x7fffffff, 0, 0}) }, replies: 1, want: "-8:-5 open"},
		{name: "vec/path-length-huge", send: func() []byte {
			return rawRequest(1, proto.OpGetData, body(func(w *jute.Writer) { w.Int(0x7fffffff); w.Buf = append(w.Buf, "/robust"...) }))
		}, replies: 1, want: "1:-5 open"},
		{name: "vec/path-length-minus-2", send: func() []byte {
			return rawRequest(1, proto.OpGetData, body(func(w *jute.Writer) { w.Int(-2); w.Bool(false) }))
		}, replies: 1, want: "1:-5 open"},
		{name: "vec/path-null-getdata", send: func() []byte {
			return rawRequest(1, proto.OpGetData, body(func(w *jute.Writer) { w.Int(-1); w.Bool(false) }))
		}, replies: 1, want: "1:-5 open"},
		{name: "vec/path-null-create", send: func() []byte {
			return rawRequest(1, proto.OpCreate, body(func(w *jute.Writer) { w.Int(-1); w.Buffer(nil); openACL(w); w.Int(0) }))
		}, replies: 1, want: "1:-5 open"},
		{name: "vec/data-length-huge", send: func() []byte {
			return rawRequest(1, proto.OpSetData, body(func(w *jute.Writer) { w.String("/robust-none"); w.Int(0x7fffffff); w.Int(-1) }))
		}, replies: 1, want: "1:-5 open"},
	}
}

// pathCases send invalid and extreme paths.
func pathCases() []hostileCase {
	bad := func(name, path string) hostileCase {
		return hostileCase{name: "path/create-" + name, send: func() []byte { return create(1, path) }, replies: 1, want: "1:-8 open"}
	}
	longCreate := func(size int) []byte {
		return sized(size, func(n int) []byte { return create(2, "/robust-long/"+strings.Repeat("a", n)) })
	}
	return []hostileCase{
		bad("empty", ""),
		bad("no-leading-slash", "robust"),
		bad("trailing-slash", "/zookeeper/"),
		bad("double-slash", "//robust-a"),
		bad("dot", "/."),
		bad("dot-dot", "/.."),
		bad("nul", "/robust-\x00"),
		bad("control-0x01", "/robust-\x01"),
		bad("del-0x7f", "/robust-\x7f"),
		bad("c1-control-u0085", "/robust-\u0085"),
		bad("invalid-utf8-0xff", "/robust-\xff"),
		bad("invalid-utf8-truncated", "/robust-\xc3"),
		bad("utf8-encoded-surrogate", "/robust-\xed\xa0\x80"),
		bad("overlong-slash", "/robust-\xc0\xaf"),
		bad("non-bmp-emoji", "/robust-\U0001F600"),
		bad("private-use-ue000", "/robust-\ue000"),
		bad("specials-ufff0", "/robust-\ufff0"),
		{name: "path/create-invalid-under-missing-parent", send: func() []byte { return create(1, "/robust-a/.") }, replies: 1, want: "1:-101 open"},
		{name: "path/create-valid-utf8", send: func() []byte { return create(1, "/robust-é-ü-中") }, replies: 1, want: "1:OK open"},
		{name: "path/setdata-invalid", send: func() []byte {
			return request(1, proto.OpSetData, &proto.SetDataRequest{Path: "/robust-\xff", Data: []byte("x"), Version: -1})
		}, replies: 1, want: "1:-8 open"},
		{name: "path/delete-invalid", send: func() []byte { return request(1, proto.OpDelete, &proto.DeleteRequest{Path: "//", Version: -1}) }, replies: 1, want: "1:-101 open"},
		{name: "path/delete-root", send: func() []byte { return request(1, proto.OpDelete, &proto.DeleteRequest{Path: "/", Version: -1}) }, replies: 1, want: "1:-8 open"},
		{name: "path/delete-zookeeper", send: func() []byte {
			return request(1, proto.OpDelete, &proto.DeleteRequest{Path: "/zookeeper", Version: -1})
		}, replies: 1, want: "1:-8 open"},
		{name: "path/getdata-invalid-utf8", send: func() []byte { return rawRequest(1, proto.OpGetData, pathBody("/robust-\xff")) }, replies: 1, want: "1:-101 open"},
		{name: "path/exists-empty", send: func() []byte { return exists(1, "") }, replies: 1, want: "1:OK open"},
		{name: "path/sync-no-slash", send: func() []byte { return request(1, proto.OpSync, &proto.SyncRequest{Path: "robust"}) }, replies: 1, want: "1:OK open"},
		{name: "path/long-just-under-maxbuffer", send: func() []byte {
			c := longCreate(maxBuffer)
			return concat(create(1, "/robust-long"), c)
		}, replies: 2, want: "1:OK 2:OK open"},
		{name: "path/long-over-maxbuffer", send: func() []byte { return longCreate(maxBuffer + 1) }, want: "closed"},
	}
}
