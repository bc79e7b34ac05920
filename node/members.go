package node

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"go.etcd.io/raft/v3/tracker"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/fsm"
)

// This file turns the membership that /zookeeper/config names (the initial
// server.N lines, then every reconfig) into raft membership: whichever
// member leads compares it with raft's ConfState and proposes one conf
// change at a time until they agree. New participants join as learners and
// are promoted once their log has caught up; observers stay learners;
// members that left are removed (a leader that removes itself steps down,
// raft's StepDownOnRemoval).

// members is a membership as raft sees it.
type members struct {
	voters   []uint64
	learners []uint64
	servers  map[uint64]config.Server
}

// membersFromConfig is the membership of zoo.cfg's server lines.
func membersFromConfig(servers []config.Server) *members {
	m := &members{servers: map[uint64]config.Server{}}
	for _, s := range servers {
		m.add(s)
	}
	return m
}

func (m *members) add(s config.Server) {
	m.servers[s.ID] = s
	if s.Observer {
		m.learners = append(m.learners, s.ID)
	} else {
		m.voters = append(m.voters, s.ID)
	}
	slices.Sort(m.voters)
	slices.Sort(m.learners)
}

// parseMembers reads /zookeeper/config's text.
func parseMembers(data []byte) (*members, error) {
	fm := fsm.ParseMembership(data)
	m := &members{servers: map[uint64]config.Server{}}
	for id, spec := range fm.Servers {
		s, _, err := config.ParseServer(id, spec)
		if err != nil {
			return nil, err
		}
		m.add(s)
	}
	return m, nil
}

// membershipLines formats zoo.cfg's servers as /zookeeper/config's lines,
// filling in this server's own client address from clientPort and
// clientPortAddress when its line has none.
func membershipLines(cfg config.Config) []byte {
	var b strings.Builder
	for _, s := range cfg.Servers {
		if s.ID == cfg.MyID && s.ClientPort == 0 {
			s.ClientPort = cfg.ClientPort
			s.ClientAddr = cfg.ClientPortAddress
		}
		fmt.Fprintf(&b, "server.%d=%s\n", s.ID, s.Spec())
	}
	return []byte(b.String())
}

// normalizeServer is fsm.Config.NormalizeServer: the spec as zoo.cfg's
// parser reads it, formatted as /zookeeper/config shows it.
func normalizeServer(id uint64, spec string) (string, error) {
	s, _, err := config.ParseServer(id, spec)
	if err != nil {
		return "", err
	}
	if s.QuorumPort <= 0 || s.ElectionPort <= 0 || s.QuorumPort > 65535 || s.ElectionPort > 65535 || s.ClientPort > 65535 {
		return "", fmt.Errorf("server.%d: port out of range", id)
	}
	return s.Spec(), nil
}

// desiredMembers holds what the state loop last applied.
type desiredMembers struct{ p atomic.Pointer[members] }

// onMembership is server.Config.OnMembership.
func (n *Node) onMembership(data []byte) {
	m, err := parseMembers(data)
	if err != nil {
		n.log.Error("unreadable /zookeeper/config; membership unchanged", "err", err)
		return
	}
	n.desired.p.Store(m)
	// Members that joined become reachable at once; those that left are
	// forgotten once raft has removed them too (forgetLeft).
	for id, s := range m.servers {
		if id != n.id {
			n.ens.tr.AddPeer(id, net.JoinHostPort(s.Host, strconv.Itoa(s.QuorumPort)))
		}
	}
}

// forgetLeft drops the transport's peers that are neither in the desired
// membership nor in raft's, and their incarnation records, so that a
// member removed by reconfig may come back with a new data directory.
func (n *Node) forgetLeft(want *members) {
	cs := n.raft.ConfState()
	if cs == nil {
		return
	}
	for _, id := range n.ens.tr.Peers() {
		if _, ok := want.servers[id]; ok || slices.Contains(cs.GetVoters(), id) || slices.Contains(cs.GetLearners(), id) {
			continue
		}
		n.log.Info("forgetting a member that left the ensemble", "server", id)
		n.ens.tr.RemovePeer(id)
		n.ens.book.Forget(id)
	}
}

