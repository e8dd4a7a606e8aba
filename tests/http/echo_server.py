#!/usr/bin/env python3
"""echo_server.py: a logging HTTP server on 127.0.0.1 for the tests of data
values in URLs (tests/cli/t0042, t0043). Every request is logged as one JSON
line: method, the Host header, the raw request target exactly as received
(path and query, still percent-encoded), the headers and the body.

Usage: echo_server.py PORT DIR  (DIR/data.json: {"records": [...], "curs":
[...], "page": P}; writes DIR/log.jsonl, and DIR/ready once it listens;
exits 3 when PORT is taken, so the caller can pick another).

Routes (anything else: 404):
  GET|POST /src/<anything>     the records, P a page, cursor pagination: the
      page is found by its cursor (query `cur`, or the JSON body's "after"
      for POST); page j is requested with curs[j] (none for the first);
      {"data": [...], "next": curs[j+1] | null}. While DIR/drop exists the
      records with an odd "i" are left out (mirror deletes). An unknown
      cursor: 400.
  POST /crm/contacts...        201 {"id": <the body's "want">} (a hostile id
      the sink must keep as one path segment later)
  PATCH|PUT /crm/contacts/...  200 {}
  DELETE /crm/contacts/...     204
  GET /far/next?mode=M, /far/link?mode=M   one record and a next URL (body
      "next", or a Link header) that leaves the API: M is host (localhost),
      port (another port), userinfo (127.0.0.1:PORT@localhost), scheme
      (https), schemeless (//localhost:PORT), redirect (a same-origin next
      URL whose answer is a 302 to localhost), or moved (a same-origin next
      URL answered 301 to /far/end, on the API: followed)
  any /far/redir...            302 (307 for other methods than GET) to
      http://localhost:PORT/far/stolen
  GET /far/moved               301 to /far/end
  GET /far/end                 200, the last page
  any /far/ok                  200 {}
  any /far/stolen              200 (must never be reached)
"""
import errno, json, os, socket, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

port = int(sys.argv[1])
DIR = sys.argv[2]
LOG = os.path.join(DIR, 'log.jsonl')
data = json.load(open(os.path.join(DIR, 'data.json'), encoding='utf-8'))
records, curs, P = data['records'], data['curs'], data['page']
page_of = {c: j for j, c in enumerate(curs)}
lock = threading.Lock()


class H(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def setup(self):
        super().setup()
        # headers and body go in two writes: without this, Nagle and the
        # client's delayed ACK hold every answer back 40 ms
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *a):
        pass

    def handle_any(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n).decode('utf-8', 'surrogateescape') if n else ''
        rec = {'method': self.command, 'host': self.headers.get('Host'), 'target': self.path,
               'headers': {k: v for k, v in self.headers.items()}, 'body': body}
        with lock:
            with open(LOG, 'a', encoding='utf-8', errors='surrogateescape') as f:
                f.write(json.dumps(rec) + '\n')
        path = urlsplit(self.path).path
        q = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        if path.startswith('/src/'):
            cur = q.get('cur', [''])[0]
            if self.command == 'POST':
                try:
                    cur = json.loads(body).get('after', '')
                except ValueError:
                    return self.send(400, {'error': 'body is not JSON'})
            if cur and cur not in page_of:
                return self.send(400, {'error': 'unknown cursor'})
            j = page_of[cur] if cur else 0
            page = [r for r in records[j * P:(j + 1) * P]
                    if not (os.path.exists(os.path.join(DIR, 'drop')) and r['i'] % 2)]
            nxt = curs[j + 1] if (j + 1) * P < len(records) else None
            return self.send(200, {'data': page, 'next': nxt})
        if path.startswith('/crm/contacts'):
            if self.command == 'POST':
                try:
                    want = json.loads(body).get('want')
                except ValueError:
                    return self.send(400, {'error': 'body is not JSON'})
                return self.send(201, {'id': want})
            if self.command in ('PATCH', 'PUT'):
                return self.send(200, {})
            if self.command == 'DELETE':
                return self.send(204, None)
        if path in ('/far/next', '/far/link'):
            mode = q.get('mode', [''])[0]
            me = '127.0.0.1:%d' % port
            url = {'host': 'http://localhost:%d/far/stolen' % port,
                   'port': 'http://127.0.0.1:%d/far/stolen' % (port + 1 if port < 65535 else port - 1),
                   'userinfo': 'http://%s@localhost:%d/far/stolen' % (me, port),
                   'scheme': 'https://%s/far/stolen' % me,
                   'schemeless': '//localhost:%d/far/stolen' % port,
                   'redirect': '/far/redir',
                   'moved': '/far/moved'}.get(mode)
            if path == '/far/link':
                return self.send(200, {'data': [{'id': 1}]}, {'Link': '<%s>; rel="next"' % url})
            return self.send(200, {'data': [{'id': 1}], 'next': url})
        if path.startswith('/far/redir'):
            return self.send(302 if self.command == 'GET' else 307, {},
                             {'Location': 'http://localhost:%d/far/stolen' % port})
        if path == '/far/moved':
            return self.send(301, {}, {'Location': '/far/end'})
        if path == '/far/ok':
            return self.send(200, {})
        if path in ('/far/end', '/far/stolen'):
            return self.send(200, {'data': [{'id': 2}], 'next': None})
        self.send(404, {'error': 'no route'})

    def send(self, code, obj, headers=None):
        b = b'' if obj is None else json.dumps(obj).encode()
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if obj is not None:
            self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


try:
    srv = ThreadingHTTPServer(('127.0.0.1', port), H)
except OSError as e:
    sys.exit(3 if e.errno == errno.EADDRINUSE else 1)
open(os.path.join(DIR, 'ready'), 'w').close()
srv.serve_forever()
