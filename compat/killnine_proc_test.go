package compat

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// crashable is a zkd process that can be killed with SIGKILL and started
// again on the same zoo.cfg: the same dataDir and the same client port.
// Each start gets its own log buffer; earlier ones are kept so that a
// failure can show what the killed process printed last.
type crashable struct {
	Addr    string
	DataDir string
	bin     string
	cfgPath string

	cmd  *exec.Cmd
	done chan struct{} // closed when cmd.Wait returns
	exit error         // cmd.Wait's result, valid after done
	log  *bytes.Buffer
	prev *bytes.Buffer // the previous start's log
}

// newCrashable writes a standalone zoo.cfg with a fresh dataDir and a free
// port. It does not start the process.
func newCrashable(t *testing.T, extra string) *crashable {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	dataDir := filepath.Join(dir, "data")
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(fastZooCfg(dataDir, port, extra)), 0o644); err != nil {
		t.Fatal(err)
	}
	return crashableOn(t, cfgPath, dataDir, fmt.Sprintf("127.0.0.1:%d", port))
}

// fastZooCfg is the zoo.cfg of a zkd on 127.0.0.1:clientPort with short
// ticks (200 ms), so that a member that is killed is noticed quickly;
// extra is appended (server.N lines, snapCount, ...).
func fastZooCfg(dataDir string, clientPort int, extra string) string {
	return fmt.Sprintf(`tickTime=200
initLimit=10
syncLimit=5
dataDir=%s
clientPort=%d
clientPortAddress=127.0.0.1
4lw.commands.whitelist=*
%s`, dataDir, clientPort, extra)
}

// crashableOn is a zkd for a zoo.cfg already written at cfgPath, whose
// dataDir and client address the caller knows. It does not start the
// process; the test's cleanup kills it if it still runs.
func crashableOn(t *testing.T, cfgPath, dataDir, addr string) *crashable {
	t.Helper()
	p := &crashable{Addr: addr, DataDir: dataDir, bin: zkdBinary(t), cfgPath: cfgPath}
	t.Cleanup(func() {
		if p.running() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *crashable) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// start runs zkd and waits until it answers ruok (which it does only after
// replaying its log). It fails if the process exits first or does not
// answer within timeout.
func (p *crashable) start(timeout time.Duration) error {
	if p.running() {
		return errors.New("zkd is already running")
	}
	p.prev, p.log = p.log, &bytes.Buffer{}
	p.cmd = exec.Command(p.bin, p.cfgPath)
	p.cmd.Stdout = p.log
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start zkd: %w", err)
	}
	p.done = make(chan struct{})
	go func() {
		p.exit = p.cmd.Wait()
		close(p.done)
	}()
	const poll = 20 * time.Millisecond
	for range int(timeout / poll) {
		select {
		case <-p.done:
			return fmt.Errorf("zkd exited during start-up: %v", p.exit)
		default:
		}
		if out, err := fourLetter(p.Addr, "ruok"); err == nil && out == "imok" {
			return nil
		}
		time.Sleep(poll)
	}
	return fmt.Errorf("zkd did not answer ruok within %v", timeout)
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *crashable) kill() error {
	if !p.running() {
		return fmt.Errorf("zkd was not running when it was to be killed (exit: %v)", p.exit)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		return fmt.Errorf("kill zkd: %w", err)
	}
	<-p.done
	var ee *exec.ExitError
	if !errors.As(p.exit, &ee) {
		return fmt.Errorf("zkd after SIGKILL: %v", p.exit)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		return fmt.Errorf("zkd exited on its own before SIGKILL: %v", p.exit)
	}
	return nil
}

// stop asks zkd to shut down with SIGINT and expects a clean exit.
func (p *crashable) stop(timeout time.Duration) error {
	if !p.running() {
		return fmt.Errorf("zkd was not running (exit: %v)", p.exit)
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
		if p.exit != nil {
			return fmt.Errorf("zkd exited with %v after SIGINT", p.exit)
		}
		return nil
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("zkd did not exit within %v of SIGINT", timeout)
	}
}

// logs returns the previous and the current start's output, for failure
// messages. A process still running is killed first: its output can only
// be read once it is gone, and the test is failing anyway.
func (p *crashable) logs() string {
	if p.running() {
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	var b strings.Builder
	if p.prev != nil {
		fmt.Fprintf(&b, "--- previous zkd (killed) ---\n%s", tail(p.prev.String(), 40))
	}
	if p.log != nil {
		fmt.Fprintf(&b, "--- current zkd ---\n%s", tail(p.log.String(), 40))
	}
	return b.String()
}

// srvrZxid returns the Zxid line of the srvr four-letter word.
func srvrZxid(addr string) (int64, error) {
	v, err := srvrLine(addr, "Zxid")
	if err != nil {
		return 0, err
	}
	z, err := strconv.ParseInt(v, 0, 64)
	if err != nil {
		return 0, fmt.Errorf("srvr: parse Zxid %q: %w", v, err)
	}
	return z, nil
}

// srvrLine returns the value of the "key: value" line of the srvr
// four-letter word (Zxid, Mode, ...).
func srvrLine(addr, key string) (string, error) {
	out, err := fourLetter(addr, "srvr")
	if err != nil {
		return "", fmt.Errorf("srvr: %w", err)
	}
	for line := range strings.SplitSeq(out, "\n") {
		if v, ok := strings.CutPrefix(line, key+": "); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("srvr: no %s line in %q", key, out)
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}
