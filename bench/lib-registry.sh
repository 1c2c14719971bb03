# Sourced by the registry benchmarks: starts docker-registry 2.8 on a free 127.0.0.1 port and pushes test images.
# Needs WORK (a scratch directory), PIDS (an array the caller's EXIT trap kills) and die().

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0; sleep 0.05; done; die "port $1 did not open"; }

# start_registry: sets PORT to a running docker-registry (filesystem storage in $WORK/data, deletes enabled).
start_registry() {
    PORT=$(free_port)
    cat > "$WORK/config.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: $WORK/data}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$PORT
  secret: bench
YML
    docker-registry serve "$WORK/config.yml" >/dev/null 2>&1 & PIDS+=($!)
    wait_port "$PORT"
}

# push_image REPO [TAG]: pushes config + one 4 KiB random layer + manifest with urllib (no Docker); prints the digest.
push_image() {
    python3 - "$PORT" "$1" "${2:-v1}" <<'PY'
import hashlib, json, os, sys, urllib.request
port, repo, tag = sys.argv[1:]
base = f"http://127.0.0.1:{port}/v2/{repo}"
def upload(b):
    d = "sha256:" + hashlib.sha256(b).hexdigest()
    loc = urllib.request.urlopen(urllib.request.Request(base + "/blobs/uploads/", method="POST")).headers["Location"]
    urllib.request.urlopen(urllib.request.Request(loc + ("&" if "?" in loc else "?") + "digest=" + d, data=b, method="PUT",
                                                  headers={"Content-Type": "application/octet-stream"}))
    return d
config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
layer = os.urandom(4096)
m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
     "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": upload(config), "size": len(config)},
     "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": upload(layer), "size": len(layer)}]}
body = json.dumps(m).encode()
urllib.request.urlopen(urllib.request.Request(f"{base}/manifests/{tag}", data=body, method="PUT", headers={"Content-Type": m["mediaType"]}))
print("sha256:" + hashlib.sha256(body).hexdigest())
PY
}
