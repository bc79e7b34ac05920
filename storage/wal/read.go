package wal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/zkd-io/zkd/storage"
)

// ErrNotOnDisk is returned by ReadEntries for entries whose position the
// log does not hold: never saved, replaced by a snapshot install, in a
// released segment, or forgotten.
var ErrNotOnDisk = errors.New("wal: entry position not known")

// entryPos locates one entry record: its segment, its offset there, its
// size (padding included) and the record CRC its own CRC is chained from.
type entryPos struct {
	seq  uint64
	off  int64
	seed uint32
	size uint32
}

// positions tracks where the live entries are: at(k) is entry first+k.
// It covers a contiguous run of the entries replay would return, from the
// oldest position not yet released or forgotten to the last entry saved.
// The positions live in fixed-size chunks, so that a long run grows and
// shrinks at its ends without copying (one array of 100,000 positions
// regrown by append cost 3 % of the server's CPU under write load).
type positions struct {
	first  uint64
	n      int          // positions held
	head   int          // index of at(0) in chunks[0]
	chunks [][]entryPos // each of posChunk entries
	spare  []entryPos   // a chunk to reuse
}

// posChunk is the number of positions in a chunk (96 KiB).
const posChunk = 4096

// len is the number of positions held.
func (p *positions) len() int { return p.n }

// at returns the position of entry first+k, 0 <= k < len().
func (p *positions) at(k int) entryPos {
	k += p.head
	return p.chunks[k/posChunk][k%posChunk]
}

// end is the index after the last entry with a known position.
func (p *positions) end() uint64 { return p.first + uint64(p.n) }

// add records the position of entry idx, which replaces entry idx and
// everything after it when they are known (raft overwrote a tail), and
// starts the run afresh when idx does not continue it.
func (p *positions) add(idx uint64, e entryPos) {
	switch {
	case p.n > 0 && idx >= p.first && idx <= p.end():
		p.truncate(int(idx - p.first))
	default:
		p.truncate(0)
		p.first = idx
	}
	k := p.head + p.n
	if k/posChunk == len(p.chunks) {
		c := p.spare
		if c == nil {
			c = make([]entryPos, posChunk)
		}
		p.spare = nil
		p.chunks = append(p.chunks, c)
	}
	p.chunks[k/posChunk][k%posChunk] = e
	p.n++
}

// truncate keeps the first n positions.
func (p *positions) truncate(n int) {
	p.n = n
	if n == 0 {
		p.head = 0
	}
	keep := (p.head + n + posChunk - 1) / posChunk
	for len(p.chunks) > keep {
		p.release()
	}
}

// release drops the last chunk, keeping it as the spare.
func (p *positions) release() {
	last := len(p.chunks) - 1
	p.spare = p.chunks[last]
	p.chunks[last] = nil
	p.chunks = p.chunks[:last]
}

// reset forgets every position: the next entry starts a new run.
func (p *positions) reset() { *p = positions{} }

// dropBefore forgets the positions of entries below idx.
func (p *positions) dropBefore(idx uint64) {
	if p.n == 0 || idx <= p.first {
		return
	}
	m := int(min(idx-p.first, uint64(p.n)))
	p.first += uint64(m)
	p.n -= m
	p.head += m
	for p.head >= posChunk {
		p.spare = p.chunks[0]
		p.chunks[0] = nil
		p.chunks = p.chunks[1:]
		p.head -= posChunk
	}
	if p.n == 0 {
		p.first = 0
		p.truncate(0)
	}
}

// dropSegmentsBefore forgets the positions in segments below seq.
func (p *positions) dropSegmentsBefore(seq uint64) {
	k := 0
	for k < p.n && p.at(k).seq < seq {
		k++
	}
	p.dropBefore(p.first + uint64(k))
}

// recordPositions notes where the entry records at the start of buf went:
// buf was written at off of segment seq, its first record chained from
// seed. n is the number of entry records; buf is sealed.
func (w *WAL) recordPositions(buf []byte, n int, seq uint64, off int64, seed uint32) {
	o := 0
	for range n {
		size := frameSize(int(le.Uint32(buf[o:])))
		w.pos.add(entryIndex(buf[o+headerSize:]), entryPos{seq: seq, off: off + int64(o), seed: seed, size: uint32(size)})
		seed = le.Uint32(buf[o+8:])
		o += size
	}
}

