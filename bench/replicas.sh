#!/usr/bin/env bash
# sigstore-local replicas on one PostgreSQL (release build, loopback); writes the "sigstore-local replicas" section of
# bench/RESULTS.md.
#
#   bench/replicas.sh                  # RUNS=3, 48 clients, Rekor v1 and v2
#   RUNS=5 CLIENTS=24 bench/replicas.sh
#
# Measures in one run:
# - appends per second with 1 replica and with 3 replicas (clients spread over the replicas), each on a fresh
#   database, medians of RUNS runs (goal: 3 replicas not slower than 1 on this machine);
# - the time from SIGKILL of a replica under load to the first entry integrated after it, read from another replica's
#   checkpoint (goal <= 2 s), median of RUNS kills.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS="${RUNS:-3}"
CLIENTS="${CLIENTS:-48}"
ENTRIES="${ENTRIES:-6000}"
BIN="$ROOT/Services/.build/release"
WORK="$ROOT/bench/work/replicas"
PGBIN=/usr/lib/postgresql/15/bin
die() { echo "bench: $*" >&2; exit 1; }

[ -x "$PGBIN/initdb" ] || die "no PostgreSQL 15 (run: scripts/setup.sh)"
(cd Services && swift build -c release --product sigstore-local >/dev/null && swift build -c release --product log-append-bench >/dev/null) \
    || die "release build of Services failed"
rm -rf "$WORK" && mkdir -p "$WORK"

