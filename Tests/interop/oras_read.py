"""Reads what cosign stored for an image with PyPI `oras`, an independent OCI client.

    python3 oras_read.py HOST:PORT REPOSITORY REFERENCE [REFERENCE...]

For each reference (a tag or sha256 digest) it fetches the manifest, downloads the config and every layer, checks
each blob's size and sha256 against its descriptor, and prints one JSON object per reference:
{"reference", "manifest", "blobs": {digest: text}}. Exits 1 on any mismatch.
"""
import hashlib
import json
import sys

import oras.client

host, repository, references = sys.argv[1], sys.argv[2], sys.argv[3:]
client = oras.client.OrasClient(hostname=host, insecure=True)
accept = [
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
]
for reference in references:
    separator = "@" if reference.startswith("sha256:") else ":"
    container = f"{host}/{repository}{separator}{reference}"
    # No schema validation: oras' schema predates OCI 1.1 fields such as artifactType and subject.
    manifest = client.get_manifest(container, allowed_media_type=accept, validation_schema=None)
    descriptors = [manifest["config"]] if "config" in manifest else []
    descriptors += manifest.get("layers", [])
    blobs = {}
    for descriptor in descriptors:
        response = client.get_blob(container, descriptor["digest"])
        response.raise_for_status()
        body = response.content
        actual = "sha256:" + hashlib.sha256(body).hexdigest()
        if actual != descriptor["digest"] or len(body) != descriptor["size"]:
            print(f"blob {descriptor['digest']} of {container}: got {actual}, {len(body)} bytes", file=sys.stderr)
            sys.exit(1)
        blobs[descriptor["digest"]] = body.decode("utf-8", "replace")
    print(json.dumps({"reference": reference, "manifest": manifest, "blobs": blobs}))
