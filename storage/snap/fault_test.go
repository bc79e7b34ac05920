package snap

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/zkd-io/zkd/storage"
)

const faultDir = "/data/snap"

// savePoints returns every FaultFS point a Save of index 20 passes, in
// order, after a first snapshot at index 10.
func savePoints(t *testing.T) []string {
	d := storage.NewFaultFS()
	s := openStore(t, faultDir, d)
	mustSave(t, s, 10, 1)
	var points []string
	d.SetHook(func(p storage.Point) { points = append(points, p.String()) })
	mustSave(t, s, 20, 1)
	d.SetHook(nil)
	return points
}

// crashAt runs "save 10, then save 20 crashing at the n-th point", reboots
// and returns the disk and whether the crash happened after the directory
// fsync of the final rename.
func crashAt(t *testing.T, n int, crash func(*storage.FaultFS)) (*storage.FaultFS, bool) {
	d := storage.NewFaultFS()
	s := openStore(t, faultDir, d)
	mustSave(t, s, 10, 1)
	count := 0
	durable := false
	d.SetHook(func(p storage.Point) {
		count++
		if count == n {
			crash(d)
			durable = p.After && p.Op == "syncdir"
		}
	})
	err := s.Save(20, 1, writePayload(payloadFor(20)))
	d.SetHook(nil)
	if err == nil && !durable {
		t.Fatalf("point %d: save succeeded across a crash", n)
	}
	d.Reboot()
	return d, durable
}

func TestCrashDuringSave(t *testing.T) {
	points := savePoints(t)
	if !strings.Contains(strings.Join(points, ","), "before rename") {
		t.Fatalf("save passed no rename: %v", points)
	}
	crashes := map[string]func(*storage.FaultFS){"crash": (*storage.FaultFS).Crash}
	for seed := uint64(1); seed <= 4; seed++ {
		crashes[fmt.Sprintf("torn-%d", seed)] = func(d *storage.FaultFS) { d.CrashTorn(seed) }
	}
	for n, point := range points {
		for kind, crash := range crashes {
			d, durable := crashAt(t, n+1, crash)
			s := openStore(t, faultDir, d)
			m := mustLoad(t, s) // the previous snapshot or the new one, always valid
			if durable && m.Index != 20 {
				t.Errorf("%s %s: loaded %d after the save was durable", kind, point, m.Index)
			}
			if err := s.Purge(1); err != nil {
				t.Fatalf("%s %s: purge after reboot: %v", kind, point, err)
			}
			if m2 := mustLoad(t, s); m2.Index != m.Index {
				t.Errorf("%s %s: purge changed the loaded snapshot %d -> %d", kind, point, m.Index, m2.Index)
			}
			for _, name := range names(t, s) {
				if isTmp(name) {
					t.Errorf("%s %s: purge left %s", kind, point, name)
				}
			}
			// The store works normally after the crash.
			mustSave(t, s, 30, 2)
			if m3 := mustLoad(t, s); m3.Index != 30 {
				t.Errorf("%s %s: loaded %d after a new save, want 30", kind, point, m3.Index)
			}
		}
	}
}

func TestCrashBetweenWriteAndRename(t *testing.T) {
	d := storage.NewFaultFS()
	s := openStore(t, faultDir, d)
	mustSave(t, s, 10, 1)
	d.SetHook(func(p storage.Point) {
		if p.Op == "rename" && !p.After {
			d.Crash()
		}
	})
	if err := s.Save(20, 1, writePayload(payloadFor(20))); !errors.Is(err, storage.ErrCrashed) {
		t.Fatalf("save across the crash: %v", err)
	}
	d.SetHook(nil)
	d.Reboot()
	if m := mustLoad(t, openStore(t, faultDir, d)); m.Index != 10 {
		t.Errorf("loaded %d, want the previous snapshot 10", m.Index)
	}
}

