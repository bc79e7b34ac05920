package tree

import "testing"

func TestParseStatsTrack(t *testing.T) {
	tests := []struct {
		in                                string
		count, bytes, countHard, byteHard int64
	}{
		{"", -1, -1, -1, -1},
		{"count=5,bytes=100", 5, 100, -1, -1},
		{"count=-1,bytes=-1", -1, -1, -1, -1},
		{"count=1,bytes=2=;byteHardLimit=30;countHardLimit=4", 1, 2, 4, 30},
		{"bytes=7,count=3", 3, 7, -1, -1},
		{"count=,bytes=", -1, -1, -1, -1},
		{"count=1;;bytes=2,,", 1, 2, -1, -1},
		{"count=x,bytes=9", -1, 9, -1, -1},
		{"count=1,count=2", 2, -1, -1, -1},
		{"count", -1, -1, -1, -1},
		{",count=+4", 4, -1, -1, -1},
		{"countHardLimit=0", -1, -1, 0, -1},
	}
	for _, tc := range tests {
		s := parseStatsTrack([]byte(tc.in))
		got := [4]int64{s.get(keyCount), s.get(keyBytes), s.get(keyCountHardLimit), s.get(keyByteHardLimit)}
		want := [4]int64{tc.count, tc.bytes, tc.countHard, tc.byteHard}
		if got != want {
			t.Errorf("parse(%q) = %v, want %v", tc.in, got, want)
		}
	}
}

func TestEncodeStatsTrack(t *testing.T) {
	tests := []struct{ in, out string }{
		{"", "count=-1,bytes=-1"},
		{"bytes=7,count=3", "count=3,bytes=7"},
		{"count=1,bytes=2=;countHardLimit=4;byteHardLimit=30", "count=1,bytes=2=;byteHardLimit=30;countHardLimit=4"},
		{"countHardLimit=4", "count=-1,bytes=-1=;countHardLimit=4"},
		{"count=1,bytes=2,zeta=1,alpha=", "count=1,bytes=2=;alpha=-1;zeta=1"},
	}
	for _, tc := range tests {
		s := parseStatsTrack([]byte(tc.in))
		if got := string(s.encode()); got != tc.out {
			t.Errorf("encode(parse(%q)) = %q, want %q", tc.in, got, tc.out)
		}
	}
}
