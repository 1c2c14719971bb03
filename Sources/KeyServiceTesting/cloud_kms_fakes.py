#!/usr/bin/env python3
"""Fakes of Google Cloud KMS (REST v1) and Azure Key Vault (REST 7.4) with their OAuth token endpoints, over HTTPS on
127.0.0.1, for swift-cosign's gcpkms:// and azurekms:// tests. No emulator of either service exists; these follow
the published API references:

  Cloud KMS   https://cloud.google.com/kms/docs/reference/rest  (keyRings.get/create, cryptoKeys.get/create,
              cryptoKeyVersions.list/getPublicKey/asymmetricSign with CRC32C checksums; errors as google.rpc.Status)
  Google OAuth  RFC 7523 JWT bearer grant at the service account's token_uri (RS256 assertion checked)
  Key Vault   https://learn.microsoft.com/rest/api/keyvault/keys  (get-key, create-key, sign: ES256/384/512 return
              r||s, RS256 PKCS#1 v1.5; errors as {"error": {"code", "message"}})
  Entra ID    client-credentials grant at /{tenant}/oauth2/v2.0/token

    python3 cloud_kms_fakes.py PORT CERT KEY CONFIG_JSON

CONFIG_JSON: {"gcp_service_account_public_key": PEM, "azure_tenant": ..., "azure_client_id": ..., "azure_client_secret": ...,
              "request_log": PATH}
Test hooks: POST /fake/gcp/key {"name": cryptoKey name, "algorithm": ..., "purpose": ...} and
POST /fake/azure/key {"name": ..., "kty": "EC"|"RSA"|"oct", "crv": ..., "key_ops": [...]} create keys directly.
"""
import base64
import http.server
import json
import secrets
import ssl
import sys
import threading
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

port, cert, key, config_path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
config = json.load(open(config_path))
lock = threading.Lock()
gcp_rings, gcp_keys, gcp_versions = set(), {}, {}  # cryptoKey name -> {purpose, algorithm}; version name -> private key
azure_keys = {}  # name -> [(version, kty, private key or None, key_ops)]
tokens = set()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


GCP_ALGORITHMS = {
    "EC_SIGN_P256_SHA256": (lambda: ec.generate_private_key(ec.SECP256R1()), hashes.SHA256()),
    "EC_SIGN_P384_SHA384": (lambda: ec.generate_private_key(ec.SECP384R1()), hashes.SHA384()),
    "RSA_SIGN_PKCS1_2048_SHA256": (lambda: rsa.generate_private_key(65537, 2048), hashes.SHA256()),
    "RSA_SIGN_PSS_2048_SHA256": (lambda: rsa.generate_private_key(65537, 2048), hashes.SHA256()),
}


def gcp_add_key(name, algorithm, purpose="ASYMMETRIC_SIGN"):
    gcp_keys[name] = {"purpose": purpose, "algorithm": algorithm}
    if purpose == "ASYMMETRIC_SIGN":
        gcp_versions[name + "/cryptoKeyVersions/1"] = GCP_ALGORITHMS[algorithm][0]()


def azure_add_key(name, kty, crv=None, key_ops=("sign", "verify")):
    if kty in ("EC", "EC-HSM"):
        curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}[crv or "P-256"]
        private = ec.generate_private_key(curve)
    elif kty in ("RSA", "RSA-HSM"):
        private = rsa.generate_private_key(65537, 2048)
    else:
        private = None
    azure_keys.setdefault(name, []).append((secrets.token_hex(16), kty, crv or "P-256", private, list(key_ops)))


