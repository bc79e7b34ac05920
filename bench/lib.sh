# shellcheck shell=bash
# bench/lib.sh — helpers shared by compare.sh and bigtree.sh. Sourced, not
# run: the caller sets WORK, JSON, LOG, STARTED=(), FAILED=(), TICK_MS,
# ZK_HEAP, ZKSERVER and SIZE (and REPS, DURATION, WARMUP and the workload
# knobs compare.sh uses).
# It installs the cleanup trap and declares the arrays PORT, DIR and PID
# (standalone servers) and ENS_ADDRS, ENS_PIDS, ENS_PORTS, ENS_DIRS
# (3-member ensembles).

log() { echo "[$(date +%T)] $*" | tee -a "$LOG" >&2; }

# stop_pid PID: SIGTERM, wait up to 30 s, then SIGKILL. Only for our PIDs.
stop_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "pid $pid ignored SIGTERM for 30 s; SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local pid
	for pid in "${STARTED[@]}"; do
		stop_pid "$pid"
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_ports [N]: N (default 1) distinct ports on 127.0.0.1 that nothing
# answers on, space-separated.
free_ports() {
	local n=${1:-1} p tries found=()
	for ((tries = 0; ${#found[@]} < n; tries++)); do
		if ((tries >= 100 * n)); then
			echo "compare.sh: no free port" >&2
			exit 1
		fi
		p=$((20000 + RANDOM % 20000))
		if [[ " ${found[*]} " != *" $p "* ]] && ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			found+=("$p")
		fi
	done
	echo "${found[*]}"
}

four_letter() { # four_letter PORT WORD
	(exec 3<>"/dev/tcp/127.0.0.1/$1" && printf '%s' "$2" >&3 && timeout 3 cat <&3) 2>/dev/null || true
}

# write_cfg DIR PORT: the zoo.cfg both servers read. forceSync=yes is
# ZooKeeper's default (fsync every log write) and what zkd always does.
write_cfg() {
	cat >"$1/zoo.cfg" <<EOF
tickTime=$TICK_MS
initLimit=10
syncLimit=5
dataDir=$1/data
clientPort=$2
clientPortAddress=127.0.0.1
maxClientCnxns=0
forceSync=yes
admin.enableServer=false
4lw.commands.whitelist=*
EOF
}

# spawn SERVER DIR: start the server on an existing DIR/zoo.cfg and set
# SERVER_PID. zkServer.sh start-foreground execs java, so for ZooKeeper
# $! is the JVM itself; await_ready checks that. What keeps ZooKeepers
# apart is the config path, its dataDir and ZOOPIDFILE: Debian's zkEnv.sh
# resets ZOOCFGDIR and ZOO_LOG_DIR (and its ZooKeeper writes no log
# files); ZOO_LOG_DIR=DIR/log is for other installs' zkServer.sh.
spawn() {
	local server=$1 dir=$2
	if [ "$server" = zookeeper ]; then
		SERVER_JVMFLAGS="$ZK_HEAP" JMXDISABLE=true ZOOPIDFILE="$dir/zookeeper.pid" ZOO_LOG_DIR="$dir/log" \
			"$ZKSERVER" start-foreground "$dir/zoo.cfg" >>"$dir/server.out" 2>&1 &
	else
		# ZKD_FLAGS: extra zkd flags, split on spaces (e.g. "-pprof 127.0.0.1:6060").
		# shellcheck disable=SC2086
		"$WORK/zkd" ${ZKD_FLAGS:-} "$dir/zoo.cfg" >>"$dir/server.out" 2>&1 &
	fi
	SERVER_PID=$!
	STARTED+=("$SERVER_PID")
}

# await_ready SERVER DIR PORT: wait until srvr reports a mode; then make
# SERVER_PID the java PID (a child of the script if it did not exec).
await_ready() {
	local server=$1 dir=$2 port=$3 i child
	for ((i = 0; i < 600; i++)); do
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			log "$server exited during startup; log:"
			tail -n 30 "$dir/server.out" >&2
			exit 1
		fi
		if four_letter "$port" srvr | grep -q '^Mode: '; then
			break
		fi
		sleep 0.1
	done
	if [ "$server" = zookeeper ] && [ "$(cat "/proc/$SERVER_PID/comm")" != java ]; then
		child=$(pgrep -P "$SERVER_PID" -x java | head -n 1)
		if [ -z "$child" ]; then
			log "no java process under zkServer.sh pid $SERVER_PID"
			exit 1
		fi
		SERVER_PID=$child
		STARTED+=("$SERVER_PID")
	fi
}

declare -A PORT PID DIR

# start_fresh SERVER: a new data directory, config and process.
start_fresh() {
	local server=$1 dir
	dir=$(mktemp -d "$WORK/$server.XXXX")
	PORT[$server]=$(free_ports 1)
	write_cfg "$dir" "${PORT[$server]}"
	# shellcheck disable=SC2034 # DIR is for the scripts that source this
	DIR[$server]=$dir
	spawn "$server" "$dir"
	await_ready "$server" "$dir" "${PORT[$server]}"
	PID[$server]=$SERVER_PID
	log "$server: pid ${PID[$server]} on 127.0.0.1:${PORT[$server]}, data $dir/data"
}

# bench SERVER WORKLOAD REP ARGS...: one zkbench run against the
# standalone SERVER into $JSON.
bench() {
	local server=$1
	shift
	bench_at "$JSON" "127.0.0.1:${PORT[$server]}" "${PID[$server]}" "$server" "$@"
}

# bench_ensemble SERVER WORKLOAD REP ARGS...: one zkbench run against the
# ensemble of SERVER (sessions spread over its members, their CPU and RSS
# summed) into $ENS_JSON.
bench_ensemble() {
	local server=$1
	shift
	bench_at "$ENS_JSON" "${ENS_ADDRS[$server]}" "${ENS_PIDS[$server]}" "$server" "$@"
}

# bench_at DIR ADDRS PIDS LABEL WORKLOAD REP ARGS...: one zkbench run
# against ADDRS (host:port[,...]) sampling PIDS (pid[,...]), its JSON in
# DIR/LABEL-WORKLOAD-rREP.json.
bench_at() {
	local dir=$1 addrs=$2 pids=$3 label=$4 workload=$5 rep=$6
	shift 6
	local file="$dir/$label-$workload-r$rep.json"
	local cmd=("$WORK/zkbench" -addr "$addrs" -workload "$workload"
		-server-pid "$pids" -label "$label" -size "$SIZE" -json "$file" "$@")
	echo "+ ${cmd[*]}" >>"$LOG"
	if ! "${cmd[@]}" >>"$LOG" 2>&1; then
		FAILED+=("$label $workload rep $rep (${file#"$WORK"/})")
		log "FAILED: $label $workload rep $rep (see $LOG)"
		rm -f "$file"
	fi
}

workload_args() {
	case $1 in
	get | set | multi) echo "-sessions $SESSIONS -outstanding $OUTSTANDING -nodes $NODES" ;;
	mixed) echo "-sessions $SESSIONS -outstanding $OUTSTANDING -nodes $NODES -read-ratio $READ_RATIO" ;;
	create-delete | ephemeral) echo "-sessions $SESSIONS -outstanding $OUTSTANDING" ;;
	watch-fanout) echo "-sessions $WATCHERS" ;;
	session-churn) echo "-sessions $CHURNERS -outstanding 1" ;;
	*)
		echo "compare.sh: unknown workload $1" >&2
		exit 2
		;;
	esac
}

