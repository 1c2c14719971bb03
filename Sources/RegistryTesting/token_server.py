"""A bearer-token server for docker-registry's `auth: token` mode, for the test harness.

    python3 token_server.py PORT CERT_OUT

Generates an ES256 signing key and a self-signed certificate (written to CERT_OUT for the registry's
rootcertbundle), then answers GET /token: testuser:testpass get every requested action, anonymous requests get
`pull` only, other credentials get 401. GET /count returns how many tokens were issued.
"""
import base64
import datetime
import json
import os
import secrets
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

PORT = int(sys.argv[1])
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test token signer")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
with open(sys.argv[2], "wb") as f:
    f.write(cert.public_bytes(serialization.Encoding.PEM))
cert_b64 = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
issued = 0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(service: str, access: list) -> str:
    header = {"typ": "JWT", "alg": "ES256", "x5c": [cert_b64]}
    t = int(time.time())
    claims = {"iss": "test-issuer", "sub": "testuser", "aud": service, "exp": t + 300, "nbf": t - 10, "iat": t,
              "jti": secrets.token_hex(8), "access": access}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        global issued
        url = urlparse(self.path)
        if url.path == "/count":
            return self.reply(200, {"issued": issued})
        if url.path != "/token":
            return self.reply(404, {})
        query = parse_qs(url.query)
        auth = self.headers.get("Authorization", "")
        full = False
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            if (user, password) != ("testuser", "testpass"):
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]})
            full = True
        access = []
        for scope in query.get("scope", []):
            kind, _, rest = scope.partition(":")
            repo, _, actions = rest.rpartition(":")
            granted = [a for a in actions.split(",") if full or a == "pull"]
            access.append({"type": kind, "name": repo, "actions": granted})
        token = make_token(query.get("service", [""])[0], access)
        issued += 1
        self.reply(200, {"token": token, "access_token": token, "expires_in": 300,
                         "issued_at": datetime.datetime.now(datetime.timezone.utc).isoformat()})


# Exit on SIGTERM even when the parent left it blocked or ignored.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
