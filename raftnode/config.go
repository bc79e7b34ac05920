package raftnode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.etcd.io/raft/v3"
)

// Defaults applied by Config.withDefaults for zero fields.
const (
	DefaultTickInterval              = 100 * time.Millisecond
	DefaultElectionTick              = 10
	DefaultHeartbeatTick             = 1
	DefaultMaxSizePerMsg             = 1 << 20   // 1 MiB of entries per append message
	DefaultMaxInflightMsgs           = 256       // append messages in flight per follower
	DefaultMaxUncommittedEntriesSize = 128 << 20 // 128 MiB of proposed, not yet committed payload
)

// Config describes one member of a raft group.
type Config struct {
	// ID is this member's raft id; it must not be zero.
	ID uint64
	// Peers are the initial voters, used only when Storage is empty (first
	// start); {ID} for a standalone server. Ignored on restart, where the
	// membership comes from Storage.
	Peers []uint64
	// Join, with empty Storage, starts the member without bootstrapping
	// the group: it joins a running one, whose leader brings it in (a
	// conf change) and sends it the log or a snapshot. Peers is then
	// ignored.
	Join bool
	// Storage holds the raft log and HardState; nil means a fresh
	// NewMemoryStorage().
	Storage Storage
	// Applied is the index the consumer's state already reflects (the
	// snapshot it restored); Committed starts after it.
	Applied uint64
	// NoLeaderWait makes Start return as soon as the loop runs, even for a
	// member alone in its group. A standalone member campaigns only once
	// it has applied everything its log committed, which it hands out on
	// Committed: a consumer that starts reading Committed only after Start
	// returns must set this, start reading, then call WaitLeader, or a log
	// longer than Committed's buffer deadlocks the start.
	NoLeaderWait bool
	// Transport carries messages to other members; nil is fine for a group
	// of one (messages to others are then dropped).
	Transport Transport
	// TickInterval is the wall-clock length of one raft tick.
	TickInterval time.Duration
	// ElectionTick and HeartbeatTick are in ticks; ElectionTick must exceed
	// HeartbeatTick.
	ElectionTick  int
	HeartbeatTick int
	// Flow control, passed to raft.Config.
	MaxSizePerMsg             uint64
	MaxInflightMsgs           int
	MaxUncommittedEntriesSize uint64
	// Logger receives the loop's and raft's logs; nil discards them.
	Logger *slog.Logger
	// OnStorage, when set, is called from the appender's goroutine with
	// the error when a Save fails temporarily (it then retries the Save
	// with backoff, holding back every append queued after it and what
	// they acknowledge) and with nil once a retry succeeded.
	OnStorage func(err error)
	// Deliver, when set, receives every committed Batch instead of the
	// Committed channel (which then stays empty), in the same order and
	// with the same contents. It runs on the loop's goroutine, so a
	// consumer that can take a batch without waiting saves the hand-off
	// to another goroutine per batch; it may block (that holds the loop
	// back, as a full Committed channel does) and must return ctx's error
	// once ctx ends.
	Deliver func(ctx context.Context, b Batch) error
}

// withDefaults returns a copy of c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Storage == nil {
		c.Storage = NewMemoryStorage()
	}
	if c.TickInterval == 0 {
		c.TickInterval = DefaultTickInterval
	}
	if c.ElectionTick == 0 {
		c.ElectionTick = DefaultElectionTick
	}
	if c.HeartbeatTick == 0 {
		c.HeartbeatTick = DefaultHeartbeatTick
	}
	if c.MaxSizePerMsg == 0 {
		c.MaxSizePerMsg = DefaultMaxSizePerMsg
	}
	if c.MaxInflightMsgs == 0 {
		c.MaxInflightMsgs = DefaultMaxInflightMsgs
	}
	if c.MaxUncommittedEntriesSize == 0 {
		c.MaxUncommittedEntriesSize = DefaultMaxUncommittedEntriesSize
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// validate checks a Config that has had its defaults applied.
func (c Config) validate() error {
	if c.ID == 0 {
		return errors.New("id must not be zero")
	}
	if c.TickInterval < 0 {
		return fmt.Errorf("negative tick interval %v", c.TickInterval)
	}
	if c.HeartbeatTick <= 0 {
		return fmt.Errorf("heartbeat tick %d must be positive", c.HeartbeatTick)
	}
	if c.ElectionTick <= c.HeartbeatTick {
		return fmt.Errorf("election tick %d must exceed heartbeat tick %d", c.ElectionTick, c.HeartbeatTick)
	}
	if c.MaxInflightMsgs < 0 {
		return fmt.Errorf("negative max inflight messages %d", c.MaxInflightMsgs)
	}
	seen := make(map[uint64]bool, len(c.Peers))
	for _, p := range c.Peers {
		if p == 0 {
			return errors.New("peer id must not be zero")
		}
		if seen[p] {
			return fmt.Errorf("duplicate peer id %d", p)
		}
		seen[p] = true
	}
	return nil
}

// standalone reports whether the configured initial membership is this
// member alone, in which case Start campaigns at once.
func (c Config) standalone() bool {
	return len(c.Peers) == 1 && c.Peers[0] == c.ID
}

// raftConfig builds the library's configuration: PreVote and CheckQuorum
// on, safe (quorum-confirmed) ReadIndex, proposal forwarding on.
func (c Config) raftConfig() *raft.Config {
	return &raft.Config{
		ID:                        c.ID,
		Applied:                   c.Applied,
		ElectionTick:              c.ElectionTick,
		HeartbeatTick:             c.HeartbeatTick,
		Storage:                   c.Storage,
		MaxSizePerMsg:             c.MaxSizePerMsg,
		MaxInflightMsgs:           c.MaxInflightMsgs,
		MaxUncommittedEntriesSize: c.MaxUncommittedEntriesSize,
		CheckQuorum:               true,
		PreVote:                   true,
		StepDownOnRemoval:         true,
		ReadOnlyOption:            raft.ReadOnlySafe,
		AsyncStorageWrites:        true,
		Logger:                    raftLogger{l: c.Logger},
	}
}
