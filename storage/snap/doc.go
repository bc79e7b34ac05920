// Package snap stores zkd's state-machine snapshots as checksummed files
// in one directory: Save writes one crash-safely, Load returns the newest
// one whose checksum holds, List names them all, Purge applies the
// retention count, and OpenRaw and Receive copy a file from one member's
// store to another's. Every file operation goes through storage.FS, so tests
// can inject faults and crashes.
//
// # File name
//
//	snap-<term>-<index>.snap
//
// where term and index are the Raft term and log index of the last entry
// the snapshot covers, each as 16 lower-case hex digits. Newest means
// highest index (then highest term). A file being written is named
// <final name>.tmp until it is complete; any other file in the directory
// is ignored.
//
// # File format (version 1)
//
// All integers are big-endian.
//
//	offset  size  field
//	0       4     magic "ZKSN"
//	4       4     version = 1
//	8       8     index
//	16      8     term
//	24      8     payload length N
//	32      N     payload (the caller's bytes, e.g. an fsm snapshot)
//	32+N    4     CRC-32C (Castagnoli) of bytes [0, 32+N)
//
// A file is valid when it is exactly 36+N bytes long, its magic and
// version match, its index and term equal those of its name and the CRC
// matches. Nothing else is trusted: a file whose header lies about its
// length, a truncated file and a flipped bit anywhere are all invalid.
//
// # Writing
//
// Save streams the payload into <name>.tmp (the header is written first
// with the length left zero and patched once the payload is complete; the
// CRC is computed while streaming and combined with the CRC of the final
// header), fsyncs and closes it, renames it to <name> and fsyncs the
// directory. A failure at any step removes the temporary file and returns
// the error; a crash at any step leaves either no new file, a stray .tmp
// (ignored by Load and removed by Purge) or a complete, durable snapshot.
// The previous snapshots are never touched by Save.
//
// # Loading
//
// Load verifies candidates from the newest down, reading each file once
// to check its CRC before returning a reader over its payload. An invalid
// file is logged (naming the file and the fault) and skipped, so a
// corrupt newest snapshot falls back to the one before. When the
// directory holds no snapshot at all Load returns ErrNoSnapshot; when it
// holds snapshots but none is valid it returns an error wrapping
// ErrCorrupt (not ErrNoSnapshot: starting empty would lose data the log
// no longer holds).
//
// # Streaming between members
//
// A member that lags behind the leader's log receives the leader's
// snapshot file as it is stored, byte for byte, so the copy verifies
// exactly as the original did. OpenRaw(index) verifies the sender's file
// (a corrupt snapshot is never sent) and returns a reader over all of it,
// header and CRC included, with its size. On the receiving side,
// Receive(index, term) creates <name>.tmp (Purge leaves it alone while
// the Receiver is open), Receiver.Write appends the bytes in order (a
// stream longer than its header announces is refused as it arrives), and
// Finish fsyncs the file, verifies it as Load does (so a damaged stream,
// or one for another index or term, is refused with ErrCorrupt), renames
// it into place and fsyncs the directory. Abort, and any failure of
// Finish, removes the temporary file; a crash leaves at worst a stray
// .tmp that Purge removes. ReceiveFrom does all of it from an io.Reader.
// Neither side holds more than a buffer of the file in memory.
//
// # Retention
//
// Purge(keep) keeps the newest keep valid snapshots and every file newer
// than the oldest of them, removes all older snapshot files (valid or not)
// and every stray .tmp file not being written by a Save in progress, then
// fsyncs the directory. A read error other than corruption aborts Purge
// without removing anything it could not classify.
//
// A Store is safe for concurrent use: a Save may run in the background
// while Load, List and Purge are called.
package snap
