// Package hist is a log-bucketed latency histogram in the style of
// HdrHistogram: every power-of-two range of values is split into 128 equal
// sub-buckets, so a recorded value is known to within 1/128 of itself and a
// quantile read back (the midpoint of its bucket, clamped to the exact
// minimum and maximum) is within 0.4% of the true sample. Values below 256
// are exact.
//
// Values are int64 (zkbench records nanoseconds); negative values count as
// 0 and values above MaxValue (about 4.9 hours in nanoseconds) count as
// MaxValue. A Histogram is not safe for concurrent use: give each goroutine
// its own and Merge them at the end.
package hist
