package robust

import (
	"bytes"
	"fmt"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// Builders for request bodies, valid and not. Hostile bodies are written
// field by field with a jute.Writer so that any length or value can be
// forged; valid ones use the proto records.

// body runs f on a fresh writer and returns the bytes.
func body(f func(w *jute.Writer)) []byte {
	var w jute.Writer
	f(&w)
	return w.Bytes()
}

// rawString writes a jute ustring from arbitrary bytes (invalid UTF-8
// included).
func rawString(w *jute.Writer, s string) {
	w.Int(int32(len(s)))
	w.Buf = append(w.Buf, s...)
}

// openACL writes the vector<ACL> world:anyone with all permissions.
func openACL(w *jute.Writer) {
	w.Int(1)
	w.Int(proto.PermAll)
	w.String("world")
	w.String("anyone")
}

// createBody is a CreateRequest with a raw path, null data, open ACL.
func createBody(path string, flags int32) []byte {
	return body(func(w *jute.Writer) {
		rawString(w, path)
		w.Buffer(nil)
		openACL(w)
		w.Int(flags)
	})
}

// create is a complete create request for path.
func create(xid int32, path string) []byte {
	return rawRequest(xid, proto.OpCreate, createBody(path, 0))
}

// pathBody is the body of exists/getData/getChildren: path + watch.
func pathBody(path string) []byte {
	return body(func(w *jute.Writer) { rawString(w, path); w.Bool(false) })
}

func exists(xid int32, path string) []byte {
	return rawRequest(xid, proto.OpExists, pathBody(path))
}

// multiHeader writes one MultiHeader.
func multiHeader(w *jute.Writer, op int32, done bool) {
	w.Int(op)
	w.Bool(done)
	w.Int(-1)
}

// multiEnd writes the terminator of a multi body.
func multiEnd(w *jute.Writer) { multiHeader(w, -1, true) }

// checkOp writes a check sub-op of a multi.
func checkOp(w *jute.Writer, path string, version int32) {
	multiHeader(w, int32(proto.OpCheck), false)
	rawString(w, path)
	w.Int(version)
}

// paths returns n distinct paths under prefix.
func paths(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s/%06d", prefix, i)
	}
	return out
}

// repeat concatenates n copies of b.
func repeat(b []byte, n int) []byte { return bytes.Repeat(b, n) }

// padTo pads a request frame with trailing zero bytes inside its body
// until the payload is exactly size bytes (servers ignore trailing bytes).
func padTo(frame []byte, size int) []byte {
	out := append([]byte(nil), frame...)
	out = append(out, make([]byte, size-(len(frame)-4))...)
	var w jute.Writer
	w.Buf = out
	w.PutIntAt(0, int32(size))
	return w.Buf
}

// sized builds a request whose payload is exactly size bytes by making
// the string or buffer that build(n) embeds n bytes long: build(0) gives
// the overhead, the rest is filled.
func sized(size int, build func(n int) []byte) []byte {
	overhead := len(build(0)) - 4
	return build(size - overhead)
}

// connectBody writes a ConnectRequest field by field.
func connectBody(version int32, lastZxid int64, timeout int32, sid int64, passwd []byte, readOnly bool) []byte {
	return body(func(w *jute.Writer) {
		w.Int(version)
		w.Long(lastZxid)
		w.Int(timeout)
		w.Long(sid)
		w.Buffer(passwd)
		if readOnly {
			w.Bool(false)
		}
	})
}
