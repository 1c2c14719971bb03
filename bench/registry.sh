#!/usr/bin/env bash
# Registry benchmarks for swift-cosign: HTTP requests per `sign` and `verify` (both storage schemes), `sign` wall time,
# and `verify` wall time with 1, 10 and 100 signatures on an image. Starts docker-registry on 127.0.0.1 (and the test
# harness's counting proxy in front of it), and replaces the "## Registry" section of bench/RESULTS.md.
#
#   COSIGN_BIN=.build/release/cosign RUNS=5 bench/registry.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
COSIGN_BIN="${COSIGN_BIN:-$ROOT/.build/release/cosign}"
RUNS="${RUNS:-5}"
export -n COSIGN_BIN
die() { echo "bench/registry: $*" >&2; exit 1; }
[ -x "$COSIGN_BIN" ] || die "no cosign binary at $COSIGN_BIN (run: swift build -c release)"
for tool in docker-registry hyperfine python3; do command -v "$tool" >/dev/null || die "missing $tool (run: scripts/setup.sh --bench)"; done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cosign-registry-bench.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
source "$ROOT/bench/lib-registry.sh"
start_registry
REGISTRY_PID=${PIDS[-1]}
TICKS=$(getconf CLK_TCK)
registry_cpu_ms() { awk -v t="$TICKS" '{print int(($14 + $15) * 1000 / t)}' "/proc/$REGISTRY_PID/stat"; }
PROXY=$(free_port)
echo '[]' > "$WORK/plan.json"
python3 "$ROOT/Sources/RegistryTesting/fault_proxy.py" "$PROXY" "$PORT" "$WORK/plan.json" >/dev/null 2>&1 & PIDS+=($!)
wait_port "$PROXY"
count() { python3 -c "import json,urllib.request; print(json.load(urllib.request.urlopen('http://127.0.0.1:$PROXY/__proxy/count'))['count'])"; }


export COSIGN_PASSWORD=bench DOCKER_CONFIG="$WORK"
"$COSIGN_BIN" generate-key-pair --output-key-prefix "$WORK/k" 2>/dev/null
SIGN="$COSIGN_BIN sign --key $WORK/k.key --tlog-upload=false"
VERIFY="$COSIGN_BIN verify --key $WORK/k.pub --insecure-ignore-tlog"
LEGACY="--new-bundle-format=false"

# Requests per command, counted by the proxy (the ping's HTTPS probe never reaches it as a request: not counted).
declare -A REQ
for scheme in bundle legacy; do
    flag=""; [ "$scheme" = legacy ] && flag=$LEGACY
    d=$(push_image "count-$scheme" v1)
    for round in first second; do
        before=$(count); $SIGN $flag --allow-http-registry "127.0.0.1:$PROXY/count-$scheme@$d" >/dev/null 2>&1; REQ[sign-$scheme-$round]=$(( $(count) - before ))
    done
    before=$(count); $VERIFY --allow-http-registry "127.0.0.1:$PROXY/count-$scheme@$d" >/dev/null 2>&1; REQ[verify-$scheme]=$(( $(count) - before ))
done

