// Package wal is zkd's write-ahead log: the durable record of raft's log
// entries, its HardState and the point covered by the newest snapshot. The
// raft loop calls Save once per Ready with every new entry and the new
// HardState; Save returns only after one fdatasync made all of it durable,
// so nothing is acknowledged or sent before it is on disk (DESIGN.md,
// principle 8), and one fsync covers every entry that arrived meanwhile.
//
// # Directory
//
// A WAL lives in its own directory (Options.Dir) as a sequence of segment
// files named
//
//	<seq>-<index>.wal      e.g. 0000000000000003-00000000000004d2.wal
//
// with seq and index as 16 lowercase hex digits. seq numbers the segments
// 0, 1, 2, ... without gaps. index is the raft index of the first entry
// record written to the segment, or, for a segment cut when no entry was
// pending, the next index expected (the first segment of a new log is
// 0000000000000000-0000000000000001.wal). Because raft may overwrite a
// conflicting tail, a segment can later hold entries below its name's index;
// what holds is that every entry still live in segments before it is below
// that index, which is what ReleaseTo relies on. Files with other names are
// ignored, except <segment>.tmp, a segment being cut, which Open deletes.
//
// A segment is pre-allocated to Options.SegmentSize (64 MiB by default;
// fallocate on Linux, else ftruncate) so an append never changes its size
// and fdatasync need not flush metadata. Pre-allocated blocks are still
// "unwritten" to the filesystem, and the first write to one makes the
// fdatasync covering it commit a metadata change; so the WAL also
// overwrites the space just ahead of its records with zeros, a megabyte at
// a time, and most appends then cost a pure data fdatasync. A batch that
// does not fit in the space left starts a new segment; a batch larger than
// a whole segment is written to one segment that grows past the size.
//
// Cutting a segment: the new segment is created as <name>.tmp, pre-allocated,
// given its head records, fsynced, renamed to <name>, and the directory is
// fsynced before any record is appended to it. The previous segment is
// fsynced first if its last record was not (a commit-only HardState, see
// Save), so that only the last segment can ever end in a torn record.
//
// # Records
//
// A segment is a sequence of records, each starting at an offset that is a
// multiple of 8, followed by zeros up to the end of the file. All integers
// are little-endian. A record is
//
//	offset  size  field
//	0       4     N, the payload length
//	4       1     type (1..4 below; 0 never occurs, so 16 zero bytes mark the end)
//	5       3     zero
//	8       4     record CRC: CRC-32C (Castagnoli) of bytes 0..7 and the
//	              payload, seeded with the previous record's record CRC
//	12      4     header CRC: CRC-32C of bytes 0..11, unseeded
//	16      N     payload
//	16+N    P     zero padding, P = (8 - (16+N) % 8) % 8
//
// The record CRCs form one chain across the whole log, segment boundaries
// included, so a record that is intact but out of place (a stale or swapped
// segment, a record left from an earlier write) breaks the chain. The
// header CRC lets recovery trust N, and so tell where a record ends, even
// when the record CRC fails.
//
// Record types and payloads:
//
//	1 metadata (40 bytes): version u32 (= 1), prevCRC u32, seq u64,
//	  index u64, nodeID u64, clusterID u64.
//	  The first record of every segment and only there. prevCRC is the
//	  record CRC of the last record of the previous segment (0 for the first
//	  segment of a new log) and is also this record's CRC seed, so the first
//	  segment left after ReleaseTo can be verified on its own. seq and index
//	  repeat the file name; nodeID and clusterID are the identity the log was
//	  created with.
//	2 entry (17+D bytes): index u64, term u64, type u8 (raftpb.EntryType),
//	  data (D bytes, the rest of the payload).
//	3 HardState (24 bytes): term u64, vote u64, commit u64.
//	4 snapshot marker (16 bytes): index u64, term u64. A snapshot covering
//	  the log up to index exists (package snap holds it). SaveSnapshot
//	  writes one for a snapshot of the member's own state; InstallSnapshot
//	  for one received from the leader, which replaces the log: the next
//	  entry saved must then be index+1.
//
// After its metadata, every segment restates the newest HardState and
// snapshot marker saved before it was cut, when there are any, so deleting
// older segments never loses them.
//
// # Replay
//
// Open reads every segment in order and ReadAll returns the result:
//
//   - the last HardState wins;
//   - the last snapshot marker wins; entries it covers are kept while they
//     are on disk (a snapshot older than the marker may have to be replayed
//     onto) when the log holds the marker's own entry with the marker's
//     term; otherwise (a snapshot installed from a leader) every entry read
//     so far is dropped;
//   - an entry whose index is at or below the previous entry's replaces it
//     and everything after it (raft overwrote a conflicting tail);
//   - otherwise an entry must follow the previous entry's index, or the
//     snapshot marker's when the marker dropped every earlier entry;
//   - the first entry read may start anywhere (ReleaseTo removed what came
//     before), but once replay ends the entries must reach back to the
//     entry right after the snapshot marker.
//
// ReadAll returns the entries after the marker; ReadAllFrom(i) those after
// i, for a caller whose newest readable snapshot is at i.
//
// # Reading entries back
//
// The log remembers where each live entry's record is (segment, offset,
// size, and the record CRC it is chained from: 24 bytes per entry, kept
// in chunks of 4096 so that the run grows and shrinks without copying), from
// Save and from replay, so that ReadEntries can read entries back after
// the caller dropped its own copy (raftnode keeps only the newest entries
// in memory). A read verifies both CRCs and that the record holds the
// entry asked for. Positions follow overwrites, InstallSnapshot and
// ReleaseTo; Forget drops those below an index the caller no longer needs.
//
// # Recovery
//
// Open verifies every record: header CRC, type, reserved and padding bytes
// zero, length within the file, record CRC, payload size, metadata matching
// the file name and the chain, entry indexes as above.
//
// In the last segment, the first record that does not verify is a torn
// write when nothing was written after it: the record's header is
// incomplete and only zeros follow it, or its header is intact, its last
// payload byte and everything after the record is zero. (A crash mid-write
// leaves a prefix of the record and the pre-allocated zeros after it; a
// record that was fully written carries its last byte, so a failing CRC there
// is corruption.) The segment is then cut back to the last valid record:
// the bytes after it are zeroed, the file is cut back to SegmentSize if a
// write had grown it, fsynced, and a warning is logged. Nothing that a Save
// acknowledged can be in a torn tail, because Save returns only after the
// fsync that covered it.
//
// Open refuses to start, with an error naming the file and offset and what
// the operator can do, when: a record fails anywhere else (a non-last
// segment, or the last segment with data after the failure); a segment
// has anything but zeros after the end of its records; a segment is
// missing from the sequence; a segment's metadata does not match its name,
// the CRC chain or the other segments; an entry index leaves a gap; or the
// node or cluster id differs from Options. The log's middle is never
// silently dropped. The remedies: restore the member from a peer or a
// snapshot (move the directory aside and let the member rejoin), or restore
// the directory from a backup.
//
// Limits: the repair assumes a crash leaves a prefix of what was being
// written. A disk that persists a later block of an unsynced write but not
// an earlier one leaves data after the failure, and Open then refuses to
// start rather than guess. A bit flip in the very last record whose last
// payload byte is zero cannot be told from a torn write and is dropped.
//
// # Failures
//
// A failed fsync leaves the log's durable state unknown, so after one the
// WAL refuses every further write with the original error until it is
// reopened (the process restarts and recovery decides from the disk). A
// failed write to the live segment does the same. Any other failure while
// cutting a segment before its rename (ENOSPC while pre-allocating,
// typically) leaves the live segment untouched: the temp file is removed,
// Save returns the error, and a later Save tries again, so the log recovers
// when space returns.
//
// A WAL is safe for concurrent use, but it is meant to have one writer, the
// raft loop. It does not lock the directory against another process.
package wal
