package tree

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
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

// bigTreePaths lists the znodes of a tree of n leaves in the shape of
// bench/bigtree.sh: all under /zkbench-big when flat, else spread over a
// 3-level tree /a%d/b%d/c%d of fanout cbrt(n). Parents come first, each
// before its children.
func bigTreePaths(n int, flat bool) (parents, leaves []string) {
	if flat {
		parents = []string{"/zkbench-big"}
		for i := range n {
			leaves = append(leaves, fmt.Sprintf("/zkbench-big/n%07d", i))
		}
		return parents, leaves
	}
	fan := int(math.Round(math.Cbrt(float64(n))))
	for i := range fan {
		a := "/a" + strconv.Itoa(i)
		parents = append(parents, a)
		for j := range fan {
			ab := a + "/b" + strconv.Itoa(j)
			parents = append(parents, ab)
			for k := range fan {
				leaves = append(leaves, ab+"/c"+strconv.Itoa(k))
			}
		}
	}
	return parents, leaves
}

// bigTree creates the parents of bigTreePaths (no data), then its leaves
// (100 data bytes, OPEN ACL, persistent) in the given order.
func bigTree(parents, leaves []string) *Tree {
	tr := New()
	data := make([]byte, 100)
	zxid := int64(1)
	for _, p := range parents {
		tr.Create(p, nil, open, 0, zxid, zxid)
		zxid++
	}
	for _, p := range leaves {
		tr.Create(p, data, open, 0, zxid, zxid)
		zxid++
	}
	return tr
}

// bigTreeSnapshot encodes the tree of bigTreePaths with its leaves created
// in order, and returns the snapshot and its node count.
func bigTreeSnapshot(b *testing.B, n int, flat bool) ([]byte, int) {
	b.Helper()
	tr := bigTree(bigTreePaths(n, flat))
	var buf bytes.Buffer
	if err := tr.EncodeSnapshot(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes(), tr.NodeCount()
}

// BenchmarkDecodeSnapshot1M decodes a snapshot of a million znodes of 100
// bytes and reports the live heap the decoded tree holds per znode and the
// decode time per znode. flat puts them all under one parent (the shape
// of bench/bigtree.sh), deep under a 3-level tree of fanout 100:
//
//	go test -run '^$' -bench DecodeSnapshot1M -benchtime=3x ./tree
func BenchmarkDecodeSnapshot1M(b *testing.B) {
	for _, flat := range []bool{true, false} {
		name := "deep"
		if flat {
			name = "flat"
		}
		b.Run(name, func(b *testing.B) {
			snap, count := bigTreeSnapshot(b, 1_000_000, flat)
			var before, after runtime.MemStats
			var tr *Tree
			var elapsed time.Duration
			for i := 0; i < b.N; i++ {
				tr = nil
				runtime.GC()
				runtime.ReadMemStats(&before)
				start := time.Now()
				var err error
				tr, _, err = DecodeSnapshotSized(bytes.NewReader(snap), int64(len(snap)))
				elapsed += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(count), "heap-B/znode")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N)/float64(count), "ns/znode")
			runtime.KeepAlive(tr)
			runtime.KeepAlive(snap) // counted in before
		})
	}
}

// BenchmarkEncodeFrozen1M encodes a frozen view of a million znodes of 100
// bytes, flat (the shape of bench/bigtree.sh and bench/resident.sh) or
// deep, created in random order, as the server does for every snapshot,
// and reports the time per znode:
//
//	go test -run '^$' -bench EncodeFrozen1M -benchtime=3x ./tree
func BenchmarkEncodeFrozen1M(b *testing.B) {
	for _, flat := range []bool{true, false} {
		name := "deep"
		if flat {
			name = "flat"
		}
		b.Run(name, func(b *testing.B) {
			tr, count := shuffledTree(1_000_000, flat)
			bw := bufio.NewWriterSize(io.Discard, snapshotBufSize)
			var mu sync.Mutex
			b.ResetTimer()
			for range b.N {
				f, err := tr.Freeze(&mu)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := f.EncodeSnapshotDigest(bw); err != nil {
					b.Fatal(err)
				}
				tr.Thaw()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(count), "ns/znode")
		})
	}
}

// shuffledTree is the tree of bigTreePaths with the leaves created in a
// random order (seeded): in the deep tree a parent's children are then
// scattered in memory, the encoder's worst case.
func shuffledTree(n int, flat bool) (*Tree, int) {
	parents, leaves := bigTreePaths(n, flat)
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(leaves), func(i, j int) { leaves[i], leaves[j] = leaves[j], leaves[i] })
	tr := bigTree(parents, leaves)
	return tr, tr.NodeCount()
}
