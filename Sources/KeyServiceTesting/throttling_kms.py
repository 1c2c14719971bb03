#!/usr/bin/env python3
"""An HTTPS endpoint that answers every AWS KMS request with ThrottlingException (HTTP 400), as AWS does when a
caller exceeds its request quota, and counts the requests: the client's retries and its final error are what the
tests look at.

    python3 throttling_kms.py PORT CERT KEY COUNT_FILE
"""
import http.server
import ssl
import sys

port, cert, key, count_file = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        count += 1
        with open(count_file, "w") as f:
            f.write(str(count))
        body = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", port), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
