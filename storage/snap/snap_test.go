package snap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/storage"
)

// payloadFor is the deterministic payload of the snapshot at index.
func payloadFor(index uint64) []byte {
	b := make([]byte, 1000+int(index)*7)
	for i := range b {
		b[i] = byte(int(index)*31 + i*7)
	}
	return b
}

func writePayload(p []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(p)
		return err
	}
}

func openStore(t testing.TB, dir string, fsys storage.FS) *Store {
	t.Helper()
	s, err := Open(dir, fsys)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func mustSave(t *testing.T, s *Store, index, term uint64) {
	t.Helper()
	if err := s.Save(index, term, writePayload(payloadFor(index))); err != nil {
		t.Fatalf("save %d: %v", index, err)
	}
}

// mustLoad loads the newest valid snapshot and checks its payload.
func mustLoad(t *testing.T, s *Store) Meta {
	t.Helper()
	m, rc, err := s.Load()
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read payload of %s: %v", m.Path, err)
	}
	if !bytes.Equal(got, payloadFor(m.Index)) {
		t.Fatalf("payload of %s differs (%d bytes, want %d)", m.Path, len(got), len(payloadFor(m.Index)))
	}
	return m
}

// names lists the file names in dir.
func names(t *testing.T, s *Store) []string {
	t.Helper()
	entries, err := s.fs.ReadDir(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestSaveLoadRoundTrip(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "snap"), storage.OS{})
	if _, _, err := s.Load(); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("load of an empty store: %v, want ErrNoSnapshot", err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), ioBuf/8+3) // crosses buffer boundaries
	cases := []struct {
		index, term uint64
		payload     []byte
	}{
		{5, 1, nil},
		{9, 1, []byte("x")},
		{0x1234, 2, big},
	}
	for _, c := range cases {
		if err := s.Save(c.index, c.term, writePayload(c.payload)); err != nil {
			t.Fatalf("save %d: %v", c.index, err)
		}
		m, rc, err := s.Load()
		if err != nil {
			t.Fatalf("load after save %d: %v", c.index, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, c.payload) {
			t.Fatalf("payload of %d: %d bytes, err %v; want %d bytes", c.index, len(got), err, len(c.payload))
		}
		want := Meta{Index: c.index, Term: c.term, Path: filepath.Join(s.dir, fileName(c.term, c.index)), Size: int64(len(c.payload)) + headerSize + trailerLen}
		if m != want {
			t.Fatalf("meta %+v, want %+v", m, want)
		}
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Index != 5 || list[1].Index != 9 || list[2].Index != 0x1234 {
		t.Errorf("list = %+v", list)
	}
}

func TestFileNameAndLayout(t *testing.T) {
	s := openStore(t, t.TempDir(), storage.OS{})
	if err := s.Save(0x10, 2, writePayload([]byte("hello"))); err != nil {
		t.Fatal(err)
	}
	if got := names(t, s); len(got) != 1 || got[0] != "snap-0000000000000002-0000000000000010.snap" {
		t.Fatalf("files = %v", got)
	}
	b, err := os.ReadFile(filepath.Join(s.dir, "snap-0000000000000002-0000000000000010.snap"))
	if err != nil {
		t.Fatal(err)
	}
	want := []byte("ZKSN")
	want = binary.BigEndian.AppendUint32(want, 1)
	want = binary.BigEndian.AppendUint64(want, 0x10)
	want = binary.BigEndian.AppendUint64(want, 2)
	want = binary.BigEndian.AppendUint64(want, 5)
	want = append(want, "hello"...)
	want = binary.BigEndian.AppendUint32(want, crc32.Checksum(want, crc32.MakeTable(crc32.Castagnoli)))
	if !bytes.Equal(b, want) {
		t.Errorf("file bytes\n% x\nwant\n% x", b, want)
	}
}

func TestParseName(t *testing.T) {
	tests := []struct {
		name        string
		term, index uint64
		ok          bool
	}{
		{"snap-0000000000000002-0000000000000010.snap", 2, 0x10, true},
		{"snap-ffffffffffffffff-ffffffffffffffff.snap", 1<<64 - 1, 1<<64 - 1, true},
		{"snap-000000000000000A-0000000000000010.snap", 0, 0, false},
		{"snap-0000000000000002-0000000000000010.snap.tmp", 0, 0, false},
		{"snap-0000000000000002_0000000000000010.snap", 0, 0, false},
		{"snap-000000000000002-00000000000000010.snap", 0, 0, false},
		{"snap-+000000000000002-0000000000000010.snap", 0, 0, false},
		{"wal-0000000000000002-0000000000000010.snap", 0, 0, false},
	}
	for _, tc := range tests {
		term, index, ok := parseName(tc.name)
		if ok != tc.ok || term != tc.term || index != tc.index {
			t.Errorf("parseName(%q) = %d, %d, %v; want %d, %d, %v", tc.name, term, index, ok, tc.term, tc.index, tc.ok)
		}
	}
}

// damage changes the file at path.
type damage struct {
	name string
	do   func(b []byte) []byte
	want string // in the logged error
}

var damages = []damage{
	{"bit in payload", func(b []byte) []byte { b[headerSize+len(b)/3] ^= 0x10; return b }, "CRC mismatch"},
	{"bit in magic", func(b []byte) []byte { b[1] ^= 0x01; return b }, "bad magic"},
	{"bit in version", func(b []byte) []byte { b[7] ^= 0x02; return b }, "unknown version"},
	{"bit in index", func(b []byte) []byte { b[15] ^= 0x01; return b }, "header says index"},
	{"bit in length", func(b []byte) []byte { b[31] ^= 0x01; return b }, "header says payload"},
	{"bit in trailer", func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }, "CRC mismatch"},
	{"truncated", func(b []byte) []byte { return b[:len(b)-10] }, "truncated or torn"},
	{"cut to header", func(b []byte) []byte { return b[:20] }, "truncated: 20 bytes"},
	{"empty", func(b []byte) []byte { return b[:0] }, "truncated: 0 bytes"},
	{"extended", func(b []byte) []byte { return append(b, 0) }, "truncated or torn"},
	{"zeroed tail", func(b []byte) []byte { clear(b[len(b)-100:]); return b }, "CRC mismatch"},
}

