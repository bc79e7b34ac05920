package tree

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/zkd-io/zkd/proto"
)

// Bounds on lengths read from a snapshot: they keep a corrupt length from
// turning into a huge allocation or an endless loop.
const (
	maxSnapName     = 1 << 24       // a path component, ACL scheme or id
	maxSnapData     = math.MaxInt32 // DataLength is an int32
	snapChunk       = 64 << 10      // lengths above this are read in growing chunks
	maxSnapPrealloc = 1 << 16       // map and slice capacity trusted from a count
)

// byteReader is what the decoder reads from: bulk reads and varints.
type byteReader interface {
	io.Reader
	io.ByteReader
}

// DecodeSnapshot reads a tree written by EncodeSnapshot and rebuilds every
// index. See the format description at the top of snapshot.go for what it
// checks; malformed input gives an error wrapping ErrBadSnapshot and never
// a panic. A read error of r other than an early EOF is returned wrapped
// as it is.
func DecodeSnapshot(r io.Reader) (*Tree, error) {
	t, _, err := DecodeSnapshotDigest(r)
	return t, err
}

// DecodeSnapshotDigest is DecodeSnapshot that also returns the decoded
// tree's Digest, computed while the nodes are decoded.
func DecodeSnapshotDigest(r io.Reader) (*Tree, uint64, error) {
	return DecodeSnapshotSized(r, 0)
}

// DecodeSnapshotSized is DecodeSnapshotDigest for a snapshot known to be
// at most size bytes long (0: unknown). The size lets the decoder trust
// the node count up to what that many bytes can hold and size the path
// map once instead of growing it, which matters for a million nodes.
func DecodeSnapshotSized(r io.Reader, size int64) (*Tree, uint64, error) {
	br, ok := r.(byteReader)
	if !ok {
		br = bufio.NewReaderSize(r, snapshotBufSize)
	}
	d := snapDecoder{r: br, node: -1, size: size}
	t := d.decode()
	if d.err != nil {
		return nil, 0, d.err
	}
	return t, d.digest, nil
}

// snapDecoder reads the snapshot with a sticky error.
type snapDecoder struct {
	r    byteReader
	err  error
	node int64  // index of the node being read (-1 before the root)
	buf  []byte // path of the node being read
	head []byte // the ext bytes and name of the node being read
	// digest is the sum of the node digests so far.
	digest uint64
	size   int64 // input size bound, 0 when unknown
	t      *Tree
}

// decFrame is one ancestor of the next node: its index and the length of
// its path in d.buf (0 for the root, whose children add "/name").
type decFrame struct {
	i       uint32
	pathLen int
	last    uint32 // the child of i read last, 0 before the first
}

// minSnapNodeBytes is the fewest bytes a non-root node takes in a
// snapshot: depth, name length, a one-byte name and ten one-byte fields.
const minSnapNodeBytes = 13

