package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/zkd-io/zkd/fsm"
)

// Committed is one committed log entry handed to the state loop. Data is
// nil for entries raft appends itself (leader no-ops, conf changes).
type Committed struct {
	Index uint64
	Data  []byte
	// Restore, when set, replaces the state machine: it is the state at
	// Index, from a snapshot the leader sent (Data is then nil).
	Restore *fsm.FSM
}

// Replicator is what the server needs from the replication layer.
type Replicator interface {
	// Enqueue queues an encoded fsm entry for the log, in order with the
	// entries queued before it, and never blocks; entries queued while the
	// log persists earlier ones share its next append and fsync. If the
	// log refuses the entry, onFail (when not nil) is called with the
	// error, from any goroutine.
	Enqueue(data []byte, onFail func(error))
	// Committed delivers committed entries in log order.
	Committed() <-chan []Committed
	// Applied reports the highest index the state loop has applied.
	Applied(index uint64)
	// ReadIndex returns an index such that every entry committed when the
	// call started is at or below it.
	ReadIndex(ctx context.Context) (uint64, error)
	// IsLeader reports whether this server currently leads (expiry and
	// reaping are leader duties).
	IsLeader() bool
	// Leader returns the id of the member this server follows (itself
	// when it leads), 0 while it knows of no leader.
	Leader() uint64
	// ForwardTouches hands the ids of sessions that were active on this
	// server to the leader, whose tracker decides expiry. It must not
	// block; touches that cannot be sent are dropped (the next batch
	// follows half a tick later).
	ForwardTouches(ids []int64)
}

// Info is static text shown by the conf, envi and dirs four-letter words.
type Info struct {
	ClientPort int
	DataDir    string
	DataLogDir string
	Mode       string // "standalone", or the ensemble role when ModeFunc is nil
	// ModeFunc, when set, gives the current role ("leader", "follower",
	// "observer"); it is called from four-letter words and metrics.
	ModeFunc func() string
	DirSize  func() (data, log int64)
}

// Config configures a Server.
type Config struct {
	Listener   net.Listener
	FSM        *fsm.FSM
	Replicator Replicator
	Logger     *slog.Logger

	ServerID          int64
	TickTime          time.Duration
	MinSessionTimeout time.Duration
	MaxSessionTimeout time.Duration
	MaxClientCnxns    int // per client IP; 0 = unlimited
	MaxBuffer         int // jute.maxbuffer
	MaxOutstanding    int // requests read ahead per connection
	HandshakeTimeout  time.Duration
	SuperDigest       string // "super:<base64 sha1>"; empty = none
	SkipACL           bool

	ContainerCheckInterval time.Duration
	ContainerMaxPerMinute  int
	ContainerMaxNeverUsed  time.Duration // 0: never-used containers stay

	// Applied is the log index the FSM already reflects (the snapshot it
	// was restored from); committed entries at or below it are skipped.
	Applied uint64
	// Snapshotter, when set, is asked for a snapshot once SnapCount
	// entries (a random point between half of it and all of it, as in
	// ZooKeeper) or SnapBytes bytes of entries were applied since the last.
	Snapshotter Snapshotter
	SnapCount   int   // zoo.cfg snapCount; 0 means 100000
	SnapBytes   int64 // zookeeper.snapSizeLimitInKb in bytes; 0 = no byte limit

	// Ensemble says the server is one member of several: it forwards
	// session touches to the leader and orders session moves in the log.
	Ensemble bool
	// Membership is the ensemble's initial /zookeeper/config server
	// lines; the first leader records them in the log (fsm.EntryConfig)
	// when the node is still empty.
	Membership []byte
	// OnMembership, when set, is called on the state loop with the data of
	// /zookeeper/config whenever an applied entry changed it, and once at
	// Start when it is not empty. The node turns it into raft membership
	// changes. It must not block.
	OnMembership func(data []byte)
	// WriteTimeout bounds how long a write may stay proposed and not
	// applied before its connection is closed (ConnectionLoss: the client
	// cannot know whether it happened). In an ensemble a proposal can be
	// lost to a leader change; 0 means no bound (standalone).
	WriteTimeout time.Duration
	// LeaderLossTimeout: once this server has known no leader for this
	// long it closes every client connection and refuses new ones until a
	// leader is back, as a ZooKeeper follower that lost its leader does,
	// so clients move to a server of the majority within their session
	// timeout. 0 means never (standalone).
	LeaderLossTimeout time.Duration
	// ReadOnlyMode (readonlymode.enabled): while no leader is known, serve
	// clients that asked for read-only sessions instead of closing them.
	ReadOnlyMode bool

	// FourLetterAllowed reports whether a four-letter word is enabled.
	FourLetterAllowed func(cmd string) bool
	Info              Info

	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (c *Config) validate() error {
	if c.Listener == nil {
		return errors.New("server: no listener")
	}
	if c.FSM == nil || c.Replicator == nil {
		return errors.New("server: fsm and replicator are required")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.TickTime <= 0 {
		c.TickTime = 3 * time.Second
	}
	if c.MinSessionTimeout <= 0 {
		c.MinSessionTimeout = 2 * c.TickTime
	}
	if c.MaxSessionTimeout <= 0 {
		c.MaxSessionTimeout = 20 * c.TickTime
	}
	if c.MinSessionTimeout > c.MaxSessionTimeout {
		return errors.New("server: minSessionTimeout above maxSessionTimeout")
	}
	if c.MaxBuffer <= 0 {
		c.MaxBuffer = 0xfffff
	}
	if c.MaxOutstanding <= 0 {
		c.MaxOutstanding = 1000
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = 10 * time.Second
	}
	if c.ContainerCheckInterval <= 0 {
		c.ContainerCheckInterval = time.Minute
	}
	if c.ContainerMaxPerMinute <= 0 {
		c.ContainerMaxPerMinute = 10000
	}
	if c.FourLetterAllowed == nil {
		c.FourLetterAllowed = func(cmd string) bool { return cmd == "srvr" || cmd == "isro" }
	}
	if c.SnapCount <= 0 {
		c.SnapCount = 100000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Info.Mode == "" {
		c.Info.Mode = "standalone"
	}
	return nil
}