func TestLoadFallsBackFromDamagedNewest(t *testing.T) {
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			s := openStore(t, t.TempDir(), storage.OS{})
			var log bytes.Buffer
			s.Logger = slog.New(slog.NewTextHandler(&log, nil))
			for _, i := range []uint64{10, 20, 30} {
				mustSave(t, s, i, 1)
			}
			newest := filepath.Join(s.dir, fileName(1, 30))
			b, err := os.ReadFile(newest)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(newest, d.do(b), 0o644); err != nil {
				t.Fatal(err)
			}
			s2 := openStore(t, s.dir, storage.OS{}) // no cached verification
			s2.Logger = s.Logger
			if m := mustLoad(t, s2); m.Index != 20 {
				t.Fatalf("loaded index %d, want the previous snapshot 20", m.Index)
			}
			if !strings.Contains(log.String(), newest) || !strings.Contains(log.String(), d.want) {
				t.Errorf("log %q does not name %s and %q", log.String(), newest, d.want)
			}
		})
	}
}

func TestLoadAllDamaged(t *testing.T) {
	s := openStore(t, t.TempDir(), storage.OS{})
	mustSave(t, s, 10, 1)
	mustSave(t, s, 20, 1)
	for _, i := range []uint64{10, 20} {
		p := filepath.Join(s.dir, fileName(1, i))
		if err := os.Truncate(p, 50); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := s.Load()
	if !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNoSnapshot) || !strings.Contains(err.Error(), fileName(1, 20)) {
		t.Errorf("err = %v, want ErrCorrupt (not ErrNoSnapshot) naming the newest file", err)
	}
}

