#!/usr/bin/env bash
# Regenerates docs/explorer-search.png and docs/explorer-entry.png: starts sigstore-local on one listener in a
# scratch directory, signs an artifact three times (an email identity, a GitHub Actions workflow through Rekor v2, an
# identity with markup in it) and screenshots the explorer's search by artifact hash and the workflow entry with
# headless Chromium. Needs the debug builds of cosign and sigstore-local (make build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cosign=$root/.build/debug/cosign
local_bin=$root/Services/.build/debug/sigstore-local
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$local_bin" serve --data-dir "$work/data" --port 0 --log-level warning >"$work/ready" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
url() { python3 -c "import json,sys; print(json.load(open('$work/ready'))[sys.argv[1]])" "$1"; }
origin=$(url fulcio); origin=${origin%/fulcio}
printf 'release 1.4.2\n' >"$work/app.tar.gz"
flags=(--use-signing-config=false --fulcio-url "$(url fulcio)" --rekor-url "$(url rekor)" --trusted-root "$work/data/trusted_root.json")
"$cosign" sign-blob -y --identity-token "$("$local_bin" token --data-dir "$work/data" --email alice@example.com)" \
    --bundle "$work/a.json" "${flags[@]}" "$work/app.tar.gz" >/dev/null 2>&1
"$cosign" sign-blob -y --identity-token "$("$local_bin" token --data-dir "$work/data" --email '<b>markup</b>@example.com')" \
    --bundle "$work/b.json" "${flags[@]}" "$work/app.tar.gz" >/dev/null 2>&1
"$cosign" sign-blob -y --identity-token \
    "$("$local_bin" token --data-dir "$work/data" --github-workflow octo-org/app/.github/workflows/release.yml@refs/tags/v1.4.2)" \
    --bundle "$work/c.json" --signing-config "$work/data/signing_config.json" --trusted-root "$work/data/trusted_root.json" \
    "$work/app.tar.gz" >/dev/null 2>&1
hash=$(sha256sum "$work/app.tar.gz" | cut -d' ' -f1)
shoot() {
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
        --window-size="$3" --screenshot="$root/docs/$1" "$2" >/dev/null 2>&1
    echo "wrote docs/$1"
}
shoot explorer-search.png "$origin/search?q=sha256:$hash" 1200,360
shoot explorer-entry.png "$origin/entry/rekor-v2/0" 1200,1500
