package snap

import (
	"hash/crc32"
	"io"
)

// crcWriter passes writes through and keeps the CRC and count of the bytes
// that were written.
type crcWriter struct {
	w   io.Writer
	tab *crc32.Table
	crc uint32
	n   int64
}

func (c *crcWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.crc = crc32.Update(c.crc, c.tab, p[:n])
	c.n += int64(n)
	return n, err
}

// crcCombine returns CRC(A||B) from crcA = CRC(A), crcB = CRC(B) and the
// length of B, for a reflected CRC-32 with polynomial poly (in Go's
// reversed notation, e.g. crc32.Castagnoli) and the usual all-ones
// pre/post conditioning, as hash/crc32 computes it. The conditioning
// cancels out, leaving CRC(A||B) = crcA·x^(8·lenB) mod P xor crcB.
func crcCombine(poly, crcA, crcB uint32, lenB int64) uint32 {
	return mulModP(poly, xPow8n(poly, lenB), crcA) ^ crcB
}

// mulModP multiplies two polynomials modulo P. In the reflected notation
// bit 31 is the coefficient of x^0 and bit 0 that of x^31.
func mulModP(poly, a, b uint32) uint32 {
	var p uint32
	for i := range 32 {
		if a&(1<<(31-i)) != 0 {
			p ^= b // b holds the original b times x^i
		}
		if b&1 != 0 {
			b = b>>1 ^ poly
		} else {
			b >>= 1
		}
	}
	return p
}

// xPow8n returns x^(8n) mod P by repeated squaring of x^8.
func xPow8n(poly uint32, n int64) uint32 {
	result := uint32(1) << 31 // x^0
	base := uint32(1) << (31 - 8)
	for ; n > 0; n >>= 1 {
		if n&1 != 0 {
			result = mulModP(poly, result, base)
		}
		base = mulModP(poly, base, base)
	}
	return result
}
