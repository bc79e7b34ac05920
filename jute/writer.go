package jute

import "encoding/binary"

// Writer appends Jute primitives to a byte slice. The zero value is ready
// to use; Reset keeps the allocated capacity for reuse.
type Writer struct {
	Buf []byte
}

// Reset empties the writer, keeping its capacity.
func (w *Writer) Reset() { w.Buf = w.Buf[:0] }

// Bytes returns the encoded bytes.
func (w *Writer) Bytes() []byte { return w.Buf }

// Len returns the number of bytes written.
func (w *Writer) Len() int { return len(w.Buf) }

// Byte appends one byte.
func (w *Writer) Byte(b byte) { w.Buf = append(w.Buf, b) }

// Bool appends a boolean as 0 or 1.
func (w *Writer) Bool(b bool) {
	if b {
		w.Buf = append(w.Buf, 1)
	} else {
		w.Buf = append(w.Buf, 0)
	}
}

// Int appends a 32-bit int.
func (w *Writer) Int(v int32) { w.Buf = binary.BigEndian.AppendUint32(w.Buf, uint32(v)) }

// Long appends a 64-bit long.
func (w *Writer) Long(v int64) { w.Buf = binary.BigEndian.AppendUint64(w.Buf, uint64(v)) }

// Buffer appends a buffer; nil encodes as null (-1).
func (w *Writer) Buffer(b []byte) {
	if b == nil {
		w.Int(-1)
		return
	}
	w.Int(int32(len(b)))
	w.Buf = append(w.Buf, b...)
}

// String appends a ustring (never null).
func (w *Writer) String(s string) {
	w.Int(int32(len(s)))
	w.Buf = append(w.Buf, s...)
}

// NullString appends a null ustring.
func (w *Writer) NullString() { w.Int(-1) }

// Strings appends a vector<ustring>; nil encodes as null (-1).
func (w *Writer) Strings(v []string) {
	if v == nil {
		w.Int(-1)
		return
	}
	w.Int(int32(len(v)))
	for _, s := range v {
		w.String(s)
	}
}

// PutIntAt overwrites the 4 bytes at off with v (used for length prefixes).
func (w *Writer) PutIntAt(off int, v int32) {
	binary.BigEndian.PutUint32(w.Buf[off:], uint32(v))
}
