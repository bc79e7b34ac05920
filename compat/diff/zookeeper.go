package diff

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ZooKeeperScript returns the path of Debian's zkServer.sh, or "" when the
// package zookeeper is not installed. ZKD_ZKSERVER_SH, when set, names the
// script to use instead (and nothing else is looked for).
func ZooKeeperScript() string {
	candidates := []string{"/usr/share/zookeeper/bin/zkServer.sh"}
	if p, ok := os.LookupEnv("ZKD_ZKSERVER_SH"); ok {
		candidates = []string{p}
	}
	for _, p := range candidates {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if _, ok := os.LookupEnv("ZKD_ZKSERVER_SH"); ok {
		return ""
	}
	if p, err := exec.LookPath("zkServer.sh"); err == nil {
		return p
	}
	return ""
}

// ZooKeeper is an Apache ZooKeeper server started by a test.
type ZooKeeper struct {
	Addr string
	Dir  string
	cmd  *exec.Cmd
	out  *os.File
}

// Session timing of both servers of a differential run (the harness gives
// zkd the same): a 200 ms tick, so the minimum session timeout (two ticks)
// is 400 ms and a session that stops talking expires within about 600 ms;
// the maximum is 20 s. Runners ask for normalTimeout (expire.go).
const (
	tickMs              = 200
	minSessionTimeoutMs = 2 * tickMs
	maxSessionTimeoutMs = 20000
)

// zooCfg is the server's config: standalone on 127.0.0.1, the session
// timing above (initLimit/syncLimit keep their former 20 s/10 s, unused by
// a standalone server), every four-letter word, no admin server, TTL nodes
// on, and container/TTL reaping pushed out of reach of any run (zkd's tests
// set the same), so that no background deletion races a stream.
const zooCfg = `tickTime=%d
initLimit=100
syncLimit=50
minSessionTimeout=%d
maxSessionTimeout=%d
dataDir=%s
clientPort=%d
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=*
`

// jvmFlags go to SERVER_JVMFLAGS.
const jvmFlags = "-Dzookeeper.extendedTypesEnabled=true -Dznode.container.checkIntervalMs=3600000 " +
	"-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"

// StartZooKeeper runs script (zkServer.sh) start-foreground on a fresh
// temp directory, in its own process group, waits until the server serves
// sessions, and kills the process group when the test ends.
func StartZooKeeper(t testing.TB, script string) *ZooKeeper {
	t.Helper()
	dir := t.TempDir()
	port, err := freePort()
	if err != nil {
		t.Fatalf("zookeeper: %v", err)
	}
	cfg := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, zooCfg, tickMs, minSessionTimeoutMs, maxSessionTimeoutMs, filepath.Join(dir, "data"), port), 0o644); err != nil {
		t.Fatalf("zookeeper: write zoo.cfg: %v", err)
	}
	out, err := os.Create(filepath.Join(dir, "server.out"))
	if err != nil {
		t.Fatalf("zookeeper: %v", err)
	}
	cmd := exec.Command(script, "start-foreground", cfg)
	cmd.Env = append(os.Environ(), "ZOOCFGDIR="+dir, "ZOO_LOG_DIR="+dir, "SERVER_JVMFLAGS="+jvmFlags, "JMXDISABLE=true")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = dir
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		out.Close()
		t.Fatalf("zookeeper: start %s: %v", script, err)
	}
	z := &ZooKeeper{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, cmd: cmd, out: out}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		killProcessGroup(cmd)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Errorf("zookeeper (pid %d) did not exit after SIGKILL", cmd.Process.Pid)
		}
		out.Close()
	})
	for i := 0; i < 300; i++ { // 30 s
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("zookeeper exited during startup: %v\n%s", err, z.Log())
		default:
		}
		// ruok answers as soon as the port is open; srvr prints the mode
		// only once the server accepts sessions.
		if got, err := FourLetter(z.Addr, "srvr"); err == nil && strings.Contains(got, "Mode: ") {
			return z
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("zookeeper did not start serving within 30 s\n%s", z.Log())
	return nil
}

// Log returns what the server printed so far.
func (z *ZooKeeper) Log() string {
	b, _ := os.ReadFile(filepath.Join(z.Dir, "server.out"))
	return string(b)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// FourLetter sends a four-letter word and returns the reply.
func FourLetter(addr, cmd string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte(cmd)); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	_, err = buf.ReadFrom(c)
	return buf.String(), err
}
