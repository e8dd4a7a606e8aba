#!/bin/sh
# t0042: data values in URLs are one URL component each (net/urltpl.h),
# a property test on the real binary against tests/http/echo_server.py,
# which logs every request's method, Host and raw target. Thousands of
# hostile values (fixed seed: ../, %2e%2e, ?, #, &, =, %, CR LF, @host,
# //evil, unicode, spaces, 1500 bytes, ".", "..") go through:
#   1. the http source: a hostile start: in the path ({{ cursor }}), hostile
#      next cursors from the API in params ({{ next_cursor }}) and in the
#      pagination parameter; records whose fields are hostile keys, values
#      and ids;
#   2. the http sink, upsert: creates to /crm/contacts?v={{ v }}, the API
#      answering each with a hostile id; then (--full-resync) updates to
#      /crm/contacts/{{ dest_id }}?k={{ key }}&v={{ v }} with those ids;
#      an empty id refuses its row (DLQ), not a PATCH to /crm/contacts/;
#   3. mode update: /crm/contacts/{{ dest_id }} with the keys as ids (case
#      42, 2026-11-30: a key ../../admin/users/delete-all?x= sent a PATCH
#      with the bearer token to /admin/users/delete-all);
#   4. mirror deletes to /crm/contacts/{{ dest_id }}?k={{ key }};
#   5. a POST source's JSON body template gets hostile cursors as string
#      contents (valid JSON, the exact value); a header template refuses a
#      cursor with CR LF (the run fails, no header injected); an empty
#      value in a source path fails the run before any request.
# Every request must have Host 127.0.0.1:PORT, the configured method and the
# exact path shape, and decoding each templated component must give back
# the exact value.
. "$SRC/tests/cli/lib.sh"
spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p srv p/pipelines
# the data: records and cursors, hostile, unique, fixed seed
python3 - srv/data.json <<'PY'
import json, random, sys
rnd = random.Random(20261130)
atoms = ['../', '..', '.', '%2e%2e', '%2E%2E', '%2F', '%', '%%', '%zz', '?', '#', '&', '=', '@', '@localhost',
         '//evil.example', 'http://evil/', '\r\n', '\r\nX-Injected: 1', ' ', '+', ';', ',', '\\', '/', ':',
         '[::1]', '\t', '\u00e9', '\u65e5\u672c', '\U0001F600', '\u2028', '\u202e', 'a', 'Z', '0', '~', '-', '_',
         "'", '"', '<', '>', '{{ key }}', '{{', '}}', '\x01', '\x7f', '\u00a0']
fixed = ['.', '..', '...', '../', '%2e%2e', '%2E%2E', '..%2f', '/', '//evil', '?', '#', '&', '=', '%', '@evil',
         ' ', '\r\n', 'x' * 1500, '\u00e9', '../../admin/users/delete-all?x=', '3%2F..%2Fother', 'a/../../b',
         '?x=1&y=2#z', 'http://127.0.0.1:1@evil/']
def unique(n, seen):
    out = [v for v in fixed if v not in seen]
    seen.update(out)
    while len(out) < n:
        v = ''.join(rnd.choice(atoms) for _ in range(rnd.choice([1, 1, 2, 3, 5, 8])))
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out
N = 1200
vals = unique(N, set())
records = []
for i in range(N):
    want = vals[(i * 13 + 5) % N] if i % 97 != 0 else ''  # every 97th: the API answers an empty id
    records.append({'i': i, 'k': vals[i], 'v': vals[(i * 7 + 3) % N], 'want': want, 't': vals[(i * 11 + 1) % N]})
P = 3
pages = (N + P - 1) // P
# the second page's cursor has a line break: the header template must refuse it
curs = ['', '\r\nX-Injected: 1'] + unique(pages - 2, set(['', '\r\nX-Injected: 1']))
assert len(set(curs)) == pages
json.dump({'records': records, 'curs': curs, 'page': P}, open(sys.argv[1], 'w'))
PY
# the server, on a port of our own (another one if it was taken meanwhile)
for try in 1 2 3 4 5; do
  PORT=$(free_port)
  python3 "$SRC/tests/http/echo_server.py" "$PORT" srv & spid=$!
  wait_for 10 test -f srv/ready && break
  kill $spid 2>/dev/null || true; wait $spid 2>/dev/null || true; spid=
