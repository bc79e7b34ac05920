// Package jute holds the big-endian primitives of Apache ZooKeeper's Jute
// serialisation: int, long, boolean, buffer, ustring and vector counts.
//
// A Reader decodes from a byte slice with a sticky error: after the first
// failure (short input, a negative length other than -1, a length above the
// configured limit) every further read returns a zero value and Err reports
// the first error. Decoding therefore never panics and never allocates more
// than the input can justify: a buffer or string longer than the bytes that
// remain is rejected before any allocation.
//
// A Writer appends to a byte slice that callers may reuse between records.
//
// Wire forms (all big-endian, no padding):
//
//	int      4 bytes two's complement
//	long     8 bytes two's complement
//	boolean  1 byte (writer emits 0/1; reader treats non-zero as true)
//	buffer   int length L then L bytes; L = -1 encodes nil
//	ustring  int length L then L bytes of UTF-8; L = -1 encodes null
//	vector   int count C then C elements; C = -1 encodes null
//
// The package imports only the standard library and holds no state.
package jute
