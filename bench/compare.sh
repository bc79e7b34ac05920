#!/usr/bin/env bash
# bench/compare.sh — zkd and Apache ZooKeeper 3.8 side by side, same client
# (cmd/zkbench, built on go-zookeeper), same machine, same run. Writes
# bench/RESULTS.md. Run from the repository root:
#
#   bash bench/compare.sh
#   REPS=5 DURATION=30s WARMUP=5s bash bench/compare.sh
#
# Every knob is an environment variable (defaults below); bench/README.md
# explains each phase. The script kills only the processes it started, by
# PID, when it exits (trap), and leaves its raw JSON in $WORK.
set -euo pipefail

REPS=${REPS:-3}                  # repetitions of every workload per server
DURATION=${DURATION:-5s}         # measured window per run
WARMUP=${WARMUP:-2s}             # unmeasured run before each window
SESSIONS=${SESSIONS:-8}          # request workloads: sessions...
OUTSTANDING=${OUTSTANDING:-8}    # ...each with this many requests in flight
SIZE=${SIZE:-100}                # data bytes per znode
NODES=${NODES:-10000}            # working set of get/set/mixed/multi
READ_RATIO=${READ_RATIO:-0.9}    # mixed
WATCHERS=${WATCHERS:-100}        # watch-fanout sessions
CHURNERS=${CHURNERS:-8}          # session-churn: parallel connect/close loops
IDLE_SESSIONS=${IDLE_SESSIONS:-1000}
POPULATE_NODES=${POPULATE_NODES:-20000} # populate, then restart probe reads them back
WORKLOADS=${WORKLOADS:-"get set mixed create-delete ephemeral multi watch-fanout session-churn"}
FRESH=${FRESH:-1}                # 1 = run phase 2 (idle, populate, restart-probe on fresh servers)
ENSEMBLE=${ENSEMBLE:-1}          # 1 = run phase 3 (3-member ensembles of each server)
# Phase 3's workloads: by default those of WORKLOADS among get, set, mixed.
ENSEMBLE_WORKLOADS=${ENSEMBLE_WORKLOADS-$(for w in $WORKLOADS; do case $w in get | set | mixed) printf '%s ' "$w" ;; esac; done)}
ENSEMBLE_WORKLOADS=${ENSEMBLE_WORKLOADS% }
TICK_MS=${TICK_MS:-2000}         # tickTime of both servers
ZK_HEAP=${ZK_HEAP:--Xmx2g}       # SERVER_JVMFLAGS of ZooKeeper
ZKSERVER=${ZKSERVER:-/usr/share/zookeeper/bin/zkServer.sh}
OUT=${OUT:-bench/RESULTS.md}
NOTE=${NOTE:-"Short run (${DURATION} windows, ${REPS} repetitions): indicative only; it will be regenerated with longer runs."}

if [ ! -f go.mod ] || [ ! -d cmd/zkd ]; then
	echo "compare.sh: run from the repository root (bash bench/compare.sh)" >&2
	exit 2
fi
if [ ! -x "$ZKSERVER" ]; then
	echo "compare.sh: $ZKSERVER not found; install the Debian package zookeeper (apt-get install zookeeper)" >&2
	exit 2
fi

WORK=$(mktemp -d /tmp/zkd-compare.XXXXXX)
JSON="$WORK/json"              # phases 1 and 2
ENS_JSON="$WORK/json-ensemble" # phase 3
mkdir -p "$JSON" "$ENS_JSON"
LOG="$WORK/compare.log"
STARTED=() # every PID this script started
FAILED=()  # runs that did not complete

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

log "work directory $WORK"
log "building zkd and zkbench"
go build -o "$WORK/zkd" ./cmd/zkd
go build -o "$WORK/zkbench" ./cmd/zkbench
ZKD_BUILT="$(date -u '+%Y-%m-%d %H:%M UTC'), sha256 $(sha256sum "$WORK/zkd" | cut -c1-12)"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
FSYNC_JSON="$WORK/fsync-probe.json"
"$WORK/zkbench" -workload fsync-probe -dir "$WORK" -duration 3s -q -json "$FSYNC_JSON" >>"$LOG" 2>&1

