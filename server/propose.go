package server

import (
	"sync"
)

// proposal is one encoded fsm entry on its way to the log. onFail runs on
// the state loop if the Replicator refuses it.
type proposal struct {
	data   []byte
	onFail func(error)
}

// proposer feeds proposals to the Replicator from its own goroutine so the
// state loop never blocks on replication. The queue is bounded in practice
// by the per-connection read-ahead limit.
type proposer struct {
	s    *Server
	mu   sync.Mutex
	q    []proposal
	wake chan struct{}
}

func newProposer(s *Server) *proposer {
	return &proposer{s: s, wake: make(chan struct{}, 1)}
}

func (p *proposer) add(pr proposal) {
	p.mu.Lock()
	p.q = append(p.q, pr)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// maxBatch bounds the entries handed to the log in one Propose.
const maxBatch = 1024

func (p *proposer) run() {
	var batch []proposal
	for {
		select {
		case <-p.s.ctx.Done():
			return
		case <-p.wake:
		}
		p.mu.Lock()
		batch, p.q = p.q, batch[:0]
		p.mu.Unlock()
		for len(batch) > 0 {
			n := min(len(batch), maxBatch)
			// A fresh slice each time: raft reads it after Propose may
			// have returned on shutdown.
			datas := make([][]byte, 0, n)
			for _, pr := range batch[:n] {
				datas = append(datas, pr.data)
			}
			if err := p.s.repl.Propose(p.s.ctx, datas); err != nil {
				if p.s.ctx.Err() != nil {
					return
				}
				p.s.log.Warn("proposals refused", "count", n, "err", err)
				for _, pr := range batch[:n] {
					if pr.onFail != nil {
						f := pr.onFail
						p.s.post(func() { f(err) })
					}
				}
			}
			clear(batch[:n])
			batch = batch[n:]
		}
		batch = batch[:0]
	}
}
