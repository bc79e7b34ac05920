package tree

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/proto"
)

// encodeTree returns the snapshot bytes of tr.
func encodeTree(t testing.TB, tr *Tree) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := tr.EncodeSnapshot(&buf); err != nil {
		t.Fatalf("encode: %v", err)
	}
	return buf.Bytes()
}

// decodeTree decodes b, failing the test on an error.
func decodeTree(t testing.TB, b []byte) *Tree {
	t.Helper()
	tr, err := DecodeSnapshot(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return tr
}

// randomTree runs seeded random operations (the rollback test's driver)
// on a tree with two fixed quotas and returns it with no transaction open.
func randomTree(t *testing.T, seed uint64, steps int) (*Tree, *randomOps) {
	tr := New()
	tr.Create("/q1", []byte("q"), open, 0, 1, 1)
	tr.Create("/q2", nil, open, 0, 1, 1)
	tr.Create("/q2/x", []byte("xx"), open, 0, 1, 1)
	setQuota(tr, "/q1", "count=50,bytes=-1=;byteHardLimit=200", 1)
	setQuota(tr, "/q2/x", "count=-1,bytes=100", 1)
	r := &randomOps{t: t, rng: rand.New(rand.NewPCG(seed, 11)), tr: tr, zxid: 1}
	for range steps {
		r.step()
	}
	if tr.inTxn {
		tr.Commit()
	}
	return tr, r
}

func TestSnapshotRoundTripRandom(t *testing.T) {
	const seeds, steps, after = 8, 800, 300
	for seed := uint64(1); seed <= seeds; seed++ {
		orig, ro := randomTree(t, seed, steps)
		var buf bytes.Buffer
		encDigest, err := orig.EncodeSnapshotDigest(&buf)
		if err != nil {
			t.Fatalf("seed %d: encode: %v", seed, err)
		}
		b := buf.Bytes()
		got, decDigest, err := DecodeSnapshotDigest(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("seed %d: decode: %v", seed, err)
		}
		if d := orig.Digest(); encDigest != d || decDigest != d {
			t.Fatalf("seed %d: Digest %016x, while encoding %016x, while decoding %016x", seed, d, encDigest, decDigest)
		}
		if want, have := dump(orig), dump(got); want != have {
			t.Fatalf("seed %d: decoded tree differs\nwant:\n%s\ngot:\n%s", seed, want, have)
		}
		checkIndexes(t, got, fixedQuotas)
		if orig.Digest() != got.Digest() {
			t.Fatalf("seed %d: digest %016x, decoded %016x", seed, orig.Digest(), got.Digest())
		}
		if b2 := encodeTree(t, got); !bytes.Equal(b, b2) {
			t.Fatalf("seed %d: re-encoding the decoded tree gives other bytes", seed)
		}
		// Both trees evolve identically under the same further operations:
		// the rebuilt indexes behave like the originals.
		rd := &randomOps{t: t, rng: rand.New(rand.NewPCG(seed, 99)), tr: got, zxid: ro.zxid}
		ro.rng = rand.New(rand.NewPCG(seed, 99))
		for range after {
			ro.step()
			rd.step()
		}
		if want, have := dump(orig), dump(got); want != have {
			t.Fatalf("seed %d: trees diverged after restore\nwant:\n%s\ngot:\n%s", seed, want, have)
		}
		checkIndexes(t, got, fixedQuotas)
	}
}

func TestSnapshotKeepsEveryField(t *testing.T) {
	tr := New()
	digestACL := []proto.ACL{{Perms: proto.PermRead | proto.PermAdmin, ID: proto.Id{Scheme: "digest", ID: "u:h"}}}
	tr.Create("/null", nil, open, 0, 5, 1700000000000)
	tr.Create("/empty", []byte{}, digestACL, 0, 6, 1700000000001)
	tr.Create("/eph", []byte("e"), open, 0x0123456789, 7, 7)
	tr.Create("/eph2", []byte("e"), open, 0x0123456789, 7, 7)
	tr.Create("/con", nil, open, proto.ContainerOwner, 8, 8)
	tr.Create("/ttl", nil, open, proto.TTLOwnerMask|proto.MaxTTL, 9, math.MinInt64)
	tr.Create("/con/a", nil, open, 0, 10, 10)
	tr.Delete("/con/a", 11)
	tr.SetData("/empty", nil, 12, 12)
	tr.SetData("/null", []byte{}, 13, -1)
	tr.SetACL("/zookeeper/config", digestACL)
	tr.Create("/big", bytes.Repeat([]byte{0xfe}, 3*snapChunk+5), open, 0, math.MaxInt64, math.MaxInt64)
	tr.Create("/ü∂", []byte("unicode"), open, 0, 14, 14)
	n := mustGet(t, tr, "/eph").rec()
	n.version, n.cversion, n.aversion = math.MinInt32, math.MaxInt32, -1

	got := decodeTree(t, encodeTree(t, tr))
	if want, have := dump(tr), dump(got); want != have {
		t.Fatalf("decoded tree differs\nwant:\n%s\ngot:\n%s", want, have)
	}
	checkIndexes(t, got, nil)
	if d := mustGet(t, got, "/null").Data(); d == nil || len(d) != 0 {
		t.Errorf("/null data = %v, want empty non-nil", d)
	}
	if d := mustGet(t, got, "/empty").Data(); d != nil {
		t.Errorf("/empty data = %v, want nil", d)
	}
	if mustGet(t, got, "/con").StoredCversion() != 1 || mustGet(t, got, "/eph").StoredCversion() != math.MaxInt32 {
		t.Errorf("stored cversions not kept: %d, %d", mustGet(t, got, "/con").StoredCversion(), mustGet(t, got, "/eph").StoredCversion())
	}
	if mustGet(t, got, "/ttl").Owner() != proto.TTLOwnerMask|proto.MaxTTL {
		t.Errorf("TTL owner = %#x", mustGet(t, got, "/ttl").Owner())
	}
}

func TestSnapshotQuotaSurvives(t *testing.T) {
	tr := New()
	tr.Create("/app", []byte("12345"), open, 0, 2, 2)
	setQuota(tr, "/app", "count=3,bytes=-1=;countHardLimit=4", 3)
	tr.Create("/app/a", []byte("xy"), open, 0, 4, 4)
	got := decodeTree(t, encodeTree(t, tr))
	if s := statsOf(t, got, "/app"); s != "count=2,bytes=7" {
		t.Fatalf("restored stats = %q", s)
	}
	for _, x := range []*Tree{tr, got} {
		x.Create("/app/b", []byte("z"), open, 0, 5, 5)
		x.SetData("/app/a", []byte("wxyz"), 6, 6)
	}
	if s := statsOf(t, got, "/app"); s != "count=3,bytes=10" {
		t.Errorf("stats after restore and writes = %q", s)
	}
	if dump(tr) != dump(got) {
		t.Errorf("trees diverged after restore")
	}
	for _, enforce := range []bool{false, true} {
		s1, e1 := tr.CheckQuota("/app/c", 1, 0, enforce)
		s2, e2 := got.CheckQuota("/app/c", 1, 0, enforce)
		if s1 != s2 || e1 != e2 {
			t.Errorf("CheckQuota(enforce=%v): original (%v, %v), restored (%v, %v)", enforce, s1, e1, s2, e2)
		}
	}
	got.Delete(limitsPath("/app"), 7)
	got.Create("/app/c", nil, open, 0, 8, 8)
	if s := statsOf(t, got, "/app"); s != "count=3,bytes=10" {
		t.Errorf("unregistered quota still counted: %q", s)
	}
}

// TestSnapshotOrder pins what the encoding promises about order: siblings
// are written as the tree links them (newest first), a decoded tree
// encodes to the very bytes it came from, and equal trees built in other
// orders have equal digests and contents.
func TestSnapshotOrder(t *testing.T) {
	names := []string{"a", "a-b", "a.b", "ab", "a0", "é", "B", "a/x"}
	build := func(order []int) *Tree {
		tr := New()
		acls := [][]proto.ACL{open, readOK, {{Perms: 1, ID: proto.Id{Scheme: "ip", ID: "10.0.0.1"}}}}
		for _, i := range order {
			name := names[i]
			parent, child, _ := strings.Cut(name, "/")
			if child != "" {
				continue
			}
			tr.Create("/"+parent, []byte(parent), acls[i%len(acls)], 0, 20, 20)
		}
		tr.Create("/a/x", nil, open, 0, 20, 20)
		return tr
	}
	t1 := build([]int{0, 1, 2, 3, 4, 5, 6})
	t2 := build([]int{6, 5, 4, 3, 2, 1, 0})
	b1, b2 := encodeTree(t, t1), encodeTree(t, t2)
	if bytes.Equal(b1, b2) {
		t.Errorf("trees built in opposite orders encode their siblings in the same order")
	}
	if t1.Digest() != t2.Digest() {
		t.Errorf("equal trees have different digests")
	}
	for _, b := range [][]byte{b1, b2} {
		if again := encodeTree(t, decodeTree(t, b)); !bytes.Equal(again, b) {
			t.Errorf("decode then encode changed the bytes")
		}
	}
	if dump(decodeTree(t, b2)) != dump(t1) {
		t.Errorf("trees built in opposite orders decode differently")
	}
	// The newest child comes first: "/a" was created last in t2.
	if i, j := bytes.Index(b2, []byte("\x01\x01a")), bytes.Index(b2, []byte("\x01\x01B")); i < 0 || j < 0 || i > j {
		t.Errorf("siblings not newest first: /a at %d, /B at %d", i, j)
	}
	if dump(decodeTree(t, b1)) != dump(t1) {
		t.Errorf("round trip differs")
	}
}

func TestDigestSeesEveryField(t *testing.T) {
	base := New()
	base.Create("/a", []byte("data"), open, 0, 3, 30)
	base.Create("/a/b", nil, open, 0, 4, 40)
	want := base.Digest()
	mutations := []struct {
		name string
		mut  func(tr *Tree)
	}{
		{"data", func(tr *Tree) { tr.replaceData(tr.lookup("/a"), []byte("date"), tr.ext(tr.lookup("/a"))) }},
		{"nil to empty", func(tr *Tree) { tr.replaceData(tr.lookup("/a/b"), []byte{}, tr.ext(tr.lookup("/a/b"))) }},
		{"acl", func(tr *Tree) { tr.replaceACL(tr.lookup("/a"), readOK) }},
		{"czxid", func(tr *Tree) { tr.r(tr.lookup("/a")).czxid++ }},
		{"mzxid", func(tr *Tree) { changeExt(tr, "/a", func(e *ext) { e.mzxid++ }) }},
		{"pzxid", func(tr *Tree) { tr.r(tr.lookup("/a")).pzxid++ }},
		{"ctime", func(tr *Tree) { tr.r(tr.lookup("/a")).ctime++ }},
		{"mtime", func(tr *Tree) { changeExt(tr, "/a", func(e *ext) { e.mtime++ }) }},
		{"owner", func(tr *Tree) { changeExt(tr, "/a/b", func(e *ext) { e.owner = 1 }) }},
		{"version", func(tr *Tree) { tr.r(tr.lookup("/a")).version++ }},
		{"cversion", func(tr *Tree) { tr.r(tr.lookup("/a")).cversion++ }},
		{"aversion", func(tr *Tree) { tr.r(tr.lookup("/a")).aversion++ }},
		{"extra node", func(tr *Tree) { tr.Create("/c", nil, open, 0, 5, 5) }},
		{"swap data", func(tr *Tree) {
			tr.Create("/x1", []byte("1"), open, 0, 5, 5)
			tr.Create("/x2", []byte("2"), open, 0, 5, 5)
		}},
	}
	seen := map[uint64]string{want: "base"}
	byName := map[string]uint64{}
	for _, m := range mutations {
		tr := decodeTree(t, encodeTree(t, base))
		if tr.Digest() != want {
			t.Fatalf("copy has another digest")
		}
		m.mut(tr)
		d := tr.Digest()
		if prev, dup := seen[d]; dup {
			t.Errorf("%s: digest %016x equals that of %s", m.name, d, prev)
		}
		seen[d] = m.name
		byName[m.name] = d
	}
	tr := decodeTree(t, encodeTree(t, base))
	tr.Create("/x1", []byte("2"), open, 0, 5, 5)
	tr.Create("/x2", []byte("1"), open, 0, 5, 5)
	if tr.Digest() == byName["swap data"] {
		t.Errorf("swapping the data of two nodes left the digest unchanged")
	}
}

func TestEncodeSnapshotInTransaction(t *testing.T) {
	tr := New()
	tr.Begin()
	if err := tr.EncodeSnapshot(io.Discard); err == nil {
		t.Error("encode inside a transaction succeeded")
	}
	tr.Rollback()
}

func TestDecodeSnapshotReadsExactly(t *testing.T) {
	tr, _ := randomTree(t, 3, 200)
	b := append(encodeTree(t, tr), "TAIL"...)
	br := bufio.NewReader(bytes.NewReader(b))
	if _, err := DecodeSnapshot(br); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if rest, _ := io.ReadAll(br); string(rest) != "TAIL" {
		t.Errorf("left %q after the tree, want TAIL", rest)
	}
}

// errReader fails after its data.
type errReader struct {
	data []byte
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestDecodeSnapshotReadError(t *testing.T) {
	b := encodeTree(t, New())
	boom := errors.New("disk on fire")
	_, err := DecodeSnapshot(&errReader{data: b[:len(b)/2], err: boom})
	if !errors.Is(err, boom) || errors.Is(err, ErrBadSnapshot) {
		t.Errorf("err = %v, want the reader's error and not ErrBadSnapshot", err)
	}
}

// rawNode is one hand-built node record.
type rawNode struct {
	depth uint64
	name  string
	acl   uint64
	owner uint64
	ver   int64
}

// rawSnapshot builds snapshot bytes by hand: one ACL list (OPEN), the
// given node count and records (the first one is the root).
func rawSnapshot(magic string, version, count uint64, nodes []rawNode) []byte {
	b := append([]byte(nil), magic...)
	b = binary.AppendUvarint(b, version)
	b = binary.AppendUvarint(b, 1) // one ACL list
	b = binary.AppendUvarint(b, 1)
	b = binary.AppendUvarint(b, uint64(proto.PermAll))
	b = appendStr(b, "world")
	b = appendStr(b, "anyone")
	b = binary.AppendUvarint(b, count)
	for i, n := range nodes {
		if i > 0 {
			b = binary.AppendUvarint(b, n.depth)
			b = appendStr(b, n.name)
		}
		b = binary.AppendUvarint(b, n.acl)
		for range 5 {
			b = binary.AppendVarint(b, 0)
		}
		b = binary.AppendUvarint(b, n.owner)
		b = binary.AppendVarint(b, n.ver)
		b = binary.AppendVarint(b, 0)
		b = binary.AppendVarint(b, 0)
		b = append(b, 1) // empty data
	}
	return b
}

// baseNodes are the pre-created nodes in snapshot order.
var baseNodes = []rawNode{{}, {depth: 1, name: "zookeeper"}, {depth: 2, name: "config"}, {depth: 2, name: "quota"}}

func withNode(extra ...rawNode) []rawNode {
	return append(append([]rawNode(nil), baseNodes...), extra...)
}

func TestDecodeSnapshotErrors(t *testing.T) {
	valid := rawSnapshot(snapshotMagic, 1, 4, baseNodes)
	if _, err := DecodeSnapshot(bytes.NewReader(valid)); err != nil {
		t.Fatalf("hand-built base snapshot: %v", err)
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"magic", rawSnapshot("ZKDX", 1, 4, baseNodes), "magic"},
		{"version", rawSnapshot(snapshotMagic, 2, 4, baseNodes), "version 2"},
		{"no nodes", rawSnapshot(snapshotMagic, 1, 0, nil), "no nodes"},
		{"count too high", rawSnapshot(snapshotMagic, 1, 5, baseNodes), "truncated"},
		{"acl id", rawSnapshot(snapshotMagic, 1, 5, withNode(rawNode{depth: 1, name: "a", acl: 1})), "ACL id 1"},
		{"depth skips", rawSnapshot(snapshotMagic, 1, 5, withNode(rawNode{depth: 4, name: "a"})), "depth 4"},
		{"depth zero", rawSnapshot(snapshotMagic, 1, 5, withNode(rawNode{depth: 0, name: "a"})), "depth 0"},
		{"slash", rawSnapshot(snapshotMagic, 1, 5, withNode(rawNode{depth: 1, name: "a/b"})), "holds '/'"},
		{"empty name", rawSnapshot(snapshotMagic, 1, 5, withNode(rawNode{depth: 1, name: ""})), "name length 0"},
		{"duplicate", rawSnapshot(snapshotMagic, 1, 5, withNode(rawNode{depth: 1, name: "zookeeper"})), "duplicate"},
		{"int32 range", rawSnapshot(snapshotMagic, 1, 5, withNode(rawNode{depth: 1, name: "a", ver: math.MaxInt32 + 1})), "out of range"},
		{"root owner", rawSnapshot(snapshotMagic, 1, 4, []rawNode{{owner: 5}, baseNodes[1], baseNodes[2], baseNodes[3]}), "root owner"},
		{"missing quota", rawSnapshot(snapshotMagic, 1, 3, baseNodes[:3]), "/zookeeper/quota missing"},
		{"varint overflow", append([]byte(snapshotMagic), bytes.Repeat([]byte{0xff}, 11)...), "overflows"},
		{"huge name", binary.AppendUvarint(append(rawSnapshot(snapshotMagic, 1, 5, baseNodes), 1), maxSnapName+1), "name length"},
		{"long name", binary.AppendUvarint(append(rawSnapshot(snapshotMagic, 1, 5, baseNodes), 1), maxSnapName), "truncated"},
		{"huge data", binary.AppendUvarint(slices.Clip(bytes.TrimSuffix(valid, []byte{1})), maxSnapData+2), "data length"},
		{"long data", binary.AppendUvarint(slices.Clip(bytes.TrimSuffix(valid, []byte{1})), 1<<30), "truncated"},
	}
	for _, tc := range tests {
		_, err := DecodeSnapshot(bytes.NewReader(tc.in))
		if !errors.Is(err, ErrBadSnapshot) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrBadSnapshot mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestDecodeSnapshotTruncated(t *testing.T) {
	tr, _ := randomTree(t, 5, 150)
	b := encodeTree(t, tr)
	for n := range len(b) {
		if _, err := DecodeSnapshot(bytes.NewReader(b[:n])); !errors.Is(err, ErrBadSnapshot) {
			t.Fatalf("prefix of %d/%d bytes: err = %v, want ErrBadSnapshot", n, len(b), err)
		}
	}
}

func FuzzDecodeSnapshot(f *testing.F) {
	f.Add(encodeTree(f, New()))
	f.Add(rawSnapshot(snapshotMagic, 1, 5, withNode(rawNode{depth: 1, name: "a", owner: 7})))
	tr := New()
	tr.Create("/a", []byte("x"), open, proto.ContainerOwner, 1, 1)
	tr.Create("/a/b", nil, readOK, 9, 2, 2)
	setQuota(tr, "/a", "count=2", 3)
	f.Add(encodeTree(f, tr))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := DecodeSnapshot(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrBadSnapshot) {
				t.Fatalf("error %v does not wrap ErrBadSnapshot", err)
			}
			return
		}
		checkIndexes(t, tr, nil)
		b2 := encodeTree(t, tr)
		tr2 := decodeTree(t, b2)
		if dump(tr) != dump(tr2) || tr.Digest() != tr2.Digest() {
			t.Fatalf("decode∘encode is not the identity")
		}
		if b3 := encodeTree(t, tr2); !bytes.Equal(b2, b3) {
			t.Fatalf("encoding is not canonical")
		}
	})
}

