#!/usr/bin/env bash
# The explorer's searches over a Rekor v1 log of 100,000 entries (release build); writes the "Explorer search"
# section of bench/RESULTS.md.
#
#   bench/explorer-search.sh             # ENTRIES=100000 IDENTITIES=1000 RUNS=30
#
# A data directory is initialised by one start of sigstore-local, filled by log-fill with ENTRIES hashedrekord entries
# from IDENTITIES certificate identities (so each identity has ENTRIES/IDENTITIES entries), then served on one
# listener. Each search page (identity, artifact hash, log index) is fetched RUNS times with curl; the table quotes the
# median and p90 time to the last byte, against the goal of 50 ms for a search by identity.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ENTRIES="${ENTRIES:-100000}"
IDENTITIES="${IDENTITIES:-1000}"
RUNS="${RUNS:-30}"
BIN="$ROOT/Services/.build/release"
WORK="$ROOT/bench/work/explorer"
die() { echo "bench: $*" >&2; exit 1; }
(cd Services && swift build -c release >/dev/null) || die "release build of Services failed"
rm -rf "$WORK" && mkdir -p "$WORK"
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true; }
trap cleanup EXIT
start() {
    : >"$WORK/ready"
    "$BIN/sigstore-local" serve --data-dir "$WORK/data" --port 0 --log-level warning --services rekor >"$WORK/ready" 2>"$WORK/err" &
    PID=$!
    for _ in $(seq 600); do [ -s "$WORK/ready" ] && return 0; sleep 0.1; done
    die "sigstore-local did not start: $(cat "$WORK/err")"
}
start; kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
fill_start=$(date +%s.%N)
"$BIN/log-fill" "$WORK/data" "$ENTRIES" "$IDENTITIES" >/dev/null
fill_seconds=$(python3 -c "import time; print(round(time.time() - $fill_start, 1))")
start
ORIGIN=$(python3 -c "import json; print(json.load(open('$WORK/ready'))['rekor'].rsplit('/rekor', 1)[0])")
HASH=$(printf 'artifact 4242' | sha256sum | cut -d' ' -f1)
measure() {  # name url expected-fragment
    curl -s "$2" | grep -q "$3" || die "$1: the page does not contain $3"
    for _ in $(seq "$RUNS"); do curl -s -o /dev/null -w '%{time_total}\n' "$2"; done | python3 -c "
import statistics, sys
t = sorted(float(x) * 1000 for x in sys.stdin)
print(f'| $1 | {statistics.median(t):.1f} | {t[int(len(t) * 0.9) - 1]:.1f} |')"
}
ROWS=$(
    measure "identity (user42@example.com, $((ENTRIES / IDENTITIES)) matches)" "$ORIGIN/search?q=user42@example.com" "$((ENTRIES / IDENTITIES)) entries for"
    measure "artifact hash (1 match)" "$ORIGIN/search?q=sha256:$HASH" "1 entry for"
    measure "log index" "$ORIGIN/search?q=4242" "/entry/rekor/4242"
    measure "entry page" "$ORIGIN/entry/rekor/4242" "Inclusion proof"
    measure "newest entries (/)" "$ORIGIN/" "tree size $ENTRIES"
)
IDENTITY_MEDIAN=$(printf '%s\n' "$ROWS" | head -1 | awk -F'|' '{print $3}' | tr -d ' ')
VERDICT=$(python3 -c "m=$IDENTITY_MEDIAN; print(f'goal met: {m:.1f} ms is {m/50:.2f}x the 50 ms limit' if m < 50 else f'goal NOT met: {m:.1f} ms is {m/50:.2f}x the 50 ms limit')")
SECTION="## Explorer search

\`bench/explorer-search.sh\` ($(date -u +%Y-%m-%d), release build, SQLite): a Rekor v1 log of $ENTRIES entries from
$IDENTITIES identities (filled by \`log-fill\` in ${fill_seconds} s), served on one listener; each page fetched $RUNS times
with curl over loopback, milliseconds to the last byte. Searches use the search-key index
(\`PRIMARY KEY (log, key, idx)\`); an identity search renders every match (certificate parsed for signer and issuer).

| page | median ms | p90 ms |
|---|---|---|
$ROWS

Search by identity over $ENTRIES entries: $VERDICT."
printf '%s\n' "$SECTION"
printf '%s\n' "$SECTION" | python3 "$ROOT/bench/replace_section.py" "$ROOT/bench/RESULTS.md" "## Explorer search"
