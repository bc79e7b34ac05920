package zktest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/node"
)

// Cluster is an ensemble of in-process zkd members on 127.0.0.1, each with
// its own data directory, client port and quorum port. Members keep their
// ports across Stop and Restart, so clients and other members find them
// again. Partitions cut chosen links inside the peer transport.
type Cluster struct {
	t           testing.TB
	nodeOptions func(id uint64, o *node.Options)
	opts        []Option
	mu          sync.Mutex
	Members     []*Member // index i holds server id i+1
}

// Member is one server of a Cluster.
type Member struct {
	ID   uint64
	Addr string // client address, stable across restarts
	Cfg  config.Config

	peerAddr string
	ln, pln  net.Listener // held from the choice of the ports to the first start
	mu       sync.Mutex
	node     *node.Node // nil while stopped
}

// take returns the running node and marks the member stopped.
func (m *Member) take() *node.Node {
	m.mu.Lock()
	defer m.mu.Unlock()
	nd := m.node
	m.node = nil
	return nd
}

// Node returns the running node, nil while the member is stopped.
func (m *Member) Node() *node.Node {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.node
}

// StartCluster starts n members that form one ensemble and waits until one
// of them leads. The config is zktest's standalone one (tick 200 ms) with
// server.1..n lines, initLimit 10 and syncLimit 5.
func StartCluster(t testing.TB, n int, opts ...Option) *Cluster {
	t.Helper()
	return StartClusterWithObservers(t, n, 0, opts...)
}

// StartClusterWithObservers starts n participants (server ids 1..n) and
// observers more members (ids n+1..) whose server lines end in :observer.
func StartClusterWithObservers(t testing.TB, n, observers int, opts ...Option) *Cluster {
	t.Helper()
	return StartClusterConfig(t, ClusterConfig{Participants: n, Observers: observers}, opts...)
}

// ClusterConfig shapes a Cluster beyond its zoo.cfg.
type ClusterConfig struct {
	Participants, Observers int
	// NodeOptions, when set, adjusts each member's node.Options (every
	// start and restart).
	NodeOptions func(id uint64, o *node.Options)
}

