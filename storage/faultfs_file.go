package storage

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// faultFile is an open file of a FaultFS.
type faultFile struct {
	fs     *FaultFS
	ino    *inode
	name   string
	boot   int
	flag   int
	pos    int64
	closed bool
}

// check reports why the file cannot be used; the caller holds fs.mu.
func (f *faultFile) check(op string) error {
	switch {
	case f.closed:
		return &fs.PathError{Op: op, Path: f.name, Err: fs.ErrClosed}
	case f.fs.down || f.boot != f.fs.boot:
		return &fs.PathError{Op: op, Path: f.name, Err: ErrCrashed}
	}
	return nil
}

func (f *faultFile) readable() bool { return f.flag&(os.O_WRONLY|os.O_RDWR) != os.O_WRONLY }
func (f *faultFile) writable() bool { return f.flag&(os.O_WRONLY|os.O_RDWR) != 0 }

// Name returns the name the file was opened with.
func (f *faultFile) Name() string { return f.name }

// Read reads from the current position.
func (f *faultFile) Read(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	n, err := f.readAt(p, f.pos)
	f.pos += int64(n)
	return n, err
}

// ReadAt reads at off without moving the position.
func (f *faultFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	n, err := f.readAt(p, off)
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

func (f *faultFile) readAt(p []byte, off int64) (int, error) {
	if err := f.check("read"); err != nil {
		return 0, err
	}
	if !f.readable() {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: syscall.EBADF}
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: syscall.EINVAL}
	}
	if off >= int64(len(f.ino.live)) {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	return copy(p, f.ino.live[off:]), nil
}

// Write writes at the current position (at the end with O_APPEND).
func (f *faultFile) Write(p []byte) (int, error) {
	f.fs.at("write", f.name, false)
	f.fs.mu.Lock()
	off := f.pos
	if f.flag&os.O_APPEND != 0 {
		off = int64(len(f.ino.live))
	}
	n, err := f.writeAt(p, off)
	f.pos = off + int64(n)
	f.fs.mu.Unlock()
	if err == nil {
		f.fs.at("write", f.name, true)
	}
	return n, err
}

// WriteAt writes at off without moving the position.
func (f *faultFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.at("write", f.name, false)
	f.fs.mu.Lock()
	n, err := f.writeAt(p, off)
	f.fs.mu.Unlock()
	if err == nil {
		f.fs.at("write", f.name, true)
	}
	return n, err
}

func (f *faultFile) writeAt(p []byte, off int64) (int, error) {
	if err := f.check("write"); err != nil {
		return 0, err
	}
	if !f.writable() {
		return 0, &fs.PathError{Op: "write", Path: f.name, Err: syscall.EBADF}
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "write", Path: f.name, Err: syscall.EINVAL}
	}
	size := int64(len(f.ino.live))
	growth := off + int64(len(p)) - size
	got := f.fs.take(growth)
	var err error
	if got < growth {
		allowed := max(0, min(int64(len(p)), size+got-off))
		p = p[:allowed]
		err = &fs.PathError{Op: "write", Path: f.name, Err: syscall.ENOSPC}
	}
	if len(p) > 0 {
		f.ino.update(fileOp{off: off, data: p})
	}
	return len(p), err
}

// Seek moves the position.
func (f *faultFile) Seek(offset int64, whence int) (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("seek"); err != nil {
		return 0, err
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.pos
	case io.SeekEnd:
		offset += int64(len(f.ino.live))
	default:
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: syscall.EINVAL}
	}
	if offset < 0 {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: syscall.EINVAL}
	}
	f.pos = offset
	return offset, nil
}

// Sync makes the file's content durable, unless FailSync picked this call.
func (f *faultFile) Sync() error {
	f.fs.at("sync", f.name, false)
	if err := f.sync(); err != nil {
		return err
	}
	f.fs.at("sync", f.name, true)
	return nil
}

func (f *faultFile) sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("fsync"); err != nil {
		return err
	}
	if f.fs.failThisSync(f.name) {
		return &fs.PathError{Op: "fsync", Path: f.name, Err: syscall.EIO}
	}
	f.ino.sync()
	return nil
}

// Truncate changes the size; growing needs space like a write does.
func (f *faultFile) Truncate(size int64) error {
	f.fs.at("truncate", f.name, false)
	if err := f.truncate(size); err != nil {
		return err
	}
	f.fs.at("truncate", f.name, true)
	return nil
}

func (f *faultFile) truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("truncate"); err != nil {
		return err
	}
	if !f.writable() || size < 0 {
		return &fs.PathError{Op: "truncate", Path: f.name, Err: syscall.EINVAL}
	}
	growth := size - int64(len(f.ino.live))
	if f.fs.space >= 0 && growth > f.fs.space {
		return &fs.PathError{Op: "truncate", Path: f.name, Err: syscall.ENOSPC}
	}
	f.fs.take(growth)
	f.ino.update(fileOp{trunc: true, size: size})
	return nil
}

// Stat describes the file.
func (f *faultFile) Stat() (fs.FileInfo, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.check("stat"); err != nil {
		return nil, err
	}
	return faultInfo{name: filepath.Base(f.name), size: int64(len(f.ino.live))}, nil
}

// Close closes the file; a closed file refuses every operation.
func (f *faultFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	f.closed = true
	return nil
}

// faultInfo is the fs.FileInfo of a FaultFS file or directory.
type faultInfo struct {
	name string
	size int64
	dir  bool
}

func (i faultInfo) Name() string       { return i.name }
func (i faultInfo) Size() int64        { return i.size }
func (i faultInfo) ModTime() time.Time { return time.Time{} }
func (i faultInfo) IsDir() bool        { return i.dir }
func (i faultInfo) Sys() any           { return nil }

func (i faultInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}
