#!/usr/bin/env python3
"""A small upstream HTTP server for the upstream-files tests.

Serves DIR with validators and can misbehave on purpose:
  /files/PATH        the file, with ETag and Last-Modified; 304 on a match
  /slow/SECS/PATH    the same after SECS seconds
  /fail/...          500
  /drop/PATH         half the body, then the connection closes
  /trickle/SECS/PATH the body in 8 pieces over SECS seconds
A request in absolute form (http://host/files/...) is served as a proxy
would, whatever the host: it shows a client went through a proxy.
Every request is one line in LOG: "METHOD PATH STATUS inm=... ims=...".
"""
import argparse
import email.utils
import hashlib
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, status):
        with lock, open(self.server.log, "a") as f:
            f.write("%s %s %d inm=%s ims=%s\n" % (
                self.command, self.path, status,
                self.headers.get("If-None-Match", "-"),
                self.headers.get("If-Modified-Since", "-")))

    def fail(self, status):
        self.note(status)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        parts = urllib.parse.urlsplit(self.path).path.split("/", 2)
        kind = parts[1] if len(parts) > 1 else ""
        rest = parts[2] if len(parts) > 2 else ""
        if kind == "fail":
            return self.fail(500)
        trickle = 0
        if kind == "slow":
            secs, _, rest = rest.partition("/")
            time.sleep(float(secs))
        elif kind == "trickle":
            secs, _, rest = rest.partition("/")
            trickle = float(secs)
        elif kind not in ("files", "drop"):
            return self.fail(404)
        path = os.path.join(self.server.dir, rest)
        if ".." in rest.split("/") or not os.path.isfile(path):
            return self.fail(404)
        with open(path, "rb") as f:
            body = f.read()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        lastmod = email.utils.formatdate(os.stat(path).st_mtime, usegmt=True)
        if self.headers.get("If-None-Match") == etag:
            self.note(304)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.note(200)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", lastmod)
        self.end_headers()
        if kind == "drop":
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if trickle:
            step = (len(body) + 7) // 8
            for i in range(0, len(body), step):
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                time.sleep(trickle / 8)
            return
        self.wfile.write(body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.dir, srv.log = a.dir, a.log
    open(a.log, "a").close()
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
