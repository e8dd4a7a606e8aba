#!/usr/bin/env python3
"""receiver.py DIR: the far end of sluice's alerts, for the tests.

An HTTP server (Slack, webhooks, PagerDuty all POST JSON) that appends each
request to DIR/http.jsonl as {"path", "headers", "body"}, and a minimal SMTP
server (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, AUTH PLAIN;
STARTTLS when DIR/cert.pem and DIR/key.pem exist) that appends each message
to DIR/mail.jsonl as {"from", "to", "data", "tls", "auth"}.
Ports go to DIR/http.port and DIR/smtp.port once both listen.

Faults: a request to a path containing "/fail-N-CODE/" is answered CODE for
the first N requests to that path (with Retry-After: 1 on 429), then 200
"ok" like Slack. A request to a path containing "/hang/" is recorded
(code 0) and never answered: a receiver that is down without refusing
connections. Everything else gets 200 "ok". SMTP: RCPT TO an address
that starts with "reject" is refused for good (550)."""
import base64, http.server, json, os, socketserver, ssl, sys, threading, time

out = sys.argv[1]
lock = threading.Lock()
fails = {}

def record(name, obj):
    with lock, open(os.path.join(out, name), "a") as f:
        f.write(json.dumps(obj) + "\n")

class Http(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
        parts = self.path.split("/")
        if "hang" in parts:
            record("http.jsonl", {"path": self.path, "code": 0, "headers": {}, "body": body})
            time.sleep(3600)  # the client gives up first; the thread is a daemon
            return
        code = 200
        for p in parts:
            if p.startswith("fail-"):
                _, n, c = p.split("-")
                with lock:
                    seen = fails.get(self.path, 0)
                    fails[self.path] = seen + 1
                if seen < int(n):
                    code = int(c)
        record("http.jsonl", {"path": self.path, "code": code,
                              "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
        msg = b"ok" if code == 200 else b"rollup_error"
        self.send_response(code)
        if code == 429:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Length", str(len(msg)))
        self.end_headers()
        self.wfile.write(msg)

class Smtp(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 receiver ESMTP test")
        sender, rcpt, tls, auth = None, [], False, None
        cert = os.path.join(out, "cert.pem")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = cmd[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-receiver" if verb == "EHLO" else "250 receiver")
                if verb == "EHLO":
                    if os.path.exists(cert) and not tls:
                        self.reply("250-STARTTLS")
                    self.reply("250-AUTH PLAIN")
                    self.reply("250 8BITMIME")
            elif verb == "STAR" and os.path.exists(cert) and not tls:
                self.reply("220 go ahead")
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(cert, os.path.join(out, "key.pem"))
                self.connection = ctx.wrap_socket(self.connection, server_side=True)
                self.rfile = self.connection.makefile("rb")
                self.wfile = self.connection.makefile("wb", buffering=0)
                tls, sender, rcpt = True, None, []
            elif verb == "AUTH":
                parts = cmd.split()
                if len(parts) >= 2 and parts[1].upper() == "PLAIN":
                    if len(parts) == 2:  # no initial response: ask for it
                        self.reply("334 ")
                        parts.append(self.rfile.readline().decode().strip())
                    _, user, pw = base64.b64decode(parts[2]).decode().split("\0")
                    auth = [user, pw]
                    self.reply("235 ok")
                else:
                    self.reply("504 PLAIN only")
            elif verb == "MAIL":
                sender, rcpt = cmd.split(":", 1)[1].strip().strip("<>").split(">")[0], []
                self.reply("250 ok")
            elif verb == "RCPT":
                addr = cmd.split(":", 1)[1].strip().strip("<>")
                if addr.startswith("reject"):
                    self.reply("550 5.1.1 no such user")
                    continue
                rcpt.append(addr)
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 end with .")
                data = []
                while True:
                    l = self.rfile.readline().decode("utf-8", "replace")
                    if l in (".\r\n", ".\n", ""):
                        break
                    data.append(l[1:] if l.startswith("..") else l)
                record("mail.jsonl", {"from": sender, "to": rcpt, "data": "".join(data), "tls": tls, "auth": auth})
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            elif verb in ("RSET", "NOOP"):
                self.reply("250 ok")
            else:
                self.reply("502 not implemented")

class ThreadedTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True

h = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Http)
s = ThreadedTCP(("127.0.0.1", 0), Smtp)
threading.Thread(target=s.serve_forever, daemon=True).start()
for name, srv in (("http.port", h), ("smtp.port", s)):
    with open(os.path.join(out, name + ".tmp"), "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(os.path.join(out, name + ".tmp"), os.path.join(out, name))
h.serve_forever()