// benchTree builds a tree of n znodes with 100-byte data spread over 100
// parents, as a typical service-discovery or config tree looks.
func benchTree(n int) *Tree {
	const fanout = 100
	tr := New()
	parents := make([]string, fanout)
	for i := range parents {
		parents[i] = "/service-" + strconv.Itoa(i)
		tr.Create(parents[i], nil, open, 0, int64(i+1), 1700000000000)
	}
	for i := range n - fanout {
		data := make([]byte, 100)
		for j := range data {
			data[j] = byte('a' + (i+j)%26)
		}
		zxid := int64(fanout + i + 1)
		tr.Create(parents[i%fanout]+"/node-"+strconv.Itoa(i), data, open, 0, zxid, 1700000000000+zxid)
	}
	return tr
}

const benchNodes = 100_000

// BenchmarkEncode encodes a 100k-node tree; see BenchmarkDecode.
//
//	go test -run '^$' -bench 'Encode|Decode|Digest' -benchmem ./tree
func BenchmarkEncode(b *testing.B) {
	tr := benchTree(benchNodes)
	size := len(encodeTree(b, tr))
	bw := bufio.NewWriterSize(io.Discard, snapshotBufSize)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := tr.EncodeSnapshot(bw); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size)/benchNodes, "bytes/node")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchNodes, "ns/node")
}

// BenchmarkDecode decodes a 100k-node tree with 100-byte data.
func BenchmarkDecode(b *testing.B) {
	snap := encodeTree(b, benchTree(benchNodes))
	b.SetBytes(int64(len(snap)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := DecodeSnapshot(bytes.NewReader(snap)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(snap))/benchNodes, "bytes/node")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchNodes, "ns/node")
}

// BenchmarkDigest digests a 100k-node tree.
func BenchmarkDigest(b *testing.B) {
	tr := benchTree(benchNodes)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tr.Digest()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchNodes, "ns/node")
}
