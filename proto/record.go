package proto

import "github.com/zkd-io/zkd/jute"

// Record is any Jute record: it can append itself to a Writer and read
// itself from a Reader (errors are sticky on the Reader).
type Record interface {
	Encode(w *jute.Writer)
	Decode(r *jute.Reader)
}