func (d *snapDecoder) decode() *Tree {
	var magic [len(snapshotMagic)]byte
	d.full(magic[:])
	if d.err == nil && string(magic[:]) != snapshotMagic {
		d.bad("magic %q", magic[:])
	}
	if v := d.uvarint(); d.err == nil && v != snapshotVersion {
		d.bad("version %d", v)
	}
	acls := newACLTable()
	ids := d.acls(&acls)
	count := d.uvarint()
	if d.err != nil {
		return nil
	}
	if count == 0 {
		d.bad("no nodes")
		return nil
	}
	trusted := uint64(maxSnapPrealloc)
	if d.size > 0 {
		trusted = max(trusted, uint64(d.size)/minSnapNodeBytes)
	}
	t := newTree(int(min(count, trusted)))
	t.acls = acls
	d.t = t

	d.node = 0
	root := t.slab.alloc()
	if !d.fields(root, nil, ids) {
		return nil
	}
	if o := t.ext(root).owner; o != 0 {
		d.bad("root owner %#x", o)
		return nil
	}
	t.count = 1
	t.dataSize = javaLength(rootPath) + int64(max(t.r(root).dataLen, 0))
	d.digest = d.nodeDigest([]byte(rootPath), root)

	stack := []decFrame{{i: root}}
	for i := uint64(1); i < count && d.err == nil; i++ {
		d.node = int64(i)
		depth := d.uvarint()
		if d.err != nil {
			break
		}
		if depth == 0 || depth > uint64(len(stack)) {
			d.bad("depth %d below a node of depth %d", depth, len(stack)-1)
			break
		}
		stack = stack[:depth]
		parent := &stack[depth-1]
		name := d.name(parent.pathLen)
		if d.err != nil {
			break
		}
		n := t.slab.alloc()
		if !d.fields(n, name, ids) {
			break
		}
		t.linkAfter(parent.i, parent.last, n)
		parent.last = n
		if !t.indexAdd(n) {
			d.bad("duplicate node %q", d.buf)
			break
		}
		indexNode(t, d.buf, n)
		d.digest += d.nodeDigest(d.buf, n)
		if string(name) == limitsName {
			parentPath := rootPath
			if parent.pathLen > 0 {
				parentPath = string(d.buf[:parent.pathLen])
			}
			if prefix, ok := quotaNodePrefix(parentPath); ok {
				t.quotas[prefix] = struct{}{}
			}
		}
		stack = append(stack, decFrame{i: n, pathLen: len(d.buf)})
	}
	if d.err != nil {
		return nil
	}
	for _, p := range []string{procPath, quotaPath, configPath} {
		if t.lookup(p) == 0 {
			d.bad("pre-created node %s missing", p)
			return nil
		}
	}
	t.quotaDir = t.lookup(quotaPath)
	for id := range t.acls.entries {
		if e := &t.acls.entries[id]; e.refs == 0 {
			e.refs = 1 // listed but unused: forget it
			t.acls.release(uint32(id))
		}
	}
	return t
}

// nodeDigest hashes decoded node i at path.
func (d *snapDecoder) nodeDigest(path []byte, i uint32) uint64 {
	r := d.t.r(i)
	return nodeDigest(path, r, d.t.ext(i), d.t.data(i), d.t.acls.entries[r.acl].key)
}

// acls reads the ACL lists and interns them in table; identical lists
// share one entry. It returns the table ids by snapshot ACL id.
func (d *snapDecoder) acls(table *aclTable) []uint32 {
	count := d.uvarint()
	ids := make([]uint32, 0, min(count, maxSnapPrealloc))
	var key []byte
	for i := uint64(0); i < count && d.err == nil; i++ {
		n := d.uvarint()
		acl := make([]proto.ACL, 0, min(n, 64))
		for j := uint64(0); j < n && d.err == nil; j++ {
			perms := d.uvarint()
			if perms > math.MaxUint32 {
				d.bad("ACL %d perms %#x", i, perms)
			}
			scheme := d.str()
			id := d.str()
			acl = append(acl, proto.ACL{Perms: int32(uint32(perms)), ID: proto.Id{Scheme: scheme, ID: id}})
		}
		if d.err != nil {
			break
		}
		key = appendKey(key[:0], acl)
		id, ok := table.byKey[string(key)]
		if !ok {
			id = table.add(acl, string(key), 0)
		}
		ids = append(ids, id)
	}
	return ids
}

// fields reads one node's fields and data into the zeroed record i, whose
// name (nil for the root) is stored in the blob before the data, and
// takes a reference to its ACL entry. It reports whether all went well.
func (d *snapDecoder) fields(i uint32, name []byte, ids []uint32) bool {
	id := d.uvarint()
	if d.err == nil && id >= uint64(len(ids)) {
		d.bad("ACL id %d of %d", id, len(ids))
	}
	var n rec
	var e ext
	n.czxid = d.varint()
	e.mzxid = n.czxid + d.varint()
	n.pzxid = n.czxid + d.varint()
	n.ctime = d.varint()
	e.mtime = n.ctime + d.varint()
	e.owner = int64(d.uvarint())
	n.version = d.int32()
	n.cversion = d.int32()
	n.aversion = d.int32()
	d.head = append(setExt(&n, e, len(name), d.head[:0]), name...)
	n.blob, n.dataLen = d.blob(d.head)
	if d.err != nil {
		return false
	}
	n.acl = ids[id]
	d.t.acls.entries[n.acl].refs++
	*d.t.r(i) = n
	return true
}

