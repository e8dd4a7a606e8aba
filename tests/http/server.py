#!/usr/bin/env python3
"""server.py: a fake SaaS API for sluice's HTTP tests, on 127.0.0.1 only.

Records are generated: id 1..n (n from the `n` query parameter, default
1000), email, updated_at (ten records share each second), and a nested
profile. Every pagination style has an endpoint:

  GET /page?page=&per_page=        {"data": [...], "meta": {"total": n}}
  GET /offset?offset=&limit=       {"items": [...], "total": n}
  GET /cursor?cursor=&limit=       {"data": [...], "next_cursor": "..." | null}
  GET /next?after=&limit=          {"results": [...], "next": "<absolute url>" | null}
  GET /link?page=&per_page=        {"data": [...]} and Link: <...>; rel="next"
Each takes updated_since=ISO (records updated at or after it).

Auth: the same endpoints under /auth/apikey/ (X-API-Key: k3y or
?api_key=k3y), /auth/bearer/ (Bearer t0ken), /auth/basic/ (u / p4ss),
/auth/oauth/ (a token from POST /oauth/token, client_credentials with
client_id=cid, client_secret=cs3cret; tokens expire after
`oauth_expires_in` seconds and the server revokes each after
`oauth_uses` requests, answering 401, to test refreshing).

Faults (POST /_control with JSON, deterministic by seed): fail_rate
(500/502/503/429; half of the 429/503 carry Retry-After in seconds, half
as an HTTP date), reset_rate (connection closed without a reply),
truncate_rate (a cut JSON body), delay (seconds added to each reply),
status_for (path prefix -> fixed status, e.g. a permanent 403), quota
({"limit": N, "window": S}: X-RateLimit-Limit/-Remaining/-Reset on the
read endpoints, 429 beyond N requests in a window; /_stats counts
quota_exceeded).

The CRM, a reverse-ETL target (/crm/companies works the same, apart): POST /crm/contacts (201 {"id"}), PATCH or
PUT /crm/contacts/<id>, DELETE /crm/contacts/<id>, POST
/crm/contacts/batch ({"inputs": [...]} -> {"results": [{"id"} | {"error"}]},
create-or-update by email). A record needs an email with '@' (else 422).
An Idempotency-Key seen before replays the first answer; with another
payload it is a violation (422). GET /_crm: creates, updates, deletes,
replays, key_violations, requests, records.

The same CRM answered the way other APIs answer (reverse-ETL sink tests):
/sink/strict/contacts... is an all-or-nothing batch endpoint (one invalid
input fails the whole POST .../batch with 400 and nothing is written;
/_crm counts refused_batches); /sink/empty/contacts... answers every
success without a body: 204 No Content to PATCH, PUT, DELETE and a batch,
an empty 200 to a create, which keeps the record under the caller's
"external_id" (the id the caller uses afterwards, having been told none).
Both take the /crm routes' requests.

Pagination that goes wrong (the http source's checks), one endpoint per
style: GET /bad/page?page=&per_page=, /bad/offset?offset=&limit=,
/bad/cursor?cursor=&limit= (next_cursor), /bad/next?after=&limit= (next),
/bad/link?after=&limit= (Link header). n records {"id": i} (default 230);
the page size asked is capped at `cap`; total=1 adds meta.total; fail=K
answers 503 to the K-th page; mode= repeat (the last page answers the
cursor or URL it was asked with), cycle (the last page points back to the
second), relative (next URLs and Link targets as an absolute path, a
relative path and a query only, in turn), foreign (a next URL on another
host), ignore (page / offset ignored: always the first records). Other
query parameters (pad=...) come back in next URLs, to make them long.
Requests count in /_stats pages as bad/<style>:<first index>.

GET /_stats: requests, statuses, requests per page key, Retry-After
violations (the request a Retry-After answered, asked again sooner than it
allowed; or another request to the API in that time, not counting those
that arrive within IN_FLIGHT seconds of the answer: with several requests
in flight, those were sent before it came, and a slow build or a loaded
server thread delays them), the
most requests seen in any window of `window` seconds. POST /_reset clears
stats and faults.
"""
import argparse, base64, email.utils, json, os, random, socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse, urlencode

