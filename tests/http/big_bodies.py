"""big_bodies.py: an API whose answers are big, endless or bombs, for the
tests of bounded HTTP bodies (tests/cli/t0048, t0037).

Usage: python3 big_bodies.py PORT   (prints nothing; poll /healthz)

GET  /big?mb=N            a JSON array of N MiB of records {"id":i,...}; the
                          X-Records header says how many
GET  /bigstr?mb=N         [{"id":1,"s":"xxx... N MiB"}]
GET  /endless             "[" then records forever
GET  /gzbomb?mb=N         gzip-encoded: N MiB of records that compress to a few KiB
GET  /pages?page=K&n=R&pages=P
                          {"data":[R records],"next":"K+1"} (no "next" on page P),
                          ids numbered across pages from 1
POST /sink/big?mb=N       answers 200 with N MiB of JSON
POST /token/big?mb=N      an OAuth2 token endpoint whose answer is N MiB
"""
import sys
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

REC = b'{"id":%d,"email":"someone@example.com","v":"xxxxxxxxxxxxxxxxxxxxxxxx"}'


def records(mb):
    """Records of about mb MiB in all, as chunks; their count first."""
    size = len(REC % 1000000)
    n = max(1, mb * (1 << 20) // (size + 1))
    return n


class H(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'

    def log_message(self, *a):
        pass

    def q(self, name, default):
        v = parse_qs(urlparse(self.path).query).get(name)
        return int(v[0]) if v else default

    def head(self, extra=None):
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()

    def stream_records(self, first, n):
        buf = []
        for i in range(first, first + n):
            buf.append(REC % i)
            if len(buf) == 2000:
                self.wfile.write(b','.join(buf) + (b',' if i < first + n - 1 else b''))
                buf = []
        if buf:
            self.wfile.write(b','.join(buf))

    def do_GET(self):
        path = urlparse(self.path).path
        try:
            if path == '/healthz':
                self.head()
                self.wfile.write(b'{"ok":true}')
            elif path == '/big':
                n = records(self.q('mb', 1))
                self.head({'X-Records': str(n)})
                self.wfile.write(b'[')
                self.stream_records(1, n)
                self.wfile.write(b']')
            elif path == '/bigstr':
                self.head()
                self.wfile.write(b'[{"id":1,"s":"')
                chunk = b'x' * (1 << 20)
                for _ in range(self.q('mb', 1)):
                    self.wfile.write(chunk)
                self.wfile.write(b'"}]')
            elif path == '/endless':
                self.head()
                self.wfile.write(b'[')
                i = 1
                while True:
                    self.wfile.write(b','.join(REC % j for j in range(i, i + 2000)) + b',')
                    i += 2000
            elif path == '/gzbomb':
                # compressed as it is sent (no Content-Length): a client that
                # stops early costs the server only what it read
                mb = self.q('mb', 1)
                z = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: the gzip format
                self.head({'Content-Encoding': 'gzip'})
                one = b'{"id":1,"v":"' + b'a' * 1000 + b'"}'
                block = b','.join([one] * 1000) + b','  # about 1 MiB
                self.wfile.write(z.compress(b'['))
                for _ in range(mb):
                    self.wfile.write(z.compress(block))
                self.wfile.write(z.compress(one + b']') + z.flush())
            elif path == '/pages':
                k, n, pages = self.q('page', 1), self.q('n', 10), self.q('pages', 1)
                self.head()
                self.wfile.write(b'{"meta":{"page":%d},"data":[' % k)
                self.stream_records((k - 1) * n + 1, n)
                self.wfile.write(b']' + (b',"next":"%d"}' % (k + 1) if k < pages else b'}'))
            else:
                self.send_response(404)
                self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):
        path = urlparse(self.path).path
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(length)
        try:
            if path in ('/sink/big', '/token/big'):
                self.head()
                self.wfile.write(b'{"id":"x","access_token":"tok","pad":"')
                chunk = b'p' * (1 << 20)
                for _ in range(self.q('mb', 1)):
                    self.wfile.write(chunk)
                self.wfile.write(b'"}')
            elif path == '/token/ok':
                self.head()
                self.wfile.write(b'{"access_token":"tok","expires_in":3600}')
            else:
                self.send_response(404)
                self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass


if __name__ == '__main__':
    ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
