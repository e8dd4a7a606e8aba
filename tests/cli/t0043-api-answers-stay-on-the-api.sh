#!/bin/sh
# t0043: an API's answers cannot send the credentialed requests elsewhere,
# on the real binary against tests/http/echo_server.py (which logs every
# request's Host and target; "localhost:PORT" is the same server under
# another host name, so a request that leaked would show there):
#   1. the http source's next URLs, from the body (next_url) and from the
#      Link header, on another host, port, scheme, behind userinfo
#      (http://127.0.0.1:PORT@localhost...) or scheme-relative
#      (//localhost:PORT): the run fails naming where it would have gone;
#   2. a redirect (302) to another host from a same-origin next page: the
#      run fails, the redirect is not followed and not retried; a redirect
#      on the API's own host (301 to /far/end) is followed;
#   3. the http sink: an update answered 307 to another host fails that row
#      (DLQ with the reason), the PATCH and its bearer token go nowhere else;
#   4. validate refuses templates a request has no row to fill from: column
#      templates in mirror's delete path, any template in batch_path.
. "$SRC/tests/cli/lib.sh"
spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p srv p/pipelines p/data
echo '{"records": [], "curs": [""], "page": 1}' > srv/data.json
for try in 1 2 3 4 5; do
  PORT=$(free_port)
  python3 "$SRC/tests/http/echo_server.py" "$PORT" srv & spid=$!
  wait_for 10 test -f srv/ready && break
  kill $spid 2>/dev/null || true; wait $spid 2>/dev/null || true; spid=
done
[ -n "$spid" ] || { fail "echo server did not start"; finish; }
export API="http://127.0.0.1:$PORT"
echo "name: p" > p/sluice.yml
far() { # far KIND MODE
  cat > p/pipelines/far.yml <<YML
source:
  type: http
  url: \${API}
  path: /far/$1
  params: {mode: $2}
  headers: {X-Api-Key: s3cret}
  records_path: data
  pagination: {type: $( [ "$1" = next ] && echo next_url || echo link )}
  retry: {attempts: 3, base: 10ms, cap: 50ms}
sinks: [{type: sqlite, table: far}]
YML
}
for kind in next link; do
  for mode in host port userinfo schemeless scheme; do
    far $kind $mode
    assert_exit 1 "$SLUICE" -C p run far --restart
    case $mode in
    port) to="http://127.0.0.1:$((PORT < 65535 ? PORT + 1 : PORT - 1))" ;;
    scheme) to="https://127.0.0.1:$PORT" ;;
    *) to="http://localhost:$PORT" ;;
    esac
    assert_contains "$kind $mode: refused" \
      "the next page's URL goes to $to, not to the API (http://127.0.0.1:$PORT): refused, the API's credentials are not sent elsewhere" \
      "$T/err"
  done
  far $kind redirect
  assert_exit 1 "$SLUICE" -C p run far --restart
  assert_contains "$kind redirect: refused" \
    "GET http://127.0.0.1:$PORT/far/redir: HTTP 302 redirects to http://localhost:$PORT, not to the API: refused" "$T/err"
  far $kind moved
  assert_exit 0 "$SLUICE" -C p run far --restart --json
  assert_eq "$kind: a redirect on the API is followed" \
    "$(python3 -c "import json; r=json.load(open('$T/out'))['runs'][0]; print(r['status'], r['rows_loaded'])" || true)" "success 2"
done
# the sink: one row's update is redirected elsewhere
printf 'id,email\nok,a@x.io\nredir,b@x.io\n' > p/data/in.csv
cat > p/pipelines/sink.yml <<'YML'
source: {type: csv, path: data/in.csv}
sinks:
  - type: http
    url: ${API}
    auth: {type: bearer, token: tok3n}
    key: [id]
    mode: update
    update_path: /far/{{ dest_id }}
    body: '{"email": {{ email }}}'
    retry: {attempts: 3, base: 10ms, cap: 50ms}
YML
assert_exit 0 "$SLUICE" -C p run sink --json
assert_eq "sink: the redirected row fails alone" \
  "$(python3 -c "import json; r=json.load(open('$T/out'))['runs'][0]; print(r['status'], r['rows_loaded'], r['rows_rejected'])" || true)" \
  "success 1 1"
assert_exit 0 "$SLUICE" -C p dlq list --json
assert_contains "sink: the DLQ says why" "HTTP 307 redirects to http://localhost:$PORT, not to the API: refused" "$T/out"
# 4. templates a request has no row for are refused at validate time
cat > p/pipelines/bad.yml <<'YML'
source: {type: csv, path: data/in.csv}
sinks:
  - type: http
    url: ${API}
    key: [id]
    mode: mirror
    path: /far/ok
    update_path: /far/{{ dest_id }}?email={{ email }}
    body: '{"email": {{ email }}}'
  - type: http
    url: ${API}
    key: [id]
    batch_size: 10
    batch_path: /far/{{ email }}/batch
    body: '{"email": {{ email }}}'
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "mirror's delete path: ids only" \
  "bad.yml:8:18: mirror's deletes have no source row: update_path (the delete path) may only use {{ dest_id }} and {{ key }}; set delete_path:" "$T/err"
assert_contains "batch_path: no templates" \
  "bad.yml:14:17: batch_path is one URL for the records of many rows: it cannot use {{ }} templates" "$T/err"
rm p/pipelines/bad.yml
python3 - srv/log.jsonl "$PORT" <<'PY' && ok || fail "requests as the server received them"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
bad = [r for r in reqs if r['host'] != '127.0.0.1:' + sys.argv[2] or 'stolen' in r['target']]
redirs = [r for r in reqs if r['target'].startswith('/far/redir')]
if bad or len(redirs) != 3:  # once per redirect case: a refused redirect is not retried
    print('elsewhere: %r; /far/redir asked %d times' % (bad[:3], len(redirs)), file=sys.stderr)
    sys.exit(1)
print('%d requests, all to 127.0.0.1:%s' % (len(reqs), sys.argv[2]))
PY
finish
