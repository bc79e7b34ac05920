package proto

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/zkd-io/zkd/jute"
)

// Fuzz targets: decoding arbitrary bytes never panics, and whatever decodes
// re-encodes to bytes that decode to an equal value and re-encode to the
// same bytes. Run one with: go test ./proto -run x -fuzz FuzzMultiRequest

// checkDecodeRoundTrip is the property shared by every record target.
func checkDecodeRoundTrip(t *testing.T, data []byte, fresh func() Record) {
	t.Helper()
	first := fresh()
	r := jute.NewReader(data)
	first.Decode(r)
	if r.Err() != nil {
		return
	}
	enc := encode(first)
	second := fresh()
	r2 := jute.NewReader(enc)
	second.Decode(r2)
	if r2.Err() != nil {
		t.Fatalf("re-decode failed: %v\ninput %x\nre-encoded %x", r2.Err(), data, enc)
	}
	if r2.Remaining() != 0 {
		t.Fatalf("re-decode left %d bytes\ninput %x", r2.Remaining(), data)
	}
	if !reflect.DeepEqual(first, second) {
		t.Fatalf("round trip differs\nfirst  %#v\nsecond %#v\ninput %x", first, second, data)
	}
	if again := encode(second); !bytes.Equal(again, enc) {
		t.Fatalf("encoding not stable\n%x\n%x", enc, again)
	}
}

// seedSamples adds the encodings of the samples accepted by keep.
func seedSamples(f *testing.F, keep func(s sample) bool) {
	for _, s := range samples() {
		if keep(s) {
			f.Add(encode(s.rec))
		}
	}
}

func isType[T Record](s sample) bool { _, ok := s.rec.(T); return ok }

func FuzzConnectRequest(f *testing.F) {
	seedSamples(f, isType[*ConnectRequest])
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeRoundTrip(t, data, func() Record { return &ConnectRequest{} })
	})
}

func FuzzConnectResponse(f *testing.F) {
	seedSamples(f, isType[*ConnectResponse])
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeRoundTrip(t, data, func() Record { return &ConnectResponse{} })
	})
}

func FuzzRequestHeader(f *testing.F) {
	seedSamples(f, isType[*RequestHeader])
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeRoundTrip(t, data, func() Record { return &RequestHeader{} })
	})
}

func FuzzReplyHeader(f *testing.F) {
	seedSamples(f, isType[*ReplyHeader])
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeRoundTrip(t, data, func() Record { return &ReplyHeader{} })
	})
}

func FuzzWatcherEvent(f *testing.F) {
	seedSamples(f, isType[*WatcherEvent])
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeRoundTrip(t, data, func() Record { return &WatcherEvent{} })
	})
}

func FuzzMultiRequest(f *testing.F) {
	seedSamples(f, isType[*MultiRequest])
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeRoundTrip(t, data, func() Record { return &MultiRequest{} })
	})
}

func FuzzMultiResponse(f *testing.F) {
	seedSamples(f, isType[*MultiResponse])
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeRoundTrip(t, data, func() Record { return &MultiResponse{} })
	})
}

// FuzzRequestBodies decodes the request record of an arbitrary opcode.
func FuzzRequestBodies(f *testing.F) {
	for _, s := range samples() {
		if s.isReq {
			f.Add(int32(s.op), encode(s.rec))
		}
	}
	f.Fuzz(func(t *testing.T, op int32, data []byte) {
		if NewRequest(OpCode(op)) == nil {
			return
		}
		checkDecodeRoundTrip(t, data, func() Record { return NewRequest(OpCode(op)) })
	})
}

// FuzzResponseBodies decodes the response record of an arbitrary opcode,
// plus the records that are not tied to one (Stat, ACL, Id, ClientInfo,
// MultiHeader) under opcodes no response uses.
func FuzzResponseBodies(f *testing.F) {
	for _, s := range samples() {
		if !s.isReq && s.op >= 0 {
			f.Add(int32(s.op), encode(s.rec))
		}
	}
	for op, rec := range extraRecords() {
		f.Add(op, encode(rec()))
	}
	f.Fuzz(func(t *testing.T, op int32, data []byte) {
		fresh := func() Record { return NewResponse(OpCode(op)) }
		if extra, ok := extraRecords()[op]; ok {
			fresh = extra
		}
		if fresh() == nil {
			return
		}
		checkDecodeRoundTrip(t, data, fresh)
	})
}

func extraRecords() map[int32]func() Record {
	return map[int32]func() Record{
		-1000: func() Record { return &Stat{} },
		-1001: func() Record { return &ACL{} },
		-1002: func() Record { return &Id{} },
		-1003: func() Record { return &ClientInfo{} },
		-1004: func() Record { return &MultiHeader{} },
	}
}

