#!/usr/bin/env bash
# Runs every scenario of the performance targets (BENCHMARKS.md) RUNS times, each run on
# a fresh server and database, the server pinned to one CPU and the load tool to another,
# and prints each run's JSON line and a table of medians.
#
#   benches/targets.sh                   # all scenarios, 3 runs each
#   RUNS=1 ONLY='typing-*' benches/targets.sh
#   PG_URL=postgres://postgres@127.0.0.1:5432/postgres benches/targets.sh   # + PostgreSQL
#
# Environment:
#   RUNS         runs per scenario                                        3
#   ONLY         run only the scenarios whose name matches this glob       * (all)
#   PG_URL       an admin URL of a PostgreSQL server: adds rest-postgres  (unset: skipped)
#                (each run creates and drops its own database there)
#   SERVER_CPU   CPU the server is pinned to                              0
#   LOAD_CPU     CPU the load tool is pinned to                           1
#   PORT         port of the server                                       18486
#   BUILD        0 skips `cargo build --release`                          1
#   LIVEPLAN_BIN the liveplan binary (serve)                              target/release/liveplan
#   LOAD_BIN     the load tool (crates/liveplan-load)                     target/release/liveplan-load
#
# Columns: deliveries/s during the drive; sent/s, mutations (events) or typing messages
# answered or written per second; latency from commit (events: the event's timestamp) or
# send (typing) to receipt; lost and out of order (must be 0); connect+join, the time
# until all clients had joined; KiB/conn, the server's RSS growth over the run divided by
# the clients; c2e p99, the server's own commit -> last enqueue p99 (upper bound of the
# /metrics histogram bucket).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-3}"
ONLY="${ONLY:-*}"
PG_URL="${PG_URL:-}"
SERVER_CPU="${SERVER_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
PORT="${PORT:-18486}"
BUILD="${BUILD:-1}"
LIVEPLAN_BIN="${LIVEPLAN_BIN:-$ROOT/target/release/liveplan}"
LOAD_BIN="${LOAD_BIN:-$ROOT/target/release/liveplan-load}"

SCRIPT=targets.sh
# shellcheck source=benches/lib.sh
source "$ROOT/benches/lib.sh"

# name | database (sqlite, postgres) | clients | plans | mode | rate | duration
SCENARIOS=(
    "typing-1000x1000  sqlite   1000  1    typing 1000 10s"
    "typing-1000x2000  sqlite   1000  1    typing 2000 10s"
    "events-1000x100   sqlite   1000  1    events 100  10s"
    "events-1000x1000  sqlite   1000  1    events 1000 10s"
    "rest-sqlite       sqlite   100   10   events 8000 5s"
    "rest-postgres     postgres 100   10   events 8000 5s"
    "join-10000-in-100 sqlite   10000 100  typing 10   3s"
    "join-10000-in-1000 sqlite  10000 1000 typing 10   3s"
)

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
for tool in taskset curl python3; do
    command -v "$tool" >/dev/null || die "'$tool' is required but not installed"
done
if [[ -n "$PG_URL" ]]; then
    command -v psql >/dev/null || die "PG_URL is set but psql is not installed"
fi
raise_fd_limit 10000

tmp="$(mktemp -d "${TMPDIR:-/tmp}/liveplan-targets.XXXXXX")"
pg_database=""

drop_pg_database() {
    [[ -n "$pg_database" ]] || return 0
    psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $pg_database WITH (FORCE)" >/dev/null 2>&1 || true
    pg_database=""
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_server
    drop_pg_database
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

build_release "$LIVEPLAN_BIN" "$LOAD_BIN"

secret="$(random_secret)"

# database_for KIND: a fresh database URL. For PostgreSQL it creates `pg_database`, which
# the caller names beforehand (this runs in a command substitution: a subshell) and
# drop_pg_database drops.
database_for() {
    case "$1" in
        sqlite)
            rm -f "$tmp"/bench.db "$tmp"/bench.db-*
            printf 'sqlite://%s/bench.db' "$tmp"
            ;;
        postgres)
            psql -q "$PG_URL" -c "CREATE DATABASE $pg_database" >/dev/null \
                || die "cannot create database $pg_database at $PG_URL"
            printf '%s/%s' "${PG_URL%/*}" "$pg_database"
            ;;
    esac
}

