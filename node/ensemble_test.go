package node_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/node"

	"github.com/zkd-io/zkd/proto"
	"github.com/zkd-io/zkd/zktest"
)

// Tests of a 3-member ensemble on the in-process harness (zktest.Cluster),
// each with real go-zookeeper clients or raw protocol sessions.

// connectTo opens a go-zookeeper session that may use any of addrs and
// waits until it is established.
func connectTo(t *testing.T, timeout time.Duration, addrs ...string) *zk.Conn {
	t.Helper()
	c, events, err := zk.Connect(addrs, timeout, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(15 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				go func() {
					for range events {
					}
				}()
				return c
			}
		case <-deadline:
			t.Fatalf("no session within 15s (servers %v)", addrs)
		}
	}
}

// syncedGet reads path on the member at addr after a sync, so the answer
// reflects everything committed before the call.
func syncedGet(t *testing.T, addr, path string) ([]byte, *zk.Stat, error) {
	t.Helper()
	c := connectTo(t, 4*time.Second, addr)
	defer c.Close()
	if _, err := c.Sync(path); err != nil && !errors.Is(err, zk.ErrNoNode) {
		return nil, nil, fmt.Errorf("sync on %s: %w", addr, err)
	}
	return c.Get(path)
}

// fourLetter sends a four-letter word to addr and returns the answer.
func fourLetter(t *testing.T, addr, cmd string) string {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write([]byte(cmd)); err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	var b strings.Builder
	sc := bufio.NewScanner(nc)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String()
}