func TestFailedFsyncDuringSave(t *testing.T) {
	tests := []struct {
		name     string
		nth      int // FailSync argument: 1 = the file's fsync, 2 = the directory's
		newValid bool
	}{
		{"file fsync", 1, false},
		{"dir fsync", 2, true},
	}
	for _, tc := range tests {
		d := storage.NewFaultFS()
		s := openStore(t, faultDir, d)
		mustSave(t, s, 10, 1)
		d.FailSync(tc.nth)
		err := s.Save(20, 1, writePayload(payloadFor(20)))
		if err == nil || !strings.Contains(err.Error(), "input/output error") {
			t.Errorf("%s: save err = %v, want the EIO", tc.name, err)
		}
		for _, name := range names(t, s) {
			if isTmp(name) {
				t.Errorf("%s: failed save left %s", tc.name, name)
			}
		}
		want := uint64(10)
		if tc.newValid {
			want = 20 // renamed but not known durable: still a valid file
		}
		if m := mustLoad(t, s); m.Index != want {
			t.Errorf("%s: loaded %d, want %d", tc.name, m.Index, want)
		}
		d.Crash()
		d.Reboot()
		if m := mustLoad(t, openStore(t, faultDir, d)); m.Index != 10 {
			t.Errorf("%s: after a crash loaded %d, want 10 (the failed save was never durable)", tc.name, m.Index)
		}
	}
}

func TestDiskFullDuringSave(t *testing.T) {
	d := storage.NewFaultFS()
	s := openStore(t, faultDir, d)
	mustSave(t, s, 10, 1)
	d.SetSpace(500)
	if err := s.Save(20, 1, writePayload(payloadFor(20))); err == nil || !strings.Contains(err.Error(), "no space") {
		t.Fatalf("save on a full disk: %v", err)
	}
	for _, name := range names(t, s) {
		if isTmp(name) {
			t.Errorf("failed save left %s", name)
		}
	}
	if m := mustLoad(t, s); m.Index != 10 {
		t.Errorf("loaded %d, want 10", m.Index)
	}
	d.SetSpace(-1)
	mustSave(t, s, 20, 1)
	if m := mustLoad(t, s); m.Index != 20 {
		t.Errorf("after space returned loaded %d, want 20", m.Index)
	}
}

func TestCrashDuringPurge(t *testing.T) {
	setup := func() (*storage.FaultFS, *Store) {
		d := storage.NewFaultFS()
		s := openStore(t, faultDir, d)
		for _, i := range []uint64{10, 20, 30, 40} {
			mustSave(t, s, i, 1)
		}
		// A stray temporary file from an earlier crash.
		f, err := d.OpenFile(faultDir+"/"+fileName(1, 50)+tmpSuffix, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("partial"))
		f.Close()
		return d, s
	}
	d, s := setup()
	var points int
	d.SetHook(func(storage.Point) { points++ })
	if err := s.Purge(2); err != nil {
		t.Fatal(err)
	}
	if points == 0 {
		t.Fatal("purge passed no fault point")
	}
	for n := 1; n <= points; n++ {
		d, s := setup()
		count := 0
		d.SetHook(func(storage.Point) {
			if count++; count == n {
				d.CrashTorn(uint64(n))
			}
		})
		_ = s.Purge(2) // fails at the crash
		d.SetHook(nil)
		d.Reboot()
		s = openStore(t, faultDir, d)
		if m := mustLoad(t, s); m.Index != 40 {
			t.Errorf("crash at point %d of purge: loaded %d, want 40", n, m.Index)
		}
		if err := s.Purge(2); err != nil {
			t.Errorf("crash at point %d: purge after reboot: %v", n, err)
		}
		if list, _ := s.List(); len(list) != 2 || list[0].Index != 30 {
			t.Errorf("crash at point %d: after a second purge %+v", n, list)
		}
	}
}

// FuzzLoad feeds arbitrary file contents to Load: it never panics, and
// whatever it accepts is a well-formed file whose payload it returns.
func FuzzLoad(f *testing.F) {
	d := storage.NewFaultFS()
	s := openStore(f, faultDir, d)
	if err := s.Save(3, 1, writePayload([]byte("hello"))); err != nil {
		f.Fatal(err)
	}
	valid := readAll(f, d, faultDir+"/"+fileName(1, 3))
	f.Add(valid)
	f.Add(valid[:20])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := storage.NewFaultFS()
		s := openStore(t, faultDir, d)
		file, err := d.OpenFile(faultDir+"/"+fileName(1, 3), os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		file.Write(b)
		file.Close()
		m, rc, err := s.Load()
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		defer rc.Close()
		payload := readAllReader(t, rc)
		if m.Size != int64(len(b)) || len(payload) != len(b)-headerSize-trailerLen || string(payload) != string(b[headerSize:len(b)-trailerLen]) {
			t.Fatalf("accepted %d bytes, returned meta %+v and a %d-byte payload", len(b), m, len(payload))
		}
	})
}

func readAll(t testing.TB, d *storage.FaultFS, path string) []byte {
	t.Helper()
	f, err := d.OpenFile(path, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return readAllReader(t, f)
}

func readAllReader(t testing.TB, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
