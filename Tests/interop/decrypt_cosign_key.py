#!/usr/bin/env python3
"""Independent reader of cosign.key: decrypts it with hashlib.scrypt + PyNaCl's SecretBox and prints the PKIX PEM of
the public key, which the caller compares with cosign.pub.  Usage: decrypt_cosign_key.py KEYFILE PASSWORD"""
import base64
import hashlib
import json
import sys

import nacl.secret
from cryptography.hazmat.primitives import serialization

path, password = sys.argv[1], sys.argv[2].encode()
text = open(path).read()
lines = text.strip().splitlines()
assert lines[0] == "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----", lines[0]
assert lines[-1] == "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----", lines[-1]
doc = json.loads(base64.b64decode("".join(lines[1:-1])))
assert list(doc) == ["kdf", "cipher", "ciphertext"], list(doc)
kdf = doc["kdf"]
assert kdf["name"] == "scrypt" and kdf["params"] == {"N": 65536, "r": 8, "p": 1}, kdf
salt = base64.b64decode(kdf["salt"])
assert len(salt) == 32
assert doc["cipher"]["name"] == "nacl/secretbox"
nonce = base64.b64decode(doc["cipher"]["nonce"])
key = hashlib.scrypt(password, salt=salt, n=65536, r=8, p=1, maxmem=256 * 1024 * 1024, dklen=32)
der = nacl.secret.SecretBox(key).decrypt(base64.b64decode(doc["ciphertext"]), nonce)
private = serialization.load_der_private_key(der, password=None)  # PKCS#8 DER
public = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
sys.stdout.write(public.decode())
