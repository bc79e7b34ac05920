package compat

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

const (
	ensKillRounds  = 10               // leader SIGKILLs per run
	ensKillBudget  = 80 * time.Second // no round starts after this
	ensWriters     = 4                // concurrent writer sessions
	ensSession     = 5 * time.Second  // their session timeout
	ensWritePause  = 5 * time.Millisecond
	ensResumeBound = 30 * time.Second // sanity bound on a write gap, not a target
	ensSteadyAcks  = 100              // acknowledgements between a restart and the next kill
)

// TestEnsembleLeaderKillNine runs a 3-process ensemble under continuous
// creates from several go-zookeeper sessions that know all three servers,
// and ten times SIGKILLs the leader, measures how long until srvr shows a
// new leader and the client-visible write gap (the longest time no writer
// got an acknowledgement, from the last one before the kill to the first
// one for a request sent after it), restarts the killed member on its
// zoo.cfg and waits for it to rejoin. After each round every member,
// synced, must hold every write acknowledged since the previous check with
// its data; at the end, every write ever acknowledged. Times are reported,
// not asserted.
func TestEnsembleLeaderKillNine(t *testing.T) {
	begin := time.Now()
	e := startEnsemble(t, 3)
	{
		c := zkSession(t, ensSession, e.addrs()...)
		if _, err := c.Create("/ens", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatalf("create /ens: %v", err)
		}
		c.Close()
	}
	log := &ensAckLog{errs: map[string]int{}, other: map[string]int{}}
	load := startEnsWriters(t, e, log)
	defer load.stop()

	var gaps, elections []time.Duration
	checked := 0 // log.acks[:checked] were found on every member
	for round := 1; round <= ensKillRounds && time.Since(begin) < ensKillBudget; round++ {
		old, err := e.waitLeader(10 * time.Second)
		if err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, e.logs())
		}
		killAt := time.Now()
		if err := e.kill(old); err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, e.logs())
		}
		lead, err := e.waitLeader(10 * time.Second)
		if err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, e.logs())
		}
		elected := time.Since(killAt)
		elections = append(elections, elected)
		gap, err := log.gapAround(killAt, ensResumeBound)
		if err != nil {
			t.Fatalf("round %d: after SIGKILL of leader %d: %v\n%s", round, old+1, err, e.logs())
		}
		gaps = append(gaps, gap)
		if err := e.restart(old, ensembleStartup); err != nil {
			t.Fatalf("round %d: restart after SIGKILL: %v\n%s", round, err, e.logs())
		}
		n := log.len()
		if err := checkOnEveryMember(t, e, log.slice(checked, n)); err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, e.logs())
		}
		t.Logf("round %d: SIGKILL leader %d; %d leads (srvr) %v after the kill; write gap %v; %d acknowledged writes so far, all on every member",
			round, old+1, lead+1, elected.Round(time.Millisecond), gap.Round(time.Millisecond), n)
		checked = n
		if err := log.waitAcks(n+ensSteadyAcks, 10*time.Second); err != nil {
			t.Fatalf("round %d: after the restart: %v\n%s", round, err, e.logs())
		}
	}
	expired := load.stop()
	if len(gaps) < ensKillRounds {
		t.Errorf("only %d leader kills within %v, want %d", len(gaps), ensKillBudget, ensKillRounds)
	}
	all := log.slice(0, log.len())
	if err := checkOnEveryMember(t, e, all); err != nil {
		t.Fatalf("final check: %v\n%s", err, e.logs())
	}
	if len(log.other) > 0 {
		t.Errorf("writes failed with errors other than connection loss: %v", log.other)
	}
	t.Logf("failed writes (not retried, not checked): %v; writer sessions that expired: %d of %d",
		log.errs, expired, ensWriters)
	t.Logf("%d acknowledged creates, all on every member; %v", len(all), time.Since(begin).Round(time.Millisecond))
	if len(gaps) > 0 {
		t.Logf("new leader (srvr) over %d leader kills: median %v max %v", len(elections), median(elections), slices.Max(elections).Round(time.Millisecond))
		t.Logf("write gap over %d leader kills: median %v max %v (per round: %v)", len(gaps),
			median(gaps), slices.Max(gaps).Round(time.Millisecond), roundAll(gaps))
	}
}

// median returns the median of ds (not empty), to the millisecond.
func median(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + m) / 2
	}
	return m.Round(time.Millisecond)
}

// ensAck is one acknowledged create.
type ensAck struct {
	path string
	data []byte
	sent time.Time // when the create was issued
	at   time.Time // when its acknowledgement arrived
}

// ensAckLog collects the writers' acknowledgements in the order they
// arrived, and the errors of the writes that failed.
type ensAckLog struct {
	mu    sync.Mutex
	acks  []ensAck       // ordered by at
	errs  map[string]int // failed writes by error text
	other map[string]int // those of errs that are not connectionError
}

