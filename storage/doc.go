// Package storage holds what zkd's on-disk stores share: the filesystem
// seam (FS and File) through which the write-ahead log (storage/wal) and the
// snapshot store (storage/snap) do every file operation, the real
// implementation over package os, and a fault-injecting implementation for
// tests (torn writes, failed fsyncs, ENOSPC, simulated crashes that drop
// whatever was not fsynced).
//
// The seam exists so that crash safety is tested in-process: a test runs
// the store on a FaultFS, "crashes" it at a chosen point, and reopens the
// store on what a real disk would have kept.
package storage
