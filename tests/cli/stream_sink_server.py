#!/usr/bin/env python3
"""stream_sink_server.py: a small HTTP destination for the stream tests.

    stream_sink_server.py PORT OUT.jsonl DELAY_S

Answers every POST with 201 {"id": "<n>"} after DELAY_S seconds (threads:
keep-alive clients each get their own), appending the JSON body to
OUT.jsonl, one line per request; a request with an Idempotency-Key seen
before gets the first answer again and is not appended (the http sink
resends a request it got no answer for with the same key); GET answers
200 (readiness)."""
import json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, out, delay = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
lock = threading.Lock()
n = [0]
seen = {}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(delay)
        key = self.headers.get("Idempotency-Key")
        with lock:
            if key and key in seen:
                rid = seen[key]
            else:
                n[0] += 1
                with open(out, "a") as f:
                    f.write(json.dumps(json.loads(body)) + "\n")
                rid = n[0]
                if key:
                    seen[key] = rid
        b = json.dumps({"id": str(rid)}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)


ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