# run_one NAME DB CLIENTS PLANS MODE RATE DURATION RUN: one server, one load run.
run_one() {
    local name="$1" db="$2" clients="$3" plans="$4" mode="$5" rate="$6" duration="$7" run="$8"
    local log="$tmp/$name-$run.server.log" out="$tmp/$name-$run.out" err="$tmp/$name-$run.err"
    local url status=0
    if [[ "$db" == postgres ]]; then
        pg_database="liveplan_bench_$$_$run"
    fi
    url="$(database_for "$db")"
    start_liveplan "$LIVEPLAN_BIN" "$SERVER_CPU" "$PORT" "$secret" "$url" "$log"
    say "$name run $run/$RUNS: $clients clients in $plans plan(s), $mode at $rate/s for $duration"
    taskset -c "$LOAD_CPU" "$LOAD_BIN" load --url "http://127.0.0.1:$PORT" \
        --jwt-secret "$secret" --clients "$clients" --plans "$plans" --mode "$mode" \
        --rate "$rate" --duration "$duration" --server-pid "$server_pid" \
        >"$out" 2>"$err" </dev/null || status=$?
    curl -fsS --max-time 5 "http://127.0.0.1:$PORT/metrics" >"$tmp/metrics" 2>/dev/null \
        || : >"$tmp/metrics"
    stop_server
    drop_pg_database
    local line
    line="$(grep -E '^[[:space:]]*\{' "$out" | tail -n 1 || true)"
    if (( status != 0 )) || [[ -z "$line" ]]; then
        show_log "$err"
        die "$name run $run failed (exit $status)"
    fi
    python3 - "$name" "$line" "$tmp/metrics" >>"$tmp/results.jsonl" <<'EOF'
import json, sys
name, line, metrics = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
# p99 of the commit -> enqueue histogram: the first bucket holding 99 % of the samples.
buckets, count = [], 0
for l in open(metrics):
    if l.startswith("liveplan_commit_to_enqueue_seconds_bucket"):
        le = l.split('le="')[1].split('"')[0]
        buckets.append((float("inf") if le == "+Inf" else float(le), float(l.split()[-1])))
    elif l.startswith("liveplan_commit_to_enqueue_seconds_count"):
        count = float(l.split()[-1])
c2e = next((le * 1000 for le, n in buckets if count and n >= 0.99 * count), None)
line["scenario"] = name
line["c2e_p99_ms"] = c2e
print(json.dumps(line))
EOF
    printf '%-19s run %d: %s\n' "$name" "$run" "$line"
}

ran=0
for scenario in "${SCENARIOS[@]}"; do
    read -r name db clients plans mode rate duration <<<"$scenario"
    # shellcheck disable=SC2053  # ONLY is a glob on purpose
    [[ "$name" == $ONLY ]] || continue
    if [[ "$db" == postgres && -z "$PG_URL" ]]; then
        say "skipping $name (set PG_URL to run it)"
        continue
    fi
    for (( run = 1; run <= RUNS; run++ )); do
        run_one "$name" "$db" "$clients" "$plans" "$mode" "$rate" "$duration" "$run"
    done
    ran=$((ran + 1))
done
(( ran > 0 )) || die "no scenario matches ONLY='$ONLY'"

python3 - "$tmp/results.jsonl" <<'EOF'
import json, statistics, sys
from collections import OrderedDict

runs = OrderedDict()
for l in open(sys.argv[1]):
    r = json.loads(l)
    runs.setdefault(r["scenario"], []).append(r)

def kib_per_conn(r):
    return (r["server_rss_after_kb"] - r["server_rss_before_kb"]) / r["clients"]

cols = [
    ("deliveries/s", lambda r: r["deliveries_per_sec"]),
    ("sent/s", lambda r: r["sent_per_sec"]),
    ("p50 ms", lambda r: r["latency_p50_ms"]),
    ("p99 ms", lambda r: r["latency_p99_ms"]),
    ("lost", lambda r: r["lost"]),
    ("ooo", lambda r: r["out_of_order"]),
    ("errors", lambda r: r["errors"]),
    ("conn+join ms", lambda r: r["connect_ms"] + r["join_ms"]),
    ("KiB/conn", kib_per_conn),
    ("c2e p99 ms", lambda r: r["c2e_p99_ms"] if r["c2e_p99_ms"] is not None else float("nan")),
]

def fmt(v):
    if v != v:
        return "-"
    if v == int(v):
        return f"{int(v):,}"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.1f}"

print()
print("medians over %s run(s) each" % ", ".join(sorted({str(len(v)) for v in runs.values()})))
print(f"{'scenario':20}" + "".join(f"{name:>14}" for name, _ in cols))
for name, rs in runs.items():
    print(f"{name:20}" + "".join(f"{fmt(statistics.median(f(r) for r in rs)):>14}" for _, f in cols))
EOF