# Phase 1: steady workloads against one long-lived server of each kind.
start_fresh zookeeper
start_fresh zkd
ZK_VERSION=$(four_letter "${PORT[zookeeper]}" srvr | sed -n 's/^Zookeeper version: //p')
ZKD_VERSION=$(four_letter "${PORT[zkd]}" srvr | sed -n 's/^Zookeeper version: //p')
alternate bench "$WORKLOADS"
stop_pid "${PID[zookeeper]}"
stop_pid "${PID[zkd]}"

# Phase 2, on a fresh server each time: hold idle sessions (so that RSS
# growth is not blurred by earlier workloads' garbage), populate, stop it
# (SIGTERM), start it again on the same data directory and let
# restart-probe time launch → first successful getData of a populated znode.
if [ "$FRESH" = 1 ]; then
	for ((rep = 1; rep <= REPS; rep++)); do
		for server in $(order "$rep"); do
			log "rep $rep/$REPS: idle, populate $POPULATE_NODES, restart on $server"
			start_fresh "$server"
			bench "$server" idle "$rep" -duration "$DURATION" -warmup "$WARMUP" -sessions "$IDLE_SESSIONS"
			bench "$server" populate "$rep" -nodes "$POPULATE_NODES" -sessions "$SESSIONS" \
				-outstanding "$OUTSTANDING" -root /zkbench-restart -keep
			stop_pid "${PID[$server]}"
			since=$(date +%s%N)
			spawn "$server" "${DIR[$server]}"
			PID[$server]=$SERVER_PID
			bench "$server" restart-probe "$rep" -path /zkbench-restart/n0000000 -since "$since" -timeout 300s
			await_ready "$server" "${DIR[$server]}" "${PORT[$server]}"
			stop_pid "$SERVER_PID"
		done
	done
fi

# Phase 3: a 3-member ensemble of each server on this machine, both
# running throughout, the same zoo.cfg plus server.1..3 lines and myid.
# Every run's sessions are spread over the three members (-addr lists
# them; go-zookeeper picks one at random per session), and CPU and RSS are
# summed over the three processes.
if [ "$ENSEMBLE" = 1 ] && [ -n "$ENSEMBLE_WORKLOADS" ]; then
	start_ensemble zookeeper
	start_ensemble zkd
	alternate bench_ensemble "$ENSEMBLE_WORKLOADS"
	ENS_MODES="zookeeper: $(ensemble_modes zookeeper); zkd: $(ensemble_modes zkd)"
	stop_ensemble zookeeper
	stop_ensemble zkd
