#!/usr/bin/env bash
# Transparency-log append throughput of sigstore-local (release build) over loopback; writes the "sigstore-local"
# section of bench/RESULTS.md.
#
#   bench/sigstore-local.sh            # SQLite and PostgreSQL, Rekor v1 and v2, 1 / 8 / 64 clients, RUNS=3 each
#   RUNS=5 STORES=sqlite bench/sigstore-local.sh
#
# Each run appends freshly signed hashedrekord entries (signed before the clock starts) with C concurrent clients
# (log-append-bench, AsyncHTTPClient) to a server started on a fresh data directory, and reports entries per second
# with p50 / p99 latency. The table quotes the median of the runs; the goal is >= 1,000 entries/s with SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS="${RUNS:-3}"
STORES="${STORES:-sqlite postgres}"
BIN="$ROOT/Services/.build/release"
WORK="$ROOT/bench/work/sigstore-local"
die() { echo "bench: $*" >&2; exit 1; }

(cd Services && swift build -c release >/dev/null) || die "release build of Services failed"
[ -x "$BIN/sigstore-local" ] && [ -x "$BIN/log-append-bench" ] || die "no release binaries in $BIN"
rm -rf "$WORK" && mkdir -p "$WORK"

SERVER_PID=""
PG_DIR=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    if [ -n "$PG_DIR" ]; then
        runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PG_DIR/data" stop -m fast >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_postgres() {
    PG_DIR=$(mktemp -d /tmp/sigstore-local-bench-pg.XXXXXX)
    chmod 755 "$PG_DIR"
    chown postgres:postgres "$PG_DIR"
    local port; port=$(free_port)
    runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR" start </dev/null >/dev/null 2>&1
    PG_PORT=$port
}

# start_server STORE DATA_DIR: starts sigstore-local, sets REKOR and REKOR_V2.
start_server() {
    local store=$1 dir=$2 db=()
    if [ "$store" = postgres ]; then
        local name="bench$RANDOM$RANDOM"
        runuser -u postgres -- /usr/lib/postgresql/15/bin/createdb -h 127.0.0.1 -p "$PG_PORT" -U postgres "$name"
        db=(--database "postgres://postgres@127.0.0.1:$PG_PORT/$name")
    fi
    "$BIN/sigstore-local" serve --data-dir "$dir" --services rekor,rekor-v2 --log-level error "${db[@]}" >"$dir.out" 2>"$dir.err" &
    SERVER_PID=$!
    for _ in $(seq 1 300); do [ -s "$dir.out" ] && break; sleep 0.05; done
    [ -s "$dir.out" ] || die "sigstore-local did not start: $(cat "$dir.err")"
    REKOR=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["rekor"])' "$dir.out")
    REKOR_V2=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["rekor-v2"])' "$dir.out")
}

stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

entries_for() { case $1 in 1) echo 1000 ;; 8) echo 4000 ;; *) echo 8000 ;; esac; }

ROWS=""
for store in $STORES; do
    if [ "$store" = postgres ]; then
        [ -x /usr/lib/postgresql/15/bin/initdb ] || { echo "bench: no PostgreSQL 15, skipping" >&2; continue; }
        start_postgres
    fi
    for log in v1 v2; do
        for clients in 1 8 64; do
            results="$WORK/$store-$log-$clients.jsonl"
            : >"$results"
            for run in $(seq 1 "$RUNS"); do
                dir="$WORK/$store-$log-$clients-$run"
                start_server "$store" "$dir"
                url=$REKOR; [ "$log" = v2 ] && url=$REKOR_V2
                "$BIN/log-append-bench" --url "$url" --log "$log" --clients "$clients" --entries "$(entries_for "$clients")" >>"$results"
                stop_server
            done
            row=$(python3 - "$results" "$store" "$log" "$clients" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
med = lambda k: statistics.median(r[k] for r in runs)
store, log, clients = sys.argv[2], sys.argv[3], sys.argv[4]
eps = med("entriesPerSecond")
goal = f"{eps / 1000:.2f}x" if store == "sqlite" else "–"
print(f"| {store} | Rekor {log} | {clients} | {runs[0]['entries']} | {eps:,.0f} | {med('p50ms'):.2f} | {med('p99ms'):.2f} | {goal} |")
EOF
)
            echo "$row" >&2
            ROWS+="$row"$'\n'
        done
    done
    if [ "$store" = postgres ]; then cleanup; PG_DIR=""; fi
done

SECTION="## sigstore-local

\`bench/sigstore-local.sh\` (RUNS=$RUNS, $(date -u +%Y-%m-%d), $(nproc) cores): \`log-append-bench\` appends freshly signed
hashedrekord entries to a release \`sigstore-local serve\` on a fresh data directory over loopback; client and server
share the machine. Medians of $RUNS runs. Goal: >= 1,000 entries/s with SQLite (last column: ratio to that goal).

| storage | log | clients | entries | entries/s | p50 ms | p99 ms | vs 1,000/s |
|---|---|---|---|---|---|---|---|
$ROWS"
printf '%s\n' "$SECTION" | python3 "$ROOT/bench/replace_section.py" "$ROOT/bench/RESULTS.md" "## sigstore-local"
echo "bench: wrote the sigstore-local section of bench/RESULTS.md" >&2
