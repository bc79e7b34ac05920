//go:build !linux

package wal

import "github.com/zkd-io/zkd/storage"

// fdatasync makes a file's data durable (a full fsync off Linux).
func fdatasync(f storage.File) error { return f.Sync() }

// preallocate sizes a new segment (sparse off Linux).
func preallocate(f storage.File, size int64) error { return f.Truncate(size) }
