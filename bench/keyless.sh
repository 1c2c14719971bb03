#!/usr/bin/env bash
# Keyless sign-blob against the local stack (sigstore-local, release build, SQLite) over loopback; writes the "keyless
# sign-blob" section of bench/RESULTS.md.
#
#   COSIGN_BIN=.build/release/cosign bench/keyless.sh      # RUNS=15 signings per configuration
#
# Per configuration: the wall time of the whole `cosign sign-blob` process (median of RUNS), the time cosign spent per
# phase (token, Fulcio, signing, TSA, Rekor, checking the bundle; SWIFT_COSIGN_TIMINGS=1 prints them) and the number of
# HTTP requests it sent. The peer is sigstore-python (`sigstore sign`) against the same stack and the same token,
# measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS="${RUNS:-15}"
COSIGN_BIN="${COSIGN_BIN:-$ROOT/.build/release/cosign}"
BIN="$ROOT/Services/.build/release"
WORK="$ROOT/bench/work/keyless"
die() { echo "bench: $*" >&2; exit 1; }
[ -x "$COSIGN_BIN" ] || die "no cosign at $COSIGN_BIN"
(cd Services && swift build -c release --product sigstore-local >/dev/null) || die "release build of sigstore-local failed"
rm -rf "$WORK" && mkdir -p "$WORK"
cd "$WORK"

SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT

"$BIN/sigstore-local" serve --data-dir stack --auto-approve --default-email bench@example.com --log-level error >stack.json 2>stack.err &
SERVER_PID=$!
for _ in $(seq 1 300); do [ -s stack.json ] && break; sleep 0.05; done
[ -s stack.json ] || die "sigstore-local did not start: $(cat stack.err)"
field() { python3 -c "import json; print(json.load(open('stack.json'))['$1'])"; }
head -c 1024 /dev/urandom > blob.bin
TOKEN=$("$BIN/sigstore-local" token --data-dir stack --email bench@example.com --expires-in 3600)
V1=(--use-signing-config=false --fulcio-url "$(field fulcio)" --rekor-url "$(field rekor)" --oidc-issuer "$(field oidc)"
    --timestamp-server-url "$(field tsa)/api/v1/timestamp" --trusted-root stack/trusted_root.json)
V2=(--signing-config stack/signing_config.json --trusted-root stack/trusted_root.json)

# run_cosign NAME ARGS...: RUNS signings; prints "name wall_ms token fulcio sign tsa rekor verify requests" (medians).
run_cosign() {
    local name=$1; shift
    : > "$name.times"
    for i in $(seq 1 "$RUNS"); do
        local start end
        start=$(date +%s%N)
        SWIFT_COSIGN_TIMINGS=1 "$COSIGN_BIN" sign-blob -y --bundle "$name.$i.json" "$@" blob.bin 2> "$name.$i.err" >/dev/null \
            || die "$name run $i failed: $(cat "$name.$i.err")"
        end=$(date +%s%N)
        echo "$(( (end - start) / 1000 )) $(grep '^timings:' "$name.$i.err")" >> "$name.times"
    done
    python3 - "$name" "$name.times" <<'EOF'
import re, statistics, sys
name, path = sys.argv[1], sys.argv[2]
rows = []
for line in open(path):
    wall, rest = line.split(" ", 1)
    d = {k: float(v.rstrip("ms")) for k, v in re.findall(r"(\w+)=([\d.]+m?s?)", rest)}
    d["wall"] = int(wall) / 1000
    rows.append(d)
med = lambda k: statistics.median(r.get(k, 0) for r in rows)
print(name, " ".join("%.2f" % med(k) for k in ["wall", "token", "fulcio", "sign", "tsa", "rekor", "verify"]), int(med("requests")))
EOF
}

# run_python NAME REKOR_VERSION: sigstore-python sign wall time, median of RUNS.
run_python() {
    local name=$1 version=$2
    : > "$name.times"
    for i in $(seq 1 "$RUNS"); do
        local start end
        start=$(date +%s%N)
        python3 -m sigstore --trust-config stack/trust_config.json sign --identity-token "$TOKEN" --rekor-version "$version" \
            --bundle "$name.$i.json" blob.bin >/dev/null 2>"$name.$i.err" || die "$name run $i failed: $(cat "$name.$i.err")"
        end=$(date +%s%N)
        echo "$(( (end - start) / 1000 ))" >> "$name.times"
    done
    python3 -c "import statistics,sys; print('%.2f' % (statistics.median(int(l) for l in open(sys.argv[1])) / 1000))" "$name.times"
}

rows=()
rows+=("$(run_cosign v1-token "${V1[@]}" --identity-token "$TOKEN")")
rows+=("$(run_cosign v2-token "${V2[@]}" --identity-token "$TOKEN")")
rows+=("$(run_cosign v2-device "${V2[@]}" --fulcio-auth-flow device)")
py_v1=$(run_python py-v1 1)
py_v2=$(run_python py-v2 2)

{
    echo "## keyless sign-blob"
    echo
    echo "\`bench/keyless.sh\` ($(date -u +%F), RUNS=$RUNS, release builds, client and server on the same 2 cores): \`cosign sign-blob\` of"
    echo "a 1 KiB file against \`sigstore-local serve\` (SQLite) on loopback: ephemeral P-256 key, Fulcio certificate, RFC 3161"
    echo "timestamp, Rekor entry, and the bundle checked against the trusted root before it is written. Medians in"
    echo "milliseconds; phases as measured inside cosign (SWIFT_COSIGN_TIMINGS=1); \"requests\" counts HTTP requests sent."
    echo "The token is passed with \`--identity-token\` (no request) or fetched by the device flow from the development"
    echo "issuer (\`--auto-approve\`)."
    echo
    echo "| configuration | wall | token | Fulcio | sign | TSA | Rekor | check | requests |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for row in "${rows[@]}"; do
        read -r name wall token fulcio sign tsa rekor verify requests <<<"$row"
        case $name in
            v1-token) label="Rekor v1, --identity-token" ;;
            v2-token) label="Rekor v2, --identity-token" ;;
            v2-device) label="Rekor v2, device flow" ;;
        esac
        echo "| $label | $wall | $token | $fulcio | $sign | $tsa | $rekor | $verify | $requests |"
    done
    echo
    read -r _ v1wall _ <<<"${rows[0]}"
    read -r _ v2wall _ <<<"${rows[1]}"
    echo "Peer, same stack, same token: sigstore-python \`sigstore sign\` (whole process) $py_v1 ms with Rekor v1 and"
    echo "$py_v2 ms with Rekor v2. Ratios cosign / sigstore-python:"
    python3 -c "print('%.3fx (Rekor v1), %.3fx (Rekor v2).' % ($v1wall / $py_v1, $v2wall / $py_v2))"
} > section.md
python3 "$ROOT/bench/replace_section.py" "$ROOT/bench/RESULTS.md" "## keyless sign-blob" < section.md
cat section.md
