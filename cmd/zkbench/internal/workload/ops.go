package workload

import (
	"fmt"

	"github.com/go-zookeeper/zk"
)

// opFor returns the request workload's single-request function.
func opFor(cfg *Config) opFunc {
	switch cfg.Workload {
	case Get:
		return getOp
	case Set:
		return setOp
	case Mixed:
		ratio := cfg.ReadRatio
		return func(w *worker) error {
			if w.rng.Float64() < ratio {
				return getOp(w)
			}
			return setOp(w)
		}
	case CreateDelete:
		return churnOp(0)
	case Ephemeral:
		return churnOp(zk.FlagEphemeral)
	case Multi:
		return multiOp
	}
	return nil
}

// getOp reads a random populated znode.
func getOp(w *worker) error {
	_, _, err := w.s.conn.Get(w.randomNode())
	return err
}

// setOp overwrites a random populated znode (any version).
func setOp(w *worker) error {
	_, err := w.s.conn.Set(w.randomNode(), w.data, -1)
	return err
}

// churnOp alternates a create of a fresh znode under the root with the
// delete of that znode; each is one request.
func churnOp(flags int32) opFunc {
	acl := zk.WorldACL(zk.PermAll)
	return func(w *worker) error {
		if w.pending != "" {
			p := w.pending
			w.pending = ""
			return w.s.conn.Delete(p, -1)
		}
		w.seq++
		p := fmt.Sprintf("%s/c%d-%d", w.root, w.id, w.seq)
		if _, err := w.s.conn.Create(p, w.data, flags, acl); err != nil {
			return err
		}
		w.pending = p
		return nil
	}
}

// multiOp sets three distinct random populated znodes in one transaction.
func multiOp(w *worker) error {
	a := w.rng.IntN(len(w.nodes))
	b := (a + 1 + w.rng.IntN(len(w.nodes)-1)) % len(w.nodes)
	c := a
	for c == a || c == b {
		c = w.rng.IntN(len(w.nodes))
	}
	_, err := w.s.conn.Multi(
		&zk.SetDataRequest{Path: w.nodes[a], Data: w.data, Version: -1},
		&zk.SetDataRequest{Path: w.nodes[b], Data: w.data, Version: -1},
		&zk.SetDataRequest{Path: w.nodes[c], Data: w.data, Version: -1},
	)
	return err
}
