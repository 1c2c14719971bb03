#!/usr/bin/env python3
"""Makes a detached SCT the way a CT log answers add-chain (RFC 6962 §3.2, §4.1): an x509_entry over the certificate's
DER, signed with the log's ECDSA P-256 key (SHA-256), written as the JSON of the add-chain response, the format Fulcio
returned in its SCT header and cosign's --sct reads. Built with the `cryptography` package only, independently of
swift-cosign.

usage: make_detached_sct.py CT_LOG_PRIVATE_KEY_PEM CERTIFICATE_PEM OUT_JSON [TIMESTAMP_MS]
"""
import base64
import hashlib
import json
import struct
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

key_path, cert_path, out_path = sys.argv[1:4]
timestamp = int(sys.argv[4]) if len(sys.argv) > 4 else int(time.time() * 1000)
with open(key_path, "rb") as f:
    key = serialization.load_pem_private_key(f.read(), password=None)
with open(cert_path, "rb") as f:
    der = x509.load_pem_x509_certificate(f.read()).public_bytes(serialization.Encoding.DER)

spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
log_id = hashlib.sha256(spki).digest()
extensions = b""
signed = (
    struct.pack(">BBQH", 0, 0, timestamp, 0)  # v1, certificate_timestamp, timestamp, x509_entry
    + len(der).to_bytes(3, "big") + der
    + struct.pack(">H", len(extensions)) + extensions
)
signature = key.sign(signed, ec.ECDSA(hashes.SHA256()))
digitally_signed = struct.pack(">BBH", 4, 3, len(signature)) + signature  # sha256, ecdsa
response = {
    "sct_version": 0,
    "id": base64.b64encode(log_id).decode(),
    "timestamp": timestamp,
    "extensions": base64.b64encode(extensions).decode(),
    "signature": base64.b64encode(digitally_signed).decode(),
}
with open(out_path, "w") as f:
    json.dump(response, f)
