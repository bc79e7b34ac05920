package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zkd-io/zkd/compat/diff"
)

var (
	buildOnce sync.Once
	zkdBin    string
	buildErr  error
)

// zkdBinary builds cmd/zkd once per test binary.
func zkdBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "zkd-compat-bin")
		if err != nil {
			buildErr = err
			return
		}
		zkdBin = filepath.Join(dir, "zkd")
		out, err := exec.Command("go", "build", "-o", zkdBin, "github.com/zkd-io/zkd/cmd/zkd").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return zkdBin
}

// requireTool returns the path of an external client or skips (fails
// under ZKD_REQUIRE_EXTERNAL=1) naming the Debian package to install.
func requireTool(t *testing.T, pkg string, candidates ...string) string {
	t.Helper()
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("%s not found; install the Debian package %s (apt-get install %s)", candidates[0], pkg, pkg)
	if os.Getenv("ZKD_REQUIRE_EXTERNAL") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// zkdProcess is a zkd started from a ZooKeeper-style zoo.cfg.
type zkdProcess struct {
	Addr string
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

// startZkd writes a zoo.cfg shaped like ZooKeeper's sample config and
// starts zkd on it.
func startZkd(t *testing.T, extra string) *zkdProcess {
	t.Helper()
	bin := zkdBinary(t)
	dir := t.TempDir()
	port := freePort(t)
	cfg := fmt.Sprintf(`# The number of milliseconds of each tick
tickTime=2000
# The number of ticks that the initial
# synchronization phase can take
initLimit=10
# The number of ticks that can pass between
# sending a request and getting an acknowledgement
syncLimit=5
# the directory where the snapshot is stored.
dataDir=%s
# the port at which the clients will connect
clientPort=%d
clientPortAddress=127.0.0.1
#maxClientCnxns=60
autopurge.snapRetainCount=3
autopurge.purgeInterval=1
4lw.commands.whitelist=*
%s`, filepath.Join(dir, "data"), port, extra)
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &zkdProcess{Addr: fmt.Sprintf("127.0.0.1:%d", port), log: &bytes.Buffer{}}
	p.cmd = exec.Command(bin, cfgPath)
	p.cmd.Stdout = p.log
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("zkd exited with %v after SIGINT\n%s", err, p.log.String())
			}
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-done
			t.Errorf("zkd did not exit within 10s of SIGINT")
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if out, err := fourLetter(p.Addr, "ruok"); err == nil && out == "imok" {
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("zkd did not answer ruok within 15s\n%s", p.log.String())
	return nil
}

// fourLetter sends a four-letter word; the differential tester has the one
// implementation.
func fourLetter(addr, cmd string) (string, error) { return diff.FourLetter(addr, cmd) }

// run executes a client command with a deadline and returns its output.
func run(t *testing.T, timeout time.Duration, stdin string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %v timed out after %v\n%s", name, args, timeout, out)
	}
	if err != nil {
		t.Logf("%s %v: %v", name, args, err)
	}
	return string(out)
}

func mustContain(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Fatalf("%s: output lacks %q:\n%s", what, w, out)
		}
	}
}

// zkSession opens a go-zookeeper session that may use any of addrs and
// waits up to 10s until it is established. The caller closes it.
func zkSession(t *testing.T, timeout time.Duration, addrs ...string) *zk.Conn {
	t.Helper()
	c, events, err := zk.Connect(addrs, timeout, zk.WithLogger(silentLogger{}))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("connect to %v: event channel closed", addrs)
			}
			if ev.State == zk.StateHasSession {
				go func() {
					for range events {
					}
				}()
				return c
			}
		case <-deadline:
			c.Close()
			t.Fatalf("no session with %v within 10s", addrs)
		}
	}
}

type silentLogger struct{}

func (silentLogger) Printf(string, ...any) {}

// readAll gets every path on c, several requests in flight at once. A
// missing znode reads as the zero observed.
func readAll(c *zk.Conn, paths []string) (map[string]observed, error) {
	const readers = 8
	out := make([]observed, len(paths))
	errs := make([]error, readers)
	var wg sync.WaitGroup
	for r := range readers {
		wg.Go(func() {
			for i := r; i < len(paths); i += readers {
				data, st, err := c.Get(paths[i])
				switch {
				case errors.Is(err, zk.ErrNoNode):
				case err != nil:
					errs[r] = fmt.Errorf("get %s: %w", paths[i], err)
					return
				default:
					out[i] = observed{exists: true, data: data, version: st.Version, mzxid: st.Mzxid}
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	seen := make(map[string]observed, len(paths))
	for i, path := range paths {
		seen[path] = out[i]
	}
	return seen, nil
}
