package fsm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/session"
	"github.com/zkd-io/zkd/tree"
)

var snapCfg = Config{ExtendedTypes: true, EnforceQuota: true, MaxNeverUsedMs: 50}

// snapGen produces a seeded stream of entries: session opens and closes,
// creates of every kind, deletes, setData, setACL, quota nodes and reaps.
// Many of them fail; that is part of the stream.
type snapGen struct {
	rng  *rand.Rand
	time int64
}

var snapPaths = []string{"/a", "/a/b", "/a/b/c", "/b", "/b/x", "/c", "/c/y", "/zookeeper/quota/a", "/zookeeper/quota/a/zookeeper_limits", "/zookeeper/quota/a/zookeeper_stats"}

func (g *snapGen) path() string { return snapPaths[g.rng.IntN(len(snapPaths))] }

func (g *snapGen) data() []byte {
	switch g.rng.IntN(6) {
	case 0:
		return nil
	case 1:
		return []byte{}
	case 2:
		return []byte("count=3,bytes=-1=;countHardLimit=4")
	}
	return []byte(fmt.Sprintf("v%d", g.rng.IntN(1000)))
}

func (g *snapGen) request(op proto.OpCode, rec proto.Record) Entry {
	var w jute.Writer
	rec.Encode(&w)
	return Entry{Type: EntryRequest, Session: int64(1 + g.rng.IntN(4)), Xid: 1, Op: op, Time: g.time, Body: w.Bytes()}
}

func (g *snapGen) next() Entry {
	g.time += int64(g.rng.IntN(40))
	acls := [][]proto.ACL{proto.OpenACLUnsafe, proto.ReadACLUnsafe, {{Perms: proto.PermAll, ID: proto.Id{Scheme: "world", ID: "anyone"}}, {Perms: 1, ID: proto.Id{Scheme: "ip", ID: "10.1.1.1"}}}}
	switch k := g.rng.IntN(100); {
	case k < 6:
		pw := make([]byte, g.rng.IntN(3)*8)
		if len(pw) == 0 && g.rng.IntN(2) == 0 {
			pw = nil
		}
		for i := range pw {
			pw[i] = byte(g.rng.IntN(256))
		}
		return Entry{Type: EntryCreateSession, Session: int64(1 + g.rng.IntN(4)), Time: g.time, Timeout: int32(1000 * (1 + g.rng.IntN(30))), Password: pw}
	case k < 9:
		return Entry{Type: EntryCloseSession, Session: int64(1 + g.rng.IntN(4)), Time: g.time}
	case k < 12:
		return Entry{Type: EntryReap, Time: g.time, Paths: []string{g.path(), g.path()}}
	case k < 40:
		flags := []proto.CreateMode{proto.ModePersistent, proto.ModeEphemeral, proto.ModePersistentSequential, proto.ModeEphemeralSequential}[g.rng.IntN(4)]
		return g.request(proto.OpCreate, &proto.CreateRequest{Path: g.path(), Data: g.data(), ACL: acls[g.rng.IntN(len(acls))], Flags: flags})
	case k < 48:
		return g.request(proto.OpCreateContainer, &proto.CreateRequest{Path: g.path(), Data: g.data(), ACL: proto.OpenACLUnsafe, Flags: proto.ModeContainer})
	case k < 55:
		return g.request(proto.OpCreateTTL, &proto.CreateTTLRequest{Path: g.path(), Data: g.data(), ACL: proto.OpenACLUnsafe, Flags: proto.ModePersistentWithTTL, TTL: int64(1 + g.rng.IntN(100))})
	case k < 70:
		return g.request(proto.OpDelete, &proto.DeleteRequest{Path: g.path(), Version: -1})
	case k < 90:
		return g.request(proto.OpSetData, &proto.SetDataRequest{Path: g.path(), Data: g.data(), Version: -1})
	}
	return g.request(proto.OpSetACL, &proto.SetACLRequest{Path: g.path(), ACL: acls[g.rng.IntN(len(acls))], Version: -1})
}

