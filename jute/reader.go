package jute

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrShort is returned when the input ends before a field does.
var ErrShort = errors.New("jute: short input")

// ErrLength is returned for a negative length other than -1 or a length
// above the reader's limit.
var ErrLength = errors.New("jute: invalid length")

// Reader decodes Jute primitives from a byte slice. The zero value is not
// usable; use NewReader.
type Reader struct {
	buf []byte
	off int
	err error
	// Max bounds every buffer, string and vector length (0 = len(buf)).
	Max int
	// Alias makes Buffer return a slice of the input (its capacity clipped
	// to its length) instead of a copy: for a caller that owns the input,
	// never changes it and copies what it keeps.
	Alias bool
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader { return &Reader{buf: b} }

// Reset points r at b and clears its error.
func (r *Reader) Reset(b []byte) { r.buf, r.off, r.err = b, 0, nil }

// Err returns the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Remaining returns the number of unread bytes.
func (r *Reader) Remaining() int { return len(r.buf) - r.off }

// Offset returns the number of bytes consumed so far.
func (r *Reader) Offset() int { return r.off }

// Fail records err as the reader's error if none is set yet.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *Reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.buf)-r.off < n {
		r.err = ErrShort
		return nil
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	b := r.take(1)
	if b == nil {
		return 0
	}
	return b[0]
}

// Bool reads a boolean; any non-zero byte is true.
func (r *Reader) Bool() bool { return r.Byte() != 0 }

// Int reads a 32-bit int.
func (r *Reader) Int() int32 {
	b := r.take(4)
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

// Long reads a 64-bit long.
func (r *Reader) Long() int64 {
	b := r.take(8)
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// length reads a length prefix. It returns -1 for null and fails on other
// negative values or values above the limit or the remaining input
// (elemMin is the smallest encoded size of one element).
func (r *Reader) length(elemMin int) int {
	n := r.Int()
	if r.err != nil {
		return 0
	}
	if n == -1 {
		return -1
	}
	if n < 0 || (r.Max > 0 && int(n) > r.Max) {
		r.err = fmt.Errorf("%w: %d", ErrLength, n)
		return 0
	}
	if elemMin > 0 && int64(n)*int64(elemMin) > int64(len(r.buf)-r.off) {
		r.err = ErrShort
		return 0
	}
	return int(n)
}

// Buffer reads a buffer; null decodes as nil, empty as a non-nil empty slice.
// The result is a copy that does not alias the input, unless r.Alias is set.
func (r *Reader) Buffer() []byte {
	n := r.length(1)
	if n < 0 || r.err != nil {
		return nil
	}
	b := r.take(n)
	if b == nil {
		return nil
	}
	if r.Alias {
		return b[:n:n]
	}
	out := make([]byte, n)
	copy(out, b)
	return out
}

// String reads a ustring; null decodes as "" (use NullableString to tell).
func (r *Reader) String() string {
	s, _ := r.NullableString()
	return s
}

// NullableString reads a ustring and reports whether it was null.
func (r *Reader) NullableString() (s string, null bool) {
	n := r.length(1)
	if r.err != nil {
		return "", false
	}
	if n < 0 {
		return "", true
	}
	b := r.take(n)
	if b == nil {
		return "", false
	}
	return string(b), false
}

// VectorLen reads a vector count: -1 for null. elemMin is the smallest
// encoded size of one element, used to reject counts the input cannot hold.
func (r *Reader) VectorLen(elemMin int) int { return r.length(elemMin) }

// Strings reads a vector<ustring>; null decodes as nil.
func (r *Reader) Strings() []string {
	n := r.VectorLen(4)
	if n < 0 || r.err != nil {
		return nil
	}
	out := make([]string, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, r.String())
	}
	if r.err != nil {
		return nil
	}
	return out
}
