package session

import "testing"

func TestInitialID(t *testing.T) {
	tests := []struct {
		name     string
		serverID int64
		nowMs    int64
		want     uint64
	}{
		{"standalone small clock", 0, 1, 0x0000000000010000},
		{"server id in top byte", 5, 0x1234567890AB, 0x0534567890AB0000},
		{"clock bits above 40 dropped", 0, 0xFF_1234567890AB, 0x0034567890AB0000},
		{"unsigned shift keeps top byte clear", 0, 0x8000000000, 0x0080000000000000},
		{"realistic clock", 1, 1700000000000, 0x018BCFE568000000},
		{"server 254", 254, 0, 0xFE00000000000000},
		{"container marker bumped", 0x80, 0, 0x8000000000000001},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := InitialID(tc.serverID, tc.nowMs); uint64(got) != tc.want {
				t.Fatalf("InitialID(%d, %#x) = %#x, want %#x", tc.serverID, tc.nowMs, uint64(got), tc.want)
			}
		})
	}
}

func TestNextID(t *testing.T) {
	tests := []struct {
		name string
		in   uint64
		want uint64
	}{
		{"plus one", 5, 6},
		{"carries", 0x01000000FFFFFFFF, 0x0100000100000000},
		{"skips container marker", 0x7FFFFFFFFFFFFFFF, 0x8000000000000001},
		{"after marker", 0x8000000000000000, 0x8000000000000001},
		{"negative ids below ttl range", 0xFE00000000000000, 0xFE00000000000001},
		{"skips ttl range and zero", 0xFEFFFFFFFFFFFFFF, 1},
		{"inside ttl range", 0xFF00000000000005, 1},
		{"minus one", 0xFFFFFFFFFFFFFFFF, 1},
		{"zero", 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NextID(int64(tc.in)); uint64(got) != tc.want {
				t.Fatalf("NextID(%#x) = %#x, want %#x", tc.in, uint64(got), tc.want)
			}
		})
	}
}