done
[ -n "$spid" ] || { fail "echo server did not start"; finish; }
export API="http://127.0.0.1:$PORT" START='../st?art=1#x'
echo "name: p" > p/sluice.yml
src() { # src PATH_TEMPLATE: the http source over the hostile records
  cat <<YML
source:
  type: http
  url: \${API}
  path: $1
  params: {c: "{{ next_cursor }}"}
  pagination: {type: cursor, cursor_path: next, param: cur}
  records_path: data
  cursor_field: t
  start: \${START}
  infer_types: false
YML
}
{ src '/src/{{ cursor }}/items'; cat <<'YML'
sinks:
  - type: http
    url: ${API}
    auth: {type: bearer, token: tok3n}
    key: [k]
    mode: upsert
    path: /crm/contacts?v={{ v }}
    update_path: /crm/contacts/{{ dest_id }}?k={{ key }}&v={{ v }}
    body: '{"k": {{ k }}, "want": {{ want }}}'
    retry: {attempts: 2, base: 10ms, cap: 100ms}
YML
} > p/pipelines/sync.yml
{ src '/src/upd'; cat <<'YML'
sinks:
  - type: http
    url: ${API}
    key: [k]
    mode: update
    update_path: /crm/contacts/{{ dest_id }}
    body: '{"k": {{ k }}}'
YML
} > p/pipelines/upd.yml
{ src '/src/mir'; cat <<'YML'
sinks:
  - type: http
    url: ${API}
    key: [k]
    mode: mirror
    max_deletes: 100%
    path: /crm/contacts?v={{ v }}
    update_path: /crm/contacts/{{ dest_id }}?k={{ key }}&v={{ v }}
    delete_path: /crm/contacts/{{ dest_id }}?k={{ key }}
    body: '{"k": {{ k }}, "want": {{ want }}}'
YML
} > p/pipelines/mir.yml
cat > p/pipelines/post.yml <<'YML'
source:
  type: http
  url: ${API}
  path: /src/post
  method: POST
  body: '{"after": "{{ next_cursor }}", "page": {{ page }}}'
  pagination: {type: cursor, cursor_path: next, param: cur}
  records_path: data
  infer_types: false
sinks: [{type: sqlite, table: post}]
YML
cat > p/pipelines/hdr.yml <<'YML'
source:
  type: http
  url: ${API}
  path: /src/hdr
  headers: {X-Cursor: "{{ next_cursor }}"}
  pagination: {type: cursor, cursor_path: next, param: cur}
  records_path: data
sinks: [{type: sqlite, table: hdr}]
YML
cat > p/pipelines/empty.yml <<'YML'
source: {type: http, url: "${API}", path: "/src/{{ cursor }}/items", records_path: data}
sinks: [{type: sqlite, table: empty}]
YML
log() { mv srv/log.jsonl "srv/$1.jsonl" 2>/dev/null || : > "srv/$1.jsonl"; }
# (never failing: a failed command substitution would end the script under set -e)
runs() { python3 -c "import json; r=json.load(open('$T/out'))['runs'][0]; print(r['status'], r['rows_read'], r['rows_loaded'], r['rows_rejected'])" 2>/dev/null || echo "no run report: $(head -c 300 "$T/err")"; }
N=1200; EMPTY_IDS=13 # records 0, 97, ..., 1164: the API answers their creates with an empty id

