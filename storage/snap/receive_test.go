package snap

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/zkd-io/zkd/storage"
)

// rawOf returns the whole file of the snapshot at index, via OpenRaw.
func rawOf(t *testing.T, s *Store, index uint64) []byte {
	t.Helper()
	rc, size, err := s.OpenRaw(index)
	if err != nil {
		t.Fatalf("open raw %d: %v", index, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read raw %d: %v", index, err)
	}
	if int64(len(b)) != size {
		t.Fatalf("raw %d: read %d bytes, size said %d", index, len(b), size)
	}
	return b
}

// receive streams b into s as the snapshot (index, term) in chunks of
// chunk bytes and returns Finish's result.
func receive(t *testing.T, s *Store, index, term uint64, b []byte, chunk int) (Meta, error) {
	t.Helper()
	r, err := s.Receive(index, term)
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	for len(b) > 0 {
		n := min(chunk, len(b))
		if _, err := r.Write(b[:n]); err != nil {
			r.Abort()
			return Meta{}, err
		}
		b = b[n:]
	}
	return r.Finish()
}

// noTmp fails the test when the store's directory holds a temporary file.
func noTmp(t *testing.T, s *Store) {
	t.Helper()
	for _, n := range names(t, s) {
		if strings.HasSuffix(n, tmpSuffix) {
			t.Fatalf("temporary file %s left behind (directory: %v)", n, names(t, s))
		}
	}
}

func TestStreamSnapshotBetweenStores(t *testing.T) {
	from := openStore(t, t.TempDir(), storage.OS{})
	to := openStore(t, t.TempDir(), storage.OS{})
	mustSave(t, from, 42, 3)
	raw := rawOf(t, from, 42)
	if len(raw) != headerSize+len(payloadFor(42))+trailerLen {
		t.Fatalf("raw file of %d bytes, want header+payload+CRC", len(raw))
	}
	for _, chunk := range []int{1, 7, 1000, len(raw)} {
		m, err := receive(t, to, 42, 3, raw, chunk)
		if err != nil {
			t.Fatalf("chunks of %d: %v", chunk, err)
		}
		if m.Index != 42 || m.Term != 3 || m.Size != int64(len(raw)) || filepath.Dir(m.Path) != to.Dir() {
			t.Fatalf("chunks of %d: meta %+v", chunk, m)
		}
		got, err := os.ReadFile(m.Path)
		if err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("chunks of %d: received file differs (%v)", chunk, err)
		}
		noTmp(t, to)
	}
	if got := mustLoad(t, to); got.Index != 42 || got.Term != 3 {
		t.Fatalf("load after receive: %+v", got)
	}
	// The one-call form, from a reader that returns a byte at a time.
	other := openStore(t, t.TempDir(), storage.OS{})
	if err := other.ReceiveFrom(42, 3, iotest.OneByteReader(bytes.NewReader(raw))); err != nil {
		t.Fatalf("receive from reader: %v", err)
	}
	mustLoad(t, other)
}

// TestReceiveRefusesBadStreams: a stream that is damaged, cut short,
// overlong, or that belongs to another snapshot is refused; nothing is
// installed and no temporary file stays.
func TestReceiveRefusesBadStreams(t *testing.T) {
	src := openStore(t, t.TempDir(), storage.OS{})
	mustSave(t, src, 42, 3)
	raw := rawOf(t, src, 42)
	flip := func(off int) []byte {
		b := slices.Clone(raw)
		b[off] ^= 0x10
		return b
	}
	for _, c := range []struct {
		name        string
		b           []byte
		index, term uint64
	}{
		{"bit flip in payload", flip(headerSize + 100), 42, 3},
		{"bit flip in CRC", flip(len(raw) - 1), 42, 3},
		{"bit flip in header", flip(9), 42, 3},
		{"truncated", raw[:len(raw)-10], 42, 3},
		{"header only", raw[:headerSize], 42, 3},
		{"empty", nil, 42, 3},
		{"overlong", append(slices.Clone(raw), 0), 42, 3},
		{"another index", raw, 43, 3},
		{"another term", raw, 42, 4},
	} {
		dst := openStore(t, t.TempDir(), storage.OS{})
		_, err := receive(t, dst, c.index, c.term, c.b, 512)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err %v, want ErrCorrupt", c.name, err)
		}
		if n := names(t, dst); len(n) != 0 {
			t.Errorf("%s: directory holds %v after the refusal", c.name, n)
		}
		if err := dst.ReceiveFrom(c.index, c.term, bytes.NewReader(c.b)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: ReceiveFrom: err %v, want ErrCorrupt", c.name, err)
		}
		noTmp(t, dst)
	}
}

