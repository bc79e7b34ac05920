package snap

import (
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

func TestCRCCombine(t *testing.T) {
	tab := crc32.MakeTable(crc32.Castagnoli)
	rng := rand.New(rand.NewPCG(1, 2))
	lengths := []int{0, 1, 7, 8, 31, 32, 33, 1000, 65536 + 3}
	for _, la := range lengths {
		for _, lb := range lengths {
			buf := make([]byte, la+lb)
			for i := range buf {
				buf[i] = byte(rng.Uint32())
			}
			a, b := buf[:la], buf[la:]
			want := crc32.Checksum(buf, tab)
			got := crcCombine(crc32.Castagnoli, crc32.Checksum(a, tab), crc32.Checksum(b, tab), int64(lb))
			if got != want {
				t.Errorf("combine(%d, %d) = %08x, want %08x", la, lb, got, want)
			}
		}
	}
}
