package node

import (
	"context"
	"sync/atomic"

	"github.com/zkd-io/zkd/raftnode"
	"github.com/zkd-io/zkd/server"
	"go.etcd.io/raft/v3/raftpb"
)

// committer hands raft's committed batches to the server's state loop.
// Its deliver runs on the raft goroutine (raftnode.Config.Deliver) and
// sends a batch of entries straight to out, so a write crosses no extra
// goroutine between the raft loop and the state loop. A batch that carries
// a snapshot from the leader needs the snapshot loaded from disk first,
// which must not stall raft: it goes to the pump goroutine instead, and so
// does every batch after it until the pump has forwarded them all, which
// keeps the order.
type committer struct {
	out  chan []server.Committed // read by the state loop
	slow chan raftnode.Batch     // batches for the pump, in order
	// queued counts batches handed to the pump and not yet sent on out.
	// Only deliver adds; when it reads 0, everything the pump had is on
	// out already.
	queued atomic.Int64
}

// Buffers: batches of committed entries waiting for the state loop, and
// batches waiting for the pump.
const (
	commitBuffer = 128
	slowBuffer   = 128
)

func newCommitter() *committer {
	return &committer{out: make(chan []server.Committed, commitBuffer), slow: make(chan raftnode.Batch, slowBuffer)}
}

// deliver is raftnode's Config.Deliver.
func (c *committer) deliver(ctx context.Context, b raftnode.Batch) error {
	if b.Snapshot == nil && c.queued.Load() == 0 {
		out := convert(make([]server.Committed, 0, len(b.Entries)), b.Entries)
		if len(out) == 0 {
			return nil
		}
		select {
		case c.out <- out:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c.queued.Add(1)
	select {
	case c.slow <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pump forwards the batches deliver queued for it, loading each snapshot
// with load first, until ctx ends or load fails (then it calls failed and
// stops: without the snapshot raft's log starts too late to apply
// anything).
func (c *committer) pump(ctx context.Context, load func(*raftpb.SnapshotMetadata) (server.Committed, error), failed func(*raftpb.SnapshotMetadata, error)) {
	for {
		var b raftnode.Batch
		select {
		case <-ctx.Done():
			return
		case b = <-c.slow:
		}
		out := make([]server.Committed, 0, len(b.Entries)+1)
		if b.Snapshot != nil {
			r, err := load(b.Snapshot)
			if err != nil {
				failed(b.Snapshot, err)
				return
			}
			out = append(out, r)
		}
		if out = convert(out, b.Entries); len(out) > 0 {
			select {
			case c.out <- out:
			case <-ctx.Done():
				return
			}
		}
		c.queued.Add(-1)
	}
}

// convert appends ents, as the state loop takes them, to out.
func convert(out []server.Committed, ents []*raftpb.Entry) []server.Committed {
	for _, e := range ents {
		c := server.Committed{Index: e.GetIndex()}
		if e.GetType() == raftpb.EntryNormal {
			c.Data = e.GetData()
		}
		out = append(out, c)
	}
	return out
}
