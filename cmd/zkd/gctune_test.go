package main

import "testing"

func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 100},
		{1 << 20, 400},
		{6 << 20, 400},
		{8 << 20, 300},
		{16 << 20, 150},
		{24 << 20, 100},
		{48 << 20, 50},
		{96 << 20, 25},
		{192 << 20, 12},
		{512 << 20, 10},
		{4 << 30, 10},
	} {
		if got := gcPercentFor(c.live); got != c.want {
			t.Errorf("gcPercentFor(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}
