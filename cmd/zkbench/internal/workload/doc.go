// Package workload drives load against any ZooKeeper-compatible server
// through go-zookeeper (github.com/go-zookeeper/zk), a client neutral to
// both zkd and Apache ZooKeeper, and measures it.
//
// Run takes a Config and returns one Result. Request workloads (get, set,
// mixed, create-delete, ephemeral, multi) run closed loop by default: each
// of Sessions connections keeps Outstanding requests in flight, one
// goroutine per slot sharing the connection (go-zookeeper pipelines them).
// With Rate > 0 they run open loop: a dispatcher schedules requests at
// fixed intervals for the whole run and each request's latency is measured
// from its scheduled time, so a stalled server is charged for the requests
// it delayed (no coordinated omission); requests still waiting when the
// window closes are counted as Late. The dispatcher waits on a Go timer,
// which in an otherwise idle process wakes up to a millisecond late; with
// PreciseTimer it waits on a timerfd instead (Linux; pace_linux.go).
//
// Every run has a warmup (not measured) and a measured window. Only
// requests that start (closed loop) or are scheduled (open loop) inside the
// window are counted; ops/s is their number over the window's length. When
// Config.ServerPIDs is set, the servers' CPU seconds (utime+stime) over the
// window and their largest VmRSS are sampled from /proc; with several PIDs
// (an ensemble's members) both are sums over the processes.
//
// All znodes live under one root (default /zkbench-<pid>) that the run
// creates first and deletes at the end unless Keep is set. The special
// workloads are documented on their functions: watch fan-out (watch.go),
// session churn (churn.go), idle sessions (idle.go), populate
// (populate.go), restart probe (probe.go) and the disk fsync probe
// (fsync.go).
package workload
