#!/usr/bin/env bash
# A 1 GiB layer through `cosign copy` (between two registries, so no cross-repository mount can skip the bytes),
# `cosign save` and `cosign load`, against docker-registry 2.8 on 127.0.0.1: peak RSS (goal <= 64 MiB) and wall time
# against curl moving the same bytes in the same run (goal <= 1.5x). Writes the "## Large layers" section of
# bench/RESULTS.md.
#
#   COSIGN_BIN=path RUNS=3 LAYER_MB=1024 bench/large-layer.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
COSIGN_BIN="${COSIGN_BIN:-$ROOT/.build/release/cosign}"
RUNS="${RUNS:-3}"
LAYER_MB="${LAYER_MB:-1024}"
WORK="$ROOT/bench/work/large-layer"
export -n COSIGN_BIN
die() { echo "bench: $*" >&2; exit 1; }
[ -x "$COSIGN_BIN" ] || die "no cosign binary at $COSIGN_BIN"
for tool in docker-registry curl python3 hyperfine; do command -v $tool >/dev/null || die "$tool missing (run: scripts/setup.sh --bench)"; done
[ -x /usr/bin/time ] || die "GNU time missing"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
rm -rf "$WORK/data" "$WORK/second" "$WORK/saved" && mkdir -p "$WORK"
# shellcheck source=bench/lib-registry.sh
source "$ROOT/bench/lib-registry.sh"
start_registry
SRC_PORT=$PORT
WORK_SAVED=$WORK; WORK="$WORK/second"; mkdir -p "$WORK"; start_registry; DST_PORT=$PORT; WORK=$WORK_SAVED

LAYER="$WORK/layer-${LAYER_MB}M"
if [ ! -f "$LAYER" ] || [ "$(stat -c %s "$LAYER")" -ne $((LAYER_MB * 1048576)) ]; then
    head -c $((LAYER_MB * 1048576)) /dev/urandom > "$LAYER.tmp" && mv "$LAYER.tmp" "$LAYER"
fi
LAYER_DIGEST="sha256:$(sha256sum "$LAYER" | cut -d' ' -f1)"
export LAYER LAYER_DIGEST
# upload_with_curl PORT REPO: the layer as one monolithic PUT.
upload_with_curl() {
    local loc
    loc=$(curl -sf -X POST -D - -o /dev/null "http://127.0.0.1:$1/v2/$2/blobs/uploads/" | tr -d '\r' | awk 'tolower($1)=="location:" {print $2}')
    case "$loc" in http*) ;; *) loc="http://127.0.0.1:$1$loc" ;; esac
    curl -sf -X PUT -H 'Content-Type: application/octet-stream' -T "$LAYER" "$loc&digest=$LAYER_DIGEST" -o /dev/null
}
echo "bench: pushing a ${LAYER_MB} MiB layer" >&2
upload_with_curl "$SRC_PORT" big
MANIFEST_DIGEST=$(python3 - "$SRC_PORT" <<'PY'
import hashlib, json, os, sys, urllib.request
port = sys.argv[1]
base = f"http://127.0.0.1:{port}/v2/big"
config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
d = "sha256:" + hashlib.sha256(config).hexdigest()
loc = urllib.request.urlopen(urllib.request.Request(base + "/blobs/uploads/", method="POST")).headers["Location"]
urllib.request.urlopen(urllib.request.Request(loc + ("&" if "?" in loc else "?") + "digest=" + d, data=config, method="PUT",
                                              headers={"Content-Type": "application/octet-stream"}))
m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
     "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": d, "size": len(config)},
     "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": os.environ["LAYER_DIGEST"],
                 "size": os.path.getsize(os.environ["LAYER"])}]}
body = json.dumps(m).encode()
urllib.request.urlopen(urllib.request.Request(f"{base}/manifests/v1", data=body, method="PUT", headers={"Content-Type": m["mediaType"]}))
print("sha256:" + hashlib.sha256(body).hexdigest())
PY
)
SRC="127.0.0.1:$SRC_PORT/big@$MANIFEST_DIGEST"
export COSIGN_ALLOW_HTTP_REGISTRY=true

