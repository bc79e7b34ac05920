package tree

import (
	"runtime"
	"strconv"
	"testing"
)

// BenchmarkCreate1M creates b.N small znodes (10 data bytes, OPEN ACL,
// spread over 1024 parents) and reports the live heap per node. Run it
// with -benchtime=1000000x to measure a one-million-node tree:
//
//	go test -run '^$' -bench Create1M -benchtime=1000000x ./tree
func BenchmarkCreate1M(b *testing.B) {
	const fanout = 1024
	tr := New()
	parents := make([]string, fanout)
	for i := range parents {
		parents[i] = "/b" + strconv.Itoa(i)
		tr.Create(parents[i], nil, open, 0, 1, 1)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		path := parents[i%fanout] + "/n" + strconv.Itoa(i)
		tr.Create(path, make([]byte, 10), open, 0, int64(i+2), 1)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "heap-B/node")
	runtime.KeepAlive(tr)
}