PIDS=()
PG_DIR=""
stop_replicas() {
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    PIDS=()
}
cleanup() {
    stop_replicas
    if [ -n "$PG_DIR" ]; then
        runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DIR/data" stop -m fast >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

PG_DIR=$(mktemp -d /tmp/sigstore-local-replicas-pg.XXXXXX)
chmod 755 "$PG_DIR" && chown postgres:postgres "$PG_DIR"
PG_PORT=$(free_port)
runuser -u postgres -- "$PGBIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR" start </dev/null >/dev/null 2>&1

# start_cluster N NAME: a fresh database and N replicas (keys copied from the first); sets V1_URLS and V2_URLS.
start_cluster() {
    local n=$1 name=$2 db
    runuser -u postgres -- "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$name"
    db="postgres://postgres@127.0.0.1:$PG_PORT/$name"
    V1_URLS="" V2_URLS=""
    for i in $(seq 0 $((n - 1))); do
        local dir="$WORK/$name-$i"
        mkdir -p "$dir"
        [ "$i" -gt 0 ] && cp -a "$WORK/$name-0/keys" "$dir/keys"
        "$BIN/sigstore-local" serve --data-dir "$dir" --services rekor,rekor-v2 --log-level error --database "$db" \
            >"$dir.out" 2>"$dir.err" &
        PIDS+=($!)
        for _ in $(seq 1 300); do [ -s "$dir.out" ] && break; sleep 0.05; done
        [ -s "$dir.out" ] || die "replica $i did not start: $(cat "$dir.err")"
        V1_URLS+="${V1_URLS:+,}$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["rekor"])' "$dir.out")"
        V2_URLS+="${V2_URLS:+,}$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["rekor-v2"])' "$dir.out")"
    done
}

for replicas in 1 3; do
    for log in v1 v2; do : >"$WORK/append-$replicas-$log.jsonl"; : >"$WORK/cpu-$replicas-$log.txt"; done
done
: >"$WORK/failover.txt"

for run in $(seq 1 "$RUNS"); do
    for replicas in 1 3; do
        start_cluster "$replicas" "r${replicas}run$run"
        for log in v1 v2; do
            urls=$V1_URLS; [ "$log" = v2 ] && urls=$V2_URLS
            before=$(head -1 /proc/stat)
            "$BIN/log-append-bench" --url "$urls" --log "$log" --clients "$CLIENTS" --entries "$ENTRIES" >>"$WORK/append-$replicas-$log.jsonl"
            # How busy the machine's cores were during the run (client, replicas and PostgreSQL share them).
            python3 - "$before" "$(head -1 /proc/stat)" >>"$WORK/cpu-$replicas-$log.txt" <<'EOF2'
import sys
a, b = ([int(x) for x in line.split()[1:]] for line in sys.argv[1:3])
d = [y - x for x, y in zip(a, b)]
idle = d[3] + d[4]
print(f"{100 * (1 - idle / sum(d)):.0f}")
EOF2
        done
        if [ "$replicas" = 3 ]; then
            # Failover: load over all three replicas, SIGKILL the first mid-run, and time the first entry integrated
            # after the kill as another replica's checkpoint shows it.
            "$BIN/log-append-bench" --url "$V1_URLS" --log v1 --clients "$CLIENTS" --entries $((ENTRIES * 2)) >/dev/null 2>&1 &
            load=$!
            sleep 1
            python3 - "${PIDS[0]}" "$(echo "$V1_URLS" | cut -d, -f2)" >>"$WORK/failover.txt" <<'EOF'
import json, os, signal, sys, time, http.client, urllib.parse
pid, url = int(sys.argv[1]), urllib.parse.urlparse(sys.argv[2])
conn = http.client.HTTPConnection(url.hostname, url.port)
def size():
    conn.request("GET", "/api/v1/log")
    return json.loads(conn.getresponse().read())["treeSize"]
os.kill(pid, signal.SIGKILL)
killed = time.monotonic()
before = size()
while size() <= before:
    if time.monotonic() - killed > 30: print("timeout"); sys.exit()
print(f"{(time.monotonic() - killed) * 1000:.1f}")
EOF
            wait "$load" 2>/dev/null || true
        fi
        stop_replicas
    done
done

SECTION=$(python3 - "$WORK" "$RUNS" "$CLIENTS" "$ENTRIES" "$(nproc)" <<'EOF'
import json, statistics, sys, datetime
work, runs, clients, entries, cores = sys.argv[1:6]
def med(replicas, log, key):
    rows = [json.loads(l) for l in open(f"{work}/append-{replicas}-{log}.jsonl") if l.strip()]
    return statistics.median(r[key] for r in rows)
lines = [
    "## sigstore-local replicas",
    "",
    f"`bench/replicas.sh` (RUNS={runs}, {datetime.date.today()}, {cores} cores): release `sigstore-local serve` replicas on one",
    "PostgreSQL 15, all on this machine with the client (`log-append-bench`, clients spread over the replicas, entries",
    f"signed before the clock starts), each configuration on a fresh database; {clients} clients, {entries} entries. Medians of {runs} runs.",
    "",
    "| log | 1 replica entries/s | 3 replicas entries/s | 3 vs 1 (goal >= 1.0x) | p99 ms, 1 | p99 ms, 3 | CPU busy, 1 | CPU busy, 3 |",
    "|---|---|---|---|---|---|---|---|",
]
def cpu(replicas, log):
    return statistics.median(float(l) for l in open(f"{work}/cpu-{replicas}-{log}.txt") if l.strip())
for log in ["v1", "v2"]:
    one, three = med(1, log, "entriesPerSecond"), med(3, log, "entriesPerSecond")
    lines.append(
        f"| Rekor {log} | {one:,.0f} | {three:,.0f} | {three / one:.2f}x | {med(1, log, 'p99ms'):.1f} | {med(3, log, 'p99ms'):.1f} "
        f"| {cpu(1, log):.0f}% | {cpu(3, log):.0f}% |")
kills = [l.strip() for l in open(f"{work}/failover.txt") if l.strip()]
times = [float(k) for k in kills if k != "timeout"]
lines += [
    "",
    f"SIGKILL of a replica under load ({clients} clients over 3 replicas) to the first entry integrated after it, read from",
    f"another replica's checkpoint: median {statistics.median(times):.1f} ms of {len(times)} kills"
    + (f" ({len(kills) - len(times)} timed out)" if len(times) < len(kills) else "")
    + f" (goal <= 2,000 ms). There is no leader to elect: every replica integrates its own batches under the log's row",
    "lock, so the others go on at once; a replica stopped inside that transaction holds it until PostgreSQL ends its idle",
    "session (3 s).",
]
print("\n".join(lines))
EOF
)
printf '%s\n' "$SECTION" >&2
printf '%s\n' "$SECTION" | python3 "$ROOT/bench/replace_section.py" "$ROOT/bench/RESULTS.md" "## sigstore-local replicas"
echo "bench: wrote the sigstore-local replicas section of bench/RESULTS.md" >&2
