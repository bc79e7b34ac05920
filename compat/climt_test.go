package compat

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer collects a process's output for polling while it runs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// interactive drives a line-oriented client: send a line, wait until the
// output contains what the step expects.
type interactive struct {
	t     *testing.T
	stdin io.WriteCloser
	out   *lockedBuffer
}

func (c *interactive) step(line string, wants ...string) string {
	c.t.Helper()
	start := len(c.out.String())
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		c.t.Fatalf("write %q: %v", line, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := c.out.String()[start:]
		ok := true
		for _, w := range wants {
			if !strings.Contains(got, w) {
				ok = false
			}
		}
		if ok {
			return got
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("after %q: output lacks %q within 10s; got:\n%s", line, wants, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCliMtAgainstZkdFromZooCfg drives zkd with the C client's cli_mt for
// create/get/set/ls/stat(exists)/delete.
func TestCliMtAgainstZkdFromZooCfg(t *testing.T) {
	cliMt := requireTool(t, "zookeeper-bin", "cli_mt", "/usr/lib/zookeeper/bin/cli_mt")
	runCliMt(t, cliMt, startZkd(t, "").Addr)
}

// TestCliMtAgainstEnsemble runs the same cli_mt session against a
// 3-process zkd ensemble, given all three servers.
func TestCliMtAgainstEnsemble(t *testing.T) {
	cliMt := requireTool(t, "zookeeper-bin", "cli_mt", "/usr/lib/zookeeper/bin/cli_mt")
	runCliMt(t, cliMt, startEnsemble(t, 3).connString())
}

// runCliMt drives cli_mt connected to hosts (a ZooKeeper connection string).
func runCliMt(t *testing.T, cliMt, hosts string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, cliMt, hosts)
	out := &lockedBuffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	c := &interactive{t: t, stdin: stdin, out: out}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "Connected") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	c.step("create /cmt", "[/cmt]: rc = 0")
	c.step("set /cmt hello", "/cmt: rc = 0 Stat:", "version=1")
	c.step("get /cmt", "value_len = 5", "hello", "version=1")
	c.step("ls /", "\tcmt", "\tzookeeper")
	c.step("create +s /cmt/s-", "name = /cmt/s-0000000000")
	c.step("create +s /cmt/s-", "name = /cmt/s-0000000001")
	c.step("ls2 /cmt", "s-0000000000", "s-0000000001")
	c.step("delete /cmt/s-0000000000", "/cmt/s-0000000000: rc = 0")
	c.step("delete /cmt", "/cmt: rc = -111")
	c.step("delete /cmt/s-0000000001", "/cmt/s-0000000001: rc = 0")
	c.step("delete /cmt", "/cmt: rc = 0")
	c.step("exists /cmt", "Error -101 for /cmt")
	c.step("quit")
}
