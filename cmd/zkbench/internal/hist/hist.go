package hist

import "math/bits"

const (
	subBits  = 7
	subCount = 1 << subBits // sub-buckets per power of two
	// maxShift bounds the bucket array: values up to 2^(maxShift+subBits+1)-1.
	maxShift = 36
	nBuckets = (maxShift+1)*subCount + subCount
)

// MaxValue is the largest value recorded as itself.
const MaxValue int64 = 1<<(maxShift+subBits+1) - 1

// Histogram counts values in log-linear buckets.
type Histogram struct {
	counts [nBuckets]uint64
	total  uint64
	sum    float64
	min    int64
	max    int64
}

// New returns an empty histogram.
func New() *Histogram {
	return &Histogram{}
}

// index maps a value to its bucket: values below 2*subCount are their own
// bucket; above, the value keeps its top subBits+1 bits and the number of
// dropped bits picks the octave.
func index(v int64) int {
	shift := bits.Len64(uint64(v)) - (subBits + 1)
	if shift < 0 {
		shift = 0
	}
	return shift*subCount + int(uint64(v)>>uint(shift))
}

// bounds returns the lowest value of bucket i and its width.
func bounds(i int) (low, width int64) {
	if i < 2*subCount {
		return int64(i), 1
	}
	shift := i/subCount - 1
	top := int64(i - shift*subCount)
	return top << uint(shift), 1 << uint(shift)
}

// Record adds one value.
func (h *Histogram) Record(v int64) {
	if v < 0 {
		v = 0
	}
	if v > MaxValue {
		v = MaxValue
	}
	h.counts[index(v)]++
	if h.total == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.total++
	h.sum += float64(v)
}

// Merge adds every value of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.total == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.total == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.total += o.total
	h.sum += o.sum
}

// Count is the number of recorded values.
func (h *Histogram) Count() uint64 { return h.total }

// Min is the smallest recorded value (0 when empty).
func (h *Histogram) Min() int64 { return h.min }

// Max is the largest recorded value (0 when empty).
func (h *Histogram) Max() int64 { return h.max }

// Mean is the average of the recorded values (0 when empty).
func (h *Histogram) Mean() float64 {
	if h.total == 0 {
		return 0
	}
	return h.sum / float64(h.total)
}

// Quantile returns the value at quantile q (0 <= q <= 1): the midpoint of
// the bucket holding the ceil(q*count)-th smallest value, clamped to the
// recorded minimum and maximum. It returns 0 when the histogram is empty.
func (h *Histogram) Quantile(q float64) int64 {
	if h.total == 0 {
		return 0
	}
	if q <= 0 {
		return h.min
	}
	if q >= 1 {
		return h.max
	}
	rank := uint64(q * float64(h.total))
	if float64(rank) < q*float64(h.total) {
		rank++
	}
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			low, width := bounds(i)
			v := low + width/2
			if v < h.min {
				v = h.min
			}
			if v > h.max {
				v = h.max
			}
			return v
		}
	}
	return h.max
}
