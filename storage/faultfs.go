package storage

import (
	"errors"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"syscall"
)

// ErrCrashed is returned by every operation of a FaultFS between Crash and
// Reboot, and forever by files opened before the crash.
var ErrCrashed = errors.New("faultfs: disk crashed")

// FaultFS is an in-memory FS that models what a real disk keeps across a
// power loss, with hooks to inject faults. It is safe for concurrent use.
//
// Every file has durable content (what survives a crash) and volatile
// content (what reads see). Writes and truncations change only the volatile
// content until the file is Synced. Directory entries (creation, rename,
// removal) are likewise volatile until SyncDir of their directory.
// Directories themselves are durable as soon as MkdirAll returns.
//
// Crash drops everything volatile (CrashTorn keeps a random prefix of it);
// the FS then refuses every operation until Reboot, after which it is the
// disk as a rebooted machine would find it. Files opened before the crash
// stay dead.
type FaultFS struct {
	mu sync.Mutex
	// dirs maps a cleaned directory path to its entries.
	dirs map[string]*faultDir
	// boot counts reboots; files remember the boot they were opened in.
	boot int
	down bool
	// syncFail counts down fsyncs (file and directory) to the one that
	// fails; 0 means no failure is armed.
	syncFail int
	// syncFailPath, when set, fails the next fsync of that file or
	// directory only (FailSyncOf).
	syncFailPath string
	// space is the number of bytes files may still grow by; negative
	// means unlimited.
	space int64
	hook  func(Point)
}

// Point names a place in a FaultFS operation where the hook runs: Op is one
// of "create", "write", "truncate", "sync", "rename", "remove", "syncdir";
// Path is the file or directory; After is false just before the operation
// takes effect and true just after it returned successfully.
type Point struct {
	Op    string
	Path  string
	After bool
}

// String renders the point as "before sync /d/x" or "after rename /d/x".
func (p Point) String() string {
	if p.After {
		return "after " + p.Op + " " + p.Path
	}
	return "before " + p.Op + " " + p.Path
}

type faultDir struct {
	live    map[string]*inode
	durable map[string]*inode
	pending []dirOp // applied to live, not yet to durable
}

// dirOp sets name to ino, or removes name when ino is nil.
type dirOp struct {
	name string
	ino  *inode
}

type inode struct {
	live    []byte
	durable []byte
	pending []fileOp // applied to live, not yet to durable
}

// fileOp writes data at off, or when trunc is set changes the size to size.
type fileOp struct {
	off   int64
	data  []byte
	trunc bool
	size  int64
}

// NewFaultFS returns an empty FaultFS holding the directories "/" and ".",
// with no fault armed and unlimited space.
func NewFaultFS() *FaultFS {
	f := &FaultFS{dirs: map[string]*faultDir{}, space: -1}
	f.dirs["/"] = newFaultDir()
	f.dirs["."] = newFaultDir()
	return f
}

func newFaultDir() *faultDir {
	return &faultDir{live: map[string]*inode{}, durable: map[string]*inode{}}
}

// SetHook installs fn to run at every Point (nil removes it). fn runs
// without the FS lock held, so it may call Crash, arm faults or panic.
func (f *FaultFS) SetHook(fn func(Point)) {
	f.mu.Lock()
	f.hook = fn
	f.mu.Unlock()
}

// FailSync makes the n-th fsync from now fail with EIO (n = 1: the next
// one); file Syncs and SyncDirs both count. The failed fsync makes nothing
// durable. n <= 0 disarms.
func (f *FaultFS) FailSync(n int) {
	f.mu.Lock()
	f.syncFail = max(n, 0)
	f.mu.Unlock()
}

// FailSyncOf makes the next fsync of path (a file's Sync or a SyncDir of
// that directory) fail with EIO; fsyncs of other paths go on normally.
// Unlike FailSync it cannot be taken by another goroutine's fsync.
func (f *FaultFS) FailSyncOf(path string) {
	f.mu.Lock()
	f.syncFailPath = path
	f.mu.Unlock()
}