// StartClusterConfig starts the ensemble cc describes.
func StartClusterConfig(t testing.TB, cc ClusterConfig, opts ...Option) *Cluster {
	t.Helper()
	n, observers := cc.Participants, cc.Observers
	c := &Cluster{t: t, nodeOptions: cc.NodeOptions, opts: opts}
	var servers []config.Server
	for i := range n + observers {
		m := &Member{ID: uint64(i + 1)}
		m.listen(t)
		cport := port(m.Addr)
		servers = append(servers, config.Server{ID: m.ID, Host: "127.0.0.1", QuorumPort: port(m.peerAddr),
			ElectionPort: port(freeAddr(t)), ClientAddr: "127.0.0.1", ClientPort: cport, Observer: i >= n})
		c.Members = append(c.Members, m)
	}
	for _, m := range c.Members {
		m.Cfg = c.memberConfig(m, servers)
	}
	t.Cleanup(c.Close)
	var wg sync.WaitGroup
	errs := make([]error, len(c.Members))
	for i, m := range c.Members {
		wg.Go(func() { errs[i] = c.start(m) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("start cluster: %v", err)
		}
	}
	c.WaitLeader(10 * time.Second)
	return c
}

// memberConfig is m's config: zktest's, with the server lines.
func (c *Cluster) memberConfig(m *Member, servers []config.Server) config.Config {
	cfg := testConfig(c.t)
	cfg.ClientPort = port(m.Addr)
	cfg.Servers = servers
	cfg.MyID = m.ID
	cfg.InitLimit, cfg.SyncLimit = 10, 5
	for _, o := range c.opts {
		o(&cfg)
	}
	if cfg.DataLogDir == "" || cfg.DataLogDir == config.Default().DataLogDir {
		cfg.DataLogDir = cfg.DataDir
	}
	return cfg
}

// AddMember starts a new participant (the next server id) with a fresh
// data directory and a zoo.cfg that lists the ensemble and itself, as an
// operator would before running reconfig to add it. Until a reconfig
// brings it in, the ensemble does not talk to it.
func (c *Cluster) AddMember() *Member {
	c.t.Helper()
	m := &Member{ID: uint64(len(c.Members) + 1)}
	m.listen(c.t)
	line := config.Server{ID: m.ID, Host: "127.0.0.1", QuorumPort: port(m.peerAddr), ElectionPort: port(freeAddr(c.t)),
		ClientAddr: "127.0.0.1", ClientPort: port(m.Addr)}
	servers := append(slices.Clone(c.Members[len(c.Members)-1].Cfg.Servers), line)
	m.Cfg = c.memberConfig(m, servers)
	c.Members = append(c.Members, m)
	if err := c.start(m); err != nil {
		c.t.Fatalf("add member: %v", err)
	}
	return m
}

// ServerLine is member m's server.N line as reconfig takes it.
func (m *Member) ServerLine() string {
	for _, s := range m.Cfg.Servers {
		if s.ID == m.ID {
			return fmt.Sprintf("server.%d=%s", m.ID, s.Spec())
		}
	}
	return ""
}

// TryRestart is Restart that returns the start error instead of failing.
func (c *Cluster) TryRestart(id uint64) error { return c.start(c.Member(id)) }

// Wipe deletes a stopped member's data directory, as an operator who
// replaced its disk would.
func (c *Cluster) Wipe(id uint64) {
	c.t.Helper()
	m := c.Member(id)
	if m.Node() != nil {
		c.t.Fatalf("wipe: server %d is running", id)
	}
	for _, dir := range []string{m.Cfg.DataDir, m.Cfg.DataLogDir} {
		if err := os.RemoveAll(dir); err != nil {
			c.t.Fatalf("wipe: %v", err)
		}
	}
}

// start runs m's node on its fixed ports.
func (c *Cluster) start(m *Member) error {
	ln, pln := m.ln, m.pln // the first start uses the listeners that chose the ports
	m.ln, m.pln = nil, nil
	var err error
	if ln == nil {
		if ln, err = net.Listen("tcp", m.Addr); err != nil {
			return fmt.Errorf("server %d: client port: %w", m.ID, err)
		}
	}
	if pln == nil {
		if pln, err = net.Listen("tcp", m.peerAddr); err != nil {
			ln.Close()
			return fmt.Errorf("server %d: quorum port: %w", m.ID, err)
		}
	}
	var log *slog.Logger
	if os.Getenv("ZKD_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("server", m.ID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	o := node.Options{Listener: ln, PeerListener: pln, Logger: log}
	if c.nodeOptions != nil {
		c.nodeOptions(m.ID, &o)
	}
	nd, err := node.Start(ctx, m.Cfg, o)
	if err != nil {
		return fmt.Errorf("server %d: %w", m.ID, err)
	}
	m.mu.Lock()
	m.node = nd
	m.mu.Unlock()
	return nil
}

// Stop closes member id's node (its data stays for Restart).
func (c *Cluster) Stop(id uint64) {
	c.t.Helper()
	nd := c.Member(id).take()
	if nd == nil {
		return
	}
	if err := nd.Close(); err != nil {
		c.t.Logf("stop server %d: %v", id, err)
	}
}

// Shutdown stops member id gracefully (node.Shutdown: a leader hands its
// leadership over first).
func (c *Cluster) Shutdown(id uint64) {
	c.t.Helper()
	nd := c.Member(id).take()
	if nd == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := nd.Shutdown(ctx); err != nil {
		c.t.Logf("shut down server %d: %v", id, err)
	}
}

// Restart starts a stopped member again from its data directory.
func (c *Cluster) Restart(id uint64) {
	c.t.Helper()
	if err := c.start(c.Member(id)); err != nil {
		c.t.Fatalf("restart: %v", err)
	}
}

// Member returns the member with server id id.
func (c *Cluster) Member(id uint64) *Member { return c.Members[id-1] }

// Leader returns the member that leads with the agreement of every running
// member that knows a leader, or nil.
func (c *Cluster) Leader() *Member {
	var lead uint64
	for _, m := range c.Members {
		nd := m.Node()
		if nd == nil {
			continue
		}
		switch l := nd.Leader(); {
		case l == 0:
		case lead == 0:
			lead = l
		case l != lead:
			return nil
		}
	}
	if lead == 0 {
		return nil
	}
	m := c.Member(lead)
	if nd := m.Node(); nd == nil || !nd.IsLeader() {
		return nil
	}
	return m
}

// WaitLeader waits until Leader is not nil and returns it.
func (c *Cluster) WaitLeader(timeout time.Duration) *Member {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if m := c.Leader(); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("no leader within %v", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Followers returns the running members that do not lead.
func (c *Cluster) Followers() []*Member {
	var out []*Member
	for _, m := range c.Members {
		if nd := m.Node(); nd != nil && !nd.IsLeader() {
			out = append(out, m)
		}
	}
	return out
}

// Partition cuts every link between a member of side and a member not in
// it; Heal restores them all.
func (c *Cluster) Partition(side ...uint64) {
	in := map[uint64]bool{}
	for _, id := range side {
		in[id] = true
	}
	for _, a := range c.Members {
		for _, b := range c.Members {
			if in[a.ID] != in[b.ID] {
				if nd := a.Node(); nd != nil {
					nd.BlockPeer(b.ID, true)
				}
			}
		}
	}
}

// Heal restores every link cut by Partition.
func (c *Cluster) Heal() {
	for _, a := range c.Members {
		for _, b := range c.Members {
			if nd := a.Node(); nd != nil && a != b {
				nd.BlockPeer(b.ID, false)
			}
		}
	}
}

// Addrs returns every member's client address, in id order.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Members))
	for i, m := range c.Members {
		out[i] = m.Addr
	}
	return out
}

// Close stops every member.
func (c *Cluster) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	var wg sync.WaitGroup
	for _, m := range c.Members {
		wg.Go(func() { c.Stop(m.ID) })
	}
	wg.Wait()
}

// listen picks m's client and quorum ports by listening on port 0 and
// keeps the listeners for its first start, so that no other test can take
// the ports in between (restarts listen on the same ports again).
func (m *Member) listen(t testing.TB) {
	t.Helper()
	for _, l := range []*net.Listener{&m.ln, &m.pln} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("listen: %v", err)
		}
		*l = ln
	}
	m.Addr, m.peerAddr = m.ln.Addr().String(), m.pln.Addr().String()
	t.Cleanup(func() {
		for _, l := range []net.Listener{m.ln, m.pln} {
			if l != nil {
				l.Close()
			}
		}
	})
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// port is the port number of a host:port address.
func port(addr string) int {
	a, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		panic(fmt.Sprintf("zktest: bad address %q: %v", addr, err))
	}
	return a.Port
}