func TestEnsembleWritesThroughEveryMember(t *testing.T) {
	c := zktest.StartCluster(t, 3)
	leader := c.WaitLeader(10 * time.Second)
	// The followers learn of the leader from its first append, a moment
	// after the leader knows: srvr must settle on one leader and two
	// followers, and soon.
	var modes map[string]int
	for deadline := time.Now().Add(5 * time.Second); ; {
		modes = map[string]int{}
		for _, m := range c.Members {
			for line := range strings.SplitSeq(fourLetter(t, m.Addr, "srvr"), "\n") {
				if mode, ok := strings.CutPrefix(line, "Mode: "); ok {
					modes[mode]++
				}
			}
		}
		if modes["leader"] == 1 && modes["follower"] == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("srvr modes = %v after 5 s, want 1 leader and 2 followers", modes)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, m := range c.Members {
		cl := connectTo(t, 4*time.Second, m.Addr)
		path := fmt.Sprintf("/from%d", m.ID)
		if _, err := cl.Create(path, []byte(fmt.Sprint(m.ID)), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatalf("create through server %d (leader %d): %v", m.ID, leader.ID, err)
		}
		// The member answers its client after applying the entry itself:
		// a read on the same session sees the write at once.
		if data, _, err := cl.Get(path); err != nil || string(data) != fmt.Sprint(m.ID) {
			t.Fatalf("read back on server %d: %q %v", m.ID, data, err)
		}
	}
	// Every member holds every write with the same zxids.
	for i := 1; i <= 3; i++ {
		path := fmt.Sprintf("/from%d", i)
		var czxid int64
		for _, m := range c.Members {
			data, st, err := syncedGet(t, m.Addr, path)
			if err != nil || string(data) != fmt.Sprint(i) {
				t.Fatalf("%s on server %d: %q %v", path, m.ID, data, err)
			}
			if czxid == 0 {
				czxid = st.Czxid
			} else if st.Czxid != czxid {
				t.Fatalf("%s: czxid %d on server %d, %d elsewhere", path, st.Czxid, m.ID, czxid)
			}
		}
	}
}

func TestEnsembleWatchOnFollowerFiresForWriteElsewhere(t *testing.T) {
	c := zktest.StartCluster(t, 3)
	c.WaitLeader(10 * time.Second)
	fs := c.Followers()
	watcher := connectTo(t, 4*time.Second, fs[0].Addr)
	writer := connectTo(t, 4*time.Second, c.Leader().Addr)
	if _, err := writer.Create("/w", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, err := watcher.Sync("/w"); err != nil {
		t.Fatal(err)
	}
	_, _, ch, err := watcher.GetW("/w")
	if err != nil {
		t.Fatal(err)
	}
	_, _, chCh, err := watcher.ChildrenW("/w")
	if err != nil {
		t.Fatal(err)
	}
	other := connectTo(t, 4*time.Second, fs[1].Addr)
	if _, err := other.Set("/w", []byte("x"), -1); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ch, zk.EventNodeDataChanged, "/w")
	if _, err := writer.Create("/w/c", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, chCh, zk.EventNodeChildrenChanged, "/w")
}

// TestEnsembleEphemeralsOfDeadClientGoEverywhere: a client of a follower
// creates an ephemeral and vanishes without closing its session. Only the
// leader expires sessions; it hears of this one through the follower's
// forwarded touches, so while the client lives the session lives, and once
// it is gone the ephemeral disappears on every member.
func TestEnsembleEphemeralsOfDeadClientGoEverywhere(t *testing.T) {
	c := zktest.StartCluster(t, 3)
	leader := c.WaitLeader(10 * time.Second)
	f := c.Followers()[0]
	// A follower learns of the leader from its first append, a moment
	// after the leader knows; until then it drops the session's proposal
	// and closes the connection (a real client would reconnect).
	waitFor(t, "the follower to know the leader", func() bool { return f.Node().Leader() == leader.ID })
	r, resp := dialRaw(t, f.Addr, 0, nil, 0, 1000)
	r.mustOK("create ephemeral", proto.OpCreate, create("/eph", []byte("e"), proto.ModeEphemeral))
	// Alive for several timeouts as long as it pings its own server: the
	// follower's touches reach the leader.
	for range 12 {
		time.Sleep(250 * time.Millisecond)
		r.mustOK("ping", proto.OpExists, &proto.ExistsRequest{Path: "/eph"})
	}
	for _, m := range c.Members {
		if _, _, err := syncedGet(t, m.Addr, "/eph"); err != nil {
			t.Fatalf("ephemeral of a live session (0x%x) missing on server %d: %v", resp.SessionID, m.ID, err)
		}
	}
	r.nc.Close() // dies without closeSession
	for _, m := range c.Members {
		waitFor(t, fmt.Sprintf("ephemeral gone on server %d", m.ID), func() bool {
			_, _, err := syncedGet(t, m.Addr, "/eph")
			return errors.Is(err, zk.ErrNoNode)
		})
	}
}

// TestEnsembleSessionSurvivesLeaderFailover: a client of the leader keeps
// its session and ephemeral when the leader stops and it reconnects to
// another member within its timeout.
func TestEnsembleSessionSurvivesLeaderFailover(t *testing.T) {
	c := zktest.StartCluster(t, 3)
	leader := c.WaitLeader(10 * time.Second)
	others := []string{}
	for _, m := range c.Members {
		if m != leader {
			others = append(others, m.Addr)
		}
	}
	// go-zookeeper tries servers in order after a shuffle; list the leader
	// first and the others after so that it reconnects to one of them.
	cl, _, err := zk.Connect(append([]string{leader.Addr}, others...), 6*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	waitFor(t, "session", func() bool { return cl.State() == zk.StateHasSession })
	if _, err := cl.Create("/mine", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	sid := cl.SessionID()
	c.Stop(leader.ID)
	c.WaitLeader(10 * time.Second)
	waitFor(t, "reconnect", func() bool { return cl.State() == zk.StateHasSession })
	if cl.SessionID() != sid {
		t.Fatalf("session 0x%x after failover, want 0x%x", cl.SessionID(), sid)
	}
	ok := false
	for range 50 { // the first request may race the reconnect
		if _, _, err := cl.Get("/mine"); err == nil {
			ok = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !ok {
		t.Fatal("the ephemeral of a session that reconnected in time is gone")
	}
	for _, addr := range others {
		if _, _, err := syncedGet(t, addr, "/mine"); err != nil {
			t.Fatalf("ephemeral missing on %s: %v", addr, err)
		}
	}
}

// ackLog records acknowledged writes: path -> value.
type ackLog struct {
	mu   sync.Mutex
	acks map[string]string
}

func (a *ackLog) add(path, val string) {
	a.mu.Lock()
	a.acks[path] = val
	a.mu.Unlock()
}

func (a *ackLog) snapshot() map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]string, len(a.acks))
	for k, v := range a.acks {
		out[k] = v
	}
	return out
}

// writeLoad runs one writer per address until stop, each creating unique
// znodes under /load and recording those acknowledged.
func writeLoad(t *testing.T, addrs [][]string, stop <-chan struct{}, acks *ackLog, errs *atomic.Int64) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w, addr := range addrs {
		cl := connectTo(t, 6*time.Second, addr...)
		wg.Go(func() {
			for i := 0; i < 100000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				path := fmt.Sprintf("/load/w%d-%06d", w, i)
				val := fmt.Sprintf("v%d-%d", w, i)
				if _, err := cl.Create(path, []byte(val), 0, zk.WorldACL(zk.PermAll)); err != nil {
					errs.Add(1)
					time.Sleep(20 * time.Millisecond)
					continue
				}
				acks.add(path, val)
			}
		})
	}
	return &wg
}

// checkAcks requires every acknowledged write on every running member.
func checkAcks(t *testing.T, c *zktest.Cluster, acks map[string]string) {
	t.Helper()
	for _, m := range c.Members {
		if m.Node() == nil {
			continue
		}
		cl := connectTo(t, 6*time.Second, m.Addr)
		if _, err := cl.Sync("/load"); err != nil {
			t.Fatalf("sync on server %d: %v", m.ID, err)
		}
		missing := 0
		for path, val := range acks {
			data, _, err := cl.Get(path)
			if err != nil || string(data) != val {
				if missing < 5 {
					t.Errorf("server %d: acknowledged %s=%s: got %q %v", m.ID, path, val, data, err)
				}
				missing++
			}
		}
		if missing > 0 {
			t.Fatalf("server %d lost %d of %d acknowledged writes", m.ID, missing, len(acks))
		}
		cl.Close()
	}
}