// blob reads a nullable byte string (nil stays nil, empty stays empty)
// and stores head (the ext bytes and the name) followed by it in a new
// blob.
func (d *snapDecoder) blob(head []byte) (uint32, int32) {
	l := d.uvarint()
	if d.err != nil {
		return 0, 0
	}
	name := head
	if l == 0 {
		if len(head) == 0 {
			return 0, -1
		}
		ref := d.t.blobs.alloc(len(head))
		copy(d.t.blobs.bytes(ref, len(head)), head)
		return ref, -1
	}
	l--
	if l > maxSnapData {
		d.bad("data length %d", l)
		return 0, 0
	}
	total := len(name) + int(l)
	switch {
	case total == 0:
		return 0, 0
	case total <= maxSmallUnits*blobUnit || l <= snapChunk:
		ref := d.t.blobs.alloc(total)
		b := d.t.blobs.bytes(ref, total)
		d.full(b[copy(b, name):])
		return ref, int32(l)
	}
	b := d.appendN(append(make([]byte, 0, len(name)+snapChunk), name...), int(l))
	if d.err != nil {
		return 0, 0
	}
	return d.t.blobs.adoptBig(b), int32(l)
}

// name reads a child name and appends "/name" to the parent's path, cut
// to parentLen in d.buf; it returns the name (a slice of d.buf).
func (d *snapDecoder) name(parentLen int) []byte {
	l := d.uvarint()
	if d.err != nil {
		return nil
	}
	if l == 0 || l > maxSnapName {
		d.bad("name length %d", l)
		return nil
	}
	b := append(d.buf[:parentLen], '/')
	start := len(b)
	b = d.appendN(b, int(l))
	d.buf = b
	if d.err != nil {
		return nil
	}
	if bytes.IndexByte(b[start:], '/') >= 0 {
		d.bad("name %q holds '/'", b[start:])
		return nil
	}
	return b[start:]
}

// str reads a string of at most maxSnapName bytes.
func (d *snapDecoder) str() string {
	l := d.uvarint()
	if d.err != nil {
		return ""
	}
	if l > maxSnapName {
		d.bad("string length %d", l)
		return ""
	}
	d.buf = d.appendN(d.buf[:0], int(l))
	return string(d.buf)
}

// appendN appends n bytes read from the input to b, growing b in chunks
// so that a corrupt length costs no more memory than the input backs.
func (d *snapDecoder) appendN(b []byte, n int) []byte {
	for n > 0 && d.err == nil {
		step := min(n, snapChunk)
		b = slices.Grow(b, step)
		d.full(b[len(b) : len(b)+step])
		b = b[:len(b)+step]
		n -= step
	}
	return b
}

func (d *snapDecoder) full(b []byte) {
	if d.err != nil {
		return
	}
	if _, err := io.ReadFull(d.r, b); err != nil {
		d.readErr(err)
	}
}

// uvarint reads an unsigned LEB128 varint of at most 64 bits.
func (d *snapDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	var x uint64
	for i := range binary.MaxVarintLen64 {
		c, err := d.r.ReadByte()
		if err != nil {
			d.readErr(err)
			return 0
		}
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break
			}
			return x | uint64(c)<<(7*i)
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
	d.bad("varint overflows 64 bits")
	return 0
}

// varint reads a zig-zag signed varint.
func (d *snapDecoder) varint() int64 {
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

func (d *snapDecoder) int32() int32 {
	v := d.varint()
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.bad("int32 field %d out of range", v)
		return 0
	}
	return int32(v)
}

// readErr records a read failure: the end of the input and varint
// overflows mean a bad snapshot, anything else is the reader's own error.
func (d *snapDecoder) readErr(err error) {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		d.bad("truncated")
		return
	}
	d.fail(fmt.Errorf("tree: decode snapshot: %sread: %w", d.where(), err))
}

func (d *snapDecoder) bad(format string, args ...any) {
	d.fail(fmt.Errorf("%w: %s%s", ErrBadSnapshot, d.where(), fmt.Sprintf(format, args...)))
}

// where names the node being read ("" before the first one).
func (d *snapDecoder) where() string {
	if d.node < 0 {
		return ""
	}
	return fmt.Sprintf("node %d: ", d.node)
}

func (d *snapDecoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}
