package zktest

import (
	"context"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/zkd-io/zkd/config"
	"github.com/zkd-io/zkd/node"
)

// Server is a running in-process zkd.
type Server struct {
	Node *node.Node
	Addr string
	Cfg  config.Config
	once sync.Once
	err  error
}

// Option adjusts the config before the server starts.
type Option func(*config.Config)

// Start runs a standalone zkd for the duration of the test. The default
// config is zkd's own with a short tick (200 ms) so session expiry is quick,
// every four-letter word enabled and container checks every 200 ms.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := testConfig(t)
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.DataLogDir == "" || cfg.DataLogDir == config.Default().DataLogDir {
		cfg.DataLogDir = cfg.DataDir
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	cfg.ClientPort = ln.Addr().(*net.TCPAddr).Port
	var log *slog.Logger
	if os.Getenv("ZKD_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := node.Start(ctx, cfg, node.Options{Listener: ln, Logger: log})
	if err != nil {
		ln.Close()
		t.Fatalf("start zkd: %v", err)
	}
	s := &Server{Node: n, Addr: ln.Addr().String(), Cfg: cfg}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("close zkd: %v", err)
		}
	})
	return s
}

// Stop closes the server (once); a later Start with the same DataDir
// restarts it from its log.
func (s *Server) Stop() error {
	s.once.Do(func() { s.err = s.Node.Close() })
	return s.err
}

// Shutdown stops the server gracefully (once, like Stop): node.Shutdown
// writes a snapshot of everything applied first.
func (s *Server) Shutdown(ctx context.Context) error {
	s.once.Do(func() { s.err = s.Node.Shutdown(ctx) })
	return s.err
}

// DataDir keeps a test's servers on one data directory across restarts.
func DataDir(dir string) Option {
	return func(c *config.Config) { c.DataDir = dir }
}

// testConfig is zkd's default config with a fresh data directory, a short
// tick (200 ms) so session expiry is quick, every four-letter word enabled
// and container checks every 200 ms.
func testConfig(t testing.TB) config.Config {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.TickTime = 200 * time.Millisecond
	cfg.MinSessionTimeout = 400 * time.Millisecond
	cfg.MaxSessionTimeout = 20 * time.Second
	cfg.ContainerCheckInterval = 200 * time.Millisecond
	cfg.FourLetterAll = true
	return cfg
}
