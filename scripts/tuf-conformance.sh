#!/usr/bin/env bash
# Runs the tuf-conformance suite (theupdateframework/tuf-conformance, kept read-only beside the project in
# shared/tuf-conformance) against tuf-conformance-client, through the wrapper Tests/Conformance/tuf-client.
#
# Environment:
#   TUFC   the suite's checkout (default: ../shared/tuf-conformance beside the package, else /work/shared/tuf-conformance)
#   VENV   the Python virtual environment to create or reuse (default: /tmp/tufc-venv)
#   OUT    where the JSON report goes (default: a temporary directory)
#   PYTEST_ARGS  extra pytest arguments (for example "-k test_root_rotation")
# Prints pytest's summary line; exits non-zero when any test fails.
set -euo pipefail

root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
TUFC=${TUFC:-}
if [[ -z $TUFC ]]; then
    for candidate in "$root/../shared/tuf-conformance" /work/shared/tuf-conformance; do
        if [[ -d $candidate/tuf_conformance ]]; then TUFC=$candidate; break; fi
    done
fi
[[ -n $TUFC && -d $TUFC/tuf_conformance ]] || { echo "tuf-conformance suite not found (set TUFC)" >&2; exit 2; }
VENV=${VENV:-/tmp/tufc-venv}

if ! command -v faketime >/dev/null 2>&1; then
    echo "installing faketime (apt)" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null
fi

if ! "$VENV/bin/python" -c 'import tuf, pytest, pytest_jsonreport, securesystemslib' 2>/dev/null; then
    echo "creating $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "securesystemslib[crypto]==1.4.0" "tuf==7.0.0" "pytest==9.1.1" "pytest-json-report==1.5.0"
fi

echo "building tuf-conformance-client" >&2
(cd "$root" && swift build --product tuf-conformance-client >&2)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$TUFC/." "$work/suite"
chmod -R u+w "$work/suite"
OUT=${OUT:-$work/out}
mkdir -p "$OUT"

entrypoint="$root/Tests/Conformance/tuf-client"
log="$work/pytest.log"
status=0
(cd "$work/suite" && PATH="$VENV/bin:$PATH" "$VENV/bin/pytest" -q -p no:cacheprovider tuf_conformance \
    --entrypoint "$entrypoint" --json-report --json-report-file="$OUT/report.json" ${PYTEST_ARGS:-}) >"$log" 2>&1 || status=$?
if [[ $status -ne 0 ]]; then
    grep -E '^(FAILED|ERROR)' "$log" >&2 || tail -n 40 "$log" >&2
fi
tail -n 1 "$log"
exit "$status"
