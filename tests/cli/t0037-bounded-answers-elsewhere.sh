#!/bin/sh
# t0037: every other place sluice reads an HTTP answer bounds it too (case
# 49, 2026-11-30), against tests/http/big_bodies.py:
#   1. the http sink: an answer over max_response_size fails that record
#      (to the DLQ, the reason naming the path and the limit), not the
#      process, in little memory;
#   2. the oauth2 token endpoint: an answer over the limit fails the run
#      with a clear error (the client secret never shown);
#   3. an alert webhook that answers 50 MiB: the alert counts as delivered
#      (only the answer's start is kept) and memory stays small.
. "$SRC/tests/cli/lib.sh"
spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$T"' EXIT
PORT=$(free_port)
python3 "$SRC/tests/http/big_bodies.py" "$PORT" &
spid=$!
API=http://127.0.0.1:$PORT
export API
wait_for 20 curl -sf "$API/healthz" && ok || fail "big_bodies.py did not come up"
X=1
grep -q __asan_init "$SLUICE" && X=4 # ASan's shadow memory and quarantine
peak() {
  set +e
  /usr/bin/time -f '%M' -o "$T/rss" "$@" >"$T/out" 2>"$T/err"
  echo $? > "$T/rc"
  set -e
  tail -1 "$T/rss"
}

mkdir -p p/pipelines p/data
cat > p/sluice.yml <<'YML'
name: p
alerts:
  channels:
    - {name: big, type: webhook, url: "${API}/sink/big?mb=50", on: [failure]}
YML
printf 'id,email\n1,a@example.com\n2,b@example.com\n' > p/data/in.csv

# 1. the sink
cat > p/pipelines/sink.yml <<'YML'
source: {type: csv, path: data/in.csv}
sinks:
  - type: http
    url: "${API}"
    key: [id]
    mode: create
    path: /sink/big?mb=20
    body: '{"email": {{ email }}}'
    max_response_size: 1MiB
    retry: {attempts: 2, base: 10ms}
YML
rss=$(peak "$SLUICE" -C p run sink)
assert_contains "1: both records rejected" "read 2, loaded 0, filtered 0, rejected 2" "$T/err"
assert_eq "1: the DLQ's reason" "$(q p/.sluice/state.db 'select count(*), min(reason) from dlq')" \
  "2|POST /sink/big?mb=20: the answer is larger than max_response_size (1 MiB): the transfer was stopped there"
[ "$rss" -lt $((60000 * X)) ] && ok || fail "1: peak RSS $rss KiB"

# 2. the token endpoint (the failed run also sends the alert of 3.)
cat > p/pipelines/token.yml <<'YML'
source:
  type: http
  url: "${API}"
  path: /big?mb=1
  max_response_size: 1MB
  auth: {type: oauth2, token_url: "${API}/token/big?mb=2", client_id: c, client_secret: s3cr3t-value}
sinks: [{type: jsonl, path: out/t.jsonl}]
YML
rss=$(peak "$SLUICE" -C p -v run token)
assert_eq "2: exit" "$(cat "$T/rc")" 1
# (the alert channel's URL, a secret, shares the API's host: the log shows it as ***)
assert_contains "2: the error" "/token/big?mb=2: the answer is larger than max_response_size (1 MB)" "$T/err"
assert_contains "2: ... of the token endpoint" "error: source http: oauth2 token from " "$T/err"
grep -q "s3cr3t-value" "$T/err" && fail "2: the client secret was shown" || ok

# 3. the alert of that failure: delivered although its answer is 50 MiB
assert_contains "3: delivered" "alert channel big: failure alert for token delivered" "$T/err"
grep -q "not delivered" "$T/err" && fail "3: the alert failed: $(grep 'not delivered' "$T/err")" || ok
[ "$rss" -lt $((60000 * X)) ] && ok || fail "2/3: peak RSS $rss KiB"
finish
