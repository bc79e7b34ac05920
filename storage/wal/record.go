package wal

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"

	"go.etcd.io/raft/v3/raftpb"
)

// Record framing and payloads; doc.go describes the layout.
const (
	headerSize    = 16
	formatVersion = 1

	typeMetadata  byte = 1
	typeEntry     byte = 2
	typeHardState byte = 3
	typeSnapshot  byte = 4

	metadataSize  = 40
	entryFixed    = 17 // index, term, type; data follows
	hardStateSize = 24
	snapshotSize  = 16
)

var (
	crcTable = crc32.MakeTable(crc32.Castagnoli)
	le       = binary.LittleEndian
	zeros    [headerSize]byte
)

// frameSize is the size of a record with an n-byte payload, padding
// included.
func frameSize(n int) int { return (headerSize + n + 7) &^ 7 }

// beginRecord appends a header placeholder; finishRecord completes it.
// Records are appended to buffers whose start is 8-aligned in the file.
func beginRecord(buf []byte) ([]byte, int) {
	return append(buf, zeros[:]...), len(buf)
}

// finishRecord writes the length and type of the record that starts at
// start and pads it. Its CRCs stay zero until seal.
func finishRecord(buf []byte, start int, typ byte) []byte {
	n := len(buf) - start - headerSize
	le.PutUint32(buf[start:], uint32(n))
	buf[start+4] = typ
	return append(buf, zeros[:frameSize(n)-headerSize-n]...)
}

// seal fills in the CRCs of the records in buf, chaining from seed, and
// returns the record CRC of the last one.
func seal(buf []byte, seed uint32) uint32 {
	for off := 0; off < len(buf); {
		n := int(le.Uint32(buf[off:]))
		crc := crc32.Update(seed, crcTable, buf[off:off+8])
		crc = crc32.Update(crc, crcTable, buf[off+headerSize:off+headerSize+n])
		le.PutUint32(buf[off+8:], crc)
		le.PutUint32(buf[off+12:], crc32.Checksum(buf[off:off+12], crcTable))
		seed = crc
		off += frameSize(n)
	}
	return seed
}

// metadata is the payload of the first record of every segment.
type metadata struct {
	version   uint32
	prevCRC   uint32
	seq       uint64
	index     uint64
	nodeID    uint64
	clusterID uint64
}

func appendMetadata(buf []byte, m metadata) []byte {
	buf, start := beginRecord(buf)
	buf = le.AppendUint32(buf, m.version)
	buf = le.AppendUint32(buf, m.prevCRC)
	buf = le.AppendUint64(buf, m.seq)
	buf = le.AppendUint64(buf, m.index)
	buf = le.AppendUint64(buf, m.nodeID)
	buf = le.AppendUint64(buf, m.clusterID)
	return finishRecord(buf, start, typeMetadata)
}

func decodeMetadata(p []byte) metadata {
	return metadata{
		version:   le.Uint32(p[0:]),
		prevCRC:   le.Uint32(p[4:]),
		seq:       le.Uint64(p[8:]),
		index:     le.Uint64(p[16:]),
		nodeID:    le.Uint64(p[24:]),
		clusterID: le.Uint64(p[32:]),
	}
}

func appendEntry(buf []byte, e *raftpb.Entry) []byte {
	buf, start := beginRecord(buf)
	buf = le.AppendUint64(buf, e.GetIndex())
	buf = le.AppendUint64(buf, e.GetTerm())
	buf = append(buf, byte(e.GetType()))
	buf = append(buf, e.GetData()...)
	return finishRecord(buf, start, typeEntry)
}

// entryBox holds a decoded entry and the values its pointer fields point
// to, so that decoding one entry costs one allocation (plus its data).
type entryBox struct {
	e     raftpb.Entry
	index uint64
	term  uint64
	typ   raftpb.EntryType
}

// decodeEntry decodes an entry payload, copying its data.
func decodeEntry(p []byte) *raftpb.Entry {
	b := &entryBox{index: le.Uint64(p[0:]), term: le.Uint64(p[8:]), typ: raftpb.EntryType(p[16])}
	b.e.Index, b.e.Term, b.e.Type = &b.index, &b.term, &b.typ
	if len(p) > entryFixed {
		b.e.Data = bytes.Clone(p[entryFixed:])
	}
	return &b.e
}

// entryIndex reads the index of an entry payload without decoding it.
func entryIndex(p []byte) uint64 { return le.Uint64(p) }

// hardState is a raftpb.HardState by value.
type hardState struct{ term, vote, commit uint64 }

func hardStateOf(hs *raftpb.HardState) hardState {
	return hardState{term: hs.GetTerm(), vote: hs.GetVote(), commit: hs.GetCommit()}
}

func (h hardState) empty() bool { return h == hardState{} }

func (h hardState) proto() *raftpb.HardState {
	if h.empty() {
		return &raftpb.HardState{}
	}
	return &raftpb.HardState{Term: new(h.term), Vote: new(h.vote), Commit: new(h.commit)}
}

func appendHardState(buf []byte, h hardState) []byte {
	buf, start := beginRecord(buf)
	buf = le.AppendUint64(buf, h.term)
	buf = le.AppendUint64(buf, h.vote)
	buf = le.AppendUint64(buf, h.commit)
	return finishRecord(buf, start, typeHardState)
}

func decodeHardState(p []byte) hardState {
	return hardState{term: le.Uint64(p[0:]), vote: le.Uint64(p[8:]), commit: le.Uint64(p[16:])}
}

// SnapshotMarker records that a snapshot covers the log up to Index, whose
// entry has Term.
type SnapshotMarker struct {
	Index uint64
	Term  uint64
}

func appendSnapshot(buf []byte, m SnapshotMarker) []byte {
	buf, start := beginRecord(buf)
	buf = le.AppendUint64(buf, m.Index)
	buf = le.AppendUint64(buf, m.Term)
	return finishRecord(buf, start, typeSnapshot)
}

func decodeSnapshot(p []byte) SnapshotMarker {
	return SnapshotMarker{Index: le.Uint64(p[0:]), Term: le.Uint64(p[8:])}
}

// payloadSizeOK reports whether n is a valid payload size for typ.
func payloadSizeOK(typ byte, n int) bool {
	switch typ {
	case typeMetadata:
		return n == metadataSize
	case typeEntry:
		return n >= entryFixed
	case typeHardState:
		return n == hardStateSize
	case typeSnapshot:
		return n == snapshotSize
	}
	return false
}
