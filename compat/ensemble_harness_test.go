package compat

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// ensembleStartup bounds a member's start (to ruok) and the wait for a
// leader that every running member agrees on.
const ensembleStartup = 20 * time.Second

// ensembleProcs is an ensemble of real zkd processes. Each member runs on
// its own zoo.cfg, written exactly as for an Apache ZooKeeper ensemble:
// tickTime, initLimit, syncLimit, a dataDir holding a myid file, clientPort
// and one server.N=host:quorumPort:electionPort;clientAddress:clientPort
// line per member, all on 127.0.0.1. zkd uses the quorum port and accepts
// the election port unused. members[i] is server i+1; a member keeps its
// ports and dataDir across kill and restart.
type ensembleProcs struct {
	members []*crashable
	lines   []string // server.N=... as written in every zoo.cfg
}

// superAuth is the super user's password in the ensembles' zoo.cfg
// (DigestAuthenticationProvider.superDigest), for reconfig through zkCli.
const superAuth = "super:test"

// superDigestLine is the zoo.cfg line that makes superAuth the super user.
func superDigestLine() string {
	sum := sha1.Sum([]byte(superAuth))
	return "DigestAuthenticationProvider.superDigest=super:" + base64.StdEncoding.EncodeToString(sum[:]) + "\n"
}

// startEnsemble writes n zoo.cfgs, starts the n members together (one
// alone has no quorum to lead) and waits until one leads and the others
// follow.
func startEnsemble(t *testing.T, n int) *ensembleProcs {
	t.Helper()
	type ports struct{ quorum, election, client int }
	ps := make([]ports, n)
	e := &ensembleProcs{}
	var servers strings.Builder
	servers.WriteString("reconfigEnabled=true\n" + superDigestLine())
	for i := range ps {
		ps[i] = ports{freePort(t), freePort(t), freePort(t)}
		line := fmt.Sprintf("server.%d=127.0.0.1:%d:%d;127.0.0.1:%d", i+1, ps[i].quorum, ps[i].election, ps[i].client)
		e.lines = append(e.lines, line)
		servers.WriteString(line + "\n")
	}
	for i, p := range ps {
		dir := t.TempDir()
		dataDir := filepath.Join(dir, "data")
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dataDir, "myid"), fmt.Appendf(nil, "%d\n", i+1), 0o644); err != nil {
			t.Fatal(err)
		}
		cfgPath := filepath.Join(dir, "zoo.cfg")
		if err := os.WriteFile(cfgPath, []byte(fastZooCfg(dataDir, p.client, servers.String())), 0o644); err != nil {
			t.Fatal(err)
		}
		e.members = append(e.members, crashableOn(t, cfgPath, dataDir, fmt.Sprintf("127.0.0.1:%d", p.client)))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, m := range e.members {
		wg.Go(func() { errs[i] = m.start(ensembleStartup) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("server %d: %v\n%s", i+1, err, e.logs())
		}
	}
	if _, err := e.waitLeader(ensembleStartup); err != nil {
		t.Fatalf("%v\n%s", err, e.logs())
	}
	return e
}

// addrs returns every member's client address, in server id order.
func (e *ensembleProcs) addrs() []string {
	out := make([]string, len(e.members))
	for i, m := range e.members {
		out[i] = m.Addr
	}
	return out
}

// connString is the connection string of the whole ensemble, as
// ZooKeeper clients take it: host:port,host:port,...
func (e *ensembleProcs) connString() string { return strings.Join(e.addrs(), ",") }

// kill SIGKILLs member i (0-based).
func (e *ensembleProcs) kill(i int) error {
	if err := e.members[i].kill(); err != nil {
		return fmt.Errorf("server %d: %w", i+1, err)
	}
	return nil
}

// restart starts member i again on its zoo.cfg and waits until it answers
// ruok and has joined the ensemble: srvr shows it leading or following.
func (e *ensembleProcs) restart(i int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	if err := e.members[i].start(timeout); err != nil {
		return fmt.Errorf("server %d: %w", i+1, err)
	}
	for {
		mode, err := srvrLine(e.members[i].Addr, "Mode")
		if err == nil && (mode == "leader" || mode == "follower") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server %d: not leading or following %v after its restart (mode %q, %v)", i+1, timeout, mode, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// modes asks every running member for its srvr Mode; a stopped member or
// one that does not answer has "".
func (e *ensembleProcs) modes() []string {
	out := make([]string, len(e.members))
	for i, m := range e.members {
		if m.running() {
			out[i], _ = srvrLine(m.Addr, "Mode")
		}
	}
	return out
}

// leader returns the member (0-based) that srvr shows as leader while
// every other running member shows follower, or an error that lists the
// modes.
func (e *ensembleProcs) leader() (int, error) {
	modes := e.modes()
	lead := -1
	for i, mode := range modes {
		switch {
		case !e.members[i].running():
		case mode == "leader" && lead < 0:
			lead = i
		case mode != "follower":
			return -1, fmt.Errorf("srvr modes %q: want one leader and followers", modes)
		}
	}
	if lead < 0 {
		return -1, fmt.Errorf("srvr modes %q: no leader", modes)
	}
	return lead, nil
}

// waitLeader polls leader until it succeeds or timeout passes.
func (e *ensembleProcs) waitLeader(timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for {
		i, err := e.leader()
		if err == nil {
			return i, nil
		}
		if time.Now().After(deadline) {
			return -1, fmt.Errorf("no agreed leader within %v: %w", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// followers returns the running members that srvr shows as followers.
func (e *ensembleProcs) followers() []int {
	var out []int
	for i, mode := range e.modes() {
		if mode == "follower" {
			out = append(out, i)
		}
	}
	return out
}

// logs returns every member's recent output, for failure messages. It
// kills the members still running (see crashable.logs).
func (e *ensembleProcs) logs() string {
	var b strings.Builder
	for i, m := range e.members {
		fmt.Fprintf(&b, "=== server %d (%s) ===\n%s", i+1, m.Addr, m.logs())
	}
	return b.String()
}
