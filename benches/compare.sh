#!/usr/bin/env bash
# Runs the same load scenario against liveplan and the Socket.IO 4 peer
# (benches/peers/socketio), alternating liveplan, socketio, liveplan, socketio, ...,
# one server at a time, the server pinned to one CPU and the load tool to another, and
# prints every run's JSON line, the medians and the ratios liveplan/socketio.
#
#   benches/compare.sh
#   RUNS=1 CLIENTS=200 RATE=500 DURATION=5s benches/compare.sh
#
# Environment:
#   RUNS            runs per server                                  3
#   CLIENTS         WebSocket clients                                1000
#   RATE            mutations (events) or typing messages per second 1000
#   DURATION        length of each run                               10s
#   MODE            events | typing                                  typing
#   SERVER_CPU      CPU the server is pinned to                      0
#   LOAD_CPU        CPU the load tool is pinned to                   1
#   LIVEPLAN_PORT   port of liveplan                                 18484
#   PEER_PORT       port of the Socket.IO peer                       18485
#   BUILD           0 skips `cargo build --release`                  1
#   LIVEPLAN_BIN    the liveplan binary (serve)                      target/release/liveplan
#   LOAD_BIN        the load tool (crates/liveplan-load)             target/release/liveplan-load
#
# The load tool (`liveplan-load load`) prints one JSON line per run with at least
# deliveries_per_sec, the latency percentiles (latency_p50_ms ... latency_max_ms, or
# latency_ms {p50,p90,p99,max}), lost and out_of_order; its stderr summary is shown only
# when a run fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEER_DIR="$ROOT/benches/peers/socketio"

RUNS="${RUNS:-3}"
CLIENTS="${CLIENTS:-1000}"
RATE="${RATE:-1000}"
DURATION="${DURATION:-10s}"
MODE="${MODE:-typing}"
SERVER_CPU="${SERVER_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
LIVEPLAN_PORT="${LIVEPLAN_PORT:-18484}"
PEER_PORT="${PEER_PORT:-18485}"
BUILD="${BUILD:-1}"
LIVEPLAN_BIN="${LIVEPLAN_BIN:-$ROOT/target/release/liveplan}"
LOAD_BIN="${LOAD_BIN:-$ROOT/target/release/liveplan-load}"

SCRIPT=compare.sh
# shellcheck source=benches/lib.sh
source "$ROOT/benches/lib.sh"

# ---- checks ------------------------------------------------------------------------

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
[[ "$CLIENTS" =~ ^[1-9][0-9]*$ ]] || die "CLIENTS must be a positive integer, got '$CLIENTS'"
[[ "$RATE" =~ ^[1-9][0-9]*$ ]] || die "RATE must be a positive integer, got '$RATE'"
[[ "$MODE" == events || "$MODE" == typing ]] || die "MODE must be events or typing, got '$MODE'"
for tool in taskset curl python3 node npm; do
    command -v "$tool" >/dev/null || die "'$tool' is required but not installed"
done
ncpu="$(nproc)"
if (( SERVER_CPU >= ncpu || LOAD_CPU >= ncpu )); then
    die "SERVER_CPU=$SERVER_CPU / LOAD_CPU=$LOAD_CPU: this machine has $ncpu CPU(s)"
fi
if [[ "$SERVER_CPU" == "$LOAD_CPU" ]]; then
    say "warning: server and load tool share CPU $SERVER_CPU; the numbers will be noisy"
fi

raise_fd_limit "$CLIENTS"

# ---- state and cleanup -------------------------------------------------------------

tmp="$(mktemp -d "${TMPDIR:-/tmp}/liveplan-compare.XXXXXX")"
load_pid=""

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$load_pid" ]]; then
        kill -TERM "$load_pid" 2>/dev/null || true
        wait "$load_pid" 2>/dev/null || true
    fi
    stop_server
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- build and install -------------------------------------------------------------

build_release "$LIVEPLAN_BIN" "$LOAD_BIN"
"$LOAD_BIN" load --help >/dev/null 2>&1 \
    || die "'$LOAD_BIN load --help' failed: the load tool is not available in this build"

