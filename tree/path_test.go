package tree

import (
	"testing"

	"github.com/zkd-io/zkd/proto"
)

func TestValidatePath(t *testing.T) {
	tests := []struct {
		path string
		ok   bool
	}{
		{"/", true},
		{"/a", true},
		{"/a/b/c", true},
		{"/a.b", true},
		{"/...", true},
		{"/a/..b", true},
		{"/.a", true},
		{"/a b", true},
		{"/zookeeper", true},
		{"/é", true},              // U+00E9
		{"/\u00a0", true},         // just above the C1 range
		{"/\u07ff", true},         // two-byte UTF-8
		{"/\ud7ff", true},         // just below the surrogates
		{"/\uf900", true},         // just above the private-use area
		{"/\uffef", true},         // just below U+FFF0
		{"/queue-", true},         // sequential base
		{"", false},               // empty
		{"a", false},              // relative
		{"a/b", false},            // relative
		{"/a/", false},            // trailing slash
		{"//", false},             // trailing slash, empty component
		{"/a//b", false},          // empty component
		{"/.", false},             // dot component
		{"/..", false},            // dot-dot component
		{"/a/./b", false},         // dot in the middle
		{"/a/../b", false},        // dot-dot in the middle
		{"/a/.", false},           // trailing dot
		{"/a/..", false},          // trailing dot-dot
		{"/a\x00b", false},        // NUL
		{"/a\x01", false},         // C0 control
		{"/a\x1f", false},         // C0 control
		{"/a\t", false},           // tab
		{"/a\x7f", false},         // DEL
		{"/a\u0080", false},       // C1 control, start
		{"/a\u009f", false},       // C1 control, end
		{"/a\ue000", false},       // private use
		{"/a\uf8ff", false},       // private use, end
		{"/a\ufff0", false},       // specials, start
		{"/a\ufffd", false},       // replacement character
		{"/a\uffff", false},       // specials, end
		{"/a\U0001F600", false},   // outside the BMP: a surrogate pair in Java
		{"/a\U00010000", false},   // first non-BMP code point
		{"/a\xff", false},         // invalid UTF-8
		{"/a\xc3", false},         // truncated UTF-8
		{"/a\xed\xa0\x80", false}, // UTF-8-encoded surrogate
		{"/a\xc0\xaf", false},     // overlong encoding
	}
	for _, tc := range tests {
		err := ValidatePath(tc.path)
		if tc.ok && err != nil {
			t.Errorf("ValidatePath(%q) = %v, want nil", tc.path, err)
		}
		if !tc.ok && err != proto.ErrBadArguments {
			t.Errorf("ValidatePath(%q) = %v, want ErrBadArguments", tc.path, err)
		}
	}
}

func TestParentOf(t *testing.T) {
	tests := []struct{ path, parent string }{
		{"/a", "/"},
		{"/a/b", "/a"},
		{"/a/b/c", "/a/b"},
		{"/queue/", "/queue"},
		{"/", ""},
		{"abc", ""},
	}
	for _, tc := range tests {
		if got := ParentOf(tc.path); got != tc.parent {
			t.Errorf("ParentOf(%q) = %q, want %q", tc.path, got, tc.parent)
		}
	}
}

func TestIsSpecialPath(t *testing.T) {
	tests := []struct {
		path    string
		special bool
	}{
		{"/", true},
		{"/zookeeper", true},
		{"/zookeeper/quota", true},
		{"/zookeeper/config", true},
		{"/zookeeper/other", false},
		{"/zookeeper/quota/a", false},
		{"/zookeeper/", false},
		{"/a", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := IsSpecialPath(tc.path); got != tc.special {
			t.Errorf("IsSpecialPath(%q) = %v, want %v", tc.path, got, tc.special)
		}
	}
}

func TestJavaLength(t *testing.T) {
	tests := []struct {
		s    string
		want int64
	}{
		{"", 0},
		{"/", 1},
		{"/zookeeper", 10},
		{"/é", 2},
		{"/\u4e2d\u6587", 3},
		{"/\U0001F600", 3}, // surrogate pair
	}
	for _, tc := range tests {
		if got := javaLength(tc.s); got != tc.want {
			t.Errorf("javaLength(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}
