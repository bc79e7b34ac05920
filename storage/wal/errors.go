package wal

import (
	"errors"
	"fmt"
)

// Errors callers can branch on with errors.Is. Open's refusals wrap one of
// ErrCorrupt, ErrMissingSegment, ErrIndexGap or ErrIdentity and name the
// file, the offset and the remedy.
var (
	// ErrCorrupt: a record fails verification where a torn write cannot be.
	ErrCorrupt = errors.New("wal: corrupt log")
	// ErrMissingSegment: the segment sequence has a hole.
	ErrMissingSegment = errors.New("wal: missing segment")
	// ErrIndexGap: entries do not follow each other or the snapshot marker.
	ErrIndexGap = errors.New("wal: index gap")
	// ErrIdentity: the log belongs to another node or cluster.
	ErrIdentity = errors.New("wal: identity mismatch")
	// ErrFailed: an earlier write or fsync failed; the WAL accepts no more
	// writes until it is reopened.
	ErrFailed = errors.New("wal: an earlier write or fsync failed; reopen the log to recover")
	// ErrClosed: the WAL was closed.
	ErrClosed = errors.New("wal: closed")
	// ErrNotSnapshotted: ReleaseTo was asked to release entries that no
	// snapshot marker covers.
	ErrNotSnapshotted = errors.New("wal: release beyond the snapshot marker")
)

// remedy tells the operator what can be done about a log that cannot be
// replayed.
func remedy(dir string) string {
	return fmt.Sprintf("the log cannot be replayed without losing acknowledged records; "+
		"restore this member from a peer or a snapshot (move %s aside and let the member rejoin the ensemble), "+
		"or restore the directory from a backup", dir)
}

// refusal is Open's error for a log it will not replay.
func refusal(kind error, dir, path string, off int, reason string) error {
	return fmt.Errorf("%w: %s at offset %d: %s; %s", kind, path, off, reason, remedy(dir))
}
