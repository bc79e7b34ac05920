//go:build linux

package wal

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"github.com/zkd-io/zkd/storage"
)

// fdatasync makes a file's data durable without flushing metadata that is
// not needed to read it back (the WAL's segments never change size).
func fdatasync(f storage.File) error {
	of, ok := f.(*os.File)
	if !ok {
		return f.Sync()
	}
	return control(of, "fdatasync", func(fd int) error { return syscall.Fdatasync(fd) })
}

// preallocate reserves size bytes for a new segment. Filesystems without
// fallocate get a sparse file instead.
func preallocate(f storage.File, size int64) error {
	if of, ok := f.(*os.File); ok {
		err := control(of, "fallocate", func(fd int) error { return syscall.Fallocate(fd, 0, 0, size) })
		if !errors.Is(err, syscall.EOPNOTSUPP) && !errors.Is(err, syscall.ENOSYS) {
			return err
		}
	}
	return f.Truncate(size)
}

// control runs a system call on the file's descriptor, retrying on EINTR.
func control(f *os.File, op string, call func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		for {
			if serr = call(int(fd)); serr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	if serr != nil {
		return &fs.PathError{Op: op, Path: f.Name(), Err: serr}
	}
	return nil
}
