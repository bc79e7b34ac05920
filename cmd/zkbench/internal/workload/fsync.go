package workload

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zkd-io/zkd/cmd/zkbench/internal/hist"
)

const (
	fsyncFileSize  = 64 << 20 // ZooKeeper preallocates its log in 64 MiB steps
	fsyncBlockSize = 4 << 10
)

// runFsync measures the disk under Dir as a write-ahead log sees it: a
// preallocated 64 MiB file gets a 4 KiB write at the next offset followed
// by fdatasync (fsync where there is none), for Duration (2 s when 0),
// wrapping at the end of the file. Latency is write+fdatasync; the file
// is removed afterwards.
func runFsync(ctx context.Context, cfg *Config, res *Result) error {
	res.Mode = "closed"
	res.Sessions, res.Outstanding, res.Size = 0, 1, fsyncBlockSize
	dur := cfg.Duration
	if dur <= 0 {
		dur = 2 * time.Second
	}
	f, err := os.CreateTemp(cfg.Dir, "zkbench-fsync-*.tmp")
	if err != nil {
		return fmt.Errorf("fsync probe: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	zero := make([]byte, 1<<20)
	for off := 0; off < fsyncFileSize; off += len(zero) {
		if _, err := f.Write(zero); err != nil {
			return fmt.Errorf("fsync probe: preallocate %s: %w", filepath.Base(f.Name()), err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync probe: %w", err)
	}
	block := payload(fsyncBlockSize, 0)
	h := hist.New()
	win := openWindow(nil, nil)
	deadline := time.Now().Add(dur)
	var off int64
	for time.Now().Before(deadline) && ctx.Err() == nil {
		start := time.Now()
		if _, err := f.WriteAt(block, off); err != nil {
			return fmt.Errorf("fsync probe: write: %w", err)
		}
		if err := fdatasync(f); err != nil {
			return fmt.Errorf("fsync probe: %w", err)
		}
		h.Record(int64(time.Since(start)))
		off = (off + fsyncBlockSize) % fsyncFileSize
	}
	win.close(res)
	res.Ops = h.Count()
	res.Latency = latencyOf(h)
	return ctx.Err()
}
