"""A fault-injecting HTTP proxy in front of a registry, for the test harness.

    python3 fault_proxy.py PORT UPSTREAM_PORT PLAN_FILE

Each request takes the next fault from PLAN_FILE (a JSON list, re-read on every request so a test can change it):
"429" (Retry-After: 1), "500", "503", "reset" (close without answering), "slow" (send the answer one byte every
50 ms), "cut" (send half of the body, then close), "flip" (change one byte of the body), "norange" (forward without
the Range header, as a registry that ignores it), or "pass"; when the list is used up every request passes through
to 127.0.0.1:UPSTREAM_PORT; a changed plan starts from its first fault. A fault written "METHOD fault" ("GET cut") waits for a request with that method; others
pass it by. GET /__proxy/count answers how many requests arrived and how many planned faults were used.
"""
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, UPSTREAM, PLAN = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
state = {"count": 0, "used": 0, "taken": 0, "plan": None}


def next_fault(method):
    with lock:
        state["count"] += 1
        try:
            text = open(PLAN).read()
            plan = json.loads(text)
        except (OSError, ValueError):
            text, plan = None, []
        if text != state["plan"]:  # a new plan starts from its first fault
            state["plan"], state["used"] = text, 0
        if state["used"] < len(plan):
            wanted, _, fault = plan[state["used"]].rpartition(" ")
            if wanted and wanted != method:
                return "pass"
            state["used"] += 1
            state["taken"] += 1
            return fault
        return "pass"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        if self.path == "/__proxy/count":
            body = json.dumps({"count": state["count"], "used": state["taken"]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        fault = next_fault(self.command)
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            self.close_connection = True
            return
        if fault in ("429", "500", "503"):
            self.send_response(int(fault))
            if fault == "429":
                self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        upstream = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=30)
        dropped = ("connection", "range") if fault == "norange" else ("connection",)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in dropped}
        upstream.request(self.command, self.path, body=body, headers=headers)
        resp = upstream.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if fault == "flip" and data:
            data = data[:len(data) // 2] + bytes([data[len(data) // 2] ^ 1]) + data[len(data) // 2 + 1:]
        if self.command != "HEAD":
            if fault == "cut":
                self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.connection.close()
                self.close_connection = True
            elif fault == "slow":
                for i in range(len(data)):
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
                    time.sleep(0.05)
            else:
                self.wfile.write(data)
        upstream.close()

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = handle_any


signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