# Wall time: sign, and verify with 1, 10 and 100 signatures on an image (each signature its own -a value).
median() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"; }
hf() { hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$WORK/$1.json" "$2" >/dev/null 2>&1 || die "hyperfine failed: $2"; median "$WORK/$1.json"; }
declare -A T CPU
for scheme in bundle legacy; do
    flag=""; [ "$scheme" = legacy ] && flag=$LEGACY
    d=$(push_image "sign-$scheme" v1)
    T[sign-$scheme]=$(hf "sign-$scheme" "$SIGN $flag 127.0.0.1:$PORT/sign-$scheme@$d")
    d=$(push_image "many-$scheme" v1)
    n=0
    for target in 1 10 100; do
        while [ $n -lt $target ]; do
            n=$((n + 1)); $SIGN $flag -a "n=$n" "127.0.0.1:$PORT/many-$scheme@$d" >/dev/null 2>&1 || die "sign $n failed"
        done
        T[verify-$scheme-$target]=$(hf "verify-$scheme-$target" "$VERIFY 127.0.0.1:$PORT/many-$scheme@$d")
        # The registry's own CPU time per verify (user + system, from /proc), over 5 verifies.
        before=$(registry_cpu_ms)
        for _ in 1 2 3 4 5; do $VERIFY "127.0.0.1:$PORT/many-$scheme@$d" >/dev/null 2>&1; done
        CPU[$scheme-$target]=$(( ($(registry_cpu_ms) - before) / 5 ))
        got=$($VERIFY -o json "127.0.0.1:$PORT/many-$scheme@$d" 2>/dev/null | python3 -c 'import json,sys; print(len(json.loads(sys.stdin.read())))')
        [ "$got" = "$target" ] || die "$scheme: expected $target verified signatures, got $got"
    done
done

SECTION=$(python3 - "$COSIGN_BIN" "$RUNS" <<PY
import sys
out = []
p = out.append
ms = lambda s: f"{float(s) * 1000:.1f} ms"
p("## Registry\n")
p(f"\`bench/registry.sh\` (binary \`{sys.argv[1]}\`), docker-registry 2.8 on 127.0.0.1 (plain HTTP, no auth), "
  f"hyperfine medians of {sys.argv[2]} runs. Signing decrypts \`cosign.key\` (scrypt) each time. "
  "No peer ran: Go cosign is not installed on these machines and sigstore-python has no OCI support, so the "
  "figures stand alone; the ratios are to the 1-signature case.\n")
p("HTTP requests per command, counted by a proxy in front of the registry:\n")
p("| command | bundle referrer (v3) | legacy \`.sig\` |")
p("|---|---|---|")
p(f"| sign, first signature | ${REQ[sign-bundle-first]} | ${REQ[sign-legacy-first]} |")
p(f"| sign the same image again, same key and payload | ${REQ[sign-bundle-second]} (a new referrer) | ${REQ[sign-legacy-second]} (duplicate: nothing written) |")
p(f"| verify (2 bundles / 1 legacy signature) | ${REQ[verify-bundle]} | ${REQ[verify-legacy]} |")
p("")
p("Wall time:\n")
p("| command | bundle referrer (v3) | legacy \`.sig\` |")
p("|---|---|---|")
p(f"| sign | {ms(${T[sign-bundle]})} | {ms(${T[sign-legacy]})} |")
for n, b, l in [(1, ${T[verify-bundle-1]}, ${T[verify-legacy-1]}), (10, ${T[verify-bundle-10]}, ${T[verify-legacy-10]}), (100, ${T[verify-bundle-100]}, ${T[verify-legacy-100]})]:
    p(f"| verify, {n} signature{'s' if n > 1 else ''} | {ms(b)} ({b / ${T[verify-bundle-1]}:.1f}×) | {ms(l)} ({l / ${T[verify-legacy-1]}:.1f}×) |")
p("")
p("docker-registry's own CPU time per verify (user + system from /proc, mean of 5 verifies; 2 cores shared with cosign):\n")
p("| signatures | bundle referrer (v3) | legacy \`.sig\` |")
p("|---|---|---|")
for n in (1, 10, 100):
    b = {1: ${CPU[bundle-1]}, 10: ${CPU[bundle-10]}, 100: ${CPU[bundle-100]}}[n]
    l = {1: ${CPU[legacy-1]}, 10: ${CPU[legacy-10]}, 100: ${CPU[legacy-100]}}[n]
    p(f"| {n} | {b} ms | {l} ms |")
p("")
p("- Goal (issue 22): verify with 100 signatures within 3x the 1-signature time. Not met, and not reachable against "
  "this registry on this machine: each extra signature needs its own request(s) (legacy: the layer's payload blob; "
  "bundles: the referrer manifest and the bundle blob), and the registry alone spends the CPU shown above serving them "
  "-- more than 3x the whole 1-signature verify -- on the same 2 cores. cosign sends one manifest and one blob per "
  "extra signature at most, ten at a time.")
p("- sign (legacy) watches the \`.sig\` tag after writing until it has stayed unchanged, with the new layer, for a "
  "quiet period (200 ms, at least 4x the signer's read-to-write time), so that a concurrent writer that dropped the "
  "layer is noticed and the write redone (the read-modify-write the registry API cannot make atomic; "
  "bench/concurrent-signers.sh): that wait and its reads are part of its time and request count. The bundle scheme "
  "does the same for the referrers-tag index, which docker-registry 2.8 needs (no referrers API).")
p("- verify fetches the referrers (or referrers-tag index), then each referrer manifest and bundle, ten at a time "
  "(\`--max-workers\`), and falls back to the \`.sig\` tag when no bundle is found.")
print("\\n".join(out))
PY
)
printf '%s\n' "$SECTION" | python3 "$ROOT/bench/replace_section.py" "$ROOT/bench/RESULTS.md" "## Registry"
echo "$SECTION"
