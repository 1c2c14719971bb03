#!/usr/bin/env bash
# Start-up of the commands users run most, each failing at once on a missing file (no network, no key decryption),
# against `cosign version`, with and without a COSIGN_* flag variable set. Goal (issue 22): each within 1.5x of
# `cosign version` measured in the same run. Writes the "## Start-up of failing commands" section of bench/RESULTS.md.
#
#   COSIGN_BIN=path RUNS=40 bench/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
COSIGN_BIN="${COSIGN_BIN:-$ROOT/.build/release/cosign}"
RUNS="${RUNS:-40}"
WORK="$ROOT/bench/work/startup"
export -n COSIGN_BIN
[ -x "$COSIGN_BIN" ] || { echo "bench: no cosign binary at $COSIGN_BIN" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench: hyperfine missing (run: scripts/setup.sh --bench)" >&2; exit 1; }
mkdir -p "$WORK"
echo x > "$WORK/artifact"
rm -f "$WORK/k.key" "$WORK/k.pub"
COSIGN_PASSWORD=bench "$COSIGN_BIN" generate-key-pair --output-key-prefix "$WORK/k" >/dev/null 2>&1
MISSING="$WORK/missing"
IMAGE="127.0.0.1:1/never-contacted@sha256:$(printf '%064d' 0)"
COMMANDS=(
    "version"
    "sign-blob --key $MISSING --tlog-upload=false --bundle $WORK/out.json $WORK/artifact"
    "verify-blob --key $WORK/k.pub --bundle $MISSING $WORK/artifact"
    "verify --key $MISSING $IMAGE"
    "sign --key $WORK/k.key --payload $MISSING $IMAGE"
    "attest --key $MISSING --predicate $MISSING $IMAGE"
    "verify-attestation --key $MISSING $IMAGE"
)
rows=()
for variable in "" "COSIGN_YES=true"; do
    for i in "${!COMMANDS[@]}"; do
        command="$COSIGN_BIN ${COMMANDS[$i]}"
        # The command must fail at once on the missing file (exit 1, nothing else tried).
        if [ "$i" -gt 0 ]; then
            out=$(env $variable $command 2>&1 >/dev/null) && { echo "bench: expected a failure: $command" >&2; exit 1; }
            case "$out" in *"$MISSING"*) ;; *) echo "bench: unexpected failure of $command: $out" >&2; exit 1 ;; esac
        fi
        json="$WORK/run-$i-${variable:+env}.json"
        hyperfine -N -i --warmup 3 --runs "$RUNS" --export-json "$json" "env $variable $command" >/dev/null 2>&1
        rows+=("$variable|${COMMANDS[$i]}|$json")
    done
done
python3 - "$COSIGN_BIN" "$RUNS" "$(nproc)" "${rows[@]}" <<'PY' | python3 "$ROOT/bench/replace_section.py" "$ROOT/bench/RESULTS.md" "## Start-up of failing commands"
import datetime, json, os, sys
binary, runs, cores, rows = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
def median(path): return json.load(open(path))["results"][0]["median"] * 1000
def short(text): return text.replace(os.getcwd() + "/", "").replace("0" * 64, "000…000")
print("## Start-up of failing commands\n")
print(f"`bench/startup.sh` ({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {cores} cores, binary "
      f"`{short(binary)}`): hyperfine medians of {runs} runs. Each command fails at once on a missing file (key, "
      "bundle, payload or predicate; the image is never contacted), so what is measured is process start, argument "
      "parsing and the command's set-up. Goal: each within 1.5x of `cosign version` measured in the same run, with and "
      "without a `COSIGN_*` flag variable set (which binds flags from the environment).\n")
print("| command | median | vs `cosign version` | goal ≤ 1.5× |")
print("|---|---|---|---|")
base = {}
for row in rows:
    variable, command, path = row.split("|")
    t = median(path)
    if command == "version":
        base[variable] = t
    ratio = t / base[variable]
    prefix = f"{variable} " if variable else ""
    verdict = "(baseline)" if command == "version" else ("met" if ratio <= 1.5 else "**not met**")
    print(f"| `{prefix}cosign {short(command)}` | {t:.1f} ms | {ratio:.2f}× | {verdict} |")
PY
echo "bench: wrote the start-up section of bench/RESULTS.md" >&2
