package hist

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestBucketHoldsValue(t *testing.T) {
	values := []int64{0, 1, 127, 128, 255, 256, 257, 511, 512, 1000, 4095, 4096,
		123456, 1 << 30, 1<<30 + 12345, MaxValue - 1, MaxValue}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 10000; i++ {
		values = append(values, r.Int64N(MaxValue))
	}
	for _, v := range values {
		i := index(v)
		if i < 0 || i >= nBuckets {
			t.Fatalf("index(%d) = %d, outside [0,%d)", v, i, nBuckets)
		}
		low, width := bounds(i)
		if v < low || v >= low+width {
			t.Fatalf("value %d not in bucket %d [%d,%d)", v, i, low, low+width)
		}
		if v >= 256 && float64(width)/float64(low) > 1.0/128 {
			t.Fatalf("bucket of %d too wide: low %d width %d", v, low, width)
		}
	}
}

func TestBucketsContiguous(t *testing.T) {
	prevLow, prevWidth := bounds(0)
	for i := 1; i < nBuckets; i++ {
		low, width := bounds(i)
		if low != prevLow+prevWidth {
			t.Fatalf("bucket %d starts at %d, previous ends at %d", i, low, prevLow+prevWidth)
		}
		prevLow, prevWidth = low, width
	}
	if prevLow+prevWidth-1 != MaxValue {
		t.Fatalf("last bucket ends at %d, want MaxValue %d", prevLow+prevWidth-1, MaxValue)
	}
}

// exactQuantile mirrors Quantile's rank rule on a sorted sample.
func exactQuantile(sorted []int64, q float64) int64 {
	rank := int(math.Ceil(q * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

func TestQuantileError(t *testing.T) {
	dists := []struct {
		name string
		gen  func(r *rand.Rand) int64
	}{
		{"uniform-us", func(r *rand.Rand) int64 { return 1000 + r.Int64N(1_000_000) }},
		{"lognormal", func(r *rand.Rand) int64 { return int64(math.Exp(r.NormFloat64()*1.5 + 12)) }},
		{"bimodal", func(r *rand.Rand) int64 {
			if r.IntN(100) < 2 {
				return 50_000_000 + r.Int64N(10_000_000)
			}
			return 200_000 + r.Int64N(50_000)
		}},
		{"small", func(r *rand.Rand) int64 { return r.Int64N(300) }},
	}
	for _, d := range dists {
		t.Run(d.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 8))
			h := New()
			sample := make([]int64, 20000)
			for i := range sample {
				sample[i] = d.gen(r)
				h.Record(sample[i])
			}
			slices.Sort(sample)
			for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 0.9999} {
				want := exactQuantile(sample, q)
				got := h.Quantile(q)
				if rel := math.Abs(float64(got-want)) / math.Max(float64(want), 1); rel > 0.01 {
					t.Errorf("q%v = %d, exact %d (error %.3f%%)", q, got, want, rel*100)
				}
			}
			if h.Min() != sample[0] || h.Max() != sample[len(sample)-1] {
				t.Errorf("min/max = %d/%d, want %d/%d", h.Min(), h.Max(), sample[0], sample[len(sample)-1])
			}
			if h.Count() != uint64(len(sample)) {
				t.Errorf("count = %d, want %d", h.Count(), len(sample))
			}
		})
	}
}

func TestEdges(t *testing.T) {
	tests := []struct {
		name    string
		values  []int64
		q       float64
		want    int64
		wantMin int64
		wantMax int64
	}{
		{"empty", nil, 0.5, 0, 0, 0},
		{"single", []int64{123456}, 0.99, 123456, 123456, 123456},
		{"negative is zero", []int64{-5}, 0.5, 0, 0, 0},
		{"overflow clamps", []int64{MaxValue + 1000}, 1, MaxValue, MaxValue, MaxValue},
		{"q0 is min", []int64{5, 900, 70000}, 0, 5, 5, 70000},
		{"q1 is max", []int64{5, 900, 70000}, 1, 70000, 5, 70000},
		{"median is its bucket midpoint", []int64{5, 900, 70000}, 0.5, 902, 5, 70000}, // bucket [900,904)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New()
			for _, v := range tt.values {
				h.Record(v)
			}
			if got := h.Quantile(tt.q); got != tt.want {
				t.Errorf("Quantile(%v) = %d, want %d", tt.q, got, tt.want)
			}
			if h.Min() != tt.wantMin || h.Max() != tt.wantMax {
				t.Errorf("min/max = %d/%d, want %d/%d", h.Min(), h.Max(), tt.wantMin, tt.wantMax)
			}
		})
	}
}

func TestMergeEqualsRecordingAll(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	all, a, b := New(), New(), New()
	for i := 0; i < 5000; i++ {
		v := r.Int64N(10_000_000)
		all.Record(v)
		if i%3 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
	}
	merged := New()
	merged.Merge(a)
	merged.Merge(b)
	merged.Merge(New())
	if merged.Count() != all.Count() || merged.Min() != all.Min() || merged.Max() != all.Max() {
		t.Fatalf("merged count/min/max %d/%d/%d, want %d/%d/%d",
			merged.Count(), merged.Min(), merged.Max(), all.Count(), all.Min(), all.Max())
	}
	for _, q := range []float64{0.5, 0.99, 0.999} {
		if merged.Quantile(q) != all.Quantile(q) {
			t.Errorf("q%v merged %d, all %d", q, merged.Quantile(q), all.Quantile(q))
		}
	}
	if math.Abs(merged.Mean()-all.Mean()) > 1e-6*all.Mean() {
		t.Errorf("mean merged %v, all %v", merged.Mean(), all.Mean())
	}
}
