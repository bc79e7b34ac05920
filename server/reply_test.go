package server

import (
	"testing"

	"github.com/zkd-io/zkd/proto"
)

// TestFrameAllocatesOnce pins frame's first capacity for the common
// replies: each is encoded without growing its buffer.
func TestFrameAllocatesOnce(t *testing.T) {
	hdr := &proto.ReplyHeader{Xid: 7, Zxid: 99}
	stat := proto.Stat{Czxid: 1, Mzxid: 2, DataLength: 100}
	bodies := map[string]proto.Record{
		"none":    nil,
		"setData": &proto.SetDataResponse{Stat: stat},
		"exists":  &proto.ExistsResponse{Stat: stat},
		"getData": &proto.GetDataResponse{Data: make([]byte, 1000), Stat: stat},
		"create":  &proto.CreateResponse{Path: "/a/fairly/long/path/to/a/node-0000000001"},
		"create2": &proto.Create2Response{Path: "/a/fairly/long/path/to/a/node-0000000001", Stat: stat},
		"multi": &proto.MultiResponse{Results: []proto.MultiResult{
			{Type: proto.OpSetData, Resp: &proto.SetDataResponse{Stat: stat}},
			{Type: proto.OpCreate2, Resp: &proto.Create2Response{Path: "/x/node-0000000002", Stat: stat}},
			{Type: proto.OpCheck},
			{Type: proto.OpGetData, Resp: &proto.GetDataResponse{Data: make([]byte, 300), Stat: stat}},
		}},
	}
	s := &Server{}
	for name, body := range bodies {
		var f []byte
		if allocs := testing.AllocsPerRun(20, func() { f = s.frame(hdr, body) }); allocs != 1 {
			t.Errorf("%s: %v allocations, want 1 (frame of %d bytes)", name, allocs, len(f))
		}
	}
}