// SetSpace lets files grow by n more bytes in total (writes past the end
// and extending truncations); beyond that they fail with ENOSPC. Negative
// n means unlimited. Overwriting existing bytes never needs space.
func (f *FaultFS) SetSpace(n int64) {
	f.mu.Lock()
	f.space = n
	f.mu.Unlock()
}

// Crash simulates a power loss: everything not made durable by Sync or
// SyncDir is lost, open files die, and the FS is down until Reboot.
func (f *FaultFS) Crash() { f.crash(nil) }

// CrashTorn is Crash that keeps, per file and per directory, a random
// prefix of the operations not yet made durable, the last of them possibly
// cut at a random byte: the torn writes a real disk can leave. The same
// seed on the same history gives the same disk.
func (f *FaultFS) CrashTorn(seed uint64) {
	f.crash(rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)))
}

// Reboot brings a crashed FS back up. It is a no-op on a running FS.
func (f *FaultFS) Reboot() {
	f.mu.Lock()
	f.down = false
	f.mu.Unlock()
}

func (f *FaultFS) crash(rng *rand.Rand) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.boot++
	f.down = true
	names := make([]string, 0, len(f.dirs))
	for name := range f.dirs {
		names = append(names, name)
	}
	sort.Strings(names)
	var inodes []*inode
	seen := map[*inode]bool{}
	for _, name := range names {
		d := f.dirs[name]
		keep := 0
		if rng != nil {
			keep = rng.IntN(len(d.pending) + 1)
		}
		applyDirOps(d.durable, d.pending[:keep])
		d.pending = nil
		d.live = maps.Clone(d.durable)
		entries := make([]string, 0, len(d.durable))
		for e := range d.durable {
			entries = append(entries, e)
		}
		sort.Strings(entries)
		for _, e := range entries {
			if ino := d.durable[e]; !seen[ino] {
				seen[ino] = true
				inodes = append(inodes, ino)
			}
		}
	}
	for _, ino := range inodes {
		if rng != nil && len(ino.pending) > 0 {
			keep := rng.IntN(len(ino.pending) + 1)
			ino.durable = applyFileOps(ino.durable, ino.pending[:keep])
			if keep < len(ino.pending) && !ino.pending[keep].trunc {
				op := ino.pending[keep]
				op.data = op.data[:rng.IntN(len(op.data)+1)]
				ino.durable = op.apply(ino.durable)
			}
		}
		ino.pending = nil
		ino.live = slices.Clone(ino.durable)
	}
}

func applyDirOps(m map[string]*inode, ops []dirOp) {
	for _, op := range ops {
		if op.ino == nil {
			delete(m, op.name)
		} else {
			m[op.name] = op.ino
		}
	}
}

func applyFileOps(b []byte, ops []fileOp) []byte {
	for _, op := range ops {
		b = op.apply(b)
	}
	return b
}

// apply performs op on b, which it may modify in place, and returns it.
func (op fileOp) apply(b []byte) []byte {
	if op.trunc {
		if op.size <= int64(len(b)) {
			return b[:op.size]
		}
		return grow(b, op.size)
	}
	end := op.off + int64(len(op.data))
	if end > int64(len(b)) {
		b = grow(b, end)
	}
	copy(b[op.off:], op.data)
	return b
}

// grow extends b to n bytes, the new ones zero.
func grow(b []byte, n int64) []byte {
	if n <= int64(cap(b)) {
		old := len(b)
		b = b[:n]
		clear(b[old:])
		return b
	}
	nb := make([]byte, n, max(n, int64(2*cap(b))))
	copy(nb, b)
	return nb
}

// at runs the hook, if any, outside the lock.
func (f *FaultFS) at(op, path string, after bool) {
	f.mu.Lock()
	h := f.hook
	f.mu.Unlock()
	if h != nil {
		h(Point{Op: op, Path: path, After: after})
	}
}

