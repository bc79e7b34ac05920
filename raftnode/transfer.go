package raftnode

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/raft/v3"
)

// ErrNoTransferee is returned by HandOver when no other voter is
// up to date enough to take over.
var ErrNoTransferee = errors.New("raftnode: no up-to-date voter to hand leadership to")

// HandOver asks raft to transfer leadership from this member, which must
// lead, to voter to (0: the voter whose log matches the most of the
// leader's), and waits until another member leads or ctx ends. raft makes the target
// campaign at once (MsgTimeoutNow) once its log has caught up, so the
// group is without a leader for about one round trip instead of an
// election timeout. It returns the new leader's id.
func (n *Node) HandOver(ctx context.Context, to uint64) (uint64, error) {
	st, err := n.StatusContext(ctx)
	if err != nil {
		return 0, err
	}
	if st.RaftState != raft.StateLeader {
		return 0, errors.New("raftnode: hand over: not the leader")
	}
	if to != 0 {
		if pr, ok := st.Progress[to]; !ok || pr.IsLearner || to == n.id {
			return 0, fmt.Errorf("raftnode: hand over: %d is not another voter", to)
		}
	}
	var best uint64
	for id, pr := range st.Progress {
		if to != 0 || id == n.id || pr.IsLearner {
			continue
		}
		if best == 0 || pr.Match > st.Progress[best].Match {
			best = id
		}
	}
	if to == 0 {
		to = best
	}
	if to == 0 {
		return 0, ErrNoTransferee
	}
	if err := n.do(ctx, func(l *loop) { l.rn.TransferLeader(to) }); err != nil {
		return 0, err
	}
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		if lead := n.Leader(); lead != 0 && lead != n.id {
			return lead, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-n.done:
			return 0, ErrStopped
		case <-t.C:
		}
	}
}
