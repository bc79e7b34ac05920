package wal

import (
	"fmt"
	"path/filepath"
	"testing"

	"go.etcd.io/raft/v3/raftpb"

	"github.com/zkd-io/zkd/storage"
)

// TestTornTailEveryOffset cuts the last Save (an entry and a HardState) at
// every byte: Open must repair the tail, keep every earlier record and the
// complete part of the last Save, zero the rest and accept new writes.
func TestTornTailEveryOffset(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	opts.SegmentSize = 16 << 10
	w := mustOpen(t, opts)
	for i := uint64(1); i <= 10; i++ {
		mustSave(t, w, hs(1, 1, i-1), ents(i, i, 1, 60))
	}
	a := int(w.off)
	mustSave(t, w, hs(2, 1, 10), ents(11, 11, 2, 201))
	b := int(w.off)
	path := w.path
	w.Close()
	full := readFile(t, d, path)
	entryEnd := a + frameSize(entryFixed+201)
	intact := func(k, lo, hi int) bool { return k >= hi || allZero(full[max(k, lo):hi]) }

	for k := a; k < b; k++ {
		disk := cloneDisk(t, d, func(p string, data []byte) []byte {
			if p == path {
				clear(data[k:b])
			}
			return data
		})
		o := opts
		o.FS = disk
		wantEnts, wantHS, end := ents(1, 10, 1, 60), hs(1, 1, 9), a
		if intact(k, a, entryEnd) {
			wantEnts, end = append(wantEnts, ents(11, 11, 2, 201)...), entryEnd
			if intact(k, entryEnd, b) {
				wantHS, end = hs(2, 1, 10), b
			}
		}
		w, h, es, _ := reopen(t, nil, o)
		checkEntries(t, es, wantEnts)
		if !sameHS(h, wantHS) {
			t.Fatalf("cut at %d: hs %v, want %v", k, h, wantHS)
		}
		if got := readFile(t, disk, path); !allZero(got[end:]) || len(got) != int(o.SegmentSize) {
			t.Fatalf("cut at %d: tail after %d not zeroed, or size %d", k, end, len(got))
		}
		next := uint64(len(wantEnts) + 1)
		mustSave(t, w, nil, ents(next, next, 3, 5))
		_, _, es, _ = reopen(t, w, o)
		checkEntries(t, es, append(wantEnts, ents(next, next, 3, 5)...))
	}
}

// TestTornWriteThatGrewTheSegment: a batch larger than the space left
// grows the last segment; a crash that kept part of it leaves a record
// running past the end of the file, and the segment goes back to its size.
func TestTornWriteThatGrewTheSegment(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	mustSave(t, w, nil, ents(1, 1, 1, 10))
	// The first batch fits no segment: it lands in the current one.
	mustSave(t, w, nil, ents(2, 60, 1, 100))
	path := w.path
	w.Close()
	size := len(readFile(t, d, path))
	if size <= smallSeg+1000 {
		t.Fatalf("segment did not grow: %d bytes", size)
	}
	for _, cut := range []int{smallSeg - 100, smallSeg + 1000, size - 50} {
		disk := cloneDisk(t, d, func(p string, data []byte) []byte {
			if p == path {
				return data[:cut]
			}
			return data
		})
		o := opts
		o.FS = disk
		_, _, es, _ := reopen(t, nil, o)
		if len(es) == 0 || es[0].GetIndex() != 1 || len(es) >= 60 {
			t.Fatalf("cut at %d: entries %s", cut, describe(es))
		}
		checkEntries(t, es, append(ents(1, 1, 1, 10), ents(2, uint64(len(es)), 1, 100)...))
		if got := readFile(t, disk, path); len(got) > max(smallSeg, cut) {
			t.Fatalf("cut at %d: segment is %d bytes after repair", cut, len(got))
		}
	}
}