// lookup returns the directory of a cleaned path and the base name.
func (f *FaultFS) lookup(op, name string) (*faultDir, string, error) {
	if f.down {
		return nil, "", &fs.PathError{Op: op, Path: name, Err: ErrCrashed}
	}
	d, ok := f.dirs[filepath.Dir(name)]
	if !ok {
		return nil, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return d, filepath.Base(name), nil
}

func (d *faultDir) set(name string, ino *inode) {
	d.live[name] = ino
	d.pending = append(d.pending, dirOp{name: name, ino: ino})
}

func (d *faultDir) remove(name string) {
	delete(d.live, name)
	d.pending = append(d.pending, dirOp{name: name})
}

// OpenFile opens or creates a file. It honours os.O_RDONLY, os.O_WRONLY,
// os.O_RDWR, os.O_CREATE, os.O_EXCL, os.O_TRUNC and os.O_APPEND.
func (f *FaultFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	name = filepath.Clean(name)
	if flag&os.O_CREATE == 0 {
		return f.openFile(name, flag)
	}
	f.at("create", name, false)
	file, err := f.openFile(name, flag)
	if err != nil {
		return nil, err
	}
	f.at("create", name, true)
	return file, nil
}

func (f *FaultFS) openFile(name string, flag int) (File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, base, err := f.lookup("open", name)
	if err != nil {
		return nil, err
	}
	if _, isDir := f.dirs[name]; isDir {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EISDIR}
	}
	ino, ok := d.live[base]
	switch {
	case ok && flag&(os.O_CREATE|os.O_EXCL) == os.O_CREATE|os.O_EXCL:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrExist}
	case !ok && flag&os.O_CREATE == 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	case !ok:
		ino = &inode{}
		d.set(base, ino)
	}
	file := &faultFile{fs: f, ino: ino, name: name, boot: f.boot, flag: flag}
	if flag&os.O_TRUNC != 0 && len(ino.live) > 0 {
		ino.update(fileOp{trunc: true})
	}
	return file, nil
}

// Rename moves a file, replacing newpath if it exists.
func (f *FaultFS) Rename(oldpath, newpath string) error {
	oldpath, newpath = filepath.Clean(oldpath), filepath.Clean(newpath)
	f.at("rename", newpath, false)
	if err := f.rename(oldpath, newpath); err != nil {
		return err
	}
	f.at("rename", newpath, true)
	return nil
}

func (f *FaultFS) rename(oldpath, newpath string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	od, obase, err := f.lookup("rename", oldpath)
	if err != nil {
		return err
	}
	nd, nbase, err := f.lookup("rename", newpath)
	if err != nil {
		return err
	}
	ino, ok := od.live[obase]
	if !ok {
		return &fs.PathError{Op: "rename", Path: oldpath, Err: fs.ErrNotExist}
	}
	if _, isDir := f.dirs[newpath]; isDir {
		return &fs.PathError{Op: "rename", Path: newpath, Err: syscall.EISDIR}
	}
	od.remove(obase)
	nd.set(nbase, ino)
	return nil
}

// Remove removes a file or an empty directory.
func (f *FaultFS) Remove(name string) error {
	name = filepath.Clean(name)
	f.at("remove", name, false)
	if err := f.removeEntry(name); err != nil {
		return err
	}
	f.at("remove", name, true)
	return nil
}

func (f *FaultFS) removeEntry(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, base, err := f.lookup("remove", name)
	if err != nil {
		return err
	}
	if sub, isDir := f.dirs[name]; isDir {
		if len(sub.live) > 0 || f.hasSubdir(name) {
			return &fs.PathError{Op: "remove", Path: name, Err: syscall.ENOTEMPTY}
		}
		delete(f.dirs, name)
		return nil
	}
	if _, ok := d.live[base]; !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	d.remove(base)
	return nil
}

