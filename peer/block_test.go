package peer

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// proposeAll proposes n entries tagged tag on the current leader,
// retrying each a bounded number of times across leader changes.
func proposeAll(t *testing.T, ms []*member, tag string, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		var err error
		for range 50 {
			l := leaderOf(ms)
			if l == nil {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			if err = l.rn.Propose(ctx, fmt.Appendf(nil, "%s%d", tag, i)); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatalf("propose %s%d: %v", tag, i, err)
		}
	}
}

// TestBlockCutsAndHealsALink cuts the link between the leader and one
// follower, first on the follower's side only (the leader still sends; the
// follower discards what arrives), then on both sides (the leader drops
// and reports the follower unreachable). The cut follower gets none of the
// entries committed meanwhile; once healed it catches up.
func TestBlockCutsAndHealsALink(t *testing.T) {
	ms := startCluster(t, 3)
	waitFor(t, "a leader", func() bool { return leaderOf(ms) != nil })
	proposeAll(t, ms, "before", 10)
	waitFor(t, "every member to commit the first entries", func() bool {
		for _, m := range ms {
			if m.committed.Load() < 10 {
				return false
			}
		}
		return true
	})
	l := leaderOf(ms)
	var x, y *member // the follower cut off, the one still connected
	for _, m := range ms {
		switch {
		case m == l:
		case x == nil:
			x = m
		default:
			y = m
		}
	}

	for _, both := range []bool{false, true} {
		base := x.committed.Load()
		x.tr.Block(l.id, true)
		if both {
			l.tr.Block(x.id, true)
		}
		// A frame that passed the check just before the cut may still be
		// on its way into Step: count from once the number holds still.
		steps := settled(t, &x.h.stepsFrom[l.id])
		unreachable := l.h.unreachable[x.id].Load()
		target := y.committed.Load() + 20
		proposeAll(t, ms, fmt.Sprintf("cut%v-", both), 20)
		waitFor(t, "the connected members to commit", func() bool {
			return l.committed.Load() >= target && y.committed.Load() >= target
		})
		if both {
			waitFor(t, "the leader to report the cut follower unreachable", func() bool {
				return l.h.unreachable[x.id].Load() > unreachable
			})
		}
		if got := x.h.stepsFrom[l.id].Load(); got != steps {
			t.Fatalf("both=%v: %d messages from the leader stepped across the cut", both, got-steps)
		}
		if got := x.committed.Load(); got != base {
			t.Fatalf("both=%v: the cut follower committed %d entries across the cut", both, got-base)
		}

		x.tr.Block(l.id, false)
		l.tr.Block(x.id, false)
		waitFor(t, "the healed follower to catch up", func() bool { return x.committed.Load() >= target })
	}
}

// settled returns v's value once two reads 20 ms apart agree.
func settled(t *testing.T, v *atomic.Int64) int64 {
	t.Helper()
	for range 100 {
		a := v.Load()
		time.Sleep(20 * time.Millisecond)
		if b := v.Load(); a == b {
			return b
		}
	}
	t.Fatal("counter never settled")
	return 0
}