assert_exit 0 "$SLUICE" -C p run sync --json
assert_eq "upsert creates: status, read, loaded, rejected" "$(runs)" "success $N $N 0"
log create
assert_exit 0 "$SLUICE" -C p run sync --full-resync --json
assert_eq "upsert updates: an empty id refuses its row" "$(runs)" "success $N $((N - EMPTY_IDS)) $EMPTY_IDS"
log update
assert_exit 0 "$SLUICE" -C p dlq list --json
assert_contains "the DLQ says why" '{{ dest_id }} is empty: the path /crm/contacts/{{ dest_id }}?k={{ key }}&v={{ v }} would address another resource' "$T/out"
assert_exit 0 "$SLUICE" -C p run upd --json
assert_eq "mode update (keys as ids)" "$(runs)" "success $N $N 0"
log upd
assert_exit 0 "$SLUICE" -C p run mir --json
assert_eq "mirror: creates" "$(runs)" "success $N $N 0"
touch srv/drop
assert_exit 0 "$SLUICE" -C p run mir --json
assert_eq "mirror: the odd records left the source" "$(runs)" "success $((N / 2)) $((N / 2)) 0"
assert_contains "mirror: a delete with an empty id is kept, not sent to the collection" \
  "{{ dest_id }} is empty: the path /crm/contacts/{{ dest_id }}?k={{ key }} would address" "$T/err"
rm srv/drop
log mirror
assert_exit 0 "$SLUICE" -C p run post --json
assert_eq "POST source: every page read" "$(runs)" "success $N $N 0"
log post
assert_exit 1 "$SLUICE" -C p run hdr
assert_contains "a header value with CR LF is refused" \
  "X-Cursor: the value of {{ next_cursor }} has a line break: not sent in a header" "$T/err"
log hdr
assert_exit 1 "$SLUICE" -C p run empty
assert_contains "an empty value in the source's path fails the run" "path: {{ cursor }} is empty" "$T/err"
log empty

python3 - srv "$PORT" "$START" <<'PY' && ok || fail "requests as the server received them"
import json, re, sys
from urllib.parse import unquote_to_bytes
d, port, start = sys.argv[1], sys.argv[2], sys.argv[3]
data = json.load(open(d + '/data.json', encoding='utf-8'))
recs, curs, P = data['records'], data['curs'], data['page']
by_k = {r['k']: r for r in recs}
ts = {r['t'] for r in recs}
SEG = r'([A-Za-z0-9._~%-]+)'     # one path segment: unreserved and %XX only
QV = r'([A-Za-z0-9._~%-]*)'       # one query value
errors = []
def err(m):
    if len(errors) < 20:
        errors.append(m if len(m) < 400 else m[:400] + '...')
def dec(s):
    if re.search(r'%(?![0-9A-F]{2})', s):
        raise ValueError('a bare %% in %r' % s)
    return unquote_to_bytes(s).decode('utf-8')
def load(name):
    return [json.loads(l) for l in open('%s/%s.jsonl' % (d, name), encoding='utf-8', errors='surrogateescape')]
def common(name, reqs):
    for r in reqs:
        if r['host'] != '127.0.0.1:' + port:
            err('%s: Host %r: %s %s' % (name, r['host'], r['method'], r['target']))
        for h in r['headers']:
            if h.lower().startswith('x-injected'):
                err('%s: an injected header: %r' % (name, r['headers']))
def source_pages(name, reqs, seg_ok, method='GET'):
    """the source's requests: the cursor pages in order, each a known shape"""
    got = [r for r in reqs if r['target'].startswith('/src/')]
    if len(got) != len(curs):
        err('%s: %d source requests, want %d' % (name, len(got), len(curs)))
    for j, r in enumerate(got):
        m = re.fullmatch(seg_ok[0] + r'\?c=' + QV + (r'&cur=' + QV if j else '()'), r['target'])
        if r['method'] != method or not m:
            err('%s: page %d: %s %r' % (name, j, r['method'], r['target']))
            continue
        try:
            if seg_ok[1] is not None and not seg_ok[1](dec(m.group(1))):
                err('%s: page %d: path value %r' % (name, j, dec(m.group(1))))
            c = dec(m.group(2))
            if c != curs[j] or (j and dec(m.group(3)) != curs[j]):
                err('%s: page %d: cursor %r, want %r' % (name, j, c, curs[j]))
        except ValueError as e:
            err('%s: page %d: %s' % (name, j, e))
    return got
