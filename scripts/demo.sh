#!/usr/bin/env bash
# The main job end to end, keyless: start the local Sigstore stack (sigstore-local) and a registry on loopback, trust
# the stack through its TUF repository (cosign initialize), push a small image, sign it and a blob with a short-lived
# Fulcio certificate logged in Rekor, verify both with no trust flags (and the blob with sigstore-python when
# installed), and show a wrong identity refused. Everything stops at the end, also on failure.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
COSIGN="${COSIGN_BIN:-$ROOT/.build/debug/cosign}"
SIGSTORE_LOCAL="${SIGSTORE_LOCAL_BIN:-$ROOT/Services/.build/debug/sigstore-local}"
[ -x "$COSIGN" ] || { echo "demo: no cosign at $COSIGN (run: swift build)" >&2; exit 1; }
[ -x "$SIGSTORE_LOCAL" ] || { echo "demo: no sigstore-local at $SIGSTORE_LOCAL (run: cd Services && swift build)" >&2; exit 1; }
command -v docker-registry >/dev/null || { echo "demo: docker-registry is missing (run: scripts/setup.sh)" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/cosign-demo.XXXXXX")"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
started=$(date +%s%N)

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
field() { python3 -c "import json,sys; print(json.load(open('$1'))['$2'])"; }

step "sigstore-local serve --data-dir stack   (OIDC issuer, Fulcio, Rekor v1 and v2, TSA, TUF on 127.0.0.1)"
"$SIGSTORE_LOCAL" serve --data-dir stack --log-level warning >stack.json 2>stack.log &
pids+=($!)
for _ in $(seq 1 300); do [ -s stack.json ] && break; sleep 0.1; done
[ -s stack.json ] || { echo "demo: sigstore-local did not start:" >&2; cat stack.log >&2; exit 1; }
cat stack.json

step "docker-registry on 127.0.0.1"
port=$(free_port)
cat >registry.yml <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/registry}}
http: {addr: 127.0.0.1:$port, secret: demo}
EOF
docker-registry serve registry.yml >registry.log 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
registry="127.0.0.1:$port"
echo "registry at http://$registry"

step "push a small image (one layer, OCI manifest) with curl"
push_blob() {  # file -> digest
    local digest="sha256:$(sha256sum "$1" | cut -d' ' -f1)"
    local location
    location=$(curl -sf -X POST -D - -o /dev/null "http://$registry/v2/demo/app/blobs/uploads/" | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
    case "$location" in http*) ;; *) location="http://$registry$location" ;; esac
    case "$location" in *\?*) sep='&' ;; *) sep='?' ;; esac
    curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$1" "$location${sep}digest=$digest" >/dev/null
    echo "$digest"
}
printf 'hello from the demo image %s\n' "$(date -u +%FT%TZ)" > layer.txt
tar -cf layer.tar layer.txt
echo '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' > config.json
config_digest=$(push_blob config.json)
layer_digest=$(push_blob layer.tar)
cat >manifest.json <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"$config_digest","size":$(stat -c %s config.json)},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"$layer_digest","size":$(stat -c %s layer.tar)}]}
EOF
curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary @manifest.json \
    "http://$registry/v2/demo/app/manifests/v1" >/dev/null
image="$registry/demo/app@sha256:$(sha256sum manifest.json | cut -d' ' -f1)"
echo "$image"

issuer=$(field stack.json oidc)
step "sigstore-local token --email demo@example.com   (an ID token from the development OIDC issuer)"
token=$("$SIGSTORE_LOCAL" token --data-dir stack --email demo@example.com)
echo "(a JWT for demo@example.com, issuer $issuer; not printed)"
identity=(--certificate-identity demo@example.com --certificate-oidc-issuer "$issuer")
# The demo's own TUF cache: the user's ~/.sigstore/root is left alone.
export TUF_ROOT="$work/tuf-cache"
tuf=$(field stack.json tuf)
step "cosign initialize --mirror $tuf --root stack/tuf/root.json   (trust the stack through its TUF repository)"
"$COSIGN" initialize --mirror "$tuf" --root "$(field stack.json tufRoot)"
echo "cached: $(ls "$TUF_ROOT"/*/targets | tr '\n' ' ')"

printf 'release artifact %s\n' "$(date -u +%FT%TZ)" > artifact.txt
step "cosign sign-blob --identity-token … --bundle artifact.sigstore.json artifact.txt   (services and trust from TUF)"
"$COSIGN" sign-blob -y --identity-token "$token" --bundle artifact.sigstore.json artifact.txt
python3 - <<'EOF'
import json, base64
b = json.load(open("artifact.sigstore.json"))
m = b["verificationMaterial"]
e = m["tlogEntries"][0]
print("bundle:", b["mediaType"])
print("  certificate:", len(base64.b64decode(m["certificate"]["rawBytes"])), "bytes DER (Fulcio, 10 minutes)")
print("  tlog entry: %s %s at index %s" % (e["kindVersion"]["kind"], e["kindVersion"]["version"], e["logIndex"]))
print("  RFC 3161 timestamps:", len(m.get("timestampVerificationData", {}).get("rfc3161Timestamps", [])))
EOF

step "cosign verify-blob --bundle artifact.sigstore.json --certificate-identity demo@example.com … artifact.txt"
"$COSIGN" verify-blob --bundle artifact.sigstore.json "${identity[@]}" artifact.txt

if python3 -c 'import sigstore' 2>/dev/null; then
    step "python3 -m sigstore --instance $tuf verify identity … (sigstore-python, an independent verifier, trusting the same TUF repository)"
    export XDG_DATA_HOME="$work/xdg-data" XDG_CACHE_HOME="$work/xdg-cache"
    python3 -m sigstore --instance "$tuf" trust-instance "$(field stack.json tufRoot)"
    python3 -m sigstore --instance "$tuf" verify identity --bundle artifact.sigstore.json \
        --cert-identity demo@example.com --cert-oidc-issuer "$issuer" artifact.txt
fi

step "cosign sign --identity-token … $image"
"$COSIGN" sign -y --identity-token "$token" --allow-http-registry "$image"

step "cosign verify --certificate-identity demo@example.com … $image"
"$COSIGN" verify "${identity[@]}" --allow-http-registry "$image" | python3 -m json.tool | head -20

step "cosign verify --certificate-identity mallory@example.com … $image   (must be refused)"
set +e
"$COSIGN" verify --certificate-identity mallory@example.com --certificate-oidc-issuer "$issuer" --allow-http-registry "$image"
rc=$?
set -e
if [ "$rc" -eq 0 ]; then
    echo "demo: FAILED: a wrong identity verified" >&2
    exit 1
fi
echo "refused (exit $rc), as expected"
printf '\ndemo: ok (%d ms after the builds)\n' "$(( ($(date +%s%N) - started) / 1000000 ))"