func TestEnsembleLeaderKillUnderWriteLoad(t *testing.T) {
	c := zktest.StartCluster(t, 3)
	c.WaitLeader(10 * time.Second)
	setup := connectTo(t, 4*time.Second, c.Addrs()...)
	if _, err := setup.Create("/load", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	acks := &ackLog{acks: map[string]string{}}
	var errs atomic.Int64
	stop := make(chan struct{})
	a := c.Addrs()
	wg := writeLoad(t, [][]string{{a[0]}, {a[1]}, {a[2]}, a}, stop, acks, &errs)
	for round := range 2 {
		time.Sleep(700 * time.Millisecond)
		before := len(acks.snapshot())
		old := c.WaitLeader(10 * time.Second)
		c.Stop(old.ID)
		nl := c.WaitLeader(10 * time.Second)
		waitFor(t, "writes after failover", func() bool { return len(acks.snapshot()) > before+20 })
		t.Logf("round %d: leader %d stopped, %d leads; %d writes acknowledged so far, %d errors", round, old.ID, nl.ID, len(acks.snapshot()), errs.Load())
		c.Restart(old.ID)
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	got := acks.snapshot()
	if len(got) == 0 {
		t.Fatal("no write was acknowledged")
	}
	checkAcks(t, c, got)
}

// TestEnsembleLeaderHandsOverOnShutdown: a leader that shuts down
// gracefully (SIGTERM) hands leadership to a follower before it exits, so
// another member already leads when Shutdown returns.
func TestEnsembleLeaderHandsOverOnShutdown(t *testing.T) {
	c := zktest.StartCluster(t, 3)
	old := c.WaitLeader(10 * time.Second)
	cl := connectTo(t, 4*time.Second, c.Addrs()...)
	for i := range 50 {
		if _, err := cl.Create(fmt.Sprintf("/h%d", i), nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	c.Shutdown(old.ID)
	leaders := 0
	for _, m := range c.Members {
		if nd := m.Node(); nd != nil && nd.IsLeader() {
			leaders++
		}
	}
	if leaders != 1 {
		t.Fatalf("%d leaders among the remaining members right after the leader's Shutdown returned, want 1", leaders)
	}
}

// TestEnsembleSessionMoveClosesOldConnection: a session reattached on
// another member is served there, and the member that served it before
// closes its old connection.
func TestEnsembleSessionMoveClosesOldConnection(t *testing.T) {
	c := zktest.StartCluster(t, 3)
	leader := c.WaitLeader(10 * time.Second)
	a, b := c.Members[0], c.Members[1]
	// Until a member hears from the leader it refuses a new session and
	// closes the connection (a real client would reconnect); this raw
	// client does not.
	waitFor(t, "both members to know the leader", func() bool {
		return a.Node().Leader() == leader.ID && b.Node().Leader() == leader.ID
	})
	r1, resp := dialRaw(t, a.Addr, 0, nil, 0, 4000)
	if resp == nil || resp.SessionID == 0 {
		t.Fatal("no session on the first member")
	}
	r1.mustOK("create", proto.OpCreate, create("/moved", nil, proto.ModeEphemeral))
	r2, resp2 := dialRaw(t, b.Addr, resp.SessionID, resp.Passwd, 0, 4000)
	if resp2 == nil || resp2.SessionID != resp.SessionID {
		t.Fatalf("reattach on server %d: %+v", b.ID, resp2)
	}
	r1.expectClosed()
	r2.xid = r1.xid
	r2.mustOK("exists on the new member", proto.OpExists, &proto.ExistsRequest{Path: "/moved"})
	// The ephemeral belongs to the session wherever it is served.
	r2.mustOK("delete", proto.OpDelete, &proto.DeleteRequest{Path: "/moved", Version: -1})
}

// TestEnsembleUnknownSessionExpiresOnFollower: a reconnect to a session
// no member knows is checked with the leader (ReadIndex) and then answered
// as expired, as ZooKeeper answers it, not left hanging.
func TestEnsembleUnknownSessionExpiresOnFollower(t *testing.T) {
	c := zktest.StartCluster(t, 3)
	leader := c.WaitLeader(10 * time.Second)
	f := c.Followers()[0]
	waitFor(t, "the follower to know the leader", func() bool { return f.Node().Leader() == leader.ID })
	r, resp := dialRaw(t, f.Addr, 0x7fff0000deadbeef, make([]byte, 16), 0, 4000)
	if resp == nil || resp.TimeOut != 0 || resp.SessionID != 0 {
		t.Fatalf("unknown session on follower %d: %+v", f.ID, resp)
	}
	r.expectClosed()
}

// TestEnsembleObserverServesReadsAndForwardsWrites: an observer (a raft
// learner) is brought into the group by the leader, serves reads, forwards
// its clients' writes, and does not vote: with two of three participants
// down there is no quorum even though the observer runs.
func TestEnsembleObserverServesReadsAndForwardsWrites(t *testing.T) {
	c := zktest.StartClusterWithObservers(t, 3, 1)
	c.WaitLeader(10 * time.Second)
	obs := c.Member(4)
	if mode := fourLetter(t, obs.Addr, "srvr"); !strings.Contains(mode, "Mode: observer") {
		t.Fatalf("observer srvr:\n%s", mode)
	}
	lc := connectTo(t, 4*time.Second, c.Leader().Addr)
	if _, err := lc.Create("/o", []byte("from leader"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	oc := connectTo(t, 4*time.Second, obs.Addr)
	waitFor(t, "the observer to apply the write", func() bool {
		data, _, err := oc.Get("/o")
		return err == nil && string(data) == "from leader"
	})
	if _, err := oc.Create("/o/child", []byte("via observer"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("write through the observer: %v", err)
	}
	for _, m := range c.Members[:3] {
		if data, _, err := syncedGet(t, m.Addr, "/o/child"); err != nil || string(data) != "via observer" {
			t.Fatalf("server %d: %q %v", m.ID, data, err)
		}
	}
	lead := c.Leader().ID
	for _, m := range c.Members[:3] {
		if m.ID != lead {
			c.Stop(m.ID)
		}
	}
	// The leader, left with the observer only, loses its quorum.
	waitFor(t, "the leader to step down without a quorum", func() bool {
		nd := c.Member(lead).Node()
		return nd != nil && !nd.IsLeader()
	})
}

// partitionWrites makes writes through a client of member m (and only m)
// for the given duration and returns the paths it was told succeeded and
// how many failed.
func partitionWrites(t *testing.T, addr, prefix string, d time.Duration) (acked []string, failed int) {
	t.Helper()
	cl, _, err := zk.Connect([]string{addr}, 4*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	end := time.Now().Add(d)
	for i := 0; time.Now().Before(end) && i < 10000; i++ {
		path := fmt.Sprintf("%s-%04d", prefix, i)
		if _, err := cl.Create(path, []byte(path), 0, zk.WorldACL(zk.PermAll)); err != nil {
			failed++
			time.Sleep(50 * time.Millisecond)
			continue
		}
		acked = append(acked, path)
	}
	return acked, failed
}

// TestEnsembleMinorityPartition: a follower cut off from the others keeps
// no promise it cannot keep. Its clients' writes fail (error or
// ConnectionLoss); any write it did acknowledge is on every member after
// the partition heals; the majority keeps serving writes meanwhile.
func TestEnsembleMinorityPartition(t *testing.T) {
	c := zktest.StartCluster(t, 3)
	c.WaitLeader(10 * time.Second)
	setup := connectTo(t, 4*time.Second, c.Addrs()...)
	if _, err := setup.Create("/p", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	f := c.Followers()[0]
	c.Partition(f.ID)
	var wg sync.WaitGroup
	var minorityAcked []string
	var minorityFailed int
	wg.Go(func() { minorityAcked, minorityFailed = partitionWrites(t, f.Addr, "/p/minority", 3*time.Second) })
	var majority string
	for _, m := range c.Members {
		if m != f {
			majority = m.Addr
			break
		}
	}
	majorityAcked, _ := partitionWrites(t, majority, "/p/majority", 3*time.Second)
	wg.Wait()
	if len(majorityAcked) == 0 {
		t.Fatal("the majority acknowledged no write during the partition")
	}
	if minorityFailed == 0 {
		t.Fatalf("every write through the partitioned follower succeeded (%d)", len(minorityAcked))
	}
	if nd := f.Node(); nd.Leader() != 0 {
		t.Fatalf("the partitioned follower still knows leader %d", nd.Leader())
	}
	t.Logf("partition: majority acknowledged %d writes; the cut-off follower acknowledged %d and failed %d",
		len(majorityAcked), len(minorityAcked), minorityFailed)
	c.Heal()
	c.WaitLeader(10 * time.Second)
	for _, m := range c.Members {
		cl := connectTo(t, 4*time.Second, m.Addr)
		if _, err := cl.Sync("/p"); err != nil {
			t.Fatalf("sync on server %d: %v", m.ID, err)
		}
		for _, p := range append(majorityAcked, minorityAcked...) {
			if _, _, err := cl.Get(p); err != nil {
				t.Fatalf("server %d: acknowledged %s: %v", m.ID, p, err)
			}
		}
	}
}

// TestEnsemblePartitionedLeaderStepsDown: a leader cut off from both
// followers stops leading (CheckQuorum), the others elect a new leader
// and go on, the old leader's clients get errors rather than successes,
// and after healing the old leader follows and has the majority's writes.
func TestEnsemblePartitionedLeaderStepsDown(t *testing.T) {
	c := zktest.StartCluster(t, 3)
	old := c.WaitLeader(10 * time.Second)
	oldCl, _, err := zk.Connect([]string{old.Addr}, 4*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	defer oldCl.Close()
	waitFor(t, "session on the leader", func() bool { return oldCl.State() == zk.StateHasSession })
	c.Partition(old.ID)
	waitFor(t, "the partitioned leader to step down", func() bool { return !old.Node().IsLeader() })
	var others []string
	for _, m := range c.Members {
		if m != old {
			others = append(others, m.Addr)
		}
	}
	newCl := connectTo(t, 4*time.Second, others...)
	waitFor(t, "a new leader among the majority", func() bool {
		for _, m := range c.Members {
			if m != old && m.Node().IsLeader() {
				return true
			}
		}
		return false
	})
	if _, err := newCl.Create("/after", []byte("majority"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("write through the majority: %v", err)
	}
	if _, err := oldCl.Create("/stale", nil, 0, zk.WorldACL(zk.PermAll)); err == nil {
		t.Fatal("a write through the partitioned old leader succeeded")
	}
	c.Heal()
	waitFor(t, "the old leader to follow the new one", func() bool {
		nd := old.Node()
		return nd.Leader() != 0 && nd.Leader() != old.ID
	})
	if data, _, err := syncedGet(t, old.Addr, "/after"); err != nil || string(data) != "majority" {
		t.Fatalf("old leader after healing: %q %v", data, err)
	}
	if _, _, err := syncedGet(t, others[0], "/stale"); !errors.Is(err, zk.ErrNoNode) {
		t.Fatalf("the refused write exists: %v", err)
	}
}

// TestEnsembleReconfigRemovesAndAddsMemberUnderLoad: with writes going on,
// reconfig (go-zookeeper's IncrementalReconfig) removes a participant and
// adds it back; /zookeeper/config shows each membership in ZooKeeper's
// format; raft's membership follows; no acknowledged write is lost.
func TestEnsembleReconfigRemovesAndAddsMemberUnderLoad(t *testing.T) {
	c := zktest.StartCluster(t, 3, func(cfg *config.Config) { cfg.ReconfigEnabled = true; cfg.SkipACL = true })
	c.WaitLeader(10 * time.Second)
	admin := connectTo(t, 6*time.Second, c.Addrs()[0], c.Addrs()[1])
	var data []byte
	var st *zk.Stat
	var err error
	// The first leader records the initial membership.
	waitFor(t, "the initial /zookeeper/config", func() bool {
		data, st, err = admin.Get("/zookeeper/config")
		return err == nil && len(data) > 0
	})
	cfgText := string(data)
	for _, m := range c.Members {
		line := fmt.Sprintf("server.%d=127.0.0.1:%d:%d:participant;%s", m.ID, m.Cfg.Servers[m.ID-1].QuorumPort, m.Cfg.Servers[m.ID-1].ElectionPort, m.Addr)
		if !strings.Contains(cfgText, line+"\n") {
			t.Fatalf("/zookeeper/config lacks %q:\n%s", line, cfgText)
		}
	}
	if !strings.Contains(cfgText, fmt.Sprintf("version=%x", st.Mzxid)) {
		t.Fatalf("/zookeeper/config version is not its mzxid 0x%x:\n%s", st.Mzxid, cfgText)
	}
	if _, err := admin.Create("/load", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	acks := &ackLog{acks: map[string]string{}}
	var errs atomic.Int64
	stop := make(chan struct{})
	a := c.Addrs()
	wg := writeLoad(t, [][]string{{a[0]}, {a[1]}, a}, stop, acks, &errs)
	voters := func(id uint64) []uint64 { return c.Member(id).Node().Voters() }
	time.Sleep(300 * time.Millisecond)

	st, err = admin.IncrementalReconfig(nil, []string{"3"}, -1)
	if err != nil {
		t.Fatalf("remove server 3: %v", err)
	}
	waitFor(t, "raft to drop server 3", func() bool { return !slices.Contains(voters(1), 3) && !slices.Contains(voters(2), 3) })
	data, _, _ = admin.Get("/zookeeper/config")
	if strings.Contains(string(data), "server.3=") {
		t.Fatalf("server 3 still in /zookeeper/config:\n%s", data)
	}
	before := len(acks.snapshot())
	waitFor(t, "writes with two members", func() bool { return len(acks.snapshot()) > before+50 })

	// Back with the non-incremental form: the whole new membership.
	var all []string
	for _, m := range c.Members {
		all = append(all, m.ServerLine())
	}
	if _, err := admin.Reconfig(all, st.Mzxid); err != nil {
		t.Fatalf("add server 3 back (non-incremental %v): %v", all, err)
	}
	waitFor(t, "raft to make server 3 a voter again", func() bool { return slices.Contains(voters(1), 3) })
	before = len(acks.snapshot())
	waitFor(t, "writes with three members", func() bool { return len(acks.snapshot()) > before+50 })
	close(stop)
	wg.Wait()
	if _, err := admin.IncrementalReconfig(nil, []string{"3"}, st.Mzxid); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("reconfig with a stale config id: %v, want ErrBadVersion", err)
	}
	t.Logf("%d writes acknowledged across the reconfigs, %d failed", len(acks.snapshot()), errs.Load())
	checkAcks(t, c, acks.snapshot())
}

// TestEnsembleReadOnlyMode: with readonlymode.enabled, a member cut off
// from the quorum reports isro=ro, serves clients that ask for read-only
// sessions (reads answered, writes NotReadOnly), refuses the others, and
// goes back to read-write, closing its read-only sessions, once it hears
// from a leader again.
func TestEnsembleReadOnlyMode(t *testing.T) {
	c := zktest.StartCluster(t, 3, func(cfg *config.Config) { cfg.ReadOnlyMode = true })
	c.WaitLeader(10 * time.Second)
	setup := connectTo(t, 4*time.Second, c.Addrs()...)
	if _, err := setup.Create("/ro", []byte("before"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	f := c.Followers()[0]
	if _, _, err := syncedGet(t, f.Addr, "/ro"); err != nil {
		t.Fatal(err)
	}
	if got := fourLetter(t, f.Addr, "isro"); got != "rw\n" {
		t.Fatalf("isro before the partition = %q", got)
	}
	c.Partition(f.ID)
	waitFor(t, "isro=ro on the cut-off member", func() bool { return fourLetter(t, f.Addr, "isro") == "ro\n" })

	pw := make([]byte, 16)
	r, resp := dialRawReq(t, f.Addr, &proto.ConnectRequest{TimeOut: 4000, Passwd: pw, ReadOnly: true, HasReadOnly: true})
	if resp == nil || !resp.ReadOnly || resp.SessionID == 0 {
		t.Fatalf("read-only handshake: %+v", resp)
	}
	rd := r.mustOK("read", proto.OpGetData, &proto.GetDataRequest{Path: "/ro"})
	var gd proto.GetDataResponse
	gd.Decode(rd)
	if string(gd.Data) != "before" {
		t.Fatalf("read-only read = %q", gd.Data)
	}
	r.mustErr("write", proto.ErrNotReadOnly, proto.OpCreate, create("/ro/x", nil, proto.ModePersistent))
	r.mustErr("sync", proto.ErrNotReadOnly, proto.OpSync, &proto.SyncRequest{Path: "/ro"})
	if _, resp := dialRawReq(t, f.Addr, &proto.ConnectRequest{TimeOut: 4000, Passwd: pw, HasReadOnly: true}); resp != nil {
		t.Fatalf("a read-write client got a session from a member without quorum: %+v", resp)
	}

	c.Heal()
	waitFor(t, "isro=rw after healing", func() bool { return fourLetter(t, f.Addr, "isro") == "rw\n" })
	r.expectClosed()
}

// TestEnsembleLaggingMemberCatchesUpBySnapshot: a member that was down
// while the others wrote, snapshotted and compacted their logs past it
// comes back, receives the leader's snapshot over the peer transport,
// restores from it, applies the log after it, serves the data and takes
// part again; its data directory then restarts from that snapshot.
func TestEnsembleLaggingMemberCatchesUpBySnapshot(t *testing.T) {
	cc := zktest.ClusterConfig{Participants: 3, NodeOptions: func(_ uint64, o *node.Options) { o.CatchUpEntries = 20 }}
	c := zktest.StartClusterConfig(t, cc, func(cfg *config.Config) { cfg.SnapCount = 100 })
	lead := c.WaitLeader(10 * time.Second)
	var lagging *zktest.Member
	for _, m := range c.Members {
		if m != lead {
			lagging = m
			break
		}
	}
	cl := connectTo(t, 4*time.Second, lead.Addr)
	if _, err := cl.Create("/snap", []byte("0"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	watcher := connectTo(t, 4*time.Second, lagging.Addr)
	if _, err := watcher.Sync("/snap"); err != nil {
		t.Fatal(err)
	}
	c.Stop(lagging.ID)
	const n = 400 // several snapshots (snapCount 100) and compactions past the stopped member
	for i := range n {
		if _, err := cl.Create(fmt.Sprintf("/snap/n%04d", i), []byte(fmt.Sprint(i)), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	c.Restart(lagging.ID)
	waitFor(t, "the restarted member to catch up", func() bool {
		return lagging.Node().AppliedIndex() >= lead.Node().AppliedIndex()
	})
	snaps, _ := filepath.Glob(filepath.Join(lagging.Cfg.DataDir, "zkd-snap", "*.snap"))
	if len(snaps) == 0 {
		t.Fatal("the lagging member holds no snapshot: it did not catch up by snapshot")
	}
	rc := connectTo(t, 4*time.Second, lagging.Addr)
	children, _, err := rc.Children("/snap")
	if err != nil || len(children) != n {
		t.Fatalf("children on the caught-up member: %d %v", len(children), err)
	}
	if _, err := cl.Set("/snap", []byte("after"), -1); err != nil {
		t.Fatal(err)
	}
	if data, _, err := syncedGet(t, lagging.Addr, "/snap"); err != nil || string(data) != "after" {
		t.Fatalf("write after catch-up on the member: %q %v", data, err)
	}
	// It restarts from what it received.
	c.Stop(lagging.ID)
	c.Restart(lagging.ID)
	if data, _, err := syncedGet(t, lagging.Addr, "/snap/n0399"); err != nil || string(data) != "399" {
		t.Fatalf("after a second restart: %q %v", data, err)
	}
}

// reconfigurable is the cluster option of the reconfig tests.
func reconfigurable(cfg *config.Config) {
	cfg.ReconfigEnabled = true
	cfg.SkipACL = true
	cfg.SnapCount = 100
}

// reconfigRetry runs an incremental reconfig, again after a connection
// loss (a leader change may cut it; removing or adding the same line twice
// is harmless).
func reconfigRetry(t *testing.T, cl *zk.Conn, joining, leaving []string) {
	t.Helper()
	var err error
	for range 10 {
		if _, err = cl.IncrementalReconfig(joining, leaving, -1); err == nil || !errors.Is(err, zk.ErrConnectionClosed) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("reconfig joining %v leaving %v: %v", joining, leaving, err)
	}
}

// TestEnsembleReconfigAddsNewServer: a new server started with an empty
// data directory and a zoo.cfg naming the ensemble and itself finds the
// ensemble (probe), and once reconfig adds it, the leader brings it up to
// date by snapshot and log and makes it a voter.
func TestEnsembleReconfigAddsNewServer(t *testing.T) {
	cc := zktest.ClusterConfig{Participants: 3, NodeOptions: func(_ uint64, o *node.Options) { o.CatchUpEntries = 20 }}
	c := zktest.StartClusterConfig(t, cc, reconfigurable)
	c.WaitLeader(10 * time.Second)
	admin := connectTo(t, 6*time.Second, c.Addrs()...)
	if _, err := admin.Create("/grow", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if _, err := admin.Create(fmt.Sprintf("/grow/n%03d", i), []byte(fmt.Sprint(i)), 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := admin.Create("/load", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	acks := &ackLog{acks: map[string]string{}}
	var errs atomic.Int64
	stop := make(chan struct{})
	wg := writeLoad(t, [][]string{c.Addrs()}, stop, acks, &errs)
	m4 := c.AddMember()
	waitFor(t, "the initial /zookeeper/config", func() bool {
		data, _, err := admin.Get("/zookeeper/config")
		return err == nil && len(data) > 0
	})
	reconfigRetry(t, admin, []string{m4.ServerLine()}, nil)
	waitFor(t, "server 4 to become a voter", func() bool {
		l := c.Leader()
		return l != nil && slices.Contains(l.Node().Voters(), 4)
	})
	before := len(acks.snapshot())
	waitFor(t, "writes with four members", func() bool { return len(acks.snapshot()) > before+50 })
	close(stop)
	wg.Wait()
	checkAcks(t, c, acks.snapshot())
	if data, _, err := syncedGet(t, m4.Addr, "/grow/n299"); err != nil || string(data) != "299" {
		t.Fatalf("the new server's data: %q %v", data, err)
	}
	snaps, _ := filepath.Glob(filepath.Join(m4.Cfg.DataDir, "zkd-snap", "*.snap"))
	if len(snaps) == 0 {
		t.Fatal("the new server holds no snapshot: it was not brought up by snapshot")
	}
	cfgData, _, _ := admin.Get("/zookeeper/config")
	if !strings.Contains(string(cfgData), m4.ServerLine()+"\n") {
		t.Fatalf("/zookeeper/config lacks the new server:\n%s", cfgData)
	}
	// With four voters, the ensemble survives losing one of the old three.
	c.Stop(1)
	c.WaitLeader(10 * time.Second)
	if _, err := connectTo(t, 6*time.Second, m4.Addr).Create("/grow/after", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatalf("write through the new server: %v", err)
	}
}

// TestEnsembleWipedVoterIsRefused: a voter whose data directory was wiped
// must not rejoin under its old id (it would vote without the log it
// acknowledged): its start fails with a message that says what to do;
// after reconfig removes it and adds it back, it starts and catches up.
func TestEnsembleWipedVoterIsRefused(t *testing.T) {
	c := zktest.StartCluster(t, 3, reconfigurable)
	c.WaitLeader(10 * time.Second)
	admin := connectTo(t, 6*time.Second, c.Addrs()[0], c.Addrs()[1])
	if _, err := admin.Create("/keep", []byte("v"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := syncedGet(t, c.Member(3).Addr, "/keep"); err != nil {
		t.Fatal(err)
	}
	c.Stop(3)
	c.Wipe(3)
	err := c.TryRestart(3)
	if err == nil || !strings.Contains(err.Error(), "wiped or replaced") || !strings.Contains(err.Error(), "reconfig") {
		t.Fatalf("restart of a wiped voter: %v, want a refusal that says to reconfig", err)
	}
	c.Stop(3)
	waitFor(t, "the initial /zookeeper/config", func() bool {
		data, _, err := admin.Get("/zookeeper/config")
		return err == nil && len(data) > 0
	})
	reconfigRetry(t, admin, nil, []string{"3"})
	waitFor(t, "raft to drop server 3", func() bool {
		l := c.Leader()
		return l != nil && !slices.Contains(l.Node().Voters(), 3)
	})
	// Every member forgets the old data directory once raft dropped the
	// member (at its next membership check): then the new one may join.
	c.Wipe(3)
	waitFor(t, "the removed server to start with a new data directory", func() bool {
		if err := c.TryRestart(3); err != nil {
			c.Wipe(3)
			return false
		}
		return true
	})
	reconfigRetry(t, admin, []string{c.Member(3).ServerLine()}, nil)
	waitFor(t, "server 3 to be a voter again", func() bool {
		l := c.Leader()
		return l != nil && slices.Contains(l.Node().Voters(), 3)
	})
	if data, _, err := syncedGet(t, c.Member(3).Addr, "/keep"); err != nil || string(data) != "v" {
		t.Fatalf("server 3 after rejoining: %q %v", data, err)
	}
}

// TestEnsembleAdminTransferLeadership: the AdminServer's leader command
// says who leads, and transfer_leadership moves leadership to a chosen
// follower.
func TestEnsembleAdminTransferLeadership(t *testing.T) {
	cc := zktest.ClusterConfig{Participants: 3, NodeOptions: func(_ uint64, o *node.Options) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		o.AdminListener = ln
	}}
	c := zktest.StartClusterConfig(t, cc)
	old := c.WaitLeader(10 * time.Second)
	get := func(m *zktest.Member, cmd string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Get("http://" + m.Node().AdminAddr().String() + "/commands/" + cmd)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, out
	}
	if code, out := get(old, "leader"); code != 200 || out["is_leader"] != true || out["leader_id"] != float64(old.ID) {
		t.Fatalf("leader command on the leader: %d %v", code, out)
	}
	target := c.Followers()[0]
	if code, out := get(target, "transfer_leadership"); code != http.StatusConflict {
		t.Fatalf("transfer_leadership on a follower: %d %v", code, out)
	}
	code, out := get(old, fmt.Sprintf("transfer_leadership?to=%d", target.ID))
	if code != 200 || out["to"] != float64(target.ID) {
		t.Fatalf("transfer_leadership: %d %v", code, out)
	}
	if !target.Node().IsLeader() {
		t.Fatalf("server %d does not lead after the transfer", target.ID)
	}
	if code, out := get(old, "nosuch"); code != 404 || out["error"] == nil {
		t.Fatalf("unknown command: %d %v", code, out)
	}
}

// TestEnsembleClientNeverSeesThePast: a client that saw zxid Z is refused
// by a member that has not applied Z yet (ZooKeeper's lastZxidSeen
// check), so that reconnecting elsewhere never goes back in time; once the
// member caught up, the same handshake succeeds.
func TestEnsembleClientNeverSeesThePast(t *testing.T) {
	c := zktest.StartCluster(t, 3)
	lead := c.WaitLeader(10 * time.Second)
	f := c.Followers()[0]
	c.Partition(f.ID)
	cl := connectTo(t, 4*time.Second, lead.Addr)
	if _, err := cl.Create("/new", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	seen := int64(lead.Node().AppliedIndex())
	if _, resp := dialRawReq(t, f.Addr, &proto.ConnectRequest{LastZxidSeen: seen, TimeOut: 4000, Passwd: make([]byte, 16)}); resp != nil {
		t.Fatalf("a member behind zxid 0x%x gave a session to a client that saw it: %+v", seen, resp)
	}
	c.Heal()
	waitFor(t, "the member to catch up and accept the client", func() bool {
		if f.Node().AppliedIndex() < uint64(seen) {
			return false
		}
		_, resp := dialRawReq(t, f.Addr, &proto.ConnectRequest{LastZxidSeen: seen, TimeOut: 4000, Passwd: make([]byte, 16)})
		return resp != nil && resp.SessionID != 0
	})
}
