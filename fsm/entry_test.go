package fsm

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

func sampleEntries() []Entry {
	return []Entry{
		{Type: EntryRequest, Session: 0x1234, Xid: 7, Op: proto.OpCreate, Time: 1700000000000,
			Auth: []proto.Id{{Scheme: "ip", ID: "127.0.0.1"}, bob}, Body: []byte{0, 0, 0, 2, '/', 'a'}},
		{Type: EntryRequest, Session: -1, Xid: -8, Op: proto.OpMulti, Time: -5, Auth: []proto.Id{}, Body: []byte{}},
		{Type: EntryRequest, Op: proto.OpSetData},
		{Type: EntryCreateSession, Session: 0x7f00000000000001, Xid: 0, Time: 42, Timeout: 30000, Password: bytes.Repeat([]byte{9}, 16)},
		{Type: EntryCreateSession, Session: 3, Password: []byte{}},
		{Type: EntryCloseSession, Session: 5, Xid: 99, Time: 1},
		{Type: EntryReap, Time: 77, Paths: []string{"/c1", "/t/x"}},
		{Type: EntryReap, Paths: []string{}},
		{Type: EntryReap},
		{Type: EntryMoveSession, Session: 0x1234, Owner: 3, Conn: 77, Time: 9},
		{Type: EntryConfig, Time: 4, Body: []byte("server.1=a:1:2:participant;a:3\n")},
	}
}

func entriesEqual(a, b Entry) bool {
	idEq := func(x, y proto.Id) bool { return x == y }
	return a.Type == b.Type && a.Session == b.Session && a.Xid == b.Xid && a.Op == b.Op &&
		a.Time == b.Time && a.Timeout == b.Timeout &&
		(a.Auth == nil) == (b.Auth == nil) && slices.EqualFunc(a.Auth, b.Auth, idEq) &&
		(a.Body == nil) == (b.Body == nil) && bytes.Equal(a.Body, b.Body) &&
		(a.Password == nil) == (b.Password == nil) && bytes.Equal(a.Password, b.Password) &&
		(a.Paths == nil) == (b.Paths == nil) && slices.Equal(a.Paths, b.Paths) &&
		a.Owner == b.Owner && a.Conn == b.Conn
}

func TestEntryRoundTrip(t *testing.T) {
	for i, e := range sampleEntries() {
		b := e.Marshal([]byte("prefix"))
		if string(b[:6]) != "prefix" {
			t.Fatalf("entry %d: Marshal did not append", i)
		}
		got, err := UnmarshalEntry(b[6:])
		if err != nil {
			t.Fatalf("entry %d: unmarshal: %v", i, err)
		}
		if !entriesEqual(e, got) {
			t.Errorf("entry %d: got %+v, want %+v", i, got, e)
		}
	}
}

// TestEntryMarshalSizedOnce pins Marshal(nil) to one allocation: the
// size estimate covers every entry type's encoding.
func TestEntryMarshalSizedOnce(t *testing.T) {
	for i, e := range sampleEntries() {
		if n, size := len(e.Marshal(nil)), e.size(); n > size {
			t.Errorf("entry %d (%s): encoding %d bytes, size() %d", i, e.Type, n, size)
		}
		if allocs := testing.AllocsPerRun(10, func() { e.Marshal(nil) }); allocs != 1 {
			t.Errorf("entry %d (%s): %v allocations, want 1", i, e.Type, allocs)
		}
	}
}

func TestEntryHeaderLayout(t *testing.T) {
	e := Entry{Type: EntryCloseSession, Session: 0x0102030405060708, Xid: 0x0a0b0c0d, Time: 0x1112131415161718}
	want := []byte{1, 3, 1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b, 0x0c, 0x0d, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18}
	if got := e.Marshal(nil); !bytes.Equal(got, want) {
		t.Fatalf("closeSession bytes = % x, want % x", got, want)
	}
	r := Entry{Type: EntryReap, Paths: []string{"/a"}}
	want = append([]byte{1, 4}, make([]byte, 20)...)
	want = append(want, 0, 0, 0, 1, 0, 0, 0, 2, '/', 'a')
	if got := r.Marshal(nil); !bytes.Equal(got, want) {
		t.Fatalf("reap bytes = % x, want % x", got, want)
	}
}