// TestZeroFilledTail: a crash after the file grew but before its data
// reached the disk leaves zeros where the last records were.
func TestZeroFilledTail(t *testing.T) {
	d := storage.NewFaultFS()
	opts := testOpts(d)
	w := mustOpen(t, opts)
	mustSave(t, w, hs(1, 1, 0), ents(1, 5, 1, 50))
	a := int(w.off)
	mustSave(t, w, hs(1, 1, 5), ents(6, 8, 1, 50))
	path := w.path
	w.Close()
	disk := cloneDisk(t, d, func(p string, data []byte) []byte {
		if p == path {
			clear(data[a:])
			data = append(data, make([]byte, 3000)...)
		}
		return data
	})
	o := opts
	o.FS = disk
	w, h, es, _ := reopen(t, nil, o)
	checkEntries(t, es, ents(1, 5, 1, 50))
	if !sameHS(h, hs(1, 1, 0)) {
		t.Fatalf("hs %v", h)
	}
	mustSave(t, w, nil, ents(6, 6, 2, 5))
	_, _, es, _ = reopen(t, w, o)
	checkEntries(t, es, append(ents(1, 5, 1, 50), ents(6, 6, 2, 5)...))
}

// recordOffsets walks a segment's records.
func recordOffsets(data []byte) (offs []int, end int) {
	off := 0
	for off+headerSize <= len(data) && !allZero(data[off:off+headerSize]) {
		offs = append(offs, off)
		off += frameSize(int(le.Uint32(data[off:])))
	}
	return offs, off
}

// manySegmentLog writes entries 1..200 into small segments.
func manySegmentLog(t *testing.T) (*storage.FaultFS, []string) {
	t.Helper()
	d := storage.NewFaultFS()
	w := mustOpen(t, testOpts(d))
	for i := uint64(1); i <= 200; i += 4 {
		mustSave(t, w, hs(1, 1, i), ents(i, i+3, 1, 100))
	}
	w.Close()
	segs := segmentFiles(t, d)
	if len(segs) < 5 {
		t.Fatalf("only %d segments", len(segs))
	}
	return d, segs
}

func TestCorruptionRefused(t *testing.T) {
	d, segs := manySegmentLog(t)
	mid, last := segs[2], segs[len(segs)-1]
	midData, lastData := readFile(t, d, mid), readFile(t, d, last)
	midOffs, midEnd := recordOffsets(midData)
	lastOffs, _ := recordOffsets(lastData)
	if len(lastOffs) < 4 {
		t.Fatalf("last segment has only %d records", len(lastOffs))
	}
	entryLen := entryFixed + 100
	tests := []struct {
		name   string
		file   string
		at     int // byte to flip
		report int // offset the error must name
	}{
		{"metadata of a middle segment", mid, 16 + 24, 0},
		{"record header of a middle segment", mid, midOffs[3] + 1, midOffs[3]},
		{"record CRC of a middle segment", mid, midOffs[3] + 9, midOffs[3]},
		{"entry data of a middle segment", mid, midOffs[3] + 16 + 50, midOffs[3]},
		{"padding of a middle segment", mid, midOffs[3] + 16 + entryLen, midOffs[3]},
		{"zeros after the records of a middle segment", mid, midEnd + 100, midEnd},
		{"first segment's chain seed", segs[0], 16 + 4, 0},
		{"early record of the last segment", last, lastOffs[1] + 20, lastOffs[1]},
		{"record header of the last segment", last, lastOffs[2] + 2, lastOffs[2]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			disk := cloneDisk(t, d, func(p string, data []byte) []byte {
				if p == tc.file {
					data[tc.at] ^= 0x10
				}
				return data
			})
			o := testOpts(disk)
			_, err := Open(o)
			wantRefusal(t, err, ErrCorrupt, tc.file, fmt.Sprintf("offset %d", tc.report))
		})
	}
	if midData[midOffs[3]+16+entryLen] != 0 {
		t.Fatal("test assumes entries are padded")
	}
}

func TestMissingSegmentRefused(t *testing.T) {
	d, segs := manySegmentLog(t)
	disk := cloneDisk(t, d, func(p string, data []byte) []byte {
		if p == segs[2] {
			return nil
		}
		return data
	})
	_, err := Open(testOpts(disk))
	wantRefusal(t, err, ErrMissingSegment, filepath.Base(segs[1]), filepath.Base(segs[3]))
}

