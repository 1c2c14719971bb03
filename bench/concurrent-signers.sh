#!/usr/bin/env bash
# Concurrent signers on one image (issue 23 item 12): N `cosign sign` processes start together against docker-registry
# 2.8 on 127.0.0.1 (no referrers API, so bundle referrers go through the referrers-tag index; legacy signatures
# through the `.sig` image), each with its own `-a signer=I`. Afterwards `verify` lists the signatures; the table
# counts those found against the signers that reported success. Replaces "## Concurrent signers" in bench/RESULTS.md.
#
#   COSIGN_BIN=.build/release/cosign RUNS=5 SIGNERS="8 32 64" bench/concurrent-signers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
COSIGN_BIN="${COSIGN_BIN:-$ROOT/.build/release/cosign}"
RUNS="${RUNS:-5}"
SIGNERS="${SIGNERS:-8 32 64}"
export -n COSIGN_BIN
die() { echo "bench/concurrent-signers: $*" >&2; exit 1; }
[ -x "$COSIGN_BIN" ] || die "no cosign binary at $COSIGN_BIN (run: swift build -c release)"
for tool in docker-registry python3; do command -v "$tool" >/dev/null || die "missing $tool (run: scripts/setup.sh --bench)"; done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cosign-concurrent-bench.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
source "$ROOT/bench/lib-registry.sh"
start_registry

export COSIGN_PASSWORD=bench DOCKER_CONFIG="$WORK"
"$COSIGN_BIN" generate-key-pair --output-key-prefix "$WORK/k" 2>/dev/null

RESULTS="$WORK/results.tsv"
: > "$RESULTS"
for scheme in bundle legacy; do
    flag=""; [ "$scheme" = legacy ] && flag="--new-bundle-format=false"
    for n in $SIGNERS; do
        for run in $(seq 1 "$RUNS"); do
            repo="c-$scheme-$n-$run"
            digest=$(push_image "$repo")
            image="127.0.0.1:$PORT/$repo@$digest"
            start=$(date +%s.%N)
            pids=()
            for i in $(seq 1 "$n"); do
                "$COSIGN_BIN" sign --key "$WORK/k.key" --tlog-upload=false $flag -a "signer=$i" "$image" \
                    >"$WORK/sign-$i.out" 2>&1 & pids+=($!)
            done
            ok=0
            for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)); done
            seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
            found=$("$COSIGN_BIN" verify --key "$WORK/k.pub" --insecure-ignore-tlog -o json "$image" 2>/dev/null \
                | python3 -c 'import json,sys; print(len({s["optional"]["signer"] for s in json.loads(sys.stdin.read() or "[]")}))' || echo 0)
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$scheme" "$n" "$run" "$ok" "$found" "$seconds" | tee -a "$RESULTS" >&2
        done
    done
done

SECTION=$(python3 - "$RESULTS" "$COSIGN_BIN" "$RUNS" "$(nproc)" <<'PY'
import collections, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
groups = collections.OrderedDict()
for scheme, n, run, ok, found, seconds in rows:
    groups.setdefault((scheme, int(n)), []).append((int(ok), int(found), float(seconds)))
out = ["## Concurrent signers\n",
       f"`bench/concurrent-signers.sh` (binary `{sys.argv[2]}`, {sys.argv[3]} runs each, {sys.argv[4]} cores): N `cosign sign` "
       "processes started together on one image in docker-registry 2.8 (no referrers API), each with its own "
       "`-a signer=I`; then `verify -o json` lists the signatures. Goal: every signature of a signer that reported "
       "success is found, in every run.\n",
       "| scheme | signers | runs | signers that succeeded (per run) | signatures found (per run) | runs with all found | sign wall time, median |",
       "|---|---|---|---|---|---|---|"]
for (scheme, n), rs in groups.items():
    name = "bundle referrers (v3)" if scheme == "bundle" else "legacy `.sig`"
    complete = sum(1 for ok, found, _ in rs if found >= ok)
    out.append(f"| {name} | {n} | {len(rs)} | {', '.join(str(r[0]) for r in rs)} | {', '.join(str(r[1]) for r in rs)} | "
               f"{complete}/{len(rs)} | {statistics.median(r[2] for r in rs):.1f} s |")
print("\n".join(out))
PY
)
printf '%s\n' "$SECTION" | python3 "$ROOT/bench/replace_section.py" "$ROOT/bench/RESULTS.md" "## Concurrent signers"
echo "$SECTION"