func (l *ensAckLog) ack(path string, data []byte, sent time.Time) {
	l.mu.Lock()
	l.acks = append(l.acks, ensAck{path: path, data: data, sent: sent, at: time.Now()})
	l.mu.Unlock()
}

func (l *ensAckLog) fail(err error) {
	l.mu.Lock()
	l.errs[err.Error()]++
	if !connectionError(err) {
		l.other[err.Error()]++
	}
	l.mu.Unlock()
}

func (l *ensAckLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acks)
}

// slice returns a copy of acks[from:to].
func (l *ensAckLog) slice(from, to int) []ensAck {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.acks[from:to])
}

// waitAcks waits until n writes have been acknowledged.
func (l *ensAckLog) waitAcks(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for l.len() < n {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d acknowledged writes after %v, want %d", l.len(), timeout, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// gapAround waits until a write issued after kill is acknowledged and
// returns the longest interval without any acknowledgement between the
// last one before kill and that one. Replies already on their way at the
// kill arrive just after it; they do not end the gap.
func (l *ensAckLog) gapAround(kill time.Time, bound time.Duration) (time.Duration, error) {
	for {
		l.mu.Lock()
		first := slices.IndexFunc(l.acks, func(a ensAck) bool { return a.sent.After(kill) })
		var gap time.Duration
		if first >= 0 {
			start := first
			for start > 0 && !l.acks[start].at.Before(kill) {
				start--
			}
			prev := l.acks[start].at
			if start == 0 && !prev.Before(kill) {
				prev = kill // no acknowledgement before the kill at all
			}
			for _, a := range l.acks[start : first+1] {
				gap = max(gap, a.at.Sub(prev))
				prev = a.at
			}
		}
		l.mu.Unlock()
		if first >= 0 {
			return gap, nil
		}
		if time.Since(kill) > bound {
			return 0, fmt.Errorf("no write issued after the kill was acknowledged within %v", bound)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ensWriterSet is the write load: one goroutine per session, each creating
// /ens/w<i>-<n> until stopped and recording what was acknowledged. A
// failed create is not retried (it may or may not have been applied);
// the next one has a new name.
type ensWriterSet struct {
	conns []*zk.Conn
	sids  []int64 // each session's id at the start
	quit  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

func startEnsWriters(t *testing.T, e *ensembleProcs, log *ensAckLog) *ensWriterSet {
	t.Helper()
	w := &ensWriterSet{quit: make(chan struct{})}
	acl := zk.WorldACL(zk.PermAll)
	for i := range ensWriters {
		c := zkSession(t, ensSession, e.addrs()...)
		w.conns = append(w.conns, c)
		w.sids = append(w.sids, c.SessionID())
		w.wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-w.quit:
					return
				default:
				}
				path := fmt.Sprintf("/ens/w%d-%06d", i, n)
				data := fmt.Appendf(nil, "writer %d write %d", i, n)
				sent := time.Now()
				if _, err := c.Create(path, data, 0, acl); err != nil {
					log.fail(err)
				} else {
					log.ack(path, data, sent)
				}
				time.Sleep(ensWritePause)
			}
		})
	}
	return w
}

// stop ends the writers, closes their sessions and returns how many of
// them ended with another session id than they started with (expired and
// replaced by go-zookeeper). Only the first call does anything.
func (w *ensWriterSet) stop() (expired int) {
	w.once.Do(func() {
		close(w.quit)
		for i, c := range w.conns {
			if c.SessionID() != w.sids[i] {
				expired++
			}
		}
		for _, c := range w.conns {
			c.Close()
		}
		w.wg.Wait()
	})
	return expired
}

// checkOnEveryMember reads every acknowledged write on each member, after
// a sync there, and returns an error naming the ones missing or with other
// data.
func checkOnEveryMember(t *testing.T, e *ensembleProcs, acks []ensAck) error {
	t.Helper()
	paths := make([]string, len(acks))
	for i, a := range acks {
		paths[i] = a.path
	}
	for i, addr := range e.addrs() {
		c := zkSession(t, ensSession, addr)
		if _, err := c.Sync("/ens"); err != nil {
			c.Close()
			return fmt.Errorf("server %d: sync: %w", i+1, err)
		}
		seen, err := readAll(c, paths)
		c.Close()
		if err != nil {
			return fmt.Errorf("server %d: %w", i+1, err)
		}
		var bad []string
		for _, a := range acks {
			if o := seen[a.path]; !o.exists || string(o.data) != string(a.data) {
				bad = append(bad, fmt.Sprintf("%s (acknowledged %v): exists %v data %q, want %q",
					a.path, a.at.Format("15:04:05.000"), o.exists, o.data, a.data))
			}
		}
		if len(bad) > 0 {
			if len(bad) > 10 {
				bad = append(bad[:10], fmt.Sprintf("... and %d more", len(bad)-10))
			}
			return fmt.Errorf("server %d lacks %d of %d acknowledged writes:\n%s", i+1, len(bad), len(acks), strings.Join(bad, "\n"))
		}
	}
	return nil
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}