// Forget drops the positions of entries below index: ReadEntries will not
// be asked for them (they are behind a snapshot the caller keeps). It
// bounds the memory the positions take, 24 bytes per entry.
func (w *WAL) Forget(index uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pos.dropBefore(index)
}

// FirstPosition is the index of the oldest entry ReadEntries can read, 0
// when there is none.
func (w *WAL) FirstPosition() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pos.len() == 0 {
		return 0
	}
	return w.pos.first
}

// ReadEntries reads entries lo to hi-1 back from the segments, verifying
// each record's checksums against the chain it was written in. Like raft's
// Storage.Entries it stops before the entry that would take the total
// (proto) size past maxSize, but returns at least one entry. It fails with
// ErrNotOnDisk when a position is not known, and with ErrCorrupt when a
// record does not verify or holds another entry than expected.
func (w *WAL) ReadEntries(lo, hi, maxSize uint64) ([]*raftpb.Entry, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil && !errors.Is(err, ErrFailed) {
		return nil, err
	}
	if lo >= hi || lo < w.pos.first || hi > w.pos.end() || w.pos.len() == 0 {
		return nil, fmt.Errorf("%w: entries %d to %d, positions known for %d to %d", ErrNotOnDisk, lo, hi-1, w.pos.first, w.pos.end()-1)
	}
	var ents []*raftpb.Entry
	size := uint64(0)
	for idx := lo; idx < hi; {
		// One read covers the records that follow each other in a
		// segment, up to about maxSize bytes.
		k := idx - w.pos.first
		start := w.pos.at(int(k))
		end := idx + 1
		length := int64(start.size)
		for end < hi {
			p := w.pos.at(int(end - w.pos.first))
			if p.seq != start.seq || p.off != start.off+length || uint64(length) > maxSize {
				break
			}
			length += int64(p.size)
			end++
		}
		data := make([]byte, length)
		if err := w.readAt(start.seq, data, start.off); err != nil {
			return nil, err
		}
		for i := idx; i < end; i++ {
			p := w.pos.at(int(i - w.pos.first))
			rel := int(p.off - start.off)
			f, ok, bad := readFrame(data, rel, p.seed)
			if !ok || f.typ != typeEntry || entryIndex(f.payload) != i {
				reason := "no entry record"
				switch {
				case bad != nil:
					reason = bad.reason
				case ok:
					reason = fmt.Sprintf("holds a %s record, or another entry than %d", recordTypeName(f.typ), i)
				}
				return nil, refusal(ErrCorrupt, w.opts.Dir, w.segmentPath(p.seq), int(p.off), "reading entry back: "+reason)
			}
			e := decodeEntry(f.payload)
			size += uint64(proto.Size(e))
			if len(ents) > 0 && size > maxSize {
				return ents, nil
			}
			ents = append(ents, e)
		}
		idx = end
	}
	return ents, nil
}

// readAt fills data from segment seq at off: the live segment through its
// open file, an older one through a file opened for the read.
func (w *WAL) readAt(seq uint64, data []byte, off int64) error {
	if n := len(w.segs); n > 0 && w.segs[n-1].seq == seq {
		return readFull(w.f, data, off, w.path)
	}
	path := w.segmentPath(seq)
	if path == "" {
		return fmt.Errorf("%w: segment %d was released", ErrNotOnDisk, seq)
	}
	f, err := w.fs.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("wal: read entries: %w", err)
	}
	defer f.Close()
	return readFull(f, data, off, path)
}

func readFull(f storage.File, data []byte, off int64, path string) error {
	if _, err := f.ReadAt(data, off); err != nil {
		return fmt.Errorf("wal: read entries from %s at %d: %w", path, off, err)
	}
	return nil
}

// segmentPath is the path of live segment seq, "" when there is none.
func (w *WAL) segmentPath(seq uint64) string {
	for _, s := range w.segs {
		if s.seq == seq {
			return filepath.Join(w.opts.Dir, s.name())
		}
	}
	return ""
}
