package raftnode

import (
	"context"
	"sync"
)

// group runs the package's long-lived goroutines: each is tied to one
// context and one WaitGroup, so stop cancels them all and waits.
type group struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newGroup() *group {
	ctx, cancel := context.WithCancel(context.Background())
	return &group{ctx: ctx, cancel: cancel}
}

// Go runs f in a tracked goroutine; f must return soon after ctx is done.
func (g *group) Go(f func(ctx context.Context)) {
	g.wg.Go(func() { f(g.ctx) })
}

// stop cancels the group's context and waits for every goroutine.
func (g *group) stop() {
	g.cancel()
	g.wg.Wait()
}
