#!/usr/bin/env bash
# TUF benchmarks for swift-cosign: HTTP requests made by `cosign initialize`, by a command with a valid TUF cache, and
# by a refresh of an up-to-date cache (tuf-conformance-client over the same library), counted on the loopback server
# that serves Sigstore's public-good repository state from ../shared/vectors/tuf; and `verify-blob` of a CPython
# release bundle with a warm TUF cache against the same with `--trusted-root` (hyperfine medians, same run). Everything
# runs under faketime at a date inside the state's validity. Replaces the "## TUF" section of bench/RESULTS.md.
#
#   COSIGN_BIN=.build/release/cosign RUNS=20 bench/tuf.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
COSIGN_BIN="${COSIGN_BIN:-$ROOT/.build/release/cosign}"
CLIENT_BIN="${CLIENT_BIN:-$(dirname "$COSIGN_BIN")/tuf-conformance-client}"
VECTORS_DIR="${VECTORS_DIR:-$ROOT/../shared/vectors}"
RUNS="${RUNS:-20}"
DATE="2026-08-22 12:00:00"
export -n COSIGN_BIN
die() { echo "bench/tuf: $*" >&2; exit 1; }
[ -x "$COSIGN_BIN" ] || die "no cosign binary at $COSIGN_BIN (run: swift build -c release)"
[ -x "$CLIENT_BIN" ] || die "no tuf-conformance-client at $CLIENT_BIN (run: swift build -c release --product tuf-conformance-client)"
[ -d "$VECTORS_DIR/tuf" ] || die "no TUF vectors at $VECTORS_DIR/tuf"
for tool in hyperfine faketime python3; do command -v "$tool" >/dev/null || die "missing $tool (run: scripts/setup.sh --bench)"; done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cosign-tuf-bench.XXXXXX")
LOG="$WORK/requests.log"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$VECTORS_DIR/tuf" >"$WORK/server.out" 2>"$LOG" &
SERVER=$!
trap 'kill -9 $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q "port" "$WORK/server.out" 2>/dev/null && break; sleep 0.05; done
PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$WORK/server.out" | head -1)
[ -n "$PORT" ] || die "http.server did not start"
MIRROR="http://127.0.0.1:$PORT/sigstore-public-good"
ROOT15="$VECTORS_DIR/tuf/sigstore-public-good/15.root.json"
export TUF_ROOT="$WORK/cache" HOME="$WORK"
requests() { grep -c '"GET ' "$LOG" || true; }

faketime "$DATE" "$COSIGN_BIN" initialize --mirror "$MIRROR" --root "$ROOT15"
N_INIT=$(requests)
BUNDLE="$VECTORS_DIR/cpython-release-tracker/3.12.5/bundle.sigstore.json"
ARGS="--bundle $BUNDLE --certificate-identity thomas@python.org --certificate-oidc-issuer https://accounts.google.com sha256:fba3a6fdbafb3dfae6afb39d3024607e0d324a5065e270c144cac0c4e892e153"
: >"$LOG"
faketime "$DATE" "$COSIGN_BIN" verify-blob $ARGS 2>/dev/null
N_WARM=$(requests)

mkdir -p "$WORK/client"
"$CLIENT_BIN" --metadata-dir "$WORK/client" init "$ROOT15" >/dev/null 2>&1
faketime "$DATE" "$CLIENT_BIN" --metadata-dir "$WORK/client" --metadata-url "$MIRROR" refresh >/dev/null 2>&1
: >"$LOG"
faketime "$DATE" "$CLIENT_BIN" --metadata-dir "$WORK/client" --metadata-url "$MIRROR" refresh >/dev/null 2>&1
N_REFRESH=$(requests)
REFRESH_PATHS=$(sed -n 's/.*"GET \([^ ]*\) .*" \([0-9]*\) .*/\1 (\2)/p' "$LOG" | sed "s#/sigstore-public-good/##" | paste -sd, - | sed 's/,/, /g')

TRUSTED="$WORK/cache/$(echo "$MIRROR" | sed 's#^http://##; s#[/:]#-#g')/targets/trusted_root.json"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/tuf.json" \
    -n tuf "faketime '$DATE' $COSIGN_BIN verify-blob $ARGS" \
    -n file "faketime '$DATE' $COSIGN_BIN verify-blob --trusted-root $TRUSTED $ARGS" >/dev/null 2>&1 \
    || hyperfine --warmup 3 --runs "$RUNS" --export-json "$WORK/tuf.json" \
        -n tuf "faketime '$DATE' $COSIGN_BIN verify-blob $ARGS" \
        -n file "faketime '$DATE' $COSIGN_BIN verify-blob --trusted-root $TRUSTED $ARGS" >/dev/null

SECTION=$(python3 - "$WORK/tuf.json" <<PY
import json, sys
results = {r["command"]: r["median"] for r in json.load(open(sys.argv[1]))["results"]}
tuf, file = results["tuf"], results["file"]
out = []
p = out.append
p("## TUF")
p("")
p("\`bench/tuf.sh\`: Sigstore's public-good repository state of 2026-08 (\`../shared/vectors/tuf\`) served by "
  "\`python3 -m http.server\` on 127.0.0.1, every command under \`faketime '$DATE'\`. Requests are counted in the "
  "server's log; times are hyperfine medians of $RUNS runs, both commands in the same run.")
p("")
p("| what | HTTP requests | goal |")
p("|---|---|---|")
p(f"| \`cosign initialize --mirror M --root 15.root.json\` (empty cache) | $N_INIT | |")
p(f"| \`cosign verify-blob\` with a valid cache (no \`--trusted-root\`) | $N_WARM | 0 |")
p(f"| refresh of an up-to-date cache (\`tuf-conformance-client refresh\`, the same library): $REFRESH_PATHS | $N_REFRESH | 1 (the timestamp) |")
p("")
p("| command | median | difference |")
p("|---|---|---|")
p(f"| \`verify-blob\` of CPython 3.12.5's bundle, trust from the warm TUF cache | {tuf * 1000:.1f} ms | {(tuf - file) * 1000:+.1f} ms |")
p(f"| the same with \`--trusted-root\` (the cached trusted_root.json) | {file * 1000:.1f} ms | (reference) |")
p("")
p("- A refresh probes for the next root before the timestamp (TUF spec 5.3: \`N+1.root.json\` until a 404), so an "
  "up-to-date refresh is two requests, not one; skipping the probe would break root rotation. Commands refresh only "
  "when the cached metadata no longer verifies (an expired timestamp), so a valid cache costs no request at all.")
print("\\n".join(out))
PY
)
printf '%s\n' "$SECTION" | python3 "$ROOT/bench/replace_section.py" "$ROOT/bench/RESULTS.md" "## TUF"
echo "$SECTION"