// snapshotForNewcomers asks for a fresh snapshot when raft wants to send
// one to a member that the latest snapshot's membership lacks (it joined
// since): raft would send that snapshot, and the member would ignore it.
func (n *Node) snapshotForNewcomers() {
	snap, err := n.state.disk.Snapshot()
	if err != nil {
		return
	}
	cs := snap.GetMetadata().GetConfState()
	for id, pr := range n.raft.Status().Progress {
		if pr.State != tracker.StateSnapshot || slices.Contains(cs.GetVoters(), id) || slices.Contains(cs.GetLearners(), id) {
			continue
		}
		n.log.Info("taking a snapshot for a member that joined after the latest one", "server", id)
		n.srv.RequestSnapshot()
		return
	}
}

// catchUpSlack is how far behind the leader's log a learner may be and
// still be promoted to voter.
const catchUpSlack = 1000

// reconcileMembers runs on every member and acts while it leads.
func (n *Node) reconcileMembers(ctx context.Context) {
	t := time.NewTicker(n.electionTimeout / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		want := n.desired.p.Load()
		if want == nil {
			continue
		}
		n.forgetLeft(want)
		if !n.raft.IsLeader() {
			continue
		}
		n.snapshotForNewcomers()
		cc, what := nextConfChange(want, n.raft.Status())
		if cc == nil {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, n.electionTimeout)
		err := n.raft.ProposeConfChange(pctx, cc)
		cancel()
		if err != nil {
			n.log.Warn("membership change not proposed; retrying", "change", what, "err", err)
			continue
		}
		n.log.Info("membership change proposed", "change", what)
	}
}

// nextConfChange picks the one change that brings raft's membership (in
// st, the leader's status) closer to want, or nil when they agree.
func nextConfChange(want *members, st raft.Status) (*raftpb.ConfChange, string) {
	cur := st.Config
	isVoter := func(id uint64) bool {
		_, in := cur.Voters[0][id]
		return in
	}
	isLearner := func(id uint64) bool {
		_, in := cur.Learners[id]
		return in
	}
	mk := func(t raftpb.ConfChangeType, id uint64) *raftpb.ConfChange {
		return &raftpb.ConfChange{Type: t.Enum(), NodeId: &id}
	}
	// Newcomers first join as learners, to catch up without counting
	// towards the quorum.
	for _, id := range slices.Concat(want.voters, want.learners) {
		if !isVoter(id) && !isLearner(id) {
			return mk(raftpb.ConfChangeType_ConfChangeAddLearnerNode, id), fmt.Sprintf("add learner %d", id)
		}
	}
	for _, id := range want.voters {
		if isLearner(id) {
			pr, ok := st.Progress[id]
			if !ok || pr.Match+catchUpSlack < st.GetCommit() {
				continue // not caught up yet
			}
			return mk(raftpb.ConfChangeType_ConfChangeAddNode, id), fmt.Sprintf("promote %d to voter", id)
		}
	}
	for _, id := range want.learners {
		if isVoter(id) {
			return mk(raftpb.ConfChangeType_ConfChangeAddLearnerNode, id), fmt.Sprintf("demote %d to observer", id)
		}
	}
	// Removals last, the leader itself after everyone else.
	var leaving []uint64
	for id := range cur.Voters[0] {
		if _, ok := want.servers[id]; !ok {
			leaving = append(leaving, id)
		}
	}
	for id := range cur.Learners {
		if _, ok := want.servers[id]; !ok {
			leaving = append(leaving, id)
		}
	}
	slices.SortFunc(leaving, func(a, b uint64) int {
		switch {
		case a == st.ID:
			return 1
		case b == st.ID:
			return -1
		}
		return int(a) - int(b)
	})
	if len(leaving) > 0 {
		return mk(raftpb.ConfChangeType_ConfChangeRemoveNode, leaving[0]), fmt.Sprintf("remove %d", leaving[0])
	}
	return nil, ""
}
