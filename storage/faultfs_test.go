package storage

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"
	"testing"
)

var _ FS = (*FaultFS)(nil)

const rw = os.O_RDWR | os.O_CREATE

func newDisk(t *testing.T) *FaultFS {
	t.Helper()
	d := NewFaultFS()
	if err := d.MkdirAll("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func mustOpen(t *testing.T, d *FaultFS, name string, flag int) File {
	t.Helper()
	f, err := d.OpenFile(name, flag, 0o644)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	return f
}

func mustWrite(t *testing.T, f File, s string) {
	t.Helper()
	if _, err := f.Write([]byte(s)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// content returns a file's content, or "<none>" if it does not exist.
func content(t *testing.T, d *FaultFS, name string) string {
	t.Helper()
	f, err := d.OpenFile(name, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return "<none>"
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func crash(d *FaultFS) {
	d.Crash()
	d.Reboot()
}

func TestFaultFSCrashKeepsOnlyWhatWasSynced(t *testing.T) {
	tests := []struct {
		name     string
		syncFile bool
		syncDir  bool
		want     string
	}{
		{"nothing synced", false, false, "<none>"},
		{"file synced, entry not", true, false, "<none>"},
		{"entry synced, data not", false, true, ""},
		{"both synced", true, true, "hello"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDisk(t)
			f := mustOpen(t, d, "/d/f", rw)
			mustWrite(t, f, "hello")
			if tc.syncFile {
				if err := f.Sync(); err != nil {
					t.Fatal(err)
				}
			}
			if tc.syncDir {
				if err := d.SyncDir("/d"); err != nil {
					t.Fatal(err)
				}
			}
			if got := content(t, d, "/d/f"); got != "hello" {
				t.Fatalf("before crash: %q", got)
			}
			crash(d)
			if got := content(t, d, "/d/f"); got != tc.want {
				t.Fatalf("after crash: %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFaultFSUnsyncedWritesAfterSyncAreLost(t *testing.T) {
	d := newDisk(t)
	f := mustOpen(t, d, "/d/f", rw)
	mustWrite(t, f, "abc")
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := d.SyncDir("/d"); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, f, "def")
	if err := f.Truncate(10); err != nil {
		t.Fatal(err)
	}
	crash(d)
	if got := content(t, d, "/d/f"); got != "abc" {
		t.Fatalf("got %q", got)
	}
}

func TestFaultFSDirectoryOpsVolatileUntilSyncDir(t *testing.T) {
	d := newDisk(t)
	for _, n := range []string{"/d/a", "/d/b"} {
		f := mustOpen(t, d, n, rw)
		mustWrite(t, f, n)
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.SyncDir("/d"); err != nil {
		t.Fatal(err)
	}
	if err := d.Rename("/d/a", "/d/c"); err != nil {
		t.Fatal(err)
	}
	if err := d.Remove("/d/b"); err != nil {
		t.Fatal(err)
	}
	crash(d)
	if a, b, c := content(t, d, "/d/a"), content(t, d, "/d/b"), content(t, d, "/d/c"); a != "/d/a" || b != "/d/b" || c != "<none>" {
		t.Fatalf("unsynced rename/remove survived: a=%q b=%q c=%q", a, b, c)
	}
	if err := d.Rename("/d/a", "/d/c"); err != nil {
		t.Fatal(err)
	}
	if err := d.Remove("/d/b"); err != nil {
		t.Fatal(err)
	}
	if err := d.SyncDir("/d"); err != nil {
		t.Fatal(err)
	}
	crash(d)
	if a, b, c := content(t, d, "/d/a"), content(t, d, "/d/b"), content(t, d, "/d/c"); a != "<none>" || b != "<none>" || c != "/d/a" {
		t.Fatalf("synced rename/remove lost: a=%q b=%q c=%q", a, b, c)
	}
}

func TestFaultFSCrashTornKeepsAPrefix(t *testing.T) {
	full := "0123456789abcdefghij"
	partial := 0
	for seed := range uint64(200) {
		d := newDisk(t)
		f := mustOpen(t, d, "/d/f", rw)
		mustWrite(t, f, full[:5])
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		if err := d.SyncDir("/d"); err != nil {
			t.Fatal(err)
		}
		mustWrite(t, f, full[5:12])
		mustWrite(t, f, full[12:])
		d.CrashTorn(seed)
		d.Reboot()
		got := content(t, d, "/d/f")
		if len(got) < 5 || got != full[:len(got)] {
			t.Fatalf("seed %d: %q is not a prefix of %q at least as long as the synced part", seed, got, full)
		}
		if len(got) != 5 && len(got) != 12 && len(got) != len(full) {
			partial++
		}
	}
	if partial == 0 {
		t.Fatal("CrashTorn never tore a write")
	}
}

func TestFaultFSCrashTornIsDeterministic(t *testing.T) {
	run := func() string {
		d := newDisk(t)
		f := mustOpen(t, d, "/d/f", rw)
		for i := range 10 {
			mustWrite(t, f, string(rune('a'+i))+"xyz")
		}
		if err := d.SyncDir("/d"); err != nil {
			t.Fatal(err)
		}
		d.CrashTorn(42)
		d.Reboot()
		return content(t, d, "/d/f")
	}
	if a, b := run(), run(); a != b {
		t.Fatalf("same seed, different disks: %q vs %q", a, b)
	}
}

func TestFaultFSFailSync(t *testing.T) {
	d := newDisk(t)
	f := mustOpen(t, d, "/d/f", rw)
	if err := d.SyncDir("/d"); err != nil {
		t.Fatal(err)
	}
	d.FailSync(2)
	mustWrite(t, f, "a")
	if err := f.Sync(); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	mustWrite(t, f, "b")
	if err := f.Sync(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("second sync: %v, want EIO", err)
	}
	crash(d)
	if got := content(t, d, "/d/f"); got != "a" {
		t.Fatalf("failed sync made data durable: %q", got)
	}
	f = mustOpen(t, d, "/d/f", os.O_RDWR)
	if err := f.Sync(); err != nil {
		t.Fatalf("sync after the failed one: %v", err)
	}
}

func TestFaultFSFailSyncCountsSyncDir(t *testing.T) {
	d := newDisk(t)
	d.FailSync(1)
	if err := d.SyncDir("/d"); !errors.Is(err, syscall.EIO) {
		t.Fatalf("SyncDir: %v, want EIO", err)
	}
	if err := d.SyncDir("/d"); err != nil {
		t.Fatalf("SyncDir after: %v", err)
	}
}

func TestFaultFSFailSyncOf(t *testing.T) {
	d := newDisk(t)
	f := mustOpen(t, d, "/d/f", rw)
	g := mustOpen(t, d, "/d/g", rw)
	d.FailSyncOf("/d/g")
	if err := f.Sync(); err != nil {
		t.Fatalf("sync of another file: %v", err)
	}
	if err := d.SyncDir("/d"); err != nil {
		t.Fatalf("SyncDir: %v", err)
	}
	if err := g.Sync(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("sync of the named file: %v, want EIO", err)
	}
	if err := g.Sync(); err != nil {
		t.Fatalf("its next sync: %v", err)
	}
}

func TestFaultFSSpace(t *testing.T) {
	d := newDisk(t)
	f := mustOpen(t, d, "/d/f", rw)
	d.SetSpace(4)
	n, err := f.Write([]byte("abcdef"))
	if n != 4 || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("write = %d, %v; want 4, ENOSPC", n, err)
	}
	if _, err := f.WriteAt([]byte("XY"), 0); err != nil {
		t.Fatalf("overwrite needs no space: %v", err)
	}
	if err := f.Truncate(8); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("truncate up: %v, want ENOSPC", err)
	}
	if err := f.Truncate(2); err != nil {
		t.Fatalf("truncate down: %v", err)
	}
	if got := content(t, d, "/d/f"); got != "XY" {
		t.Fatalf("content %q", got)
	}
	d.SetSpace(-1)
	if _, err := f.Write([]byte("more")); err != nil {
		t.Fatalf("write with space back: %v", err)
	}
}

func TestFaultFSHookAndCrashInside(t *testing.T) {
	d := newDisk(t)
	var seen []string
	d.SetHook(func(p Point) {
		seen = append(seen, p.String())
		if p.Op == "sync" && !p.After {
			d.Crash()
		}
	})
	f := mustOpen(t, d, "/d/f", rw)
	mustWrite(t, f, "x")
	if err := f.Sync(); !errors.Is(err, ErrCrashed) {
		t.Fatalf("sync after crash in hook: %v", err)
	}
	want := []string{"before create /d/f", "after create /d/f", "before write /d/f", "after write /d/f", "before sync /d/f"}
	if len(seen) != len(want) {
		t.Fatalf("points %q, want %q", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("points %q, want %q", seen, want)
		}
	}
	d.SetHook(nil)
	if _, err := d.ReadDir("/d"); !errors.Is(err, ErrCrashed) {
		t.Fatalf("down FS answered: %v", err)
	}
	d.Reboot()
	if _, err := f.Write([]byte("y")); !errors.Is(err, ErrCrashed) {
		t.Fatalf("file from before the crash still works: %v", err)
	}
	if got := content(t, d, "/d/f"); got != "<none>" {
		t.Fatalf("content %q", got)
	}
}

func TestFaultFSNamespace(t *testing.T) {
	d := newDisk(t)
	if err := d.MkdirAll("/d/sub/deeper", 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"/d/b", "/d/a"} {
		f := mustOpen(t, d, n, rw)
		mustWrite(t, f, "12345")
		f.Close()
	}
	ents, err := d.ReadDir("/d")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if got := len(names); got != 3 || names[0] != "a" || names[1] != "b" || names[2] != "sub" || !ents[2].IsDir() {
		t.Fatalf("ReadDir = %v", names)
	}
	if fi, err := d.Stat("/d/a"); err != nil || fi.Size() != 5 || fi.IsDir() {
		t.Fatalf("Stat = %v, %v", fi, err)
	}
	if _, err := d.OpenFile("/d/a", rw|os.O_EXCL, 0); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("O_EXCL: %v", err)
	}
	if _, err := d.OpenFile("/d/zz", os.O_RDONLY, 0); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := d.OpenFile("/nodir/f", rw, 0); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing dir: %v", err)
	}
	f := mustOpen(t, d, "/d/a", os.O_RDWR|os.O_TRUNC)
	if fi, _ := f.Stat(); fi.Size() != 0 || fi.Name() != "a" {
		t.Fatalf("O_TRUNC left %d bytes, name %q", fi.Size(), fi.Name())
	}
	mustWrite(t, f, "hello world")
	buf := make([]byte, 5)
	if n, err := f.ReadAt(buf, 6); n != 5 || err != nil || !bytes.Equal(buf, []byte("world")) {
		t.Fatalf("ReadAt = %d %v %q", n, err, buf)
	}
	if n, err := f.ReadAt(buf, 8); n != 3 || err != io.EOF {
		t.Fatalf("short ReadAt = %d %v", n, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("x")); !errors.Is(err, fs.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
	if err := d.Remove("/d/sub"); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Fatalf("remove non-empty dir: %v", err)
	}
}