// resultString renders a Result for comparison.
func resultString(r Result) string {
	resp := ""
	if r.Resp != nil {
		resp = fmt.Sprintf("%x", encode(r.Resp))
	}
	return fmt.Sprintf("%v %s [%s] %v", r.Err, resp, changesString(r.Changes), r.SoftQuota)
}

// snapshotOf returns the snapshot bytes of f.
func snapshotOf(t testing.TB, f *FSM) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.EncodeSnapshot(&buf); err != nil {
		t.Fatalf("encode snapshot: %v", err)
	}
	return buf.Bytes()
}

// sessionsString renders the whole session table.
func sessionsString(f *FSM) string {
	var b strings.Builder
	for _, id := range f.Sessions().IDs() {
		s, _ := f.Sessions().Get(id)
		fmt.Fprintf(&b, "%#x timeout=%d pw=%x nil=%v\n", s.ID, s.Timeout, s.Password, s.Password == nil)
	}
	return b.String()
}

// applyGenerated applies n entries of g to f, numbering them from *idx+1.
func applyGenerated(f *FSM, g *snapGen, idx *uint64, n int) {
	for range n {
		*idx++
		e := g.next()
		f.Apply(*idx, &e)
	}
}

func TestSnapshotRestoreReplaysIdentically(t *testing.T) {
	const seeds, before, after = 6, 600, 300
	for seed := uint64(1); seed <= seeds; seed++ {
		g := &snapGen{rng: rand.New(rand.NewPCG(seed, 3)), time: 1000}
		orig := New(snapCfg)
		idx := uint64(0)
		applyGenerated(orig, g, &idx, before)
		b := snapshotOf(t, orig)
		got, err := RestoreSnapshot(snapCfg, bytes.NewReader(b))
		if err != nil {
			t.Fatalf("seed %d: restore: %v", seed, err)
		}
		if dump(orig) != dump(got) || sessionsString(orig) != sessionsString(got) || orig.LastZxid() != got.LastZxid() {
			t.Fatalf("seed %d: restored state differs\nwant:\n%s%s\ngot:\n%s%s", seed, dump(orig), sessionsString(orig), dump(got), sessionsString(got))
		}
		if orig.Tree().Digest() != got.Tree().Digest() {
			t.Fatalf("seed %d: digests differ", seed)
		}
		if !bytes.Equal(b, snapshotOf(t, got)) {
			t.Fatalf("seed %d: re-encoded snapshot differs", seed)
		}
		for i := range after {
			idx++
			e := g.next()
			r1, r2 := orig.Apply(idx, &e), got.Apply(idx, &e)
			if s1, s2 := resultString(r1), resultString(r2); s1 != s2 {
				t.Fatalf("seed %d, entry %d after restore (%s): original %s, restored %s", seed, i, e.Type, s1, s2)
			}
		}
		if !bytes.Equal(snapshotOf(t, orig), snapshotOf(t, got)) {
			t.Fatalf("seed %d: states diverged after restore", seed)
		}
	}
}

func TestSnapshotSessionsSurvive(t *testing.T) {
	f := New(Config{})
	sessions := []session.Session{
		{ID: 0x0100000000000001, Timeout: 30000, Password: bytes.Repeat([]byte{0xab}, 16)},
		{ID: 2, Timeout: 4000, Password: nil},
		{ID: 3, Timeout: 1, Password: []byte{}},
		{ID: -0x7ffffffffffffffe, Timeout: 2147483647, Password: []byte("pw")},
	}
	for i, s := range sessions {
		e := Entry{Type: EntryCreateSession, Session: s.ID, Timeout: s.Timeout, Password: s.Password, Time: 5}
		if r := f.Apply(uint64(i+1), &e); r.Err != proto.OK {
			t.Fatalf("create session %#x: %v", s.ID, r.Err)
		}
	}
	e := Entry{Type: EntryRequest, Session: 2, Op: proto.OpCreate, Time: 6,
		Body: encode(&proto.CreateRequest{Path: "/eph", Data: []byte("e"), ACL: proto.OpenACLUnsafe, Flags: proto.ModeEphemeral})}
	if r := f.Apply(77, &e); r.Err != proto.OK {
		t.Fatalf("create ephemeral: %v", r.Err)
	}
	got, err := RestoreSnapshot(Config{}, bytes.NewReader(snapshotOf(t, f)))
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if got.LastZxid() != 77 {
		t.Errorf("last zxid %d, want 77", got.LastZxid())
	}
	if sessionsString(got) != sessionsString(f) {
		t.Errorf("sessions differ\nwant:\n%s\ngot:\n%s", sessionsString(f), sessionsString(got))
	}
	for _, s := range sessions {
		gs, ok := got.Sessions().Get(s.ID)
		if !ok || gs.Timeout != s.Timeout || !bytes.Equal(gs.Password, s.Password) || (gs.Password == nil) != (s.Password == nil) {
			t.Errorf("session %#x restored as %+v (ok=%v)", s.ID, gs, ok)
		}
	}
	if eph := got.Tree().Ephemerals(2); len(eph) != 1 || eph[0] != "/eph" {
		t.Errorf("ephemerals of session 2 = %v", eph)
	}
	closeE := Entry{Type: EntryCloseSession, Session: 2, Time: 7}
	if r := got.Apply(78, &closeE); len(r.Changes) != 2 || has(got.Tree(), "/eph") {
		t.Errorf("closing the restored session: changes %s, node left: %v", changesString(r.Changes), has(got.Tree(), "/eph"))
	}
}

