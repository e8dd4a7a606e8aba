#!/usr/bin/env python3
"""echo_secrets.py PORT DIR: an API that echoes what it was sent, for the
secret-redaction test (t0044). Like some gateways, its error answers repeat
the request: method, path with the query, every header, the body; once as
ASCII JSON (non-ASCII as \\u escapes, header bytes read as Latin-1) and once
as raw UTF-8 JSON, so every encoding of a secret comes back to sluice.
Every request is appended to DIR/requests.jsonl; DIR/ready appears once it
listens.

Routes (any method):
  /ok              200 {"data": [3 records]}
  /bad             200 {"data": [...]}: one record's id is not a number and
                   it carries the echo (a row the DLQ keeps, raw)
  /fail            500 with the echo
  /oauth/token     200 {"access_token": ACCESS_TOKEN, "refresh_token":
                   REFRESH_TOKEN} (environment), checking the client secret
  /crm/<n>         POST: 201 {"id": n}, but 422 with the echo when the
                   body holds "reject"
"""
import json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

port, out = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        rec = {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        with lock, open(os.path.join(out, "requests.jsonl"), "a") as f:
            f.write(json.dumps(rec) + "\n")
        echo = json.dumps({"error": "echo", "request": rec}) + "\n" + json.dumps({"raw": rec}, ensure_ascii=False)
        p = self.path.split("?")[0]
        if p == "/ok":
            self.send(200, json.dumps({"data": [{"id": i, "name": "n%d" % i} for i in (1, 2, 3)]}))
        elif p == "/bad":
            recs = [{"id": 1, "name": "fine"}, {"id": "not-a-number", "name": "echo", "echo": rec}]
            self.send(200, json.dumps({"data": recs}))
        elif p == "/oauth/token":
            form = parse_qs(body)
            if form.get("client_secret") != [os.environ["OAUTH_CLIENT_SECRET"]]:
                self.send(401, echo)
            else:
                self.send(200, json.dumps({"access_token": os.environ["ACCESS_TOKEN"],
                                           "refresh_token": os.environ["REFRESH_TOKEN"],
                                           "expires_in": 3600, "token_type": "bearer"}))
        elif p.startswith("/crm/"):
            if "reject" in body:
                self.send(422, echo)
            else:
                self.send(201, json.dumps({"id": p.split("/")[2]}))
        else:
            self.send(500, echo)

    def send(self, code, body):
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = any


srv = ThreadingHTTPServer(("127.0.0.1", port), H)
open(os.path.join(out, "ready"), "w").close()
srv.serve_forever()
