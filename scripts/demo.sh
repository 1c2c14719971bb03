#!/usr/bin/env bash
# The main job end to end, with keys: create a key pair, sign a blob, verify it, and show a tampered copy refused.
set -euo pipefail
COSIGN="${COSIGN_BIN:-$(pwd)/.build/debug/cosign}"
work="$(mktemp -d "${TMPDIR:-/tmp}/cosign-demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
export COSIGN_PASSWORD="demo-password"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step "cosign generate-key-pair"
"$COSIGN" generate-key-pair
ls -l cosign.key cosign.pub

printf 'release artifact %s\n' "$(date -u +%FT%TZ)" > artifact.txt
step "cosign sign-blob --key cosign.key --tlog-upload=false --bundle artifact.sigstore.json artifact.txt"
"$COSIGN" sign-blob --key cosign.key --tlog-upload=false --bundle artifact.sigstore.json artifact.txt
cat artifact.sigstore.json; echo

step "cosign verify-blob --key cosign.pub --bundle artifact.sigstore.json --insecure-ignore-tlog artifact.txt"
"$COSIGN" verify-blob --key cosign.pub --bundle artifact.sigstore.json --insecure-ignore-tlog artifact.txt

step "openssl dgst -sha256 -verify cosign.pub (an independent verifier)"
"$COSIGN" sign-blob --key cosign.key --tlog-upload=false --new-bundle-format=false --output-signature artifact.sig artifact.txt
openssl dgst -sha256 -verify cosign.pub -signature <(base64 -d artifact.sig) artifact.txt

cp artifact.txt tampered.txt
echo "one more line" >> tampered.txt
step "cosign verify-blob ... tampered.txt   (must be refused)"
set +e
"$COSIGN" verify-blob --key cosign.pub --bundle artifact.sigstore.json --insecure-ignore-tlog tampered.txt
rc=$?
set -e
if [ "$rc" -eq 0 ]; then
    echo "demo: FAILED: a tampered artifact verified" >&2
    exit 1
fi
echo "refused (exit $rc), as expected"
printf '\ndemo: ok\n'
