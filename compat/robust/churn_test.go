package robust

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkd-io/zkd/compat/diff"
	"github.com/zkd-io/zkd/proto"
)

// aliveConnections reads zk_num_alive_connections from mntr.
func aliveConnections(addr string) (int, error) {
	out, err := diff.FourLetter(addr, "mntr")
	if err != nil && out == "" {
		return 0, fmt.Errorf("mntr: %w", err)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "\t")
		if ok && k == "zk_num_alive_connections" {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, fmt.Errorf("mntr has no zk_num_alive_connections: %q", out)
}

// waitAlive polls mntr until at most want connections are alive.
func waitAlive(t *testing.T, addr string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		n, err := aliveConnections(addr)
		if err == nil && n <= want {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("alive connections: %d (err %v), want at most %d within %v", n, err, want, within)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// churn opens and closes 200 connections rapidly, ten at a time, in five
// styles: TCP only; ConnectRequest sent and never read; full handshake;
// half a ConnectRequest then a reset; handshake, 20 pipelined writes,
// then a reset. Afterwards the server must be back to the connections it
// had.
func churn(t *testing.T, addr string) {
	before, err := aliveConnections(addr)
	if err != nil {
		t.Fatalf("churn: %v", err)
	}
	const total, parallel = 200, 10
	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	start := time.Now()
	for wave := 0; wave < total/parallel; wave++ {
		var wg sync.WaitGroup
		for i := 0; i < parallel; i++ {
			n := wave*parallel + i
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := churnOne(addr, n%5); err != nil {
					fail("connection %d (style %d): %v", n, n%5, err)
				}
			}()
		}
		wg.Wait()
	}
	t.Logf("churn: %d connections in %v", total, time.Since(start).Round(time.Millisecond))
	for _, f := range failures {
		t.Errorf("churn: %s", f)
	}
	waitAlive(t, addr, before, 10*time.Second)
}

func churnOne(addr string, style int) error {
	w, err := dialWire(addr)
	if err != nil {
		return err
	}
	defer w.close()
	switch style {
	case 1:
		return w.send(connectFrame(6000))
	case 2:
		return w.handshake(6000)
	case 3:
		if err := w.send(connectFrame(6000)[:17]); err != nil {
			return err
		}
		return reset(w)
	case 4:
		if err := w.handshake(6000); err != nil {
			return err
		}
		set := request(1, proto.OpSetData, &proto.SetDataRequest{Path: "/robust-churn", Data: []byte("x"), Version: -1})
		if err := w.send(concat(create(1, "/robust-churn"), repeat(set, 20))); err != nil {
			return err
		}
		return reset(w)
	}
	return nil
}

// reset makes the coming close send a TCP reset.
func reset(w *wire) error {
	if tc, ok := w.nc.(*net.TCPConn); ok {
		return tc.SetLinger(0)
	}
	return nil
}

// perIPCap (zkd only) opens more connections than maxClientCnxns allows
// from one address: those past the cap are closed at once, the others
// stay, and once they close the address may connect again.
func perIPCap(limit int) func(t *testing.T, addr string) {
	return func(t *testing.T, addr string) {
		waitAlive(t, addr, 1, 10*time.Second) // the bystander only
		extra := 10
		conns := make([]*wire, 0, limit+extra)
		defer func() {
			for _, w := range conns {
				w.close()
			}
		}()
		for i := 0; i < limit-1+extra; i++ { // the bystander holds one slot
			w, err := dialWire(addr)
			if err != nil {
				t.Fatalf("cap: %v", err)
			}
			conns = append(conns, w)
		}
		// Read every connection at once: a refused one ends with EOF, an
		// accepted one times out (it waits for a ConnectRequest).
		ended := make(chan bool, len(conns))
		deadline := time.Now().Add(time.Second)
		for _, w := range conns {
			go func() {
				_, err := w.next(deadline)
				ended <- err != nil && !isTimeout(err)
			}()
		}
		closed := 0
		for range conns {
			if <-ended {
				closed++
			}
		}
		// Up to two slots may still be held by connections whose close
		// the server has not processed yet (the mntr probe's, say).
		if closed < extra || closed > extra+2 {
			t.Errorf("cap %d: %d of %d connections closed at once, want %d", limit, closed, len(conns), extra)
		}
		for _, w := range conns {
			w.close()
		}
		conns = nil
		// The server releases the slots as it notices the closes.
		deadline = time.Now().Add(5 * time.Second)
		for {
			err := checkServes(addr)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("cap: 5 s after closing: %v", err)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// checkServes opens a fresh session and reads "/".
func checkServes(addr string) error {
	c := hostileCase{name: "health", send: func() []byte { return exists(1, "/") }, replies: 1}
	got, err := runCase(addr, &c)
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	if got != "1:OK open" {
		return fmt.Errorf("health check: %q", got)
	}
	return nil
}