// TestSwappedSegmentRefused: a segment of another log with the same name
// and valid records breaks the CRC chain.
func TestSwappedSegmentRefused(t *testing.T) {
	d, segs := manySegmentLog(t)
	other := storage.NewFaultFS()
	w := mustOpen(t, testOpts(other))
	for i := uint64(1); i <= 200; i += 4 {
		mustSave(t, w, hs(1, 2, i), ents(i, i+3, 1, 100)) // another vote
	}
	w.Close()
	foreign := readFile(t, other, segs[2])
	disk := cloneDisk(t, d, func(p string, data []byte) []byte {
		if p == segs[2] {
			return foreign
		}
		return data
	})
	_, err := Open(testOpts(disk))
	wantRefusal(t, err, ErrCorrupt, segs[2], "offset 0", "chain")
}

// TestUncoveredStartRefused: segments deleted by hand, not by ReleaseTo
// after a snapshot, leave the log starting past the snapshot marker.
func TestUncoveredStartRefused(t *testing.T) {
	d, segs := manySegmentLog(t)
	disk := cloneDisk(t, d, func(p string, data []byte) []byte {
		if p == segs[0] || p == segs[1] {
			return nil
		}
		return data
	})
	_, err := Open(testOpts(disk))
	wantRefusal(t, err, ErrIndexGap, segs[2], "newest snapshot marker is at 0")
}

// TestIndexGapRefused: a log whose entries skip an index (written here by
// hand; Save refuses to write one).
func TestIndexGapRefused(t *testing.T) {
	seg := segment{seq: 0, index: 1}
	buf := appendMetadata(nil, metadata{version: formatVersion, seq: 0, index: 1, nodeID: 1, clusterID: 7})
	buf = appendEntry(buf, ent(1, 1, 10))
	gapAt := len(buf)
	buf = appendEntry(buf, ent(3, 1, 10))
	seal(buf, 0)
	buf = append(buf, make([]byte, smallSeg-len(buf))...)
	d := storage.NewFaultFS()
	if err := d.MkdirAll(testDir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(testDir, seg.name())
	writeFile(t, d, path, buf)
	_, err := Open(testOpts(d))
	wantRefusal(t, err, ErrIndexGap, path, fmt.Sprintf("offset %d", gapAt), "entry 3 follows entry 1")
}

func TestHalfCutSegmentRemoved(t *testing.T) {
	d := storage.NewFaultFS()
	w := mustOpen(t, testOpts(d))
	mustSave(t, w, nil, ents(1, 3, 1, 10))
	w.Close()
	tmp := filepath.Join(testDir, segment{seq: 1, index: 4}.name()+tmpExt)
	writeFile(t, d, tmp, []byte("half a segment"))
	_, _, es, _ := reopen(t, nil, testOpts(d))
	checkEntries(t, es, ents(1, 3, 1, 10))
	if _, err := d.Stat(tmp); err == nil {
		t.Fatal("half-cut segment left in place")
	}
}

func TestRecordFraming(t *testing.T) {
	for n := range 40 {
		e := &raftpb.Entry{Index: new(uint64(9)), Term: new(uint64(2)), Data: payload(9, 2, n)}
		buf := appendEntry(nil, e)
		if len(buf)%8 != 0 || len(buf) != frameSize(entryFixed+n) {
			t.Fatalf("n=%d: frame of %d bytes", n, len(buf))
		}
		crc := seal(buf, 77)
		f, ok, bad := readFrame(buf, 0, 77)
		if !ok || bad != nil || f.crc != crc || f.end != len(buf) || entString(decodeEntry(f.payload)) != entString(e) {
			t.Fatalf("n=%d: read back %v %v %v", n, f, ok, bad)
		}
		if _, ok, bad := readFrame(buf, 0, 78); ok || bad == nil || !bad.headerOK {
			t.Fatalf("n=%d: wrong chain seed accepted", n)
		}
	}
}