// rawRecord encodes fixed bytes; it lets AppendFrame carry any payload.
type rawRecord []byte

func (x rawRecord) Encode(w *jute.Writer) { w.Buf = append(w.Buf, x...) }
func (x rawRecord) Decode(r *jute.Reader) {}

func FuzzReadFrame(f *testing.F) {
	for _, g := range goldenFrames {
		f.Add(AppendFrame(nil, g.header, g.body), uint32(DefaultMaxBuffer), uint8(0))
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, uint32(10), uint8(8))
	f.Add([]byte("ruok"), uint32(0), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, maxLen uint32, bufCap uint8) {
		limit := int(maxLen % (1 << 20))
		buf := make([]byte, 0, int(bufCap))
		got, err := ReadFrame(bytes.NewReader(data), buf, limit)
		if limit <= 0 {
			limit = DefaultMaxBuffer
		}
		if err != nil {
			if !errors.Is(err, ErrFrameTooLarge) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(got) > limit || len(data) < 4+len(got) || !bytes.Equal(got, data[4:4+len(got)]) {
			t.Fatalf("payload %x does not match input %x (max %d)", got, data, limit)
		}
		frame := AppendFrame(nil, nil, rawRecord(got))
		if !bytes.Equal(frame, data[:4+len(got)]) {
			t.Fatalf("re-framed %x, input %x", frame, data)
		}
		again, err := ReadFrame(bytes.NewReader(frame), nil, limit)
		if err != nil || !bytes.Equal(again, got) {
			t.Fatalf("re-read %x err %v", again, err)
		}
	})
}

// primitive identifies one jute.Reader primitive for FuzzJuteReader.
type primitive byte

const (
	primByte primitive = iota
	primBool
	primInt
	primLong
	primBuffer
	primString
	primNullableString
	primStrings
	primCount
)

// readPrims decodes data as the sequence of primitives named by ops
// (at most 64) and returns the values read.
func readPrims(ops []byte, data []byte, maxLen int) ([]any, *jute.Reader) {
	r := jute.NewReader(data)
	r.Max = maxLen
	var vals []any
	for i := 0; i < len(ops) && i < 64 && r.Err() == nil; i++ {
		switch primitive(ops[i]) % primCount {
		case primByte:
			vals = append(vals, r.Byte())
		case primBool:
			vals = append(vals, r.Bool())
		case primInt:
			vals = append(vals, r.Int())
		case primLong:
			vals = append(vals, r.Long())
		case primBuffer:
			vals = append(vals, r.Buffer())
		case primString:
			vals = append(vals, r.String())
		case primNullableString:
			s, null := r.NullableString()
			vals = append(vals, [2]any{s, null})
		case primStrings:
			vals = append(vals, r.Strings())
		}
	}
	return vals, r
}

func writePrims(vals []any) []byte {
	var w jute.Writer
	for _, v := range vals {
		switch v := v.(type) {
		case byte:
			w.Byte(v)
		case bool:
			w.Bool(v)
		case int32:
			w.Int(v)
		case int64:
			w.Long(v)
		case []byte:
			w.Buffer(v)
		case string:
			w.String(v)
		case [2]any:
			if v[1].(bool) {
				w.NullString()
			} else {
				w.String(v[0].(string))
			}
		case []string:
			w.Strings(v)
		}
	}
	return w.Bytes()
}

// FuzzJuteReader drives the jute primitives with an arbitrary sequence
// of reads over arbitrary bytes.
func FuzzJuteReader(f *testing.F) {
	f.Add([]byte{byte(primInt), byte(primString), byte(primBool)}, encode(&ExistsRequest{Path: "/a", Watch: true}), uint8(0))
	f.Add([]byte{byte(primBuffer), byte(primStrings), byte(primNullableString), byte(primLong), byte(primByte)},
		[]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 1, 'x', 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(4))
	f.Fuzz(func(t *testing.T, ops []byte, data []byte, maxLen uint8) {
		vals, r := readPrims(ops, data, int(maxLen))
		if r.Err() != nil {
			if !errors.Is(r.Err(), jute.ErrShort) && !errors.Is(r.Err(), jute.ErrLength) {
				t.Fatalf("unexpected error %v", r.Err())
			}
			return
		}
		if r.Offset()+r.Remaining() != len(data) {
			t.Fatalf("offset %d + remaining %d != %d", r.Offset(), r.Remaining(), len(data))
		}
		enc := writePrims(vals)
		again, r2 := readPrims(ops, enc, int(maxLen))
		if r2.Err() != nil || r2.Remaining() != 0 {
			t.Fatalf("re-read err %v, %d left", r2.Err(), r2.Remaining())
		}
		if !reflect.DeepEqual(vals, again) {
			t.Fatalf("values differ\n%#v\n%#v", vals, again)
		}
	})
}
