// Command zkbench is a load generator for any ZooKeeper-compatible server
// (zkd, Apache ZooKeeper), built on go-zookeeper so that both servers face
// the same client. go-zookeeper's socket reads go through a read buffer
// (its WithDialer option): the same bytes on the wire, fewer read(2) calls
// taken from the cores the client shares with the server. -cpuprofile
// profiles the client itself.
//
//	zkbench -addr 127.0.0.1:2181 -workload get -sessions 8 -outstanding 8 \
//	        -duration 10s -warmup 2s -json out.json -server-pid 1234
//
// Workloads: get, set, mixed (-read-ratio), create-delete, ephemeral,
// multi (three setData in one transaction), watch-fanout, session-churn,
// idle, populate (-nodes), restart-probe (-path, -since) and fsync-probe
// (-dir). Request workloads run closed loop (each session keeps
// -outstanding requests in flight) or, with -rate, open loop at a fixed
// total rate with latency measured from each request's scheduled time.
//
// zkbench prints a table and, with -json, writes the same result as JSON:
// ops/s, latency percentiles (p50/p99/p99.9/max, microseconds, from a
// log-bucketed histogram with < 0.4% error), errors by kind, and with
// -server-pid the server's CPU seconds over the measured window, CPU
// seconds per 1,000 ops and peak resident set (from /proc); -server-pid
// takes a comma-separated list too (an ensemble's members), and then
// reports sums over the processes. -addr likewise takes several servers,
// and go-zookeeper picks one at random for each session. Every znode
// lives under -root (default /zkbench-<pid>), created at the start and
// deleted at the end unless -keep. The exit status is 1 when the run
// could not complete (bad flags, no server, a failed setup); request
// errors during the window are counted, not fatal.
//
// zkbench -report DIR prints Markdown tables comparing the JSON results in
// DIR by -label (median, min–max and ratio per metric); bench/compare.sh
// uses it to write bench/RESULTS.md from its side-by-side runs against
// Apache ZooKeeper.
package main
