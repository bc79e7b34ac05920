package wal

import (
	"fmt"
	"hash/crc32"
)

// frame is a verified record.
type frame struct {
	typ     byte
	payload []byte
	crc     uint32
	end     int // offset just after the record, padding included
}

// badFrame describes a record that does not verify.
type badFrame struct {
	reason string
	// headerOK: the header CRC matched, so n is the real payload length.
	headerOK bool
	n        int
	// fatal: the record is complete but wrong, so it cannot be a torn write.
	fatal bool
}

// readFrame verifies the record at off of data, chained from seed. It
// returns ok=false with bad == nil at the end of the records: 16 zero bytes,
// or the end of data.
func readFrame(data []byte, off int, seed uint32) (f frame, ok bool, bad *badFrame) {
	rest := data[off:]
	if allZero(rest[:min(len(rest), headerSize)]) {
		return frame{}, false, nil
	}
	if len(rest) < headerSize {
		return frame{}, false, &badFrame{reason: "truncated record header"}
	}
	h := rest[:headerSize]
	if crc32.Checksum(h[:12], crcTable) != le.Uint32(h[12:]) {
		return frame{}, false, &badFrame{reason: "record header checksum mismatch"}
	}
	n := int(le.Uint32(h))
	typ := h[4]
	switch {
	case typ < typeMetadata || typ > typeSnapshot:
		return frame{}, false, &badFrame{reason: fmt.Sprintf("unknown record type %d", typ), headerOK: true, n: n, fatal: true}
	case h[5] != 0 || h[6] != 0 || h[7] != 0:
		return frame{}, false, &badFrame{reason: "reserved header bytes not zero", headerOK: true, n: n, fatal: true}
	case !payloadSizeOK(typ, n):
		return frame{}, false, &badFrame{reason: recordTypeName(typ) + " record has a bad payload length", headerOK: true, n: n, fatal: true}
	case headerSize+n > len(rest):
		return frame{}, false, &badFrame{reason: "record runs past the end of the file", headerOK: true, n: n}
	}
	payload := rest[headerSize : headerSize+n]
	crc := crc32.Update(seed, crcTable, h[:8])
	crc = crc32.Update(crc, crcTable, payload)
	if crc != le.Uint32(h[8:]) {
		return frame{}, false, &badFrame{reason: "record checksum mismatch", headerOK: true, n: n}
	}
	end := off + frameSize(n)
	if end > len(data) || !allZero(data[off+headerSize+n:end]) {
		return frame{}, false, &badFrame{reason: "record padding not zero", headerOK: true, n: n, fatal: true}
	}
	return frame{typ: typ, payload: payload, crc: crc, end: end}, true, nil
}

// torn reports whether the bad record at off of the last segment is a torn
// write: nothing was written after it (see doc.go, Recovery).
func (b *badFrame) torn(data []byte, off int) bool {
	switch {
	case b.fatal:
		return false
	case !b.headerOK:
		return allZero(data[min(off+headerSize, len(data)):])
	case off+headerSize+b.n > len(data):
		return true // a write that grew the file was cut short
	}
	if b.n > 0 && data[off+headerSize+b.n-1] != 0 {
		return false // the record was written to its last byte
	}
	return allZero(data[min(off+frameSize(b.n), len(data)):])
}

func recordTypeName(typ byte) string {
	switch typ {
	case typeMetadata:
		return "metadata"
	case typeEntry:
		return "entry"
	case typeHardState:
		return "HardState"
	case typeSnapshot:
		return "snapshot marker"
	}
	return fmt.Sprintf("type-%d", typ)
}

// allZero reports whether b holds only zero bytes.
func allZero(b []byte) bool {
	for len(b) >= 8 {
		if le.Uint64(b) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// dataEnd returns the offset just after the last non-zero byte of b.
func dataEnd(b []byte) int {
	i := len(b)
	for i >= 8 && le.Uint64(b[i-8:]) == 0 {
		i -= 8
	}
	for i > 0 && b[i-1] == 0 {
		i--
	}
	return i
}
