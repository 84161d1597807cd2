#!/usr/bin/python3
"""A webhook receiver for `make faults` (and `make bench`): Debian's python3, standard library only.

Listens on 127.0.0.1 (an ephemeral port, written to --port-file), verifies each POST's Standard
Webhooks signature on its own (HMAC-SHA256 of "id.timestamp.body" under the key of the
"whsec_<base64>" secret read from --secret-file at each request; any "v1,<sig>" of
webhook-signature may match), answers --fail-status (500) to the first --fail-first requests and
200 after, and appends one JSON line per request to --log:
    {"id": webhook-id, "ts": webhook-timestamp, "verified": bool, "fresh": bool, "answered": status}

    webhook_receiver.py --port-file F --secret-file S [--fail-first K] [--fail-status 500] --log L
"""
import argparse
import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--secret-file", required=True)
ap.add_argument("--fail-first", type=int, default=0)
ap.add_argument("--fail-status", type=int, default=500)
ap.add_argument("--log", required=True)
args = ap.parse_args()

lock = threading.Lock()
seen = 0
log = open(args.log, "a", buffering=1)


def key():
    try:
        with open(args.secret_file) as f:
            s = f.read().strip()
    except OSError:
        return None
    if s.startswith("whsec_"):
        s = s[6:]
    return base64.b64decode(s)


def verify(k, msg_id, ts, body, header):
    if not k:
        return False
    signed = msg_id.encode() + b"." + ts.encode() + b"." + body
    want = base64.b64encode(hmac.new(k, signed, hashlib.sha256).digest()).decode()
    for sig in header.split(" "):
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value, want):
            return True
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global seen
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        msg_id = self.headers.get("webhook-id", "")
        ts = self.headers.get("webhook-timestamp", "")
        ok = verify(key(), msg_id, ts, body, self.headers.get("webhook-signature", ""))
        try:
            fresh = abs(time.time() - int(ts)) <= 300
        except ValueError:
            fresh = False
        with lock:
            status = args.fail_status if seen < args.fail_first else 200
            seen += 1
            log.write(json.dumps({"id": msg_id, "ts": ts, "verified": ok, "fresh": fresh,
                                  "answered": status}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *a):
        pass


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os  # noqa: E402

os.replace(args.port_file + ".tmp", args.port_file)
srv.serve_forever()
