package proto

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/jute"
)

// unhex turns the spaced, '|'-separated hex of PROTOCOL.md §13 into bytes.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	s = strings.NewReplacer(" ", "", "|", "", "\n", "", "\t", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

var goldenPasswd = []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

// Frames taken from PROTOCOL.md §13 (the ConnectResponse password, left
// open there, is 01..10 here; the ping reply zxid is 0x42).
var goldenFrames = []struct {
	name   string
	hex    string
	header Record // nil for handshake packets
	body   Record // nil for header-only packets
	fresh  func() (header, body Record)
}{
	{
		name: "connect request",
		hex: `00 00 00 2d  00 00 00 00  00 00 00 00 00 00 00 00  00 00 75 30  00 00 00 00 00 00 00 00
		      00 00 00 10  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  00`,
		body:  &ConnectRequest{TimeOut: 30000, Passwd: make([]byte, 16), HasReadOnly: true},
		fresh: func() (Record, Record) { return nil, &ConnectRequest{} },
	},
	{
		name: "connect response",
		hex: `00 00 00 25  00 00 00 00  00 00 75 30  01 00 00 00 ab cd 00 00
		      00 00 00 10  01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10  00`,
		body:  &ConnectResponse{TimeOut: 30000, SessionID: 0x1000000abcd0000, Passwd: goldenPasswd, HasReadOnly: true},
		fresh: func() (Record, Record) { return nil, &ConnectResponse{} },
	},
	{
		name:   "getData xid 5",
		hex:    `00 00 00 0f | 00 00 00 05 | 00 00 00 04 | 00 00 00 02 2f 61 | 01`,
		header: &RequestHeader{Xid: 5, Type: OpGetData},
		body:   &GetDataRequest{Path: "/a", Watch: true},
		fresh:  func() (Record, Record) { return &RequestHeader{}, &GetDataRequest{} },
	},
	{
		name:   "NoNode reply",
		hex:    `00 00 00 10 | 00 00 00 05 | 00 00 00 00 00 00 00 10 | ff ff ff 9b`,
		header: &ReplyHeader{Xid: 5, Zxid: 0x10, Err: ErrNoNode},
		fresh:  func() (Record, Record) { return &ReplyHeader{}, nil },
	},
	{
		name:   "notification",
		hex:    `00 00 00 1e | ff ff ff ff | 00 00 00 00 00 00 00 11 | 00 00 00 00 | 00 00 00 03 | 00 00 00 03 | 00 00 00 02 2f 61`,
		header: &ReplyHeader{Xid: XidNotification, Zxid: 0x11, Err: OK},
		body:   &WatcherEvent{Type: EventNodeDataChanged, State: StateSyncConnected, Path: "/a"},
		fresh:  func() (Record, Record) { return &ReplyHeader{}, &WatcherEvent{} },
	},
	{
		name:   "ping request",
		hex:    `00 00 00 08 ff ff ff fe 00 00 00 0b`,
		header: &RequestHeader{Xid: XidPing, Type: OpPing},
		fresh:  func() (Record, Record) { return &RequestHeader{}, nil },
	},
	{
		name:   "ping reply",
		hex:    `00 00 00 10 ff ff ff fe 00 00 00 00 00 00 00 42 00 00 00 00`,
		header: &ReplyHeader{Xid: XidPing, Zxid: 0x42},
		fresh:  func() (Record, Record) { return &ReplyHeader{}, nil },
	},
}

func TestGoldenFramesEncode(t *testing.T) {
	for _, g := range goldenFrames {
		want := unhex(t, g.hex)
		if got := AppendFrame(nil, g.header, g.body); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %x\nwant %x", g.name, got, want)
		}
	}
}

func TestGoldenFramesDecode(t *testing.T) {
	for _, g := range goldenFrames {
		payload, err := ReadFrame(bytes.NewReader(unhex(t, g.hex)), nil, DefaultMaxBuffer)
		if err != nil {
			t.Fatalf("%s: read frame: %v", g.name, err)
		}
		r := jute.NewReader(payload)
		header, body := g.fresh()
		if header != nil {
			header.Decode(r)
		}
		if body != nil {
			body.Decode(r)
		}
		if r.Err() != nil || r.Remaining() != 0 {
			t.Fatalf("%s: err %v, %d bytes left", g.name, r.Err(), r.Remaining())
		}
		if !reflect.DeepEqual(header, g.header) && g.header != nil {
			t.Errorf("%s: header %#v, want %#v", g.name, header, g.header)
		}
		if !reflect.DeepEqual(body, g.body) && g.body != nil {
			t.Errorf("%s: body %#v, want %#v", g.name, body, g.body)
		}
	}
}

func TestConnectRequestWithoutReadOnly(t *testing.T) {
	// A pre-3.4 client: the 44-byte packet ends after the password.
	in := unhex(t, `00 00 00 00  00 00 00 00 00 00 00 07  00 00 0f a0  00 00 00 00 00 00 00 09
	                00 00 00 02  aa bb`)
	var c ConnectRequest
	r := jute.NewReader(in)
	c.Decode(r)
	want := ConnectRequest{LastZxidSeen: 7, TimeOut: 4000, SessionID: 9, Passwd: []byte{0xaa, 0xbb}}
	if r.Err() != nil || !reflect.DeepEqual(c, want) {
		t.Fatalf("got %#v err %v", c, r.Err())
	}
	if got := encode(&c); !bytes.Equal(got, in) {
		t.Fatalf("re-encode wrote %x", got)
	}
}