BASE = 1767225600  # 2026-01-01T00:00:00Z
IN_FLIGHT = 1.0    # seconds after a Retry-After answer during which other requests may already be on their way
lock = threading.RLock()
state = {}


def reset():
    state.clear()
    state.update(faults={}, rng=random.Random(1), requests=0, statuses={}, pages={}, times=[],
                 not_before=0.0, ra_sent=0.0, ra_keys={}, violations=0, tokens={}, oauth_issued=0,
                 crm={'records': {}, 'by_email': {}, 'idem': {}, 'next': 0, 'creates': 0, 'updates': 0,
                      'deletes': 0, 'replays': 0, 'key_violations': 0, 'requests': 0})


reset()


def iso(t):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


def record(i):
    return {'id': i, 'email': f'user{i}@example.com', 'updated_at': iso(BASE + i // 10),
            'profile': {'score': i % 100, 'tier': ['gold', 'silver', 'bronze'][i % 3]}}


def records(q):
    n = int(q.get('n', ['1000'])[0])
    since = q.get('updated_since', [None])[0]
    ids = range(1, n + 1)
    if since:
        t = time.mktime(time.strptime(since[:19], '%Y-%m-%dT%H:%M:%S')) - time.timezone
        ids = [i for i in ids if BASE + i // 10 >= t]
    return list(ids)


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    # one send per answer, and no Nagle: otherwise headers and body leave in
    # two segments and a keep-alive client's delayed ACK adds 40 ms to each
    wbufsize = 1 << 16

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *a):
        pass

    def send_json(self, status, obj, headers=None, truncate=False):
        body = json.dumps(obj).encode()
        if truncate:
            body = body[:max(1, len(body) // 2)]
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body_json(self):
        n = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(n) if n else b''
        try:
            return json.loads(raw or b'{}')
        except ValueError:
            return None

    # ---- control ---------------------------------------------------------
    def control(self, path):
        if path == '/_control':
            with lock:
                state['faults'] = self.body_json() or {}
                state['rng'] = random.Random(state['faults'].get('seed', 1))
            return self.send_json(200, {'ok': True})
        if path == '/_reset':
            with lock:
                reset()
            return self.send_json(200, {'ok': True})
        if path == '/_stats':
            q = parse_qs(urlparse(self.path).query)
            window = float(q.get('window', ['1'])[0])
            with lock:
                times = sorted(state['times'])
                best, j = 0, 0
                for i, t in enumerate(times):
                    while times[i] - times[j] >= window:
                        j += 1
                    best = max(best, i - j + 1)
                return self.send_json(200, {'requests': state['requests'], 'statuses': state['statuses'],
                                            'pages': state['pages'], 'violations': state['violations'],
                                            'max_in_window': best, 'oauth_issued': state['oauth_issued'],
                                            'quota_exceeded': state.get('quota_exceeded', 0)})
        if path == '/_crm':
            with lock:
                crm = state['crm']
                return self.send_json(200, {k: crm[k] for k in ('creates', 'updates', 'deletes', 'replays',
                                                                 'key_violations', 'requests')} |
                                      {'records': len(crm['records']), 'refused_batches': crm.get('refused_batches', 0),
                                       'emails': sorted(r.get('email', '') for r in crm['records'].values())[:5]})
        return self.send_json(404, {'error': 'no such control'})

    def oauth_token(self):
        n = int(self.headers.get('Content-Length') or 0)
        form = parse_qs(self.rfile.read(n).decode())
        auth = self.headers.get('Authorization', '')
        cid, secret = form.get('client_id', [''])[0], form.get('client_secret', [''])[0]
        if auth.startswith('Basic '):
            cid, _, secret = base64.b64decode(auth[6:]).decode().partition(':')
        if form.get('grant_type', [''])[0] != 'client_credentials' or cid != 'cid' or secret != 'cs3cret':
            return self.send_json(401, {'error': 'invalid_client'})
        with lock:
            state['oauth_issued'] += 1
            tok = f'tok{state["oauth_issued"]}'
            exp = float(state['faults'].get('oauth_expires_in', 3600))
            state['tokens'][tok] = [time.time() + exp, int(state['faults'].get('oauth_uses', 10 ** 9))]
        return self.send_json(200, {'access_token': tok, 'token_type': 'bearer', 'expires_in': exp})

    def authorized(self, kind, q):
        h = self.headers
        if kind == 'apikey':
            return h.get('X-API-Key') == 'k3y' or q.get('api_key', [''])[0] == 'k3y'
        if kind == 'bearer':
            return h.get('Authorization') == 'Bearer t0ken'
        if kind == 'basic':
            return h.get('Authorization') == 'Basic ' + base64.b64encode(b'u:p4ss').decode()
        if kind == 'oauth':
            tok = (h.get('Authorization') or '')[7:]
            with lock:
                t = state['tokens'].get(tok)
                if not t or time.time() > t[0] or t[1] <= 0:
                    return False
                t[1] -= 1
            return True
        return False

    # ---- the API ---------------------------------------------------------
    def do_POST(self):
        path = urlparse(self.path).path
        if path.startswith('/_'):
            return self.control(path)
        if path == '/oauth/token':
            return self.oauth_token()
        if path.startswith('/crm/'):
            return self.crm('POST', path)
        if path.startswith('/sink/'):
            return self.sink_variant('POST', path)
        return self.send_json(404, {'error': 'not found'})

    def do_PATCH(self):
        self.crm_or_variant('PATCH', urlparse(self.path).path)

    def do_PUT(self):
        self.crm_or_variant('PUT', urlparse(self.path).path)

    def do_DELETE(self):
        self.crm_or_variant('DELETE', urlparse(self.path).path)

    def crm_or_variant(self, method, path):
        if path.startswith('/sink/'):
            return self.sink_variant(method, path)
        self.crm(method, path)

    # ---- the CRM (reverse ETL target) -------------------------------------
    def crm(self, method, path):
        n = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(n) if n else b''
        handled, _ = self.fault(path)
        if handled:
            return
        crm = state['crm']
        key = self.headers.get('Idempotency-Key')
        replay = None
        with lock:
            crm['requests'] += 1
            if key and key in crm['idem']:
                old_raw, old_answer = crm['idem'][key]
                if old_raw != raw:
                    crm['key_violations'] += 1
                    replay = (422, {'error': 'idempotency key reused with another payload'})
                else:
                    crm['replays'] += 1
                    replay = old_answer
        if replay:
            return self.answer(*replay)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return self.answer(400, {'error': 'invalid JSON'})
        answer = self.crm_apply(method, path, body)
        with lock:
            if key and answer[0] < 500:
                crm['idem'][key] = (raw, answer)
        return self.answer(*answer)

    def crm_apply(self, method, path, body):
        crm = state['crm']
        parts = [p for p in path.split('/') if p]  # crm, contacts|companies[, id|batch]
        if len(parts) >= 2 and parts[1] == 'companies':
            parts[1] = 'contacts'  # the same rules, another collection
            crm = state.setdefault('companies', {'records': {}, 'by_email': {}, 'next': 0, 'creates': 0,
                                                 'updates': 0, 'deletes': 0})
        def check(rec):
            if not isinstance(rec, dict) or '@' not in str(rec.get('email', '')):
                return 'invalid email'
            return None
        with lock:
            if method == 'POST' and parts == ['crm', 'contacts']:
                bad = check(body)
                if bad:
                    return 422, {'error': bad}
                crm['next'] += 1
                rid = f'c{crm["next"]}'
                crm['records'][rid] = body
                crm['creates'] += 1
                return 201, {'id': rid}
            if method == 'POST' and parts == ['crm', 'contacts', 'batch']:
                results = []
                for rec in (body or {}).get('inputs', []):
                    bad = check(rec)
                    if bad:
                        results.append({'error': bad, 'email': rec.get('email') if isinstance(rec, dict) else None})
                        continue
                    rid = crm['by_email'].get(rec['email'])
                    if rid:
                        crm['records'][rid] = rec
                        crm['updates'] += 1
                    else:
                        crm['next'] += 1
                        rid = f'c{crm["next"]}'
                        crm['records'][rid] = rec
                        crm['by_email'][rec['email']] = rid
                        crm['creates'] += 1
                    results.append({'id': rid})
                return 200, {'results': results}
            if len(parts) == 3 and parts[:2] == ['crm', 'contacts']:
                rid = parts[2]
                if rid not in crm['records']:
                    return 404, {'error': 'no such record'}
                if method == 'DELETE':
                    del crm['records'][rid]
                    crm['deletes'] += 1
                    return 200, {'deleted': rid}
                bad = check(body)
                if bad:
                    return 422, {'error': bad}
                crm['records'][rid] = body
                crm['updates'] += 1
                return 200, {'id': rid}
        return 404, {'error': 'not found'}

    # ---- the CRM as other APIs answer (reverse-ETL sink tests) -------------
    def sink_variant(self, method, path):
        """/sink/strict/...: batches all or nothing (400); /sink/empty/...:
        successes without a body. Otherwise the /crm rules."""
        n = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(n) if n else b''
        handled, _ = self.fault(path)
        if handled:
            return
        parts = [p for p in path.split('/') if p]  # sink, strict|empty, contacts[, id|batch]
        if len(parts) < 3 or parts[1] not in ('strict', 'empty'):
            return self.answer(404, {'error': 'not found'})
        style, crm_path = parts[1], '/crm/' + '/'.join(parts[2:])
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return self.answer(400, {'error': 'invalid JSON'})
        crm = state['crm']
        with lock:
            crm['requests'] += 1
        if style == 'strict' and parts[-1] == 'batch':
            inputs = (body or {}).get('inputs', []) if isinstance(body, dict) else []
            bad = [i for i, r in enumerate(inputs) if not isinstance(r, dict) or '@' not in str(r.get('email', ''))]
            if bad:
                with lock:
                    crm['refused_batches'] = crm.get('refused_batches', 0) + 1
                return self.answer(400, {'status': 'error', 'category': 'VALIDATION_ERROR',
                                         'message': f'input {bad[0]} has an invalid email; nothing was written'})
        if style == 'empty' and method == 'POST' and parts[-1] != 'batch' and isinstance(body, dict) \
                and 'external_id' in body:
            if '@' not in str(body.get('email', '')):
                return self.answer(422, {'error': 'invalid email'})
            with lock:
                crm['records'][str(body['external_id'])] = body
                crm['creates'] += 1
            return self.answer_empty(200)
        status, obj = self.crm_apply(method, crm_path, body)
        if style == 'empty' and 200 <= status < 300:
            created = method == 'POST' and parts[-1] != 'batch'
            return self.answer_empty(200 if created else 204)
        return self.answer(status, obj)

    def answer_empty(self, status):
        with lock:
            state['statuses'][str(status)] = state['statuses'].get(str(status), 0) + 1
        self.send_response(status)
        if status != 204:
            self.send_header('Content-Length', '0')
        self.end_headers()

    def fault(self, path):
        """Count the request, check Retry-After, inject configured faults.
        Returns (handled, truncate)."""
        now = time.time()
        f = state['faults']
        with lock:
            state['requests'] += 1
            state['times'].append(now)
            # requests already in flight when the Retry-After answer left
            # (up to IN_FLIGHT seconds after it) could not have known
            if now < state['ra_keys'].get(self.path, 0.0) - 0.001:
                state['violations'] += 1  # the very request a Retry-After answered, too soon
            elif now < state['not_before'] - 0.001 and now > state['ra_sent'] + IN_FLIGHT:
                state['violations'] += 1
            rng = state['rng']
            roll, kind_roll, ra_roll = rng.random(), rng.random(), rng.random()
        if f.get('delay'):
            time.sleep(float(f['delay']))
        for prefix, status in (f.get('status_for') or {}).items():
            if path.startswith(prefix):
                self.answer(status, {'error': 'configured failure'})
                return True, False
        quota = f.get('quota')  # {"limit": N, "window": seconds}: X-RateLimit-* headers, 429 beyond
        if quota and path.startswith(('/page', '/offset', '/cursor', '/next', '/link')):
            with lock:
                q = state.setdefault('quota', {'start': now, 'used': 0})
                if now - q['start'] >= quota['window']:
                    q['start'], q['used'] = now, 0
                q['used'] += 1
                used, reset_at = q['used'], q['start'] + quota['window']
                if used > quota['limit']:
                    state['quota_exceeded'] = state.get('quota_exceeded', 0) + 1
            hdrs = {'X-RateLimit-Limit': str(quota['limit']), 'X-RateLimit-Remaining': str(max(0, quota['limit'] - used)),
                    'X-RateLimit-Reset': str(int(reset_at) + 1)}
            self.quota_headers = hdrs
            if used > quota['limit']:
                self.answer(429, {'error': 'quota exceeded'}, hdrs)
                return True, False
        fail, reset_r, trunc = float(f.get('fail_rate', 0)), float(f.get('reset_rate', 0)), float(f.get('truncate_rate', 0))
        if roll < reset_r:
            self.close_connection = True
            self.connection.shutdown(2)
            return True, False
        if roll < reset_r + fail:
            status = [500, 502, 503, 429][int(kind_roll * 4)]
            headers = {}
            if status in (429, 503):
                wait = 1
                if ra_roll < 0.5:
                    headers['Retry-After'] = str(wait)
                else:  # an HTTP date, whole seconds: not before the next second boundary + wait
                    at = int(time.time()) + wait + 1
                    headers['Retry-After'] = email.utils.formatdate(at, usegmt=True)
                    wait = at - time.time()
                with lock:
                    state['not_before'] = max(state['not_before'], time.time() + wait)
                    state['ra_sent'] = time.time()
                    state['ra_keys'][self.path] = time.time() + wait
            self.answer(status, {'error': 'flaky'}, headers)
            return True, False
        return False, roll < reset_r + fail + trunc

    def do_GET(self):
        u = urlparse(self.path)
        path, q = u.path, parse_qs(u.query)
        if path.startswith('/_'):
            return self.control(path)
        handled, truncate = self.fault(path)
        if handled:
            return
        if path.startswith('/bad/'):
            return self.misbehave(path[5:], q)
        if path.startswith('/auth/'):
            kind, _, rest = path[6:].partition('/')
            if not self.authorized(kind, q):
                return self.answer(401, {'error': 'unauthorized'})
            path = '/' + rest
        ids = records(q)
        host = f'http://{self.headers.get("Host")}'
        if path == '/page' or path == '/link':
            page, per = int(q.get('page', ['1'])[0]), int(q.get('per_page', ['100'])[0])
            chunk = ids[(page - 1) * per: page * per]
            self.count(f'{path}:{page}')
            body = {'data': [record(i) for i in chunk]}
            headers = {}
            if path == '/page':
                body['meta'] = {'total': len(ids)}
            elif page * per < len(ids):
                nq = {k: v[0] for k, v in q.items()}
                nq['page'] = page + 1
                headers['Link'] = f'<{host}/link?{urlencode(nq)}>; rel="next", <{host}/link?page=1>; rel="first"'
            return self.answer(200, body, headers, truncate)
        if path == '/offset':
            off, lim = int(q.get('offset', ['0'])[0]), int(q.get('limit', ['100'])[0])
            self.count(f'offset:{off}')
            return self.answer(200, {'items': [record(i) for i in ids[off:off + lim]], 'total': len(ids)}, None, truncate)
        if path == '/cursor':
            lim = int(q.get('limit', ['100'])[0])
            cur = q.get('cursor', [''])[0]
            after = int(base64.b64decode(cur).decode()) if cur else 0
            chunk = [i for i in ids if i > after][:lim]
            self.count(f'cursor:{after}')
            nxt = base64.b64encode(str(chunk[-1]).encode()).decode() if chunk and chunk[-1] != ids[-1] else None
            return self.answer(200, {'data': [record(i) for i in chunk], 'next_cursor': nxt}, None, truncate)
        if path == '/next':
            lim = int(q.get('limit', ['100'])[0])
            after = int(q.get('after', ['0'])[0])
            chunk = [i for i in ids if i > after][:lim]
            self.count(f'next:{after}')
            nq = {k: v[0] for k, v in q.items()}
            nq['after'] = chunk[-1] if chunk else after
            nxt = f'{host}/next?{urlencode(nq)}' if chunk and chunk[-1] != ids[-1] else None
            return self.answer(200, {'results': [record(i) for i in chunk], 'next': nxt}, None, truncate)
        return self.answer(404, {'error': 'not found'})

    def misbehave(self, kind, q):
        """Pagination that goes wrong: see the top of the file."""
        arg = lambda k, d: q.get(k, [d])[0]
        n, cap, mode = int(arg('n', '230')), int(arg('cap', '0')), arg('mode', '')
        size = int(arg('per_page', arg('limit', '100')))
        if cap:
            size = min(size, cap)
        if kind == 'page':
            start = (int(arg('page', '1')) - 1) * size
        elif kind == 'offset':
            start = int(arg('offset', '0'))
        elif kind == 'cursor':
            start = int(arg('cursor', '0') or 0)
        elif kind in ('next', 'link'):
            start = int(arg('after', '0'))
        else:
            return self.answer(404, {'error': 'not found'})
        if mode == 'ignore':
            start = 0
        self.count(f'bad/{kind}:{start}')
        if arg('fail', '') and start // size + 1 == int(arg('fail', '')):
            return self.answer(503, {'error': 'boom'})
        ids = list(range(1, n + 1))[start:start + size]
        end = start + len(ids)
        body = {'data': [{'id': i} for i in ids]}
        if arg('total', '') == '1':
            body['meta'] = {'total': n}
        headers = {}
        host = f'http://{self.headers.get("Host")}'
        nxt = None  # where the next page starts, or None at the end
        if end < n:
            nxt = end
        elif mode == 'repeat':
            nxt = 'same'
        elif mode == 'cycle':
            nxt = size
        if kind == 'cursor':
            body['next_cursor'] = None if nxt is None else arg('cursor', '') if nxt == 'same' else str(nxt)
        elif kind in ('next', 'link') and nxt is not None:
            if nxt == 'same':
                url = host + self.path
            else:
                nq = {k: v[0] for k, v in q.items()}
                nq['after'] = nxt
                qs = urlencode(nq)
                url = f'{host}/bad/{kind}?{qs}'
                if mode == 'relative':  # the three forms of a relative reference, in turn
                    url = [f'/bad/{kind}?{qs}', f'{kind}?{qs}', f'?{qs}'][(start // size) % 3]
                elif mode == 'foreign':
                    url = url.replace('127.0.0.1', 'localhost')
            if kind == 'next':
                body['next'] = url
            else:  # other links around it, a quoted comma, names and types in any case
                headers['Link'] = (f'<{host}/bad/link?after=0>; rel="first", '
                                   f'<{url}>; title="the next, please"; REL="Next", <{host}/bad/link>; rel=last')
        return self.answer(200, body, headers)

    def count(self, key):
        with lock:
            state['pages'][key] = state['pages'].get(key, 0) + 1

    def answer(self, status, body, headers=None, truncate=False):
        with lock:
            state['statuses'][str(status)] = state['statuses'].get(str(status), 0) + 1
        qh = getattr(self, 'quota_headers', None)
        if qh:
            headers = dict(headers or {}, **qh)
            self.quota_headers = None
        self.send_json(status, body, headers, truncate)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port-file', required=True)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    srv.daemon_threads = True
    tmp = a.port_file + '.tmp'
    with open(tmp, 'w') as fh:
        fh.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == '__main__':
    main()
