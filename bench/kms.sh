#!/usr/bin/env bash
# Managed-key benchmark for swift-cosign: `sign-blob` with a Vault transit key (OpenBao, the real server, on
# loopback) over a 1 MiB and a 1 GiB file — wall time (hyperfine median), peak RSS (GNU time, median of 3) and the
# requests OpenBao's audit log records per run — and replaces the "## Managed keys" section of bench/RESULTS.md.
# Goals (issue 18): the artifact is streamed (peak RSS at 1 GiB within 4 MiB of the 1 MiB case) and each signature
# costs at most one remote call.
#
#   COSIGN_BIN=.build/release/cosign RUNS=5 bench/kms.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
COSIGN_BIN="${COSIGN_BIN:-$ROOT/.build/release/cosign}"
RUNS="${RUNS:-5}"
SIZE_MB="${BENCH_SIZE_MB:-1024}"
export -n COSIGN_BIN
die() { echo "bench/kms: $*" >&2; exit 1; }
[ -x "$COSIGN_BIN" ] || die "no cosign binary at $COSIGN_BIN (run: swift build -c release)"
for tool in hyperfine python3 bao curl; do command -v "$tool" >/dev/null || die "missing $tool (run: scripts/setup.sh --bench)"; done
[ -x /usr/bin/time ] || die "missing GNU time (run: scripts/setup.sh --bench)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cosign-kms-bench.XXXXXX")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TOKEN=bench-root-token
# OpenBao enables audit devices only from its configuration.
printf 'audit "file" "bench" {\n  options {\n    file_path = "%s"\n  }\n}\n' "$WORK/audit.log" > "$WORK/audit.hcl"
bao server -dev -dev-root-token-id="$TOKEN" -dev-listen-address="127.0.0.1:$PORT" -dev-no-store-token -config="$WORK/audit.hcl" \
    >"$WORK/bao.log" 2>&1 &
BAO_PID=$!
trap 'kill -9 $BAO_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
export VAULT_ADDR="http://127.0.0.1:$PORT" VAULT_TOKEN="$TOKEN"
for _ in $(seq 1 200); do curl -sf "$VAULT_ADDR/v1/sys/health" >/dev/null 2>&1 && break; sleep 0.05; done
api() { curl -sf -H "X-Vault-Token: $TOKEN" -X "$1" "$VAULT_ADDR/v1/$2" ${3:+-d "$3"} >/dev/null; }
api POST sys/mounts/transit '{"type":"transit"}'
"$COSIGN_BIN" generate-key-pair --kms hashivault://bench --output-key-prefix "$WORK/bench" 2>/dev/null

SMALL="$WORK/blob-1M"
head -c 1048576 /dev/urandom > "$SMALL"
BIG="$ROOT/bench/work/blob-${SIZE_MB}M"
if [ ! -f "$BIG" ] || [ "$(stat -c %s "$BIG")" -ne $((SIZE_MB * 1048576)) ]; then
    mkdir -p "$ROOT/bench/work"
    head -c $((SIZE_MB * 1048576)) /dev/urandom > "$BIG.tmp" && mv "$BIG.tmp" "$BIG"
fi
sign() { echo "$COSIGN_BIN sign-blob --key hashivault://bench --tlog-upload=false --bundle $WORK/out.bundle $1"; }

median_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"; }
hf() { hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$WORK/$1.json" "$2" >/dev/null 2>&1 || die "hyperfine failed: $2"; median_of "$WORK/$1.json"; }
rss_median() {
    local values=()
    for _ in 1 2 3; do values+=("$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1)"); done
    printf '%s\n' "${values[@]}" | sort -n | sed -n 2p
}
# Requests OpenBao served for one command (its audit log has one "response" entry per request).
requests_of() {
    local before after
    before=$(grep -c '"type":"response"' "$WORK/audit.log" || true)
    "$@" >/dev/null 2>&1
    after=$(grep -c '"type":"response"' "$WORK/audit.log" || true)
    echo $((after - before))
}
sign_requests_of() {
    local before after
    before=$(grep '"type":"response"' "$WORK/audit.log" | grep -c '"path":"transit/sign/' || true)
    "$@" >/dev/null 2>&1
    after=$(grep '"type":"response"' "$WORK/audit.log" | grep -c '"path":"transit/sign/' || true)
    echo $((after - before))
}

echo "bench/kms: timing and memory" >&2
T_SMALL=$(hf small "$(sign "$SMALL")")
T_BIG=$(hf big "$(sign "$BIG")")
# shellcheck disable=SC2046
M_SMALL=$(rss_median $(sign "$SMALL"))
# shellcheck disable=SC2046
M_BIG=$(rss_median $(sign "$BIG"))
# shellcheck disable=SC2046
R_ONE=$(requests_of $(sign "$BIG"))
# shellcheck disable=SC2046
S_ONE=$(sign_requests_of $(sign "$BIG"))
for i in 1 2 3 4 5; do head -c 4096 /dev/urandom > "$WORK/f$i"; done
R_FIVE=$(requests_of "$COSIGN_BIN" sign-blob --key hashivault://bench --tlog-upload=false --new-bundle-format=false -y \
    "$WORK/f1" "$WORK/f2" "$WORK/f3" "$WORK/f4" "$WORK/f5")
S_FIVE=$(sign_requests_of "$COSIGN_BIN" sign-blob --key hashivault://bench --tlog-upload=false --new-bundle-format=false -y \
    "$WORK/f1" "$WORK/f2" "$WORK/f3" "$WORK/f4" "$WORK/f5")
"$COSIGN_BIN" verify-blob --key "$WORK/bench.pub" --bundle "$WORK/out.bundle" --insecure-ignore-tlog "$BIG" >/dev/null 2>&1 \
    || die "the bundle made with the KMS key does not verify"

BIN_SHOWN=${COSIGN_BIN#"$ROOT/"}
SECTION=$(python3 - <<PY
ms = lambda s: f"{s * 1000:.1f} ms"
mib = lambda k: f"{k / 1024:.1f} MiB"
delta = ($M_BIG - $M_SMALL) / 1024
out = []
p = out.append
p("## Managed keys")
p("")
p("\`bench/kms.sh\`: \`$BIN_SHOWN sign-blob --key hashivault://bench --tlog-upload=false --bundle B FILE\` with an ECDSA P-256 "
  "Vault transit key on OpenBao (\`bao server -dev\`, the real server, on loopback). Medians of $RUNS runs (hyperfine) and of "
  "3 runs (GNU time, peak RSS); requests counted in OpenBao's audit log.")
p("")
p("| file | wall time | peak RSS |")
p("|---|---|---|")
p(f"| 1 MiB | {ms($T_SMALL)} | {mib($M_SMALL)} |")
p(f"| $SIZE_MB MiB | {ms($T_BIG)} | {mib($M_BIG)} |")
p("")
p(f"- Peak RSS at $SIZE_MB MiB is {delta:+.1f} MiB from the 1 MiB case: goal within 4 MiB: {'met' if abs(delta) <= 4 else '**not met**'}.")
p(f"- One file: $R_ONE requests to OpenBao ($S_ONE signature): the public key once, then the signature. Five files in one "
  f"command: $R_FIVE requests ($S_FIVE signatures). Goal at most one remote call per signature: "
  f"{'met' if $S_ONE == 1 and $S_FIVE == 5 and $R_FIVE == 6 else '**not met**'}.")
print("\\n".join(out))
PY
)
printf '%s\n' "$SECTION" | python3 "$ROOT/bench/replace_section.py" "$ROOT/bench/RESULTS.md" "## Managed keys"
echo "$SECTION"