func TestTmpLeftoversIgnoredAndPurged(t *testing.T) {
	s := openStore(t, t.TempDir(), storage.OS{})
	mustSave(t, s, 10, 1)
	junk := map[string]bool{ // name -> Purge removes it
		fileName(1, 99) + tmpSuffix: true,
		fileName(1, 5) + tmpSuffix:  true,
		"notes.txt":                 false,
		"snap-x.snap":               false,
		"snap-x.snap.tmp":           false,
	}
	for name := range junk {
		if err := os.WriteFile(filepath.Join(s.dir, name), []byte("garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if m := mustLoad(t, s); m.Index != 10 {
		t.Errorf("loaded %d, want 10", m.Index)
	}
	if list, _ := s.List(); len(list) != 1 {
		t.Errorf("list = %+v, want only the snapshot", list)
	}
	if err := s.Purge(3); err != nil {
		t.Fatalf("purge: %v", err)
	}
	left := map[string]bool{}
	for _, n := range names(t, s) {
		left[n] = true
	}
	for name, removed := range junk {
		if left[name] == removed {
			t.Errorf("%s: present after purge = %v", name, left[name])
		}
	}
	if !left[fileName(1, 10)] {
		t.Error("purge removed the snapshot")
	}
}

func TestPurge(t *testing.T) {
	tests := []struct {
		name    string
		saved   []uint64
		corrupt []uint64
		keep    int
		left    []uint64
	}{
		{"keeps newest", []uint64{1, 2, 3, 4, 5, 6}, nil, 3, []uint64{4, 5, 6}},
		{"keep one", []uint64{1, 2, 3}, nil, 1, []uint64{3}},
		{"fewer than keep", []uint64{1, 2}, nil, 3, []uint64{1, 2}},
		{"corrupt newest not counted", []uint64{1, 2, 3, 4}, []uint64{4}, 2, []uint64{2, 3, 4}},
		{"corrupt old removed", []uint64{1, 2, 3, 4}, []uint64{1, 2}, 2, []uint64{3, 4}},
		{"not enough valid", []uint64{1, 2, 3}, []uint64{2, 3}, 2, []uint64{1, 2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, t.TempDir(), storage.OS{})
			for _, i := range tc.saved {
				mustSave(t, s, i, 1)
			}
			for _, i := range tc.corrupt {
				if err := os.Truncate(filepath.Join(s.dir, fileName(1, i)), 40); err != nil {
					t.Fatal(err)
				}
			}
			s = openStore(t, s.dir, storage.OS{})
			if err := s.Purge(tc.keep); err != nil {
				t.Fatalf("purge: %v", err)
			}
			list, err := s.List()
			if err != nil {
				t.Fatal(err)
			}
			var left []uint64
			for _, m := range list {
				left = append(left, m.Index)
			}
			if fmt.Sprint(left) != fmt.Sprint(tc.left) {
				t.Errorf("left %v, want %v", left, tc.left)
			}
		})
	}
	s := openStore(t, t.TempDir(), storage.OS{})
	if err := s.Purge(0); err == nil {
		t.Error("Purge(0) succeeded")
	}
}

func TestSaveFailureRemovesTmp(t *testing.T) {
	s := openStore(t, t.TempDir(), storage.OS{})
	mustSave(t, s, 10, 1)
	boom := errors.New("encoder failed")
	err := s.Save(20, 1, func(w io.Writer) error {
		w.Write(make([]byte, 3*ioBuf)) // some of it reaches the file
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("save err = %v, want the write error", err)
	}
	if got := names(t, s); len(got) != 1 || got[0] != fileName(1, 10) {
		t.Errorf("files after failed save: %v", got)
	}
	if m := mustLoad(t, s); m.Index != 10 {
		t.Errorf("loaded %d, want 10", m.Index)
	}
}

func TestSaveSameIndexReplaces(t *testing.T) {
	s := openStore(t, t.TempDir(), storage.OS{})
	if err := s.Save(7, 1, writePayload([]byte("old"))); err != nil {
		t.Fatal(err)
	}
	mustSave(t, s, 7, 1)
	mustLoad(t, s)
}

func TestSaveWhilePurging(t *testing.T) {
	s := openStore(t, t.TempDir(), storage.OS{})
	mustSave(t, s, 10, 1)
	inWrite, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Save(20, 1, func(w io.Writer) error {
			if _, err := w.Write(payloadFor(20)[:10]); err != nil {
				return err
			}
			if f, ok := w.(interface{ Flush() error }); ok {
				f.Flush()
			}
			close(inWrite)
			<-release
			_, err := w.Write(payloadFor(20)[10:])
			return err
		})
	}()
	<-inWrite
	if err := s.Purge(1); err != nil {
		t.Fatalf("purge during save: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("save with a purge in the middle: %v", err)
	}
	if m := mustLoad(t, s); m.Index != 20 {
		t.Errorf("loaded %d, want 20", m.Index)
	}
	if err := s.Save(20, 1, func(w io.Writer) error {
		return s.Save(20, 1, writePayload(nil)) // the same name while in progress
	}); err == nil || !strings.Contains(err.Error(), "in progress") {
		t.Errorf("nested save of the same snapshot: %v", err)
	}
}