func TestSnapshotQuotaAndNullData(t *testing.T) {
	h := newHarness(t, Config{EnforceQuota: true})
	h.create("/q", nil, proto.ModePersistent)
	h.setQuota("/q", "count=-1,bytes=-1=;countHardLimit=3")
	h.create("/q/null", nil, proto.ModePersistent)
	h.create("/q/empty", []byte{}, proto.ModePersistent)
	got, err := RestoreSnapshot(h.f.cfg, bytes.NewReader(snapshotOf(t, h.f)))
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if d := mustNode(t, got.Tree(), "/q/null").Data(); d != nil {
		t.Errorf("null data restored as %v", d)
	}
	if d := mustNode(t, got.Tree(), "/q/empty").Data(); d == nil {
		t.Error("empty data restored as null")
	}
	h.f = got
	if r := h.do(sid, nil, proto.OpCreate, &proto.CreateRequest{Path: "/q/over", ACL: proto.OpenACLUnsafe}); r.Err != proto.ErrQuotaExceeded {
		t.Errorf("create over the restored hard quota: %v, want QuotaExceeded", r.Err)
	}
}

func TestRestoreSnapshotDetectsCorruption(t *testing.T) {
	h := newHarness(t, Config{})
	h.create("/a", []byte("MARKER-DATA"), proto.ModePersistent)
	b := snapshotOf(t, h.f)
	if _, err := RestoreSnapshot(Config{}, bytes.NewReader(b)); err != nil {
		t.Fatalf("restore of the intact snapshot: %v", err)
	}
	flip := func(off int) []byte {
		c := bytes.Clone(b)
		c[off] ^= 0x04
		return c
	}
	dataAt := bytes.Index(b, []byte("MARKER-DATA"))
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"data byte", flip(dataAt + 3), "digest mismatch"},
		{"digest", flip(len(b) - 1), "digest mismatch"},
		{"magic", flip(0), "magic"},
		{"version", flip(7), "version"},
		{"trailing byte", append(bytes.Clone(b), 0), "after the digest"},
		{"header length", flip(11), "header"},
	}
	for _, tc := range tests {
		_, err := RestoreSnapshot(Config{}, bytes.NewReader(tc.in))
		if !errors.Is(err, ErrBadSnapshot) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrBadSnapshot mentioning %q", tc.name, err, tc.want)
		}
	}
	for n := range len(b) {
		if _, err := RestoreSnapshot(Config{}, bytes.NewReader(b[:n])); !errors.Is(err, ErrBadSnapshot) {
			t.Fatalf("prefix of %d/%d bytes: err = %v", n, len(b), err)
		}
	}
}