# order REP: alternate which server goes first.
order() { if (($1 % 2)); then echo "zookeeper zkd"; else echo "zkd zookeeper"; fi; }

# alternate FN WORKLOADS: REPS repetitions of every workload in WORKLOADS,
# run by FN (bench or bench_ensemble) on one server then the other, the
# order alternating between repetitions.
alternate() {
	local fn=$1 workloads=$2 rep w server
	for ((rep = 1; rep <= REPS; rep++)); do
		for w in $workloads; do
			for server in $(order "$rep"); do
				log "rep $rep/$REPS: $w, $fn $server"
				# shellcheck disable=SC2046
				"$fn" "$server" "$w" "$rep" -duration "$DURATION" -warmup "$WARMUP" $(workload_args "$w")
			done
		done
	done
}

declare -A ENS_ADDRS ENS_PIDS ENS_PORTS ENS_DIRS

# start_ensemble SERVER: three members of SERVER on 127.0.0.1, each with
# its own directory (zoo.cfg as write_cfg's plus the three server.N lines,
# dataDir with myid, server.out) and its own client, quorum and election
# ports; returns once one member leads and the other two follow. Sets
# ENS_ADDRS (host:port,...), ENS_PIDS (pid,...), ENS_PORTS and ENS_DIRS
# (space-separated) for SERVER.
start_ensemble() {
	local server=$1 all i dir lines="" ports=() dirs=() spawned=() pids=() addrs=()
	all=$(free_ports 9) # client 1-3, quorum 1-3, election 1-3
	read -r -a ports <<<"$all"
	for i in 0 1 2; do
		lines+="server.$((i + 1))=127.0.0.1:${ports[i + 3]}:${ports[i + 6]};127.0.0.1:${ports[i]}"$'\n'
	done
	for i in 0 1 2; do
		dir=$(mktemp -d "$WORK/$server-ens$((i + 1)).XXXX")
		write_cfg "$dir" "${ports[i]}"
		printf '%s' "$lines" >>"$dir/zoo.cfg"
		mkdir -p "$dir/data"
		echo "$((i + 1))" >"$dir/data/myid"
		spawn "$server" "$dir"
		dirs+=("$dir")
		spawned+=("$SERVER_PID")
		addrs+=("127.0.0.1:${ports[i]}")
	done
	# Members answer srvr only once they have a quorum, so all three are
	# started before waiting on any of them.
	for i in 0 1 2; do
		SERVER_PID=${spawned[i]}
		await_ready "$server" "${dirs[i]}" "${ports[i]}"
		pids+=("$SERVER_PID")
	done
	ENS_ADDRS[$server]=$(IFS=,; echo "${addrs[*]}")
	ENS_PIDS[$server]=$(IFS=,; echo "${pids[*]}")
	ENS_PORTS[$server]="${ports[*]:0:3}"
	ENS_DIRS[$server]="${dirs[*]}"
	await_leader "$server"
	log "$server ensemble: pids ${ENS_PIDS[$server]} on ${ENS_ADDRS[$server]} ($(ensemble_modes "$server")), data ${ENS_DIRS[$server]}"
}

