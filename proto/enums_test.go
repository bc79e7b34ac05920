package proto

import (
	"errors"
	"fmt"
	"testing"
)

func TestCreateModePredicates(t *testing.T) {
	tests := []struct {
		m                                            CreateMode
		valid, ephemeral, sequential, container, ttl bool
	}{
		{ModePersistent, true, false, false, false, false},
		{ModeEphemeral, true, true, false, false, false},
		{ModePersistentSequential, true, false, true, false, false},
		{ModeEphemeralSequential, true, true, true, false, false},
		{ModeContainer, true, false, false, true, false},
		{ModePersistentWithTTL, true, false, false, false, true},
		{ModePersistentSequentialWithTTL, true, false, true, false, true},
		{7, false, false, false, false, false},
		{-1, false, false, false, false, false},
	}
	for _, tt := range tests {
		got := [5]bool{tt.m.Valid(), tt.m.Ephemeral(), tt.m.Sequential(), tt.m.Container(), tt.m.TTL()}
		want := [5]bool{tt.valid, tt.ephemeral, tt.sequential, tt.container, tt.ttl}
		if got != want {
			t.Errorf("mode %d: got %v, want %v", tt.m, got, want)
		}
	}
}

func TestCodeOf(t *testing.T) {
	tests := []struct {
		err  error
		want Code
	}{
		{nil, OK},
		{ErrNoNode, ErrNoNode},
		{fmt.Errorf("create /a: %w", ErrNodeExists), ErrNodeExists},
		{errors.New("disk on fire"), ErrSystemError},
	}
	for _, tt := range tests {
		if got := CodeOf(tt.err); got != tt.want {
			t.Errorf("CodeOf(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestNames(t *testing.T) {
	tests := []struct{ got, want string }{
		{ErrNoNode.Error(), "zk: no node"},
		{Code(-999).Error(), "zk: error code -999"},
		{ErrBadVersion.String(), "zk: bad version"},
		{OpGetChildren2.String(), "getChildren2"},
		{OpCode(10).String(), "op(10)"},
		{EventNodeChildrenChanged.String(), "NodeChildrenChanged"},
		{EventNone.String(), "None"},
		{EventType(99).String(), "EventType(?)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
