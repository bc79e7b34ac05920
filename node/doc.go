// Package node assembles one zkd server from a config.Config: the raft
// node (package raftnode), the replicated state machine (package fsm) and
// the client server (package server), wired so that the state loop applies
// what raft commits. Start returns a running Node; Close stops it and waits
// for every goroutine. Tests and embedders use this package (and zktest)
// rather than wiring the pieces themselves.
//
// Today a node is always a raft group of one member. Its raft log is the
// write-ahead log under dataLogDir/zkd-wal: every entry is fsynced before
// it is applied, and Start replays the whole log (there are no snapshots
// yet) before it accepts a client.
package node
