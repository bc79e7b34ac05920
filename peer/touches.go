package peer

import (
	"encoding/binary"
	"fmt"
)

// appendTouches appends the payload of a touches frame (doc.go, Frames):
// uvarint count, then count big-endian int64 session ids.
func appendTouches(b []byte, ids []int64) []byte {
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = binary.BigEndian.AppendUint64(b, uint64(id))
	}
	return b
}

// decodeTouches parses a touches payload; it must hold exactly count ids.
func decodeTouches(b []byte) ([]int64, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return nil, fmt.Errorf("touches frame: bad count")
	}
	b = b[k:]
	if uint64(len(b))%8 != 0 || uint64(len(b))/8 != n {
		return nil, fmt.Errorf("touches frame: count %d, %d bytes of ids", n, len(b))
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(binary.BigEndian.Uint64(b[8*i:]))
	}
	return ids, nil
}
