package proto

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"
)

// countingReader counts the bytes handed out by the wrapped reader.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestReadFrameRejectsLengthBeforeAllocating(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		max  int
	}{
		{"negative", []byte{0xff, 0xff, 0xff, 0xf0}, DefaultMaxBuffer},
		{"max int32", []byte{0x7f, 0xff, 0xff, 0xff}, DefaultMaxBuffer},
		{"one above max", []byte{0, 0x10, 0, 0}, DefaultMaxBuffer},
		{"above custom max", []byte{0, 0, 0, 11}, 10},
		{"four-letter word", []byte("ruok"), 0},
	}
	for _, tt := range tests {
		src := &countingReader{r: io.MultiReader(bytes.NewReader(tt.head), bytes.NewReader(make([]byte, 64)))}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadFrame(src, nil, tt.max)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrFrameTooLarge) {
			t.Errorf("%s: err %v, want ErrFrameTooLarge", tt.name, err)
		}
		if src.n != 4 {
			t.Errorf("%s: read %d bytes, want only the length", tt.name, src.n)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<10 {
			t.Errorf("%s: allocated %d bytes", tt.name, grew)
		}
	}
}

func TestReadFrame(t *testing.T) {
	frame := AppendFrame(nil, &RequestHeader{Xid: 1, Type: OpSync}, &SyncRequest{Path: "/abc"})
	payload := frame[4:]
	tests := []struct {
		name    string
		in      []byte
		buf     []byte
		max     int
		want    []byte
		wantErr error
	}{
		{"exact max", frame, nil, len(payload), payload, nil},
		{"default max", frame, nil, 0, payload, nil},
		{"empty frame", []byte{0, 0, 0, 0}, nil, 10, []byte{}, nil},
		{"clean EOF", nil, nil, 10, nil, io.EOF},
		{"short length", []byte{0, 0}, nil, 10, nil, io.ErrUnexpectedEOF},
		{"short body", frame[:len(frame)-1], nil, 100, nil, io.ErrUnexpectedEOF},
		{"length only", frame[:4], nil, 100, nil, io.ErrUnexpectedEOF},
		{"small buf", frame, make([]byte, 2), 100, payload, nil},
	}
	// The same frames from a plain reader and from a *bufio.Reader, whose
	// length ReadFrame peeks instead of copying.
	readers := map[string]func([]byte) io.Reader{
		"plain": func(b []byte) io.Reader { return bytes.NewReader(b) },
		"bufio": func(b []byte) io.Reader { return bufio.NewReaderSize(bytes.NewReader(b), 16) },
	}
	for kind, reader := range readers {
		for _, tt := range tests {
			got, err := ReadFrame(reader(tt.in), tt.buf, tt.max)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("%s %s: err %v, want %v", kind, tt.name, err, tt.wantErr)
				continue
			}
			if tt.wantErr == io.EOF && err != io.EOF {
				t.Errorf("%s %s: clean EOF is wrapped: %v", kind, tt.name, err)
			}
			if !bytes.Equal(got, tt.want) || (tt.want != nil && got == nil) {
				t.Errorf("%s %s: got %x, want %x", kind, tt.name, got, tt.want)
			}
		}
	}
}

// TestReadFrameBufferedAllocatesOnce pins the server's read path: a frame
// read from a *bufio.Reader without a buffer costs one allocation, its
// payload.
func TestReadFrameBufferedAllocatesOnce(t *testing.T) {
	frame := AppendFrame(nil, &RequestHeader{Xid: 1, Type: OpSetData},
		&SetDataRequest{Path: "/some/path", Data: make([]byte, 100), Version: -1})
	stream := bytes.Repeat(frame, 200)
	br := bufio.NewReaderSize(bytes.NewReader(stream), 4096)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ReadFrame(br, nil, 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 1 {
		t.Errorf("%v allocations per frame, want 1", allocs)
	}
}

func TestReadFrameReusesBuffer(t *testing.T) {
	stream := AppendFrame(nil, &RequestHeader{Xid: 1, Type: OpPing}, nil)
	stream = AppendFrame(stream, &RequestHeader{Xid: 2, Type: OpSync}, &SyncRequest{Path: "/a/long/enough/path/to/outgrow/the/buffer"})
	r := bytes.NewReader(stream)
	buf := make([]byte, 0, 16)
	got, err := ReadFrame(r, buf, 0)
	if err != nil || len(got) != 8 || &got[0] != &buf[:1][0] {
		t.Fatalf("small frame: len %d err %v, reused %v", len(got), err, err == nil && &got[0] == &buf[:1][0])
	}
	got, err = ReadFrame(r, buf, 0)
	if err != nil || len(got) <= cap(buf) {
		t.Fatalf("large frame: len %d err %v", len(got), err)
	}
	if _, err := ReadFrame(r, got, 0); err != io.EOF {
		t.Fatalf("end: err %v", err)
	}
}

func TestReadFrameSteadyStateDoesNotAllocate(t *testing.T) {
	frame := AppendFrame(nil, &RequestHeader{Xid: 7, Type: OpGetData}, &GetDataRequest{Path: "/x"})
	r := bytes.NewReader(frame)
	buf := make([]byte, 64)
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(frame)
		if _, err := ReadFrame(r, buf, 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per frame", allocs)
	}
}

func TestAppendFrame(t *testing.T) {
	dst := []byte("prefix")
	got := AppendFrame(dst, &ReplyHeader{Xid: 3, Zxid: 4}, nil)
	want := append([]byte("prefix"), 0, 0, 0, 16, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0)
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x\nwant %x", got, want)
	}
	if got := AppendFrame(nil, nil, nil); !bytes.Equal(got, []byte{0, 0, 0, 0}) {
		t.Fatalf("empty frame %x", got)
	}
	two := AppendFrame(AppendFrame(nil, &ErrorResponse{}, nil), nil, &ErrorResponse{Err: ErrNoNode})
	r := bytes.NewReader(two)
	for i := 0; i < 2; i++ {
		if p, err := ReadFrame(r, nil, 0); err != nil || len(p) != 4 {
			t.Fatalf("frame %d: %x %v", i, p, err)
		}
	}
}
