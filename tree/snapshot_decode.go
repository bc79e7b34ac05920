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
	buf  []byte // path scratch
	// digest is the sum of the node digests so far.
	digest uint64
	size   int64     // input size bound, 0 when unknown
	kids   [][]child // children collected per depth, reused
	slab   []Node    // nodes not yet handed out (newNode)
	arena  []byte    // data bytes not yet handed out (arenaBytes)
}

// decFrame is one ancestor of the next node: its children are collected
// while its subtree is read and linked once, into a map of the right size,
// when the subtree ends.
type decFrame struct {
	path string
	node *Node
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
	t := &Tree{
		acls:       newACLTable(),
		ephemerals: make(map[int64]map[string]struct{}),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
		quotas:     make(map[string]struct{}),
	}
	entries := d.acls(&t.acls)
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
	t.nodes = make(map[string]*Node, min(count, trusted))

	d.node = 0
	root := d.fields(entries)
	if d.err != nil {
		return nil
	}
	if root.owner != 0 {
		d.bad("root owner %#x", root.owner)
		return nil
	}
	t.nodes[rootPath] = root
	t.dataSize = javaLength(rootPath) + int64(len(root.data))
	d.digest = nodeDigest(rootPath, root)

	stack := []decFrame{{path: rootPath, node: root}}
	d.frame(0)
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
		stack = d.pop(stack, int(depth))
		parent := stack[depth-1]
		path, name := d.path(parent.path)
		if d.err != nil {
			break
		}
		n := d.fields(entries)
		if d.err != nil {
			break
		}
		before := len(t.nodes)
		t.index(path, n)
		if len(t.nodes) == before {
			// index replaced a node: the tree is inconsistent now, but
			// it is dropped with the error.
			d.bad("duplicate node %q", path)
			break
		}
		d.kids[depth-1] = append(d.kids[depth-1], child{name: name, node: n})
		d.digest += nodeDigest(path, n)
		if name == limitsName {
			if prefix, ok := quotaNodePrefix(parent.path); ok {
				t.quotas[prefix] = struct{}{}
			}
		}
		stack = append(stack, decFrame{path: path, node: n})
		d.frame(len(stack) - 1)
	}
	if d.err != nil {
		return nil
	}
	d.pop(stack, 0)
	for _, p := range []string{procPath, quotaPath, configPath} {
		if t.nodes[p] == nil {
			d.bad("pre-created node %s missing", p)
			return nil
		}
	}
	t.quotaDir = t.nodes[quotaPath]
	for key, e := range t.acls.byKey {
		if e.refs == 0 {
			delete(t.acls.byKey, key) // listed but unused: forget it
		}
	}
	return t
}

// frame prepares the children buffer of the frame at depth.
func (d *snapDecoder) frame(depth int) {
	for len(d.kids) <= depth {
		d.kids = append(d.kids, nil)
	}
	d.kids[depth] = d.kids[depth][:0]
}

// pop ends the subtrees of the frames at depth and deeper, linking each
// one's collected children, and returns the stack cut to depth.
func (d *snapDecoder) pop(stack []decFrame, depth int) []decFrame {
	for i := len(stack) - 1; i >= depth; i-- {
		kids := d.kids[i]
		if len(kids) > 0 {
			m := make(map[string]*Node, len(kids))
			for _, c := range kids {
				m[c.name] = c.node
			}
			stack[i].node.children = m
		}
		clear(kids)
		d.kids[i] = kids[:0]
	}
	return stack[:depth]
}

// acls reads the ACL lists and interns them in table; identical lists
// share one entry. It returns the entries by id.
func (d *snapDecoder) acls(table *aclTable) []*aclEntry {
	count := d.uvarint()
	entries := make([]*aclEntry, 0, min(count, maxSnapPrealloc))
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
		e := table.byKey[string(key)]
		if e == nil {
			e = &aclEntry{acl: acl, key: string(key)}
			table.byKey[e.key] = e
		}
		entries = append(entries, e)
	}
	return entries
}

// fields reads one node's fields into a new node holding a reference to
// its ACL entry.
func (d *snapDecoder) fields(entries []*aclEntry) *Node {
	id := d.uvarint()
	if d.err == nil && id >= uint64(len(entries)) {
		d.bad("ACL id %d of %d", id, len(entries))
	}
	n := d.newNode()
	n.czxid = d.varint()
	n.mzxid = n.czxid + d.varint()
	n.pzxid = n.czxid + d.varint()
	n.ctime = d.varint()
	n.mtime = n.ctime + d.varint()
	n.owner = int64(d.uvarint())
	n.version = d.int32()
	n.cversion = d.int32()
	n.aversion = d.int32()
	n.data = d.nbytes()
	if d.err != nil {
		return nil
	}
	e := entries[id]
	e.refs++
	n.acl = e
	return n
}

// path reads a child name and returns the child's full path under parent
// and the name (a substring of the path).
func (d *snapDecoder) path(parent string) (path, name string) {
	l := d.uvarint()
	if d.err != nil {
		return "", ""
	}
	if l == 0 || l > maxSnapName {
		d.bad("name length %d", l)
		return "", ""
	}
	b := append(d.buf[:0], parent...)
	if parent != rootPath {
		b = append(b, '/')
	}
	start := len(b)
	b = d.appendN(b, int(l))
	d.buf = b
	if d.err != nil {
		return "", ""
	}
	if bytes.IndexByte(b[start:], '/') >= 0 {
		d.bad("name %q holds '/'", b[start:])
		return "", ""
	}
	path = string(b)
	return path, path[start:]
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

// nbytes reads a nullable byte string: nil stays nil, empty stays empty.
func (d *snapDecoder) nbytes() []byte {
	l := d.uvarint()
	if d.err != nil || l == 0 {
		return nil
	}
	if l-1 > maxSnapData {
		d.bad("data length %d", l-1)
		return nil
	}
	if l-1 <= arenaMaxData {
		b := d.arenaBytes(int(l - 1))
		d.full(b)
		return b
	}
	if l-1 <= snapChunk {
		b := make([]byte, l-1)
		d.full(b)
		return b
	}
	return d.appendN(nil, int(l-1))
}

// Decoded nodes and their (small) data are carved out of larger blocks:
// a million znodes then cost a few thousand allocations instead of two
// million, load faster and waste no size-class slack. A block stays
// allocated while any node or data slice carved from it is alive, so a
// tree that later replaces most of its data keeps some blocks pinned by
// the survivors: at most nodeSlab nodes or arenaBlock bytes per survivor.
const (
	nodeSlab     = 256
	arenaBlock   = 64 << 10
	arenaMaxData = 1 << 10 // larger data gets its own allocation
)

// newNode returns a zeroed node from the decoder's slab.
func (d *snapDecoder) newNode() *Node {
	if len(d.slab) == 0 {
		d.slab = make([]Node, nodeSlab)
	}
	n := &d.slab[0]
	d.slab = d.slab[1:]
	return n
}

// arenaBytes returns n bytes (a non-nil empty slice for 0) from the
// decoder's arena, capped so that an append can never spill into a
// neighbour.
func (d *snapDecoder) arenaBytes(n int) []byte {
	if n == 0 {
		return []byte{}
	}
	if len(d.arena) < n {
		d.arena = make([]byte, arenaBlock)
	}
	b := d.arena[:n:n]
	d.arena = d.arena[n:]
	return b
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