fi

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# RESULTS.md: tables from zkbench -report, then how and where they were made.
json_v() { grep -m1 "\"$2\":" "$1" | sed 's/.*: *//; s/,$//'; } # json_v FILE KEY: first value of KEY
json_p() { json_v "$1" "$2" | xargs printf '%.0f'; }
# median_ops DIR LABEL WORKLOAD: median ops/s over the repetitions, as
# zkbench -report computes it (mean of the middle two for an even count).
median_ops() {
	local f
	for f in "$1/$2-$3"-r*.json; do
		[ -f "$f" ] && json_v "$f" ops_per_sec
	done | sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# set_target: the issue's target line for set on the ensemble.
set_target() {
	local zk zkd
	zk=$(median_ops "$ENS_JSON" zookeeper set)
	zkd=$(median_ops "$ENS_JSON" zkd set)
	if [ -z "$zk" ] || [ -z "$zkd" ] || [ "$zk" = 0 ]; then
		echo "**Target** zkd ≥ 2.5× ZooKeeper's set throughput on the 3-node ensemble: **not measured** (no set result for both servers)."
		return
	fi
	awk -v zk="$zk" -v zkd="$zkd" -v reps="$REPS" 'BEGIN {
		r = zkd / zk
		printf "**Target** zkd ≥ 2.5× ZooKeeper'"'"'s set throughput on the 3-node ensemble: **%s** — measured %.2f× (zkd %.0f ops/s, ZooKeeper %.0f ops/s; %s).\n", (r >= 2.5) ? "met" : "not met", r, zkd, zk, (reps == 1) ? "one repetition" : "medians of " reps " repetitions"
	}'
}
{
	echo "# zkd vs Apache ZooKeeper — benchmark results"
	echo
	echo "> $NOTE"
	echo
	echo "Generated by \`bench/compare.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Client: \`cmd/zkbench\`"
	echo "(go-zookeeper) for both servers. Ratio = zkd / ZooKeeper of the medians; the"
	echo "*better* column says which direction is better for that metric. Latencies in µs."
	echo "Server CPU is utime+stime of the server process over the measured window"
	echo "(/proc/PID/stat); peak RSS is the largest VmRSS sampled every 100 ms in the window."
	echo "The client runs on the same 2 cores as the server, so CPU-bound numbers are"
	echo "shared with the load generator (see *client CPU* in the raw JSON)."
	echo "Every target of the benchmark issue, met or not, and why: [TARGETS.md](TARGETS.md)"
	echo "(written by hand from this file and the other bench/*.md)."
	echo
	echo "## Standalone"
	echo
	"$WORK/zkbench" -report "$JSON" -report-labels zookeeper,zkd
	echo
	echo "## 3-node ensemble"
	echo
	if [ "$ENSEMBLE" = 1 ] && [ -n "$ENSEMBLE_WORKLOADS" ]; then
		echo "Three ZooKeeper and three zkd members on 127.0.0.1, both ensembles running"
		echo "throughout; each run's $SESSIONS sessions spread over the three members (go-zookeeper"
		echo "picks a member at random per session). *Server CPU* and *server peak RSS* are"
		echo "sums over the three member processes (CPU: utime+stime of each; peak RSS: the"
		echo "largest sum of their VmRSS sampled together every 100 ms). Roles at the end: $ENS_MODES."
		echo
		set_target
		echo
		"$WORK/zkbench" -report "$ENS_JSON" -report-labels zookeeper,zkd
	else
		echo "Not run (ENSEMBLE=$ENSEMBLE, ENSEMBLE_WORKLOADS='$ENSEMBLE_WORKLOADS')."
	fi
	echo
	echo "## How it was run"
	echo
	echo '```sh'
	echo "REPS=$REPS DURATION=$DURATION WARMUP=$WARMUP SESSIONS=$SESSIONS OUTSTANDING=$OUTSTANDING \\"
	echo "  SIZE=$SIZE NODES=$NODES READ_RATIO=$READ_RATIO WATCHERS=$WATCHERS CHURNERS=$CHURNERS \\"
	echo "  IDLE_SESSIONS=$IDLE_SESSIONS POPULATE_NODES=$POPULATE_NODES TICK_MS=$TICK_MS \\"
	echo "  ZK_HEAP='$ZK_HEAP' WORKLOADS='$WORKLOADS' FRESH=$FRESH \\"
	echo "  ENSEMBLE=$ENSEMBLE ENSEMBLE_WORKLOADS='$ENSEMBLE_WORKLOADS' bash bench/compare.sh"
	echo '```'
	echo
	echo "- Phase 1: one ZooKeeper and one zkd, each on a fresh data directory, both running"
	echo "  throughout; for each repetition every workload runs on one server then the other,"
	echo "  the order alternating between repetitions."
	echo "- Phase 2 (idle, populate, restart-probe): per repetition and server, a fresh server"
	echo "  holds $IDLE_SESSIONS idle sessions, is then populated with $POPULATE_NODES znodes, stopped"
	echo "  with SIGTERM, started again on the same data directory, and"
	echo "  \`zkbench -workload restart-probe\` measures launch → first successful getData of a"
	echo "  populated znode (a new attempt every 100 ms)."
	if [ -n "${ENS_DIRS[zkd]:-}" ]; then
		echo "- Phase 3 (3-node ensemble): one 3-member ensemble of each server, both running"
		echo "  throughout, each member with its own directory, zoo.cfg, dataDir (with \`myid\`) and"
		echo "  client, quorum and election ports (zkd uses the quorum port only); measuring starts"
		echo "  once srvr shows one leader and two followers. Each run's \`-addr\` lists the three"
		echo "  client ports; the workloads ($ENSEMBLE_WORKLOADS) alternate between the"
		echo "  ensembles as in phase 1."
	fi
	echo "- ZooKeeper's heap is reserved up front, so its RSS barely moves with idle sessions;"
	echo "  *RSS per session* is meaningful for zkd only. RSS growth per znode is measured the"
	echo "  same way for both (VmRSS after populate minus before)."
	echo "- zoo.cfg of both servers (ports and directories differ):"
	echo
	echo '```'
	sed "s|$WORK|\$WORK|" "${DIR[zkd]}/zoo.cfg"
	echo '```'
	echo
	if [ -n "${ENS_DIRS[zkd]:-}" ]; then
		echo "- zoo.cfg of ensemble member 1, both servers (ports and directories differ; members"
		echo "  2 and 3 differ in clientPort and dataDir):"
		echo
		echo '```'
		sed "s|$WORK|\$WORK|" "${ENS_DIRS[zkd]%% *}/zoo.cfg"
		echo '```'
		echo
	fi
	echo "- ZooKeeper: \`$ZKSERVER start-foreground zoo.cfg\` with"
	echo "  \`SERVER_JVMFLAGS='$ZK_HEAP'\` (every member of the ensemble too), JMX disabled, Debian package zookeeper"
	echo "  $(dpkg-query -W -f='${Version}' zookeeper 2>/dev/null || echo '?') (srvr: $ZK_VERSION)."
	echo "- zkd: \`go build -o zkd ./cmd/zkd; zkd zoo.cfg\` (srvr: $ZKD_VERSION), built from the"
	echo "  working tree at $ZKD_BUILT."
	echo
	echo "## Environment"
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| CPUs (nproc) | $(nproc) |"
	echo "| CPU model | $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1) |"
	echo "| memory | $(free -g | awk '/^Mem:/ {print $2 " GiB"}') |"
	echo "| kernel | $(uname -sr) |"
	# shellcheck disable=SC1091
	echo "| OS | $(. /etc/os-release && echo "$PRETTY_NAME") |"
	echo "| Go | $(go version | cut -d' ' -f3-) |"
	echo "| Java | $(java -version 2>&1 | head -n 1) |"
	echo "| ZooKeeper JVM flags | SERVER_JVMFLAGS='$ZK_HEAP' (plus zkServer.sh's own) |"
	echo "| data disk | $(df -T "$WORK" | awk 'NR==2 {print $2 " on " $1}') |"
	echo "| fdatasync (4 KiB append, 3 s) | p50 $(json_p "$FSYNC_JSON" p50) µs, p99 $(json_p "$FSYNC_JSON" p99) µs, $(json_p "$FSYNC_JSON" ops_per_sec) /s |"
	echo "| load average before / after | $LOAD_BEFORE / $LOAD_AFTER |"
	echo
	echo "The machine is shared with other work; the load average shows how busy it was."
	if ((${#FAILED[@]})); then
		echo
		echo "## Runs that failed"
		echo
		for f in "${FAILED[@]}"; do echo "- $f"; done
	fi
} >"$OUT"
log "wrote $OUT; raw JSON and logs in $WORK"