func TestEntryFieldsNotEncodedForType(t *testing.T) {
	e := Entry{Type: EntryCloseSession, Session: 1, Op: proto.OpCreate, Body: []byte{1}, Paths: []string{"/x"}}
	got, err := UnmarshalEntry(e.Marshal(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got.Op != 0 || got.Body != nil || got.Paths != nil {
		t.Fatalf("fields of other types survived: %+v", got)
	}
}

func TestUnmarshalEntryErrors(t *testing.T) {
	good := sampleEntries()[0].Marshal(nil)
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"version 0", append([]byte{0}, good[1:]...)},
		{"version 2", append([]byte{2}, good[1:]...)},
		{"unknown type", append([]byte{1, 9}, good[2:]...)},
		{"type 0", append([]byte{1, 0}, good[2:]...)},
		{"short header", good[:10]},
		{"truncated body", good[:len(good)-1]},
		{"trailing byte", append(append([]byte{}, good...), 0)},
		{"negative auth count", append(append([]byte{}, good[:26]...), 0xff, 0xff, 0xff, 0xfe)},
		{"huge auth count", append(append([]byte{}, good[:26]...), 0x7f, 0xff, 0xff, 0xff)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := UnmarshalEntry(tc.b); !errors.Is(err, ErrBadEntry) {
				t.Fatalf("err = %v, want ErrBadEntry", err)
			}
		})
	}
}

func FuzzUnmarshalEntry(f *testing.F) {
	for _, e := range sampleEntries() {
		f.Add(e.Marshal(nil))
	}
	f.Add([]byte{})
	f.Add([]byte{1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := UnmarshalEntry(b)
		if err != nil {
			if !errors.Is(err, ErrBadEntry) {
				t.Fatalf("error %v does not wrap ErrBadEntry", err)
			}
			return
		}
		b2 := e.Marshal(nil)
		if !bytes.Equal(b, b2) {
			t.Fatalf("re-marshal differs:\n in % x\nout % x", b, b2)
		}
		e2, err := UnmarshalEntry(b2)
		if err != nil {
			t.Fatalf("re-unmarshal: %v", err)
		}
		if !entriesEqual(e, e2) {
			t.Fatalf("round trip: %+v != %+v", e, e2)
		}
	})
}

// FuzzApplyRequest feeds arbitrary request bodies to Apply: it must never
// panic, and a request that fails must leave the state unchanged.
func FuzzApplyRequest(f *testing.F) {
	seeds := []struct {
		op  proto.OpCode
		rec proto.Record
	}{
		{proto.OpCreate, &proto.CreateRequest{Path: "/a/x", ACL: proto.OpenACLUnsafe, Flags: proto.ModeEphemeralSequential}},
		{proto.OpCreateTTL, &proto.CreateTTLRequest{Path: "/t", ACL: proto.OpenACLUnsafe, Flags: proto.ModePersistentWithTTL, TTL: 9}},
		{proto.OpDelete, &proto.DeleteRequest{Path: "/a", Version: -1}},
		{proto.OpSetData, &proto.SetDataRequest{Path: "/a", Data: []byte("z"), Version: 0}},
		{proto.OpSetACL, &proto.SetACLRequest{Path: "/a", ACL: []proto.ACL{{Perms: 1, ID: proto.Id{Scheme: "auth"}}}, Version: 0}},
		{proto.OpMulti, &proto.MultiRequest{Ops: []proto.MultiOp{mCreate(proto.OpCreate, "/a/m", 2), mDelete("/a", -1), mCheck("/a", 0)}}},
	}
	for _, s := range seeds {
		f.Add(int32(s.op), encode(s.rec))
	}
	f.Fuzz(func(t *testing.T, op int32, body []byte) {
		h := newHarness(t, Config{ExtendedTypes: true, EnforceQuota: true, MaxNeverUsedMs: 1})
		h.create("/a", []byte("d"), proto.ModePersistent)
		before := dump(h.f)
		r := h.apply(Entry{Type: EntryRequest, Session: sid, Op: proto.OpCode(op), Auth: []proto.Id{bob}, Body: body})
		failed := r.Err != proto.OK
		if m, ok := r.Resp.(*proto.MultiResponse); ok && len(m.Results) > 0 && m.Results[0].Type == proto.OpError {
			failed = true
		}
		if failed && dump(h.f) != before {
			t.Fatalf("failed op %d (%v) changed the state", op, r.Err)
		}
		if failed && r.Changes != nil {
			t.Fatalf("failed op %d returned changes", op)
		}
	})
}