func TestReceiveAbortAndPurge(t *testing.T) {
	src := openStore(t, t.TempDir(), storage.OS{})
	mustSave(t, src, 42, 3)
	raw := rawOf(t, src, 42)
	dst := openStore(t, t.TempDir(), storage.OS{})
	r, err := dst.Receive(42, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Write(raw[:100]); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.Receive(42, 3); err == nil {
		t.Fatal("a second receive of the same file started")
	}
	if err := dst.Purge(1); err != nil {
		t.Fatal(err)
	}
	if n := names(t, dst); len(n) != 1 {
		t.Fatalf("purge during a receive left %v, want the receive's temporary file", n)
	}
	if err := r.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := r.Abort(); err != nil {
		t.Fatalf("second abort: %v", err)
	}
	if n := names(t, dst); len(n) != 0 {
		t.Fatalf("abort left %v", n)
	}
	// A reader failing mid-stream aborts too.
	fail := io.MultiReader(bytes.NewReader(raw[:100]), iotest.ErrReader(errors.New("peer went away")))
	if err := dst.ReceiveFrom(42, 3, fail); err == nil || !strings.Contains(err.Error(), "peer went away") {
		t.Fatalf("receive from failing reader: %v", err)
	}
	noTmp(t, dst)
	if _, err := receive(t, dst, 42, 3, raw, 4096); err != nil {
		t.Fatalf("receive after aborts: %v", err)
	}
}

func TestOpenRawRefusesMissingAndCorrupt(t *testing.T) {
	s := openStore(t, t.TempDir(), storage.OS{})
	if _, _, err := s.OpenRaw(42); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("missing: %v, want ErrNoSnapshot", err)
	}
	mustSave(t, s, 42, 3)
	path := filepath.Join(s.Dir(), fileName(3, 42))
	b, _ := os.ReadFile(path)
	b[headerSize] ^= 1
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := openStore(t, s.Dir(), storage.OS{}) // nothing verified yet
	if _, _, err := fresh.OpenRaw(42); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("corrupt: %v, want ErrCorrupt", err)
	}
}

// TestReceivedSnapshotSurvivesCrash: once Finish returns, the snapshot is
// durable; a crash before Finish leaves no valid file under its name.
func TestReceivedSnapshotSurvivesCrash(t *testing.T) {
	src := openStore(t, t.TempDir(), storage.OS{})
	mustSave(t, src, 42, 3)
	raw := rawOf(t, src, 42)
	for _, finish := range []bool{false, true} {
		d := storage.NewFaultFS()
		s := openStore(t, faultDir, d)
		r, err := s.Receive(42, 3)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Write(raw); err != nil {
			t.Fatal(err)
		}
		if finish {
			if _, err := r.Finish(); err != nil {
				t.Fatal(err)
			}
		}
		d.Crash()
		d.Reboot()
		s = openStore(t, faultDir, d)
		_, rc, err := s.Load()
		if finish {
			if err != nil {
				t.Fatalf("load after crash: %v", err)
			}
			rc.Close()
		} else if !errors.Is(err, ErrNoSnapshot) {
			t.Fatalf("crash before finish: load gave %v, want ErrNoSnapshot", err)
		}
	}
}