func (f *FaultFS) hasSubdir(name string) bool {
	for p := range f.dirs {
		if p != name && filepath.Dir(p) == name {
			return true
		}
	}
	return false
}

// MkdirAll creates a directory and its parents; they are durable at once.
func (f *FaultFS) MkdirAll(path string, perm fs.FileMode) error {
	path = filepath.Clean(path)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return &fs.PathError{Op: "mkdir", Path: path, Err: ErrCrashed}
	}
	for p := path; ; p = filepath.Dir(p) {
		if _, ok := f.dirs[p]; ok {
			break
		}
		parent, ok := f.dirs[filepath.Dir(p)]
		if ok {
			if _, isFile := parent.live[filepath.Base(p)]; isFile {
				return &fs.PathError{Op: "mkdir", Path: p, Err: syscall.ENOTDIR}
			}
		}
		f.dirs[p] = newFaultDir()
	}
	return nil
}

// ReadDir lists a directory's files and subdirectories sorted by name.
func (f *FaultFS) ReadDir(name string) ([]fs.DirEntry, error) {
	name = filepath.Clean(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: ErrCrashed}
	}
	d, ok := f.dirs[name]
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	var out []fs.DirEntry
	for base, ino := range d.live {
		out = append(out, fs.FileInfoToDirEntry(faultInfo{name: base, size: int64(len(ino.live))}))
	}
	for p := range f.dirs {
		if p != name && filepath.Dir(p) == name {
			out = append(out, fs.FileInfoToDirEntry(faultInfo{name: filepath.Base(p), dir: true}))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// Stat describes a file or directory.
func (f *FaultFS) Stat(name string) (fs.FileInfo, error) {
	name = filepath.Clean(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: ErrCrashed}
	}
	if _, ok := f.dirs[name]; ok {
		return faultInfo{name: filepath.Base(name), dir: true}, nil
	}
	d, base, err := f.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	ino, ok := d.live[base]
	if !ok {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return faultInfo{name: base, size: int64(len(ino.live))}, nil
}

// SyncDir makes the directory's pending creations, renames and removals
// durable.
func (f *FaultFS) SyncDir(dir string) error {
	dir = filepath.Clean(dir)
	f.at("syncdir", dir, false)
	if err := f.syncDir(dir); err != nil {
		return err
	}
	f.at("syncdir", dir, true)
	return nil
}

func (f *FaultFS) syncDir(dir string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return &fs.PathError{Op: "fsync", Path: dir, Err: ErrCrashed}
	}
	d, ok := f.dirs[dir]
	if !ok {
		return &fs.PathError{Op: "fsync", Path: dir, Err: fs.ErrNotExist}
	}
	if f.failThisSync(dir) {
		return &fs.PathError{Op: "fsync", Path: dir, Err: syscall.EIO}
	}
	applyDirOps(d.durable, d.pending)
	d.pending = nil
	return nil
}

// failThisSync counts one fsync of path against FailSync and FailSyncOf;
// the caller holds mu.
func (f *FaultFS) failThisSync(path string) bool {
	if f.syncFailPath != "" && f.syncFailPath == path {
		f.syncFailPath = ""
		return true
	}
	if f.syncFail == 0 {
		return false
	}
	f.syncFail--
	return f.syncFail == 0
}

// take reserves growth bytes of space and returns how many it got; the
// caller holds mu.
func (f *FaultFS) take(growth int64) int64 {
	if f.space < 0 || growth <= 0 {
		return growth
	}
	got := min(growth, f.space)
	f.space -= got
	return got
}

// update applies op to the live content and queues it for durability.
func (ino *inode) update(op fileOp) {
	if !op.trunc {
		op.data = slices.Clone(op.data)
	}
	ino.live = op.apply(ino.live)
	ino.pending = append(ino.pending, op)
}

// sync makes the inode's pending operations durable.
func (ino *inode) sync() {
	ino.durable = applyFileOps(ino.durable, ino.pending)
	ino.pending = nil
}
