// Package zkd is a ZooKeeper-compatible coordination service: a server that
// speaks Apache ZooKeeper's client wire protocol on a replicated state
// machine driven by Raft. The packages beneath this one hold the pieces; see
// DESIGN.md in the shared docs and each package's doc.go. This root package
// holds no code: its test enforces the import graph between the packages.
package zkd
