// Package node assembles one zkd server from a config.Config: the raft
// node (package raftnode), the replicated state machine (package fsm) and
// the client server (package server), wired so that the state loop applies
// what raft commits. Start returns a running Node; Close stops it and waits
// for every goroutine. Tests and embedders use this package (and zktest)
// rather than wiring the pieces themselves.
//
// Today a node is always a raft group of one member over in-memory raft
// storage: nothing survives a restart (durable storage is the next step).
package node