// rawFSMSnapshot builds a snapshot around a hand-made header.
func rawFSMSnapshot(hdr []byte, tr *tree.Tree) []byte {
	b := []byte(snapshotMagic)
	b = binary.BigEndian.AppendUint32(b, snapshotVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(len(hdr)))
	b = append(b, hdr...)
	var buf bytes.Buffer
	d, err := tr.EncodeSnapshotDigest(&buf)
	if err != nil {
		panic(err)
	}
	b = append(b, buf.Bytes()...)
	return binary.BigEndian.AppendUint64(b, d)
}

func TestRestoreSnapshotHeaderErrors(t *testing.T) {
	header := func(build func(w *jute.Writer)) []byte {
		var w jute.Writer
		build(&w)
		return w.Bytes()
	}
	ok := header(func(w *jute.Writer) { w.Long(5); w.Int(1); w.Long(9); w.Int(100); w.Buffer(nil) })
	if _, err := RestoreSnapshot(Config{}, bytes.NewReader(rawFSMSnapshot(ok, tree.New()))); err != nil {
		t.Fatalf("hand-built snapshot: %v", err)
	}
	tests := []struct {
		name string
		hdr  []byte
		want string
	}{
		{"duplicate session", header(func(w *jute.Writer) {
			w.Long(5)
			w.Int(2)
			w.Long(9)
			w.Int(100)
			w.Buffer(nil)
			w.Long(9)
			w.Int(100)
			w.Buffer(nil)
		}), "duplicate session 0x9"},
		{"null sessions", header(func(w *jute.Writer) { w.Long(5); w.Int(-1) }), "null session list"},
		{"too many sessions", header(func(w *jute.Writer) { w.Long(5); w.Int(2); w.Long(9); w.Int(100); w.Buffer(nil) }), "header"},
		{"trailing", append(bytes.Clone(ok), 0), "trailing"},
		{"short", ok[:3], "header"},
	}
	for _, tc := range tests {
		_, err := RestoreSnapshot(Config{}, bytes.NewReader(rawFSMSnapshot(tc.hdr, tree.New())))
		if !errors.Is(err, ErrBadSnapshot) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrBadSnapshot mentioning %q", tc.name, err, tc.want)
		}
	}
}

func FuzzRestoreSnapshot(f *testing.F) {
	f.Add(snapshotOf(f, New(Config{})))
	g := &snapGen{rng: rand.New(rand.NewPCG(1, 3)), time: 1000}
	st := New(snapCfg)
	for i := range 200 {
		e := g.next()
		st.Apply(uint64(i+1), &e)
	}
	f.Add(snapshotOf(f, st))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := RestoreSnapshot(snapCfg, bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrBadSnapshot) {
				t.Fatalf("error %v does not wrap ErrBadSnapshot", err)
			}
			return
		}
		b2 := snapshotOf(t, st)
		st2, err := RestoreSnapshot(snapCfg, bytes.NewReader(b2))
		if err != nil {
			t.Fatalf("restore of a re-encoded snapshot: %v", err)
		}
		if b3 := snapshotOf(t, st2); !bytes.Equal(b2, b3) {
			t.Fatalf("restore∘encode is not the identity")
		}
	})
}

// TestFrozenSnapshotIsFreezeMoment applies more entries (sessions opening
// and closing included) after Freeze and checks the frozen view still
// encodes the state of the moment of Freeze.
func TestFrozenSnapshotIsFreezeMoment(t *testing.T) {
	const seeds, before, after = 4, 400, 400
	for seed := uint64(1); seed <= seeds; seed++ {
		g := &snapGen{rng: rand.New(rand.NewPCG(seed, 5)), time: 1000}
		f := New(snapCfg)
		idx := uint64(0)
		applyGenerated(f, g, &idx, before)
		want := snapshotOf(t, f)
		var mu sync.Mutex
		z, err := f.Freeze(&mu)
		if err != nil {
			t.Fatal(err)
		}
		applyGenerated(f, g, &idx, after)
		var got bytes.Buffer
		if err := z.EncodeSnapshot(&got); err != nil {
			t.Fatal(err)
		}
		f.Thaw()
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("seed %d: frozen snapshot differs from the state at Freeze", seed)
		}
		if bytes.Equal(snapshotOf(t, f), want) {
			t.Fatalf("seed %d: entries after Freeze changed nothing", seed)
		}
	}
}