def azure_jwk(name, version, kty, crv, private, key_ops):
    jwk = {"kid": f"https://127.0.0.1:{port}/keys/{name}/{version}", "kty": kty, "key_ops": key_ops}
    if private is None:
        return jwk
    numbers = private.public_key().public_numbers()
    if isinstance(private, ec.EllipticCurvePrivateKey):
        size = (private.curve.key_size + 7) // 8
        jwk.update(crv=crv, x=b64url(numbers.x.to_bytes(size, "big")), y=b64url(numbers.y.to_bytes(size, "big")))
    else:
        jwk.update(n=b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")), e=b64url(numbers.e.to_bytes(3, "big")))
    return jwk


def check_jwt(assertion):
    header, claims, signature = assertion.split(".")
    public = serialization.load_pem_public_key(config["gcp_service_account_public_key"].encode())
    public.verify(unb64url(signature), f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())
    body = json.loads(unb64url(claims))
    now = time.time()
    if json.loads(unb64url(header)).get("alg") != "RS256" or body["exp"] < now or body["iat"] > now + 60:
        raise ValueError("bad claims")
    if "cloudkms" not in body.get("scope", "") or not body.get("aud", "").endswith("/google/token"):
        raise ValueError("bad scope or audience")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def gcp_error(self, status, code, message):
        self.reply(status, {"error": {"code": status, "message": message, "status": code}})

    def azure_error(self, status, code, message):
        self.reply(status, {"error": {"code": code, "message": message}})

    def log_request_line(self):
        if config.get("request_log"):
            with open(config["request_log"], "a") as f:
                f.write(f"{self.command} {self.path}\n")

    def authorized(self):
        auth = self.headers.get("Authorization", "")
        return auth.startswith("Bearer ") and auth[7:] in tokens

    def do_GET(self):
        self.handle_request(None)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.handle_request(self.rfile.read(length))

    def handle_request(self, body):
        self.log_request_line()
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        with lock:
            if path.startswith("/fake/"):
                spec = json.loads(body)
                if path == "/fake/gcp/key":
                    gcp_add_key(spec["name"], spec["algorithm"], spec.get("purpose", "ASYMMETRIC_SIGN"))
                else:
                    azure_add_key(spec["name"], spec["kty"], spec.get("crv"), spec.get("key_ops", ["sign", "verify"]))
                return self.reply(200, {})
            if path == "/google/token":
                form = urllib.parse.parse_qs(body.decode())
                try:
                    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
                    check_jwt(form["assertion"][0])
                except Exception as error:
                    return self.reply(400, {"error": "invalid_grant", "error_description": f"Invalid JWT: {type(error).__name__}"})
                token = "gcp-" + secrets.token_hex(16)
                tokens.add(token)
                return self.reply(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
            if path.endswith("/oauth2/v2.0/token"):
                form = urllib.parse.parse_qs(body.decode())
                tenant = path.split("/")[1]
                if tenant != config["azure_tenant"] or form.get("grant_type") != ["client_credentials"]:
                    return self.reply(400, {"error": "invalid_request", "error_description": "AADSTS90002: Tenant not found."})
                if form.get("client_id") != [config["azure_client_id"]] or form.get("client_secret") != [config["azure_client_secret"]]:
                    return self.reply(401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
                token = "azure-" + secrets.token_hex(16)
                tokens.add(token)
                return self.reply(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
            if path.startswith("/v1/"):
                if not self.authorized():
                    return self.gcp_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
                return self.gcp(path[4:], query, body)
            if path.startswith("/keys/"):
                if not self.authorized():
                    return self.azure_error(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
                if query.get("api-version") != ["7.4"]:
                    return self.azure_error(400, "BadParameter", "The specified version of the API is not supported")
                return self.azure(path[6:].split("/"), body)
            self.reply(404, {"error": "no such route"})

    def gcp(self, name, query, body):
        if self.command == "POST" and name.endswith("/keyRings"):
            ring = name + "/" + query["keyRingId"][0]
            if ring in gcp_rings:
                return self.gcp_error(409, "ALREADY_EXISTS", f"KeyRing {ring} already exists.")
            gcp_rings.add(ring)
            return self.reply(200, {"name": ring})
        if self.command == "POST" and name.endswith("/cryptoKeys"):
            ring = name[: -len("/cryptoKeys")]
            if ring not in gcp_rings:
                return self.gcp_error(404, "NOT_FOUND", f"KeyRing {ring} not found.")
            spec = json.loads(body)
            full = name + "/" + query["cryptoKeyId"][0]
            if full in gcp_keys:
                return self.gcp_error(409, "ALREADY_EXISTS", f"CryptoKey {full} already exists.")
            gcp_add_key(full, spec["versionTemplate"]["algorithm"], spec["purpose"])
            return self.reply(200, {"name": full, "purpose": spec["purpose"]})
        if self.command == "GET" and name.endswith("/publicKey"):
            version = name[: -len("/publicKey")]
            if version not in gcp_versions:
                return self.gcp_error(404, "NOT_FOUND", f"CryptoKeyVersion {version} not found.")
            pem = gcp_versions[version].public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
            algorithm = gcp_keys[version.split("/cryptoKeyVersions/")[0]]["algorithm"]
            return self.reply(200, {"pem": pem, "algorithm": algorithm, "pemCrc32c": str(crc32c(pem.encode())), "name": version})
        if self.command == "POST" and name.endswith(":asymmetricSign"):
            version = name[: -len(":asymmetricSign")]
            if version not in gcp_versions:
                return self.gcp_error(404, "NOT_FOUND", f"CryptoKeyVersion {version} not found.")
            spec = json.loads(body)
            (field, value), = spec["digest"].items()
            digest = base64.b64decode(value)
            if str(crc32c(digest)) != spec.get("digestCrc32c"):
                return self.gcp_error(400, "INVALID_ARGUMENT", "The checksum in field digest_crc32c did not match the data in field digest.")
            private = gcp_versions[version]
            algorithm = gcp_keys[version.split("/cryptoKeyVersions/")[0]]["algorithm"]
            hash_algorithm = GCP_ALGORITHMS[algorithm][1]
            if field != hash_algorithm.name.replace("-", ""):
                return self.gcp_error(400, "INVALID_ARGUMENT", f"Digest type must match the algorithm {algorithm}.")
            if isinstance(private, ec.EllipticCurvePrivateKey):
                signature = private.sign(digest, ec.ECDSA(utils.Prehashed(hash_algorithm)))
            elif "PSS" in algorithm:
                signature = private.sign(digest, padding.PSS(padding.MGF1(hash_algorithm), hash_algorithm.digest_size), utils.Prehashed(hash_algorithm))
            else:
                signature = private.sign(digest, padding.PKCS1v15(), utils.Prehashed(hash_algorithm))
            return self.reply(200, {"signature": base64.b64encode(signature).decode(), "signatureCrc32c": str(crc32c(signature)),
                                    "verifiedDigestCrc32c": True, "name": version, "protectionLevel": "SOFTWARE"})
        if self.command == "GET" and "/cryptoKeyVersions" in name and name.endswith("/cryptoKeyVersions"):
            key_name = name[: -len("/cryptoKeyVersions")]
            versions = sorted((v for v in gcp_versions if v.startswith(key_name + "/")), reverse=True)
            algorithm = gcp_keys.get(key_name, {}).get("algorithm")
            return self.reply(200, {"cryptoKeyVersions": [{"name": v, "state": "ENABLED", "algorithm": algorithm} for v in versions],
                                    "totalSize": len(versions)})
        if self.command == "GET" and "/cryptoKeys/" in name:
            if name not in gcp_keys:
                return self.gcp_error(404, "NOT_FOUND", f"CryptoKey {name} not found.")
            spec = gcp_keys[name]
            return self.reply(200, {"name": name, "purpose": spec["purpose"], "versionTemplate": {"algorithm": spec["algorithm"]}})
        if self.command == "GET" and "/keyRings/" in name:
            if name not in gcp_rings:
                return self.gcp_error(404, "NOT_FOUND", f"KeyRing {name} not found.")
            return self.reply(200, {"name": name})
        return self.gcp_error(404, "NOT_FOUND", "The requested URL was not found on this server.")

    def azure(self, parts, body):
        name = parts[0]
        if self.command == "POST" and len(parts) == 2 and parts[1] == "create":
            spec = json.loads(body)
            azure_add_key(name, spec["kty"], spec.get("crv"), spec.get("key_ops", ["sign", "verify"]))
            version, kty, crv, private, ops = azure_keys[name][-1]
            return self.reply(200, {"key": azure_jwk(name, version, kty, crv, private, ops), "attributes": {"enabled": True}, "tags": spec.get("tags", {})})
        if name not in azure_keys:
            return self.azure_error(404, "KeyNotFound", f"A key with (name/id) {name} was not found in this key vault.")
        if self.command == "GET" and len(parts) in (1, 2):
            entries = azure_keys[name] if len(parts) == 1 or not parts[1] else [e for e in azure_keys[name] if e[0] == parts[1]]
            if not entries:
                return self.azure_error(404, "KeyNotFound", f"A key with (name/id) {name}/{parts[1]} was not found in this key vault.")
            version, kty, crv, private, ops = entries[-1]
            return self.reply(200, {"key": azure_jwk(name, version, kty, crv, private, ops), "attributes": {"enabled": True}})
        if self.command == "POST" and len(parts) == 3 and parts[2] == "sign":
            entries = [e for e in azure_keys[name] if e[0] == parts[1]]
            if not entries:
                return self.azure_error(404, "KeyNotFound", f"A key with (name/id) {name}/{parts[1]} was not found in this key vault.")
            version, kty, crv, private, ops = entries[0]
            if private is None or "sign" not in ops:
                return self.azure_error(403, "Forbidden", "Operation sign is not permitted on this key.")
            spec = json.loads(body)
            digest = unb64url(spec["value"])
            algorithms = {"ES256": hashes.SHA256(), "ES384": hashes.SHA384(), "ES512": hashes.SHA512(), "RS256": hashes.SHA256()}
            if spec["alg"] not in algorithms or len(digest) != algorithms[spec["alg"]].digest_size:
                return self.azure_error(400, "BadParameter", "Invalid algorithm or digest length.")
            hash_algorithm = algorithms[spec["alg"]]
            if isinstance(private, ec.EllipticCurvePrivateKey):
                r, s = utils.decode_dss_signature(private.sign(digest, ec.ECDSA(utils.Prehashed(hash_algorithm))))
                size = (private.curve.key_size + 7) // 8
                signature = r.to_bytes(size, "big") + s.to_bytes(size, "big")
            else:
                signature = private.sign(digest, padding.PKCS1v15(), utils.Prehashed(hash_algorithm))
            return self.reply(200, {"kid": f"https://127.0.0.1:{port}/keys/{name}/{version}", "value": b64url(signature)})
        return self.azure_error(400, "BadParameter", "Unsupported operation.")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
