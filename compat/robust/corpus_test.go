package robust

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zkd-io/zkd/proto"
)

// replayWait bounds how long one replayed input may go without the server
// either answering the probe behind it or closing the connection.
const replayWait = 5 * time.Second

// replayer sends requests on one session, opening a new one whenever the
// server closed the last.
type replayer struct {
	addr string
	w    *wire
	xid  int32
}

func (r *replayer) close() {
	if r.w != nil {
		r.w.close()
		r.w = nil
	}
}

// send delivers one framed request followed by the probe and returns the
// transcript; an error means the server neither answered nor closed.
func (r *replayer) send(frame []byte) (string, error) {
	if r.w == nil {
		w, err := dialWire(r.addr)
		if err != nil {
			return "", err
		}
		if err := w.handshake(6000); err != nil {
			w.close()
			return "", fmt.Errorf("handshake: %w", err)
		}
		r.w = w
	}
	t := &transcript{}
	r.w.sendAsync(concat(frame, probe()), false)
	deadline := time.Now().Add(replayWait)
	for {
		f, err := r.w.next(deadline)
		if err != nil {
			r.close()
			if isTimeout(err) {
				return "", fmt.Errorf("no answer and no close within %v (so far %q)", replayWait, t.finish("…"))
			}
			return t.end(err), nil
		}
		if t.add(r.w, f) {
			return t.finish("open"), nil
		}
	}
}

func (r *replayer) nextXid() int32 {
	r.xid++
	return r.xid
}

// outcomeTally counts transcripts by their shape (reply codes, end state).
type outcomeTally map[string]int

func (o outcomeTally) add(transcript string) {
	var parts []string
	for _, e := range strings.Fields(transcript) {
		if _, code, ok := strings.Cut(e, ":"); ok {
			if i := strings.IndexByte(code, '['); i >= 0 {
				code = code[:i]
			}
			e = code
		}
		parts = append(parts, e)
	}
	o[strings.Join(parts, " ")]++
}

func (o outcomeTally) String() string {
	var keys []string
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " [%s]×%d", k, o[k])
	}
	return b.String()
}

// corpusTarget replays one fuzz target's corpus in the form that fits it.
type corpusTarget struct {
	name  string
	kinds [][]string
	// replay sends one input and returns its transcript.
	replay func(r *replayer, in corpusInput) (string, error)
	// ok reports whether a transcript is an acceptable outcome.
	ok func(transcript string) bool
}

// servedOrClosed accepts any sequence of replies ending with the probe
// answered or the connection closed.
func servedOrClosed(s string) bool {
	return strings.HasSuffix(s, "open") || strings.HasSuffix(s, "closed")
}

func corpusTargets() []corpusTarget {
	bytesArg := []string{"[]byte"}
	int32Arg := []string{"int32", "rune"}
	asBody := func(r *replayer, in corpusInput) (string, error) {
		op := proto.OpCode(int32(in.args[0].num))
		return r.send(rawRequest(r.nextXid(), op, in.args[1].bytes))
	}
	return []corpusTarget{
		{
			// The bytes are the ConnectRequest of a fresh connection.
			name: "FuzzConnectRequest", kinds: [][]string{bytesArg},
			replay: func(r *replayer, in corpusInput) (string, error) {
				c := hostileCase{name: in.file, pre: true, send: func() []byte { return rawFrame(in.args[0].bytes) }, replies: 1, wait: replayWait}
				return runCase(r.addr, &c)
			},
			ok: func(s string) bool { return s == "connect open" || s == "connect-invalid closed" || s == "closed" },
		},
		{
			// The bytes are a whole request payload: header and body.
			name: "FuzzRequestHeader", kinds: [][]string{bytesArg},
			replay: func(r *replayer, in corpusInput) (string, error) { return r.send(rawFrame(in.args[0].bytes)) },
			ok:     servedOrClosed,
		},
		{name: "FuzzRequestBodies", kinds: [][]string{int32Arg, bytesArg}, replay: asBody, ok: servedOrClosed},
		{name: "FuzzApplyRequest", kinds: [][]string{int32Arg, bytesArg}, replay: asBody, ok: servedOrClosed},
		{
			// The bytes are the body of a multi and of a multiRead.
			name: "FuzzMultiRequest", kinds: [][]string{bytesArg},
			replay: func(r *replayer, in corpusInput) (string, error) {
				a, err := r.send(rawRequest(r.nextXid(), proto.OpMulti, in.args[0].bytes))
				if err != nil {
					return a, err
				}
				b, err := r.send(rawRequest(r.nextXid(), proto.OpMultiRead, in.args[0].bytes))
				return a + " | " + b, err
			},
			ok: func(s string) bool {
				a, b, _ := strings.Cut(s, " | ")
				return servedOrClosed(a) && servedOrClosed(b)
			},
		},
		{
			// The bytes are raw stream input after a handshake; the client
			// then half-closes, so the server must end the connection.
			name: "FuzzReadFrame", kinds: [][]string{bytesArg, {"uint32"}, {"byte", "uint8"}},
			replay: func(r *replayer, in corpusInput) (string, error) {
				c := hostileCase{name: in.file, send: func() []byte { return in.args[0].bytes }, closeWrite: true, wait: replayWait}
				return runCase(r.addr, &c)
			},
			ok: func(s string) bool { return strings.HasSuffix(s, "closed") },
		},
	}
}

// TestFuzzCorpusReplay sends every stored fuzz input to a live zkd. Each
// must be answered or make the server close the connection within
// replayWait; after each target the bystander must be untouched and the
// server must still serve.
func TestFuzzCorpusReplay(t *testing.T) {
	t.Parallel()
	srv := startZkd(t)
	by := startBystander(t, srv.Addr)
	total := 0
	for _, target := range corpusTargets() {
		inputs := loadCorpus(t, target.name, target.kinds...)
		r := &replayer{addr: srv.Addr}
		tally := outcomeTally{}
		for _, in := range inputs {
			got, err := target.replay(r, in)
			if err != nil {
				t.Errorf("%s/%s: %v", target.name, in.file, err)
				continue
			}
			if !target.ok(got) {
				t.Errorf("%s/%s: unacceptable outcome %q", target.name, in.file, short(got))
			}
			tally.add(got)
		}
		r.close()
		total += len(inputs)
		t.Logf("%s: %d inputs replayed:%s", target.name, len(inputs), tally)
		by.check(t, "corpus "+target.name)
		if err := checkServes(srv.Addr); err != nil {
			t.Errorf("after corpus %s: %v", target.name, err)
		}
	}
	t.Logf("fuzz corpus: %d inputs replayed", total)
}