def sink(name, reqs, method, shape, check, want_n):
    got = [r for r in reqs if not r['target'].startswith('/src/')]
    n = 0
    for r in got:
        m = re.fullmatch(shape, r['target'])
        if r['method'] != method or not m:
            err('%s: %s %r' % (name, r['method'], r['target']))
            continue
        try:
            why = check(r, [dec(g) for g in m.groups()])
        except ValueError as e:
            why = str(e)
        if why:
            err('%s: %s %r: %s' % (name, r['method'], r['target'], why))
        n += 1
    if n != want_n:
        err('%s: %d %s requests, want %d' % (name, n, method, want_n))
empty_ids = sum(1 for r in recs if r['want'] == '')
# 1-2. upsert: creates, then updates with the ids the API gave
for name in ('create', 'update', 'upd', 'mirror', 'post', 'hdr', 'empty'):
    common(name, load(name))
reqs = load('create')
source_pages('create', reqs, (r'/src/' + SEG + '/items', lambda v: v == start))
def create_ok(r, g):
    rec = by_k.get(json.loads(r['body'])['k'])
    return None if rec and g[0] == rec['v'] else 'v %r is not the record\'s' % g[0]
sink('create', reqs, 'POST', r'/crm/contacts\?v=' + QV, create_ok, len(recs))
reqs = load('update')
source_pages('update', reqs, (r'/src/' + SEG + '/items', lambda v: v in ts))
def update_ok(r, g):
    rec = by_k.get(g[1])
    if not rec:
        return 'k %r is no key' % g[1]
    if g[0] != rec['want'] or g[2] != rec['v']:
        return 'id %r / v %r, want %r / %r' % (g[0], g[2], rec['want'], rec['v'])
sink('update', reqs, 'PATCH', r'/crm/contacts/' + SEG + r'\?k=' + QV + '&v=' + QV, update_ok, len(recs) - empty_ids)
# 3. update mode: the key is the id (case 42)
reqs = load('upd')
source_pages('upd', reqs, (r'/src/(upd)', None))
sink('upd', reqs, 'PATCH', r'/crm/contacts/' + SEG,
     lambda r, g: None if g[0] == json.loads(r['body'])['k'] else 'id %r is not the key' % g[0], len(recs))
# 4. mirror: the creates of run 1, then the deletes of the odd records of run 2
reqs = load('mirror')
def delete_ok(r, g):
    rec = by_k.get(g[1])
    if not rec or rec['i'] % 2 == 0 or g[0] != rec['want']:
        return 'id %r / k %r is not a deleted record\'s' % (g[0], g[1])
sink('mirror: creates', [r for r in reqs if r['method'] == 'POST'], 'POST', r'/crm/contacts\?v=' + QV, create_ok,
     len(recs))
sink('mirror: deletes', [r for r in reqs if r['method'] != 'POST'], 'DELETE', r'/crm/contacts/' + SEG + r'\?k=' + QV,
     delete_ok, sum(1 for r in recs if r['i'] % 2 and r['want'] != ''))
# 5. POST bodies: valid JSON with the exact cursor; the header refused at the second page; no request for an empty path
reqs = load('post')
if len(reqs) != len(curs):
    err('post: %d requests, want %d' % (len(reqs), len(curs)))
for j, r in enumerate(reqs):
    try:
        b = json.loads(r['body'])
    except ValueError:
        err('post: page %d: the body is not JSON: %r' % (j, r['body']))
        continue
    if r['method'] != 'POST' or b != {'after': curs[j], 'page': 1}:  # cursor paging: {{ page }} stays 1
        err('post: page %d: %s %r, want after %r' % (j, r['method'], r['body'], curs[j]))
if [r['target'] for r in load('hdr')] != ['/src/hdr']:
    err('hdr: %r' % [r['target'] for r in load('hdr')])
if load('empty'):
    err('empty: %r' % load('empty'))
if errors:
    print('\n'.join(errors), file=sys.stderr)
    sys.exit(1)
n = sum(len(load(x)) for x in ('create', 'update', 'upd', 'mirror', 'post', 'hdr', 'empty'))
print('%d requests checked: host, method, shape, and the exact values back from each component' % n)
PY
finish
