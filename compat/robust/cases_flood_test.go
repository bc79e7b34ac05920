package robust

import (
	"strings"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// watchCases send setWatches, addWatch and watch-check requests with
// hostile contents.
func watchCases() []hostileCase {
	none := []string{}
	return []hostileCase{
		{name: "watch/setwatches-40000-exist-paths", send: func() []byte {
			return request(proto.XidSetWatches, proto.OpSetWatches, &proto.SetWatches{DataWatches: none, ExistWatches: paths("/robust-sw", 40000), ChildWatches: none})
		}, replies: 1, want: "-8:OK open"},
		{name: "watch/setwatches-200-missing-data-paths", send: func() []byte {
			return request(proto.XidSetWatches, proto.OpSetWatches, &proto.SetWatches{DataWatches: paths("/robust-sw", 200), ExistWatches: none, ChildWatches: none})
		}, replies: 201, want: "-1:OK×200 -8:OK open"},
		{name: "watch/setwatches2-40000-persistent-paths", send: func() []byte {
			return request(proto.XidSetWatches, proto.OpSetWatches2, &proto.SetWatches2{DataWatches: none, ExistWatches: none, ChildWatches: none,
				PersistentWatches: paths("/robust-sw", 20000), PersistentRecursiveWatches: paths("/robust-swr", 20000)})
		}, replies: 1, want: "-8:OK open"},
		{name: "watch/setwatches-over-maxbuffer", send: func() []byte {
			return request(proto.XidSetWatches, proto.OpSetWatches, &proto.SetWatches{DataWatches: none, ExistWatches: paths("/robust-sw", 70000), ChildWatches: none})
		}, want: "closed"},
		{name: "watch/setwatches-invalid-paths", send: func() []byte {
			return request(proto.XidSetWatches, proto.OpSetWatches, &proto.SetWatches{DataWatches: none, ExistWatches: []string{"", "robust", "/robust-\xff", "//"}, ChildWatches: none})
		}, replies: 2, want: "-1:OK -8:OK open"}, // "" is the root: it exists, so NodeCreated
		{name: "watch/addwatch-mode-7", send: func() []byte {
			return rawRequest(1, proto.OpAddWatch, body(func(w *jute.Writer) { w.String("/robust-aw"); w.Int(7) }))
		}, replies: 1, want: "1:-5 open"},
		{name: "watch/addwatch-invalid-path", send: func() []byte {
			return request(1, proto.OpAddWatch, &proto.AddWatchRequest{Path: "robust\xff", Mode: proto.AddWatchPersistent})
		}, replies: 1, want: "1:OK open"},
		{name: "watch/checkwatches-type-99", send: func() []byte {
			return rawRequest(1, proto.OpCheckWatches, body(func(w *jute.Writer) { w.String("/"); w.Int(99) }))
		}, replies: 1, want: "1:-5 open"},
		{name: "watch/removewatches-type-minus-1", send: func() []byte {
			return rawRequest(1, proto.OpRemoveWatches, body(func(w *jute.Writer) { w.String("/"); w.Int(-1) }))
		}, replies: 1, want: "1:-5 open"},
		{name: "watch/checkwatches-none-set", send: func() []byte {
			return request(1, proto.OpCheckWatches, &proto.CheckWatchesRequest{Path: "/robust-none", Type: proto.WatcherAny})
		}, replies: 1, want: "1:-121 open"},
	}
}

// floodCases pipeline many requests on one connection.
func floodCases() []hostileCase {
	ping := request(proto.XidPing, proto.OpPing, nil)
	return []hostileCase{
		{name: "flood/ping-storm-a", send: func() []byte { return repeat(ping, 10000) }, replies: 10000, want: "-2:OK×10000 open"},
		{name: "flood/ping-storm-b", send: func() []byte { return repeat(ping, 10000) }, replies: 10000, want: "-2:OK×10000 open"},
		{name: "flood/300-writes", send: func() []byte {
			set := request(2, proto.OpSetData, &proto.SetDataRequest{Path: "/robust-flood", Data: []byte("x"), Version: -1})
			return concat(create(1, "/robust-flood"), repeat(set, 300))
		}, replies: 301, want: "1:OK 2:OK×300 open"},
		{name: "flood/1000-syncs", send: func() []byte { return repeat(request(4, proto.OpSync, &proto.SyncRequest{Path: "/"}), 1000) }, replies: 1000, want: "4:OK×1000 open"},
		{name: "flood/reads-and-pings-interleaved", send: func() []byte {
			return repeat(concat(exists(3, "/"), ping), 2000)
		}, replies: 4000, want: strings.Repeat("3:OK -2:OK ", 2000) + "open"},
	}
}