# ensemble_modes SERVER: the srvr Mode of each member, in member order
# ("-" for a member that gives none).
ensemble_modes() {
	local port mode modes=()
	for port in ${ENS_PORTS[$1]}; do
		mode=$(four_letter "$port" srvr | sed -n 's/^Mode: //p')
		modes+=("${mode:--}")
	done
	echo "${modes[*]}"
}

# await_leader SERVER: wait up to 120 s until one member of SERVER's
# ensemble says "Mode: leader" and the other two "Mode: follower".
await_leader() {
	local server=$1 i pid modes dir
	for ((i = 0; i < 600; i++)); do
		for pid in ${ENS_PIDS[$server]//,/ }; do
			if ! kill -0 "$pid" 2>/dev/null; then
				log "$server ensemble: member pid $pid exited while electing"
				break 2
			fi
		done
		modes=$(ensemble_modes "$server")
		if [ "$(tr ' ' '\n' <<<"$modes" | sort | tr '\n' ' ')" = "follower follower leader " ]; then
			return
		fi
		sleep 0.2
	done
	log "$server ensemble: no leader with two followers (modes: ${modes:-?}); member logs:"
	for dir in ${ENS_DIRS[$server]}; do
		echo "== $dir/server.out" >&2
		tail -n 20 "$dir/server.out" >&2
	done
	exit 1
}

# stop_ensemble SERVER: SIGTERM every member (stop_pid, one by one).
stop_ensemble() {
	local pid
	for pid in ${ENS_PIDS[$1]//,/ }; do
		stop_pid "$pid"
	done
}
