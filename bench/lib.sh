# bench/lib.sh — helpers shared by compare.sh and bigtree.sh. Sourced, not
# run: the caller sets WORK, JSON, LOG, STARTED=(), FAILED=(), TICK_MS,
# ZK_HEAP, ZKSERVER and SIZE (and the workload knobs compare.sh uses).
# It installs the cleanup trap and declares the arrays PORT, DIR and PID.

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

# free_port: a port on 127.0.0.1 that nothing answers on.
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "compare.sh: no free port" >&2
	exit 1
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
# $! is the JVM itself; await_ready checks that.
spawn() {
	local server=$1 dir=$2
	if [ "$server" = zookeeper ]; then
		SERVER_JVMFLAGS="$ZK_HEAP" JMXDISABLE=true ZOOPIDFILE="$dir/zookeeper.pid" \
			"$ZKSERVER" start-foreground "$dir/zoo.cfg" >>"$dir/server.out" 2>&1 &
	else
		"$WORK/zkd" "$dir/zoo.cfg" >>"$dir/server.out" 2>&1 &
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
	PORT[$server]=$(free_port)
	write_cfg "$dir" "${PORT[$server]}"
	DIR[$server]=$dir
	spawn "$server" "$dir"
	await_ready "$server" "$dir" "${PORT[$server]}"
	PID[$server]=$SERVER_PID
	log "$server: pid ${PID[$server]} on 127.0.0.1:${PORT[$server]}, data $dir/data"
}

# bench SERVER WORKLOAD REP ARGS...: one zkbench run into $JSON.
bench() {
	local server=$1 workload=$2 rep=$3
	shift 3
	local cmd=("$WORK/zkbench" -addr "127.0.0.1:${PORT[$server]}" -workload "$workload"
		-server-pid "${PID[$server]}" -label "$server" -size "$SIZE"
		-json "$JSON/$server-$workload-r$rep.json" "$@")
	echo "+ ${cmd[*]}" >>"$LOG"
	if ! "${cmd[@]}" >>"$LOG" 2>&1; then
		FAILED+=("$server $workload rep $rep")
		log "FAILED: $server $workload rep $rep (see $LOG)"
		rm -f "$JSON/$server-$workload-r$rep.json"
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
