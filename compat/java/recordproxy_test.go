package java

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// recordingProxy forwards TCP connections from 127.0.0.1 to a target and
// keeps every byte each side sent, one recordedConn per connection in
// accept order.
type recordingProxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	// mu guards conns and open.
	mu    sync.Mutex
	conns []*recordedConn
	open  []net.Conn
}

// recordedConn is what one connection carried. Each buffer has one writer
// (its pump goroutine) and is read only after the pumps have finished.
type recordedConn struct {
	toServer bytes.Buffer
	toClient bytes.Buffer
}

func startRecordingProxy(t *testing.T, target string) *recordingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("recording proxy: %v", err)
	}
	p := &recordingProxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() { p.stop(0) })
	return p
}

func (p *recordingProxy) Addr() string { return p.ln.Addr().String() }

func (p *recordingProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			client.Close()
			continue
		}
		rc := &recordedConn{}
		p.mu.Lock()
		p.conns = append(p.conns, rc)
		p.open = append(p.open, client, server)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pump(client, server, &rc.toServer)
		go p.pump(server, client, &rc.toClient)
	}
}

// pump copies src to dst, recording it; when either side ends, both
// sockets are closed, as the peer of a closed connection would see.
func (p *recordingProxy) pump(src, dst net.Conn, rec *bytes.Buffer) {
	defer p.wg.Done()
	_, _ = io.Copy(io.MultiWriter(dst, rec), src)
	src.Close()
	dst.Close()
}

// stop closes the listener, gives open connections grace to end by
// themselves, then closes them, and returns the recordings.
func (p *recordingProxy) stop(grace time.Duration) []*recordedConn {
	p.ln.Close()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		p.mu.Lock()
		for _, c := range p.open {
			c.Close()
		}
		p.mu.Unlock()
		<-done
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns
}
