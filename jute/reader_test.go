package jute

import (
	"bytes"
	"testing"
)

// TestBufferCopiesUnlessAlias pins Buffer's two modes: by default the
// result survives a change of the input; with Alias it is a view of the
// input whose capacity ends with it, so appending to it cannot overwrite
// what follows.
func TestBufferCopiesUnlessAlias(t *testing.T) {
	var w Writer
	w.Buffer([]byte("abc"))
	w.Int(7)
	in := w.Bytes()

	r := NewReader(bytes.Clone(in))
	got := r.Buffer()
	r.buf[4] = 'x'
	if string(got) != "abc" {
		t.Errorf("copy changed with its input: %q", got)
	}

	input := bytes.Clone(in)
	r = NewReader(input)
	r.Alias = true
	got = r.Buffer()
	if string(got) != "abc" || cap(got) != 3 {
		t.Fatalf("alias = %q (cap %d), want \"abc\" (cap 3)", got, cap(got))
	}
	input[4] = 'x'
	if string(got) != "xbc" {
		t.Errorf("alias does not share its input: %q", got)
	}
	_ = append(got, 'z')
	if v := r.Int(); v != 7 || r.Err() != nil {
		t.Errorf("after appending to the alias, next field = %d (%v), want 7", v, r.Err())
	}
	if r := NewReader([]byte{0xff, 0xff, 0xff, 0xff}); true {
		r.Alias = true
		if b := r.Buffer(); b != nil || r.Err() != nil {
			t.Errorf("null buffer = %v (%v), want nil", b, r.Err())
		}
	}
}
