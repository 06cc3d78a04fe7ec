#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""A scripted HTTP server for the integration tests (standard library only).

    httpd.py PORT PLAN LOG

PLAN is a JSON file, read again on every request: {"/path": behaviour}.
A behaviour is an object; "seq": [behaviour, ...] plays them in turn (the
last one repeats).  Keys of a behaviour:
  file      body to send (path)          body   body to send (text)
  status    HTTP status (200)            headers  extra response headers
            (a Date in headers replaces the server's own)
  etag      ETag header; a request whose If-None-Match equals it gets 304
  delay     seconds to wait before answering
  hang      accept the request and never answer
  drip      send the body one byte every DRIP seconds
  length    Content-Length to announce instead of the real one
  redirect  Location of a 302
LOG gets one JSON line per connection ("connect") and per request (method,
path, headers).
"""
import json
import os
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, PLAN, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()
played = {}


def log(rec):
    with lock, open(LOG, "a") as f:
        f.write(json.dumps(rec) + "\n")


def behaviour(path):
    try:
        with open(PLAN) as f:
            plan = json.load(f)
    except (OSError, ValueError):
        plan = {}
    b = plan.get(path)
    if b is None:
        return {"status": 404, "body": "not found"}
    if "seq" in b:
        with lock:
            n = played.get(path, 0)
            played[path] = n + 1
        seq = b["seq"]
        return seq[min(n, len(seq) - 1)]
    return b


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        log({"event": "connect"})

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        self.do_GET()

    def do_GET(self):
        try:
            self.answer()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def answer(self):
        log({"event": "request", "method": self.command, "path": self.path,
             "headers": dict(self.headers.items())})
        b = behaviour(self.path)
        if b.get("hang"):
            time.sleep(600)
            return
        if b.get("delay"):
            time.sleep(b["delay"])
        if "redirect" in b:
            self.send_response(b.get("status", 302))
            self.send_header("Location", b["redirect"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if "file" in b:
            with open(b["file"], "rb") as f:
                body = f.read()
        else:
            body = b.get("body", "").encode()
        status = b.get("status", 200)
        etag = b.get("etag")
        if etag is not None and self.headers.get("If-None-Match") == etag:
            status, body = 304, b""
        extra = b.get("headers", {})
        if "Date" in extra:
            # The behaviour's Date replaces the server's own (a stale
            # proxy's copy): clients read the first one.
            self.log_request(status)
            self.send_response_only(status)
            self.send_header("Server", self.version_string())
        else:
            self.send_response(status)
        if etag is not None:
            self.send_header("ETag", etag)
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(b.get("length", len(body))))
        self.send_header("Connection", "close")
        self.end_headers()
        if "drip" in b:
            for i in range(len(body)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                time.sleep(b["drip"])
        else:
            self.wfile.write(body)
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    Server(("127.0.0.1", PORT), Handler).serve_forever()
