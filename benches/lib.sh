# Shared by the benchmark scripts (compare.sh, targets.sh): messages, the open-files
# limit, and starting/stopping one server at a time. Source it after setting SCRIPT (the
# name used in error messages). Uses and sets the global `server_pid`.

say() { printf '==> %s\n' "$*" >&2; }
die() { printf '%s: %s\n' "${SCRIPT:-bench}" "$*" >&2; exit 1; }

server_pid=""

# raise_fd_limit CLIENTS: each client is one socket on each side; leave room for the rest.
raise_fd_limit() {
    local want=$(( $1 * 2 + 1024 )) soft hard
    soft="$(ulimit -n)"
    if [[ "$soft" != unlimited ]] && (( soft < want )); then
        hard="$(ulimit -Hn)"
        if [[ "$hard" == unlimited ]] || (( hard >= want )); then
            ulimit -n "$want"
        else
            ulimit -n "$hard"
            say "warning: open files limited to $hard, $1 clients may need $want"
        fi
    fi
}

# port_in_use PORT: anything accepting TCP there?
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# show_log FILE: its last lines on stderr.
show_log() {
    local log="$1"
    if [[ -s "$log" ]]; then
        printf -- '---- last lines of %s ----\n' "$(basename "$log")" >&2
        tail -n 20 "$log" >&2
        printf -- '----\n' >&2
    fi
}

# stop_server: SIGTERM, up to 15 s for liveplan to drain its connections, then SIGKILL.
stop_server() {
    [[ -n "$server_pid" ]] || return 0
    local pid="$server_pid" i
    server_pid=""
    kill -TERM "$pid" 2>/dev/null || return 0
    for (( i = 0; i < 150; i++ )); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "server $pid still running after 15 s, killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# start_liveplan BIN CPU PORT SECRET DATABASE_URL LOG: liveplan pinned to CPU with the
# per-connection, per-user, per-address and per-plan limits raised for load; sets
# server_pid; waits for /healthz.
start_liveplan() {
    local bin="$1" cpu="$2" port="$3" secret="$4" database_url="$5" log="$6" i
    port_in_use "$port" && die "port $port is already in use"
    LIVEPLAN_JWT_SECRET="$secret" \
    LIVEPLAN_WS_RATE_BURST=10000000 \
    LIVEPLAN_WS_RATE_PER_SEC=10000000 \
    LIVEPLAN_REST_RATE_BURST=10000000 \
    LIVEPLAN_REST_RATE_PER_SEC=10000000 \
    LIVEPLAN_REST_READ_RATE_BURST=10000000 \
    LIVEPLAN_REST_READ_RATE_PER_SEC=10000000 \
    LIVEPLAN_WS_CONNECT_RATE_BURST=10000000 \
    LIVEPLAN_WS_CONNECT_RATE_PER_SEC=10000000 \
    LIVEPLAN_MAX_CONNECTIONS_PER_USER=100000 \
    LIVEPLAN_MAX_PLANS_PER_CONNECTION=1000000 \
    LIVEPLAN_MAX_PLANS_PER_USER=10000000 \
    LIVEPLAN_MAX_MEMBERS_PER_PLAN=10000000 \
    LIVEPLAN_MAX_TASKS_PER_PLAN=10000000 \
    DATABASE_URL="$database_url" \
        taskset -c "$cpu" "$bin" serve --bind "127.0.0.1:$port" \
        >"$log" 2>&1 </dev/null &
    server_pid=$!
    for (( i = 0; i < 300; i++ )); do   # up to 30 s (migrations on a new database)
        if ! kill -0 "$server_pid" 2>/dev/null; then
            show_log "$log"
            die "liveplan exited during start"
        fi
        if curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    show_log "$log"
    die "liveplan did not answer /healthz within 30 s"
}

# random_secret: a 40-character HS256 secret.
random_secret() {
    python3 -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(40)))'
}

# build_release BIN...: `cargo build --release` (the workspace's default members: the
# server, liveplan, and the load tool, liveplan-load) unless BUILD=0; then every BIN must
# exist.
build_release() {
    local bin
    if [[ "${BUILD:-1}" != 0 ]]; then
        say "building liveplan and liveplan-load (cargo build --release)"
        (cd "$ROOT" && cargo build --release --quiet) || die "cargo build --release failed"
    fi
    for bin in "$@"; do
        [[ -x "$bin" ]] || die "$bin not found (build it, or set LIVEPLAN_BIN / LOAD_BIN)"
    done
}