# Each run starts from a registry without the layer at the destination (deletes are enabled).
delete_dst() { curl -sf -X DELETE "http://127.0.0.1:$DST_PORT/v2/$1/blobs/$LAYER_DIGEST" -o /dev/null || true; }
CURL_GET="curl -sf -o /dev/null http://127.0.0.1:$SRC_PORT/v2/big/blobs/$LAYER_DIGEST"
# save writes the layer to a file and makes it durable (fsync) before renaming it into place: so does this baseline.
CURL_FILE="bash -c 'curl -sf -o $WORK/curl.out http://127.0.0.1:$SRC_PORT/v2/big/blobs/$LAYER_DIGEST && sync $WORK/curl.out'"
CURL_PIPE="bash -c 'curl -sf http://127.0.0.1:$SRC_PORT/v2/big/blobs/$LAYER_DIGEST | curl -sf -X PUT -H Content-Type:application/octet-stream -T - \"\$(curl -sf -X POST -D - -o /dev/null http://127.0.0.1:$DST_PORT/v2/curlcopy/blobs/uploads/ | tr -d \"\\r\" | awk \"tolower(\\\$1)==\\\"location:\\\" {print \\\$2}\")&digest=$LAYER_DIGEST\" -o /dev/null'"
COPY="$COSIGN_BIN copy --allow-http-registry -f $SRC 127.0.0.1:$DST_PORT/copied:v1"
SAVE="$COSIGN_BIN save --allow-http-registry --dir $WORK/saved $SRC"
LOAD="$COSIGN_BIN load --allow-http-registry --dir $WORK/saved 127.0.0.1:$DST_PORT/loaded:v1"
hf() { hyperfine -N --warmup 0 --runs "$RUNS" ${3:+--prepare "$3"} --export-json "$WORK/$1.json" "$2" >/dev/null 2>&1 || die "hyperfine failed on: $2"; }
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

echo "bench: curl baselines" >&2
hf curl_get "$CURL_GET"
hf curl_file "$CURL_FILE" "rm -f $WORK/curl.out"
rm -f "$WORK/curl.out"
hf curl_pipe "$CURL_PIPE" "bash -c 'curl -sf -X DELETE http://127.0.0.1:$DST_PORT/v2/curlcopy/blobs/$LAYER_DIGEST -o /dev/null || true'"
echo "bench: cosign copy, save, load" >&2
hf copy "$COPY" "bash -c 'curl -sf -X DELETE http://127.0.0.1:$DST_PORT/v2/copied/blobs/$LAYER_DIGEST -o /dev/null || true'"
delete_dst copied
rss_copy=$(rss $COPY)
hf save "$SAVE" "rm -rf $WORK/saved"
rm -rf "$WORK/saved"
rss_save=$(rss $SAVE)
cmp <(cat "$WORK"/saved/blobs/sha256/"${LAYER_DIGEST#sha256:}") "$LAYER" || die "the saved layer differs"
hf load "$LOAD" "bash -c 'curl -sf -X DELETE http://127.0.0.1:$DST_PORT/v2/loaded/blobs/$LAYER_DIGEST -o /dev/null || true'"
delete_dst loaded
rss_load=$(rss $LOAD)
# What arrived is the layer.
for repo in copied loaded; do
    got=$(curl -sf "http://127.0.0.1:$DST_PORT/v2/$repo/blobs/$LAYER_DIGEST" | sha256sum | cut -d' ' -f1)
    [ "sha256:$got" = "$LAYER_DIGEST" ] || die "the layer in $repo differs"
done

python3 - "$WORK" "$LAYER_MB" "$RUNS" "$rss_copy" "$rss_save" "$rss_load" <<'PY' | python3 "$ROOT/bench/replace_section.py" "$ROOT/bench/RESULTS.md" "## Large layers"
import datetime, json, os, sys
work, layer_mb, runs, rss_copy, rss_save, rss_load = sys.argv[1:]
def med(name): return json.load(open(f"{work}/{name}.json"))["results"][0]["median"]
mib = lambda kib: int(kib) / 1024
get, file, pipe = med("curl_get"), med("curl_file"), med("curl_pipe")
print("## Large layers\n")
print(f"`bench/large-layer.sh` ({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores): an "
      f"image with one {layer_mb} MiB layer of random bytes in docker-registry 2.8 on 127.0.0.1 (filesystem storage); "
      "`copy` goes to a second docker-registry (a copy inside one registry could mount the blob instead of moving it). "
      f"Hyperfine medians of {runs} runs, the destination emptied before each; peak RSS from GNU time (one run). The "
      "curl baselines move the same bytes: a GET into a file, then `sync` of that file (for save, which writes the "
      "layer to a file and fsyncs it before renaming it into place), and a GET piped into a PUT to the second registry "
      "(for copy and load; the registry's own hashing and writing is most of that time).\n")
print("| command | wall time | vs curl | goal ≤ 1.5× | peak RSS | goal ≤ 64 MiB |")
print("|---|---|---|---|---|---|")
print(f"| curl GET of the layer to /dev/null | {get:.2f} s | | (for information) | | |")
print(f"| curl GET of the layer into a file, then sync | {file:.2f} s | 1.00× | (peer) | | |")
print(f"| curl GET piped into a PUT | {pipe:.2f} s | 1.00× | (peer) | | |")
for name, base, rss in (("copy", pipe, rss_copy), ("save", file, rss_save), ("load", pipe, rss_load)):
    r = med(name) / base
    print(f"| `cosign {name}` | {med(name):.2f} s | {r:.2f}× | {'met' if r <= 1.5 else '**not met**'} | "
          f"{mib(rss):.0f} MiB | {'met' if mib(rss) <= 64 else '**not met**'} |")
PY
echo "bench: wrote the large-layer section of bench/RESULTS.md" >&2
