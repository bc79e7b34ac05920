package wal

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
)

// BenchmarkSave measures Save on the real filesystem: entries of 100
// bytes, one HardState, one fdatasync per call.
func BenchmarkSave(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			w := mustOpen(b, Options{Dir: b.TempDir(), NodeID: 1, ClusterID: 1})
			defer w.Close()
			data := payload(1, 1, 100)
			indexes := make([]uint64, batch)
			term := uint64(1)
			es := make([]*raftpb.Entry, batch)
			for j := range es {
				es[j] = &raftpb.Entry{Index: &indexes[j], Term: &term, Data: data}
			}
			next := uint64(1)
			calls := 0
			b.SetBytes(int64(batch * 100))
			for b.Loop() {
				for j := range indexes {
					indexes[j] = next + uint64(j)
				}
				next += uint64(batch)
				if err := w.Save(hs(1, 1, next-1), es); err != nil {
					b.Fatal(err)
				}
				calls++
			}
			b.ReportMetric(float64(calls*batch)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// BenchmarkFdatasync is the floor under Save: a 176-byte write (one entry
// and a HardState) and one fdatasync, in a file pre-allocated with
// fallocate alone or overwritten with zeros first, as the WAL does.
func BenchmarkFdatasync(b *testing.B) {
	for _, zeros := range []bool{false, true} {
		b.Run(fmt.Sprintf("zeroed=%v", zeros), func(b *testing.B) {
			f, err := os.OpenFile(filepath.Join(b.TempDir(), "f"), os.O_RDWR|os.O_CREATE, 0o600)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			const size = 64 << 20
			if err := preallocate(f, size); err != nil {
				b.Fatal(err)
			}
			if zeros {
				if err := zeroRange(f, 0, size); err != nil {
					b.Fatal(err)
				}
			}
			if err := fdatasync(f); err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 176)
			off := int64(0)
			for b.Loop() {
				if _, err := f.WriteAt(buf, off); err != nil {
					b.Fatal(err)
				}
				if err := fdatasync(f); err != nil {
					b.Fatal(err)
				}
				off = (off + int64(len(buf))) % size
			}
		})
	}
}
