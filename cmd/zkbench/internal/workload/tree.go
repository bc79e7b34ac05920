package workload

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/zkd-io/zkd/cmd/zkbench/internal/hist"
)

// nodeName is the i-th populated znode under root.
func nodeName(root string, i int) string { return fmt.Sprintf("%s/n%07d", root, i) }

func nodeNames(root string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = nodeName(root, i)
	}
	return out
}

// createRoot creates the run's root; an existing root is an error so that
// two runs never share (or delete) each other's znodes.
func createRoot(admin *session, root string) error {
	_, err := admin.conn.Create(root, nil, 0, zk.WorldACL(zk.PermAll))
	if errors.Is(err, zk.ErrNodeExists) {
		return fmt.Errorf("create root %s: it exists (left by an earlier run? delete it or pick another -root)", root)
	}
	if err != nil {
		return fmt.Errorf("create root %s: %w", root, err)
	}
	return nil
}

// createNodes creates names with data from par goroutines spread over
// sessions and records each create's latency in h (nil = do not record).
// The first failure stops it.
func createNodes(ctx context.Context, sessions []*session, names []string, data []byte, par int, h []*hist.Histogram) error {
	acl := zk.WorldACL(zk.PermAll)
	return forEach(ctx, len(names), par, func(g, i int) error {
		start := time.Now()
		if _, err := sessions[g%len(sessions)].conn.Create(names[i], data, 0, acl); err != nil {
			return fmt.Errorf("create %s: %w", names[i], err)
		}
		if h != nil {
			h[g].Record(int64(time.Since(start)))
		}
		return nil
	})
}

// removeTree deletes root and its children (zkbench never nests deeper),
// pipelining deletes on the admin session. known
// names are deleted first without listing, so that a root with more
// children than one reply can carry still goes away.
func removeTree(ctx context.Context, admin *session, root string, known []string) error {
	del := func(paths []string) error {
		return forEach(ctx, len(paths), 64, func(_, i int) error {
			err := admin.conn.Delete(paths[i], -1)
			if err != nil && !errors.Is(err, zk.ErrNoNode) {
				return fmt.Errorf("delete %s: %w", paths[i], err)
			}
			return nil
		})
	}
	if err := del(known); err != nil {
		return err
	}
	for round := 0; round < 3; round++ {
		children, _, err := admin.conn.Children(root)
		if errors.Is(err, zk.ErrNoNode) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("list %s: %w", root, err)
		}
		paths := make([]string, 0, len(children))
		for _, c := range children {
			paths = append(paths, root+"/"+c)
		}
		if err := del(paths); err != nil {
			return err
		}
		err = admin.conn.Delete(root, -1)
		if err == nil || errors.Is(err, zk.ErrNoNode) {
			return nil
		}
		if !errors.Is(err, zk.ErrNotEmpty) {
			return fmt.Errorf("delete %s: %w", root, err)
		}
	}
	return fmt.Errorf("delete %s: still not empty after 3 rounds", root)
}
