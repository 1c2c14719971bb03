#!/usr/bin/env python3
"""Independent check of an Ed25519 signature over a file: prints "ed25519ph" when it verifies as Ed25519ph (RFC 8032,
empty context; libsodium's crypto_sign_ed25519ph through PyNaCl), "pure" when it verifies as pure Ed25519, "invalid"
otherwise (exit 1).

usage: ed25519ph_check.py PUBLIC_KEY_PEM SIGNATURE_BASE64 FILE
"""
import base64
import sys

import nacl.bindings as sodium
import nacl.exceptions
import nacl.signing
from cryptography.hazmat.primitives import serialization

pem, signature_b64, path = sys.argv[1:4]
with open(pem, "rb") as f:
    key = serialization.load_pem_public_key(f.read())
raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
signature = base64.b64decode(signature_b64, validate=True)
with open(path, "rb") as f:
    message = f.read()

state = sodium.crypto_sign_ed25519ph_state()
sodium.crypto_sign_ed25519ph_update(state, message)
try:
    if sodium.crypto_sign_ed25519ph_final_verify(state, signature, raw):
        print("ed25519ph")
        sys.exit(0)
except nacl.exceptions.BadSignatureError:
    pass
try:
    nacl.signing.VerifyKey(raw).verify(message, signature)
    print("pure")
    sys.exit(0)
except nacl.exceptions.BadSignatureError:
    print("invalid")
    sys.exit(1)
