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
		for i, pr := range batch {
			if err := p.s.repl.Propose(p.s.ctx, pr.data); err != nil {
				if p.s.ctx.Err() != nil {
					return
				}
				p.s.log.Warn("proposal refused", "err", err)
				if pr.onFail != nil {
					f := pr.onFail
					p.s.post(func() { f(err) })
				}
			}
			batch[i] = proposal{}
		}
	}
}
