package robust

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// bystanderRoot is the bystander's node; no hostile case touches it.
const bystanderRoot = "/robust-bystander"

// bystander is an ordinary go-zookeeper session that must not notice the
// attack: it holds a data watch and a child watch on its own node, and
// after every batch it must still have its session, no event, and its
// nodes as it made them.
type bystander struct {
	conn     *zk.Conn
	sid      int64
	data     []byte
	children []string
	dataW    <-chan zk.Event
	childW   <-chan zk.Event
	writes   int

	mu     sync.Mutex
	events []zk.Event // session events after setup
	armed  bool
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// startBystander connects, creates its nodes and sets its watches.
func startBystander(t *testing.T, addr string) *bystander {
	t.Helper()
	b := &bystander{data: []byte("bystander data"), children: []string{"c1", "c2", "c3"}}
	conn, events, err := zk.Connect([]string{addr}, 10*time.Second,
		zk.WithLogger(quietLogger{}), zk.WithEventCallback(b.onEvent))
	if err != nil {
		t.Fatalf("bystander connect: %v", err)
	}
	t.Cleanup(conn.Close)
	b.conn = conn
	deadline := time.After(15 * time.Second)
	for conn.State() != zk.StateHasSession {
		select {
		case <-events:
		case <-deadline:
			t.Fatalf("bystander: no session within 15 s (state %v)", conn.State())
		}
	}
	go func() { // keep the library's event channel drained
		for range events {
		}
	}()
	b.sid = conn.SessionID()
	acl := zk.WorldACL(zk.PermAll)
	if _, err := conn.Create(bystanderRoot, b.data, 0, acl); err != nil {
		t.Fatalf("bystander create: %v", err)
	}
	for _, c := range b.children {
		if _, err := conn.Create(bystanderRoot+"/"+c, []byte(c), 0, acl); err != nil {
			t.Fatalf("bystander create child: %v", err)
		}
	}
	if _, err := conn.Create(bystanderRoot+"-scratch", nil, 0, acl); err != nil {
		t.Fatalf("bystander create scratch: %v", err)
	}
	if _, _, b.dataW, err = conn.GetW(bystanderRoot); err != nil {
		t.Fatalf("bystander getW: %v", err)
	}
	if _, _, b.childW, err = conn.ChildrenW(bystanderRoot); err != nil {
		t.Fatalf("bystander childrenW: %v", err)
	}
	b.mu.Lock()
	b.armed = true
	b.mu.Unlock()
	return b
}

func (b *bystander) onEvent(ev zk.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.armed {
		b.events = append(b.events, ev)
	}
}

// check verifies the bystander is untouched; after names the batch.
func (b *bystander) check(t *testing.T, after string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- b.verify() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("bystander after %s: %v", after, err)
		}
	case <-time.After(15 * time.Second):
		t.Errorf("bystander after %s: no answer within 15 s", after)
	}
}

func (b *bystander) verify() error {
	if st := b.conn.State(); st != zk.StateHasSession {
		return fmt.Errorf("state %v, want %v", st, zk.StateHasSession)
	}
	if sid := b.conn.SessionID(); sid != b.sid {
		return fmt.Errorf("session id %#x, want %#x", sid, b.sid)
	}
	b.mu.Lock()
	events := slices.Clone(b.events)
	b.mu.Unlock()
	if len(events) > 0 {
		return fmt.Errorf("session events %v", events)
	}
	select {
	case ev := <-b.dataW:
		return fmt.Errorf("data watch fired: %+v", ev)
	case ev := <-b.childW:
		return fmt.Errorf("child watch fired: %+v", ev)
	default:
	}
	data, _, err := b.conn.Get(bystanderRoot)
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	if !bytes.Equal(data, b.data) {
		return fmt.Errorf("data %q, want %q", data, b.data)
	}
	children, _, err := b.conn.Children(bystanderRoot)
	if err != nil {
		return fmt.Errorf("children: %w", err)
	}
	slices.Sort(children)
	if !slices.Equal(children, b.children) {
		return fmt.Errorf("children %q, want %q", children, b.children)
	}
	for _, c := range b.children {
		got, _, err := b.conn.Get(bystanderRoot + "/" + c)
		if err != nil || string(got) != c {
			return fmt.Errorf("child %s: data %q, err %v", c, got, err)
		}
	}
	b.writes++
	want := []byte(fmt.Sprintf("write %d", b.writes))
	if _, err := b.conn.Set(bystanderRoot+"-scratch", want, -1); err != nil {
		return fmt.Errorf("set scratch: %w", err)
	}
	got, _, err := b.conn.Get(bystanderRoot + "-scratch")
	if err != nil || !bytes.Equal(got, want) {
		return fmt.Errorf("read back scratch: %q, err %v", got, err)
	}
	return nil
}

// finalCheck proves the bystander's watches survived the attack: its own
// changes must fire them (data watch on setData, child watch on create).
func (b *bystander) finalCheck(t *testing.T) {
	t.Helper()
	b.check(t, "the attack")
	b.mu.Lock()
	b.armed = false
	b.mu.Unlock()
	if _, err := b.conn.Set(bystanderRoot, []byte("changed"), -1); err != nil {
		t.Errorf("bystander final set: %v", err)
		return
	}
	waitWatch(t, "data", b.dataW, zk.EventNodeDataChanged)
	if _, err := b.conn.Create(bystanderRoot+"/c4", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Errorf("bystander final create: %v", err)
		return
	}
	waitWatch(t, "child", b.childW, zk.EventNodeChildrenChanged)
}

func waitWatch(t *testing.T, what string, ch <-chan zk.Event, want zk.EventType) {
	t.Helper()
	select {
	case ev := <-ch:
		if ev.Type != want || ev.Path != bystanderRoot {
			t.Errorf("bystander %s watch: %+v, want %v on %s", what, ev, want, bystanderRoot)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("bystander %s watch did not fire within 5 s", what)
	}
}

// awaitReconnect is for a batch during which ZooKeeper is known to close
// the bystander's connection: the bystander must come back with the same
// session, having seen nothing but connection-state events, which are
// then forgotten.
func (b *bystander) awaitReconnect(t *testing.T, after string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for b.conn.State() != zk.StateHasSession || b.conn.SessionID() != b.sid {
		if time.Now().After(deadline) {
			t.Errorf("bystander after %s: not back within 20 s (state %v, session %#x)", after, b.conn.State(), b.conn.SessionID())
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ev := range b.events {
		if ev.Type != zk.EventSession || ev.State == zk.StateExpired {
			t.Errorf("bystander after %s: event %+v", after, ev)
		}
	}
	t.Logf("bystander after %s: %d connection-state events (ZooKeeper drops the session's connection before checking a reattach's password)", after, len(b.events))
	b.events = nil
}
