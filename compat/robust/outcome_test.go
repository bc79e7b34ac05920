package robust

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/zkd-io/zkd/jute"
	"github.com/zkd-io/zkd/proto"
)

// hostileCase is one hand-made input sent on a fresh connection.
//
// The outcome is a transcript: one entry per frame the server sent
// ("connect", "connect-invalid", "<xid>:<code>", a multi's results in
// brackets), runs of equal entries folded as "entry×N", then how the
// connection ended: "open" (a probe request was answered afterwards),
// "closed" (EOF or reset) or "silent" (neither within the wait).
type hostileCase struct {
	name string
	// pre: the bytes are the connection's first bytes; otherwise the test
	// completes a handshake first.
	pre bool
	// timeoutMs is the session timeout asked in the test's handshake;
	// 0 means 6000.
	timeoutMs int32
	send      func() []byte
	// closeWrite half-closes the connection after the bytes.
	closeWrite bool
	// replies is how many frames to read before probing.
	replies int
	// noProbe: the bytes leave a frame unfinished, so a probe would only
	// extend it; wait for the server to close instead.
	noProbe bool
	// wait bounds the final read; 0 means 5 s.
	wait time.Duration
	// multi is the xid of a multi/multiRead whose result list is recorded.
	multi int32
	// custom replaces the send-and-read procedure for cases that need
	// several steps; it returns the transcript.
	custom func(addr string) (string, error)
	// want is the expected transcript; see matchOutcome.
	want string
}

// matchOutcome reports whether a transcript fits an expected one. want
// may list alternatives separated by " || " (where a server races with
// itself, such as a reply against a close), and a token ending in "*"
// matches any token with that prefix (for values a server makes up, such
// as session ids).
func matchOutcome(want, got string) bool {
	for _, alt := range strings.Split(want, " || ") {
		wt, gt := strings.Fields(alt), strings.Fields(got)
		if len(wt) != len(gt) {
			continue
		}
		ok := true
		for i := range wt {
			if p, star := strings.CutSuffix(wt[i], "*"); star {
				ok = ok && strings.HasPrefix(gt[i], p)
			} else {
				ok = ok && wt[i] == gt[i]
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// runCase delivers c to addr and returns its transcript. An error means
// the test could not deliver the case (dial or handshake failed).
func runCase(addr string, c *hostileCase) (string, error) {
	if c.custom != nil {
		return c.custom(addr)
	}
	w, err := dialWire(addr)
	if err != nil {
		return "", err
	}
	defer w.close()
	if !c.pre {
		timeout := c.timeoutMs
		if timeout == 0 {
			timeout = 6000
		}
		if err := w.handshake(timeout); err != nil {
			return "", fmt.Errorf("handshake: %w", err)
		}
	}
	t := &transcript{multi: c.multi, pre: c.pre}
	w.sendAsync(c.send(), c.closeWrite)
	wait := c.wait
	if wait == 0 {
		wait = 5 * time.Second
	}

	// Phase 1: the replies the case asks for, or a quick close.
	first := time.Now().Add(300 * time.Millisecond)
	if c.replies > 0 {
		first = time.Now().Add(wait)
	}
	for t.frames < c.replies || c.replies == 0 {
		f, err := w.next(first)
		if err != nil {
			if !isTimeout(err) {
				return t.end(err), nil
			}
			break
		}
		t.add(w, f)
	}

	// Phase 2: probe when the connection is in a state to take a request;
	// otherwise wait for the server to close it.
	deadline := time.Now().Add(wait)
	if !c.noProbe && w.handshaken && !c.closeWrite {
		w.sendAsync(probe(), false)
	}
	for {
		f, err := w.next(deadline)
		if err != nil {
			return t.end(err), nil
		}
		if t.add(w, f) {
			return t.finish("open"), nil
		}
	}
}

// transcript accumulates a case's outcome.
type transcript struct {
	entries []string
	frames  int
	multi   int32
	pre     bool
}

// add records one frame and reports whether it answered the probe.
func (t *transcript) add(w *wire, f []byte) bool {
	if t.pre && !w.handshaken && t.frames == 0 && len(t.entries) == 0 {
		var resp proto.ConnectResponse
		r := jute.NewReader(f)
		resp.Decode(r)
		t.frames++
		switch {
		case r.Err() != nil:
			t.entries = append(t.entries, "connect-garbled")
		case resp.TimeOut <= 0:
			t.entries = append(t.entries, "connect-invalid")
		default:
			w.handshaken = true
			t.entries = append(t.entries, "connect")
		}
		return false
	}
	r := jute.NewReader(f)
	var h proto.ReplyHeader
	h.Decode(r)
	if r.Err() != nil {
		t.frames++
		t.entries = append(t.entries, "garbled")
		return false
	}
	if h.Xid == probeXid {
		return true
	}
	t.frames++
	e := strconv.Itoa(int(h.Xid)) + ":" + codeName(h.Err)
	if h.Xid == t.multi && t.multi != 0 && h.Err == proto.OK {
		e += multiResults(r)
	}
	t.entries = append(t.entries, e)
	return false
}

// end closes the transcript after a read error.
func (t *transcript) end(err error) string {
	switch {
	case isTimeout(err):
		return t.finish("silent")
	case errors.Is(err, errNotFrame):
		return t.finish("not-a-frame")
	}
	return t.finish("closed")
}

func (t *transcript) finish(state string) string {
	return strings.Join(append(fold(t.entries), state), " ")
}

func codeName(c proto.Code) string {
	if c == proto.OK {
		return "OK"
	}
	return strconv.Itoa(int(c))
}

// multiResults renders a MultiResponse as "[type-or-code,...]".
func multiResults(r *jute.Reader) string {
	var m proto.MultiResponse
	m.Decode(r)
	if r.Err() != nil {
		return "[undecodable]"
	}
	var parts []string
	for _, res := range m.Results {
		if res.Type == proto.OpError || res.Err != proto.OK {
			parts = append(parts, codeName(res.Err))
		} else {
			parts = append(parts, res.Type.String())
		}
	}
	return "[" + strings.Join(fold(parts), ",") + "]"
}

// fold replaces runs of equal entries by "entry×N".
func fold(in []string) []string {
	var out []string
	for i := 0; i < len(in); {
		j := i
		for j < len(in) && in[j] == in[i] {
			j++
		}
		if j-i > 1 {
			out = append(out, fmt.Sprintf("%s×%d", in[i], j-i))
		} else {
			out = append(out, in[i])
		}
		i = j
	}
	return out
}