if [[ ! -d "$PEER_DIR/node_modules" ]]; then
    say "installing the Socket.IO peer (npm ci in benches/peers/socketio)"
    (cd "$PEER_DIR" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
fi

jwt_secret="$(random_secret)"

# ---- servers -----------------------------------------------------------------------

# start_socketio LOG: starts the peer, sets server_pid, waits for "listening on port".
start_socketio() {
    local log="$1" i
    port_in_use "$PEER_PORT" && die "port $PEER_PORT is already in use (set PEER_PORT)"
    taskset -c "$SERVER_CPU" node "$PEER_DIR/server.js" --port "$PEER_PORT" \
        >"$log" 2>&1 </dev/null &
    server_pid=$!
    for (( i = 0; i < 150; i++ )); do   # up to 15 s
        if ! kill -0 "$server_pid" 2>/dev/null; then
            show_log "$log"
            die "the Socket.IO peer exited during start"
        fi
        grep -q "listening on port $PEER_PORT" "$log" && return 0
        sleep 0.1
    done
    show_log "$log"
    die "the Socket.IO peer did not log 'listening on port $PEER_PORT' within 15 s"
}

# run_one TARGET RUN: one server start, one load run, one server stop. Prints the JSON line
# and appends it to $tmp/TARGET.jsonl.
run_one() {
    local target="$1" run="$2" url
    local server_log="$tmp/$target-$run.server.log"
    local load_out="$tmp/$target-$run.load.out"
    local load_err="$tmp/$target-$run.load.err"
    local -a auth=()

    case "$target" in
        liveplan)
            rm -f "$tmp"/bench.db "$tmp"/bench.db-*
            start_liveplan "$LIVEPLAN_BIN" "$SERVER_CPU" "$LIVEPLAN_PORT" "$jwt_secret" \
                "sqlite://$tmp/bench.db" "$server_log"
            url="http://127.0.0.1:$LIVEPLAN_PORT"
            auth=(--jwt-secret "$jwt_secret")
            ;;
        socketio)
            start_socketio "$server_log"
            url="http://127.0.0.1:$PEER_PORT"
            ;;
    esac

    say "run $run/$RUNS $target (pid $server_pid, $CLIENTS clients, rate $RATE, $DURATION, $MODE)"
    # In the background so that a signal to this script is handled at once (bash defers
    # traps until a foreground command ends); cleanup stops it.
    local status=0
    taskset -c "$LOAD_CPU" "$LOAD_BIN" load \
        --target "$target" --url "$url" "${auth[@]}" \
        --clients "$CLIENTS" --rate "$RATE" --duration "$DURATION" --mode "$MODE" \
        --server-pid "$server_pid" \
        >"$load_out" 2>"$load_err" </dev/null &
    load_pid=$!
    wait "$load_pid" || status=$?
    load_pid=""

    if ! kill -0 "$server_pid" 2>/dev/null; then
        show_log "$server_log"
        die "$target died during run $run"
    fi
    stop_server

    local line
    line="$(grep -E '^[[:space:]]*\{' "$load_out" | tail -n 1 || true)"
    if (( status != 0 )) || [[ -z "$line" ]]; then
        show_log "$load_err"
        show_log "$load_out"
        if (( status != 0 )); then
            die "load run $run against $target failed (exit $status)"
        fi
        die "load run $run against $target printed no JSON line"
    fi
    python3 - "$line" <<'EOF' || { show_log "$load_err"; die "run $run against $target: bad JSON line"; }
import json, sys
r = json.loads(sys.argv[1])
missing = [k for k in ("deliveries_per_sec", "lost", "out_of_order") if k not in r]
nested = r.get("latency_ms") if isinstance(r.get("latency_ms"), dict) else {}
missing += [f"latency_{k}_ms" for k in ("p50", "p90", "p99", "max")
            if k not in nested and f"latency_{k}_ms" not in r]
if missing:
    sys.exit("missing fields: " + ", ".join(missing))
bad = [f"{k}={r[k]}" for k in ("lost", "out_of_order", "errors") if r.get(k)]
if bad:
    print("warning: " + ", ".join(bad), file=sys.stderr)
EOF
    printf '%-8s run %d: %s\n' "$target" "$run" "$line"
    printf '%s\n' "$line" >>"$tmp/$target.jsonl"
}

# ---- runs --------------------------------------------------------------------------

say "scenario: RUNS=$RUNS CLIENTS=$CLIENTS RATE=$RATE DURATION=$DURATION MODE=$MODE" \
    "(server on CPU $SERVER_CPU, load on CPU $LOAD_CPU)"
for (( run = 1; run <= RUNS; run++ )); do
    run_one liveplan "$run"
    run_one socketio "$run"
done

# ---- summary -----------------------------------------------------------------------

python3 - "$tmp/liveplan.jsonl" "$tmp/socketio.jsonl" <<'EOF'
import json, statistics, sys

def load(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]

runs = {"liveplan": load(sys.argv[1]), "socketio": load(sys.argv[2])}

def latency(k):
    # {"latency_ms": {"p50": ...}} or {"latency_p50_ms": ...}
    return lambda r: r["latency_ms"][k] if isinstance(r.get("latency_ms"), dict) else r[f"latency_{k}_ms"]

cols = [
    ("deliveries/s", lambda r: r["deliveries_per_sec"]),
    ("p50 ms", latency("p50")),
    ("p90 ms", latency("p90")),
    ("p99 ms", latency("p99")),
    ("max ms", latency("max")),
    ("lost", lambda r: r["lost"]),
    ("out_of_order", lambda r: r["out_of_order"]),
]
everything = runs["liveplan"] + runs["socketio"]
if all("errors" in r for r in everything):
    cols.append(("errors", lambda r: r["errors"]))
if all(isinstance(r.get("server_rss_after_kb"), (int, float)) for r in everything):
    cols.append(("rss after MB", lambda r: r["server_rss_after_kb"] / 1024))
med = {t: {name: statistics.median(f(r) for r in rs) for name, f in cols} for t, rs in runs.items()}

def fmt(v):
    if v == int(v):
        return f"{int(v):,}"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"

n = len(runs["liveplan"])
print()
print(f"medians over {n} run(s) each")
print(f"{'':10}" + "".join(f"{name:>14}" for name, _ in cols))
for t in ("liveplan", "socketio"):
    print(f"{t:10}" + "".join(f"{fmt(med[t][name]):>14}" for name, _ in cols))

def ratio(a, b):
    return a / b if b else float("nan")

d = ratio(med["liveplan"]["deliveries/s"], med["socketio"]["deliveries/s"])
p = ratio(med["liveplan"]["p99 ms"], med["socketio"]["p99 ms"])
print()
print(f"ratio liveplan/socketio  deliveries/s: {d:.2f}x  (above 1: liveplan delivers more)")
print(f"ratio liveplan/socketio  p99 latency:  {p:.2f}x  (below 1: liveplan is faster)")
EOF
