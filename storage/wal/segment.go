package wal

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/zkd-io/zkd/storage"
)

const (
	segmentExt = ".wal"
	tmpExt     = ".tmp"
)

// segment is one file of the log.
type segment struct {
	seq   uint64
	index uint64
}

func (s segment) name() string { return fmt.Sprintf("%016x-%016x%s", s.seq, s.index, segmentExt) }

// parseSegmentName accepts exactly the names segment.name produces.
func parseSegmentName(name string) (segment, bool) {
	base, ok := strings.CutSuffix(name, segmentExt)
	if !ok || len(base) != 33 || base[16] != '-' {
		return segment{}, false
	}
	seq, err1 := strconv.ParseUint(base[:16], 16, 64)
	index, err2 := strconv.ParseUint(base[17:], 16, 64)
	s := segment{seq: seq, index: index}
	if err1 != nil || err2 != nil || s.name() != name {
		return segment{}, false
	}
	return s, true
}

// listSegments returns the log's segments by sequence, after deleting any
// segment left half-cut by a crash.
func listSegments(fsys storage.FS, dir string) ([]segment, error) {
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	var segs []segment
	removed := false
	for _, e := range ents {
		name := e.Name()
		if base, ok := strings.CutSuffix(name, tmpExt); ok {
			if _, ok := parseSegmentName(base); ok {
				if err := fsys.Remove(filepath.Join(dir, name)); err != nil {
					return nil, fmt.Errorf("remove half-cut segment: %w", err)
				}
				removed = true
			}
			continue
		}
		if s, ok := parseSegmentName(name); ok {
			segs = append(segs, s)
		}
	}
	if removed {
		if err := fsys.SyncDir(dir); err != nil {
			return nil, fmt.Errorf("sync %s: %w", dir, err)
		}
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].seq < segs[j].seq })
	return segs, nil
}

// checkSequence refuses a segment list with a hole or a duplicate.
func checkSequence(dir string, segs []segment) error {
	for i := 1; i < len(segs); i++ {
		prev, cur := segs[i-1], segs[i]
		switch {
		case cur.seq == prev.seq:
			return fmt.Errorf("%w: %s and %s have the same sequence number; %s",
				ErrMissingSegment, prev.name(), cur.name(), remedy(dir))
		case cur.seq != prev.seq+1:
			return fmt.Errorf("%w: %s is followed by %s in %s: segments %d to %d are missing; %s",
				ErrMissingSegment, prev.name(), cur.name(), dir, prev.seq+1, cur.seq-1, remedy(dir))
		}
	}
	return nil
}

// readAll reads a whole file.
func readAll(f storage.File) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	data := make([]byte, fi.Size())
	n, err := f.ReadAt(data, 0)
	if err != nil && !(err == io.EOF && n == len(data)) {
		return nil, err
	}
	return data, nil
}

// readSegment reads a non-last segment.
func readSegment(fsys storage.FS, path string) ([]byte, error) {
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	data, err := readAll(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return data, err
}

// scanned is what scanning a segment found.
type scanned struct {
	meta metadata
	// end is the offset after the last valid record, crc its record CRC.
	end int
	crc uint32
	// torn: the last segment ends in a torn write at end.
	torn bool
}

// scanSegment verifies one segment's records, handing each after the
// metadata to visit with its offset and the record CRC it is chained from. chain is the record CRC the segment must continue;
// first means the segment is the oldest kept, whose chain is unknown. Only
// the last segment may end in a torn write.
func scanSegment(dir, path string, data []byte, seg segment, chain uint32, first, last bool,
	visit func(typ byte, payload []byte, off int, seed uint32) error) (scanned, error) {
	var s scanned
	if first && len(data) >= headerSize+8 {
		chain = le.Uint32(data[headerSize+4:]) // the metadata's prevCRC seeds its own CRC
	}
	off := 0
	for {
		f, ok, bad := readFrame(data, off, chain)
		if off == 0 && !first && bad != nil && bad.headerOK {
			if _, selfOK, _ := readFrame(data, 0, le.Uint32(data[headerSize+4:])); selfOK {
				return s, refusal(ErrCorrupt, dir, path, 0,
					"the segment does not continue the previous one (CRC chain broken): it belongs to another log or another history")
			}
		}
		if !ok {
			if bad == nil && !last && !allZero(data[off:]) {
				return s, refusal(ErrCorrupt, dir, path, off, "data after the end of the records of a segment that is not the last")
			}
			if bad == nil && last && !allZero(data[off:]) {
				return s, refusal(ErrCorrupt, dir, path, off, "data after an empty record header")
			}
			if bad != nil && (!last || !bad.torn(data, off)) {
				where := "in a segment that is not the last"
				if last {
					where = "with data written after it, so it is not a torn write"
				}
				return s, refusal(ErrCorrupt, dir, path, off, bad.reason+" "+where)
			}
			if off == 0 {
				return s, refusal(ErrCorrupt, dir, path, 0, "segment has no metadata record")
			}
			s.torn = bad != nil
			s.end, s.crc = off, chain
			return s, nil
		}
		if off == 0 {
			if f.typ != typeMetadata {
				return s, refusal(ErrCorrupt, dir, path, 0, "segment does not start with a metadata record")
			}
			s.meta = decodeMetadata(f.payload)
			if err := checkMetadata(s.meta, seg, chain); err != "" {
				return s, refusal(ErrCorrupt, dir, path, 0, err)
			}
		} else {
			if f.typ == typeMetadata {
				return s, refusal(ErrCorrupt, dir, path, off, "metadata record inside a segment")
			}
			if err := visit(f.typ, f.payload, off, chain); err != nil {
				return s, err
			}
		}
		chain = f.crc
		off = f.end
	}
}

// checkMetadata compares a segment's metadata with its name and the chain
// and returns what is wrong, if anything.
func checkMetadata(m metadata, seg segment, chain uint32) string {
	switch {
	case m.version != formatVersion:
		return fmt.Sprintf("format version %d, this build reads version %d", m.version, formatVersion)
	case m.seq != seg.seq || m.index != seg.index:
		return fmt.Sprintf("metadata says sequence %d index %d, the file name says %d and %d", m.seq, m.index, seg.seq, seg.index)
	case m.prevCRC != chain:
		return "the segment does not continue the previous one (CRC chain broken)"
	}
	return ""
}
