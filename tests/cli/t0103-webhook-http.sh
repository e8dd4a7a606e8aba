#!/bin/sh
# t0103: the webhook source over HTTP under `sluice serve`: JSON objects,
# arrays, JSON Lines, forms and records_path are accepted (200
# {"accepted": N}) and land in the SQLite warehouse with received_at;
# 413 (from Content-Length and from a chunked body), 415, 400 with the
# position, 400 naming a non-object's index, 405, bearer and basic 401
# store nothing (no event is added to the spool); a source with its own listen:
# is served there only; two pipelines on one path and a bad path are
# configuration errors.
. "$SRC/tests/cli/lib.sh"
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$T"' EXIT
assert_exit 0 "$SLUICE" init p
PORT=$(free_port)
OWN=$(free_port)
URL=http://127.0.0.1:$PORT
export HOOK_TOKEN=tok-0103-abcdefgh HOOK_PASSWORD=pw-0103-secret
cat > p/pipelines/events.yml <<'YML'
source:
  type: webhook
  path: /hooks/events
  auth: {type: bearer, token: "${HOOK_TOKEN}"}
  commit_interval: 100ms
sinks: [{type: sqlite, table: events}]
YML
cat > p/pipelines/forms.yml <<'YML'
source:
  type: webhook
  path: /hooks/form
  format: form
  auth: {type: basic, username: slack, password: "${HOOK_PASSWORD}"}
  commit_interval: 100ms
sinks: [{type: sqlite, table: forms}]
YML
cat > p/pipelines/nested.yml <<'YML'
source:
  type: webhook
  path: /hooks/nested
  methods: [POST, PUT]
  records_path: data.items
  max_body: 64KiB
  commit_interval: 100ms
sinks: [{type: sqlite, table: nested}]
YML
cat > p/pipelines/own.yml <<YML
source:
  type: webhook
  path: /hooks/own
  listen: 127.0.0.1:$OWN
  commit_interval: 100ms
sinks: [{type: sqlite, table: own}]
YML
assert_exit 0 "$SLUICE" -C p validate
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>"$T/serve.log" &
pid=$!
wait_for 20 curl -sf "$URL/healthz" && ok || fail "daemon did not come up: $(tail -5 "$T/serve.log")"
# events NAME...: the event records (not the ticks the daemon appends
# every second) in each pipeline's spool, one count a line
events() {
  python3 -c 'import glob, struct, sys
for name in sys.argv[1:]:
    n = 0
    for f in sorted(glob.glob("p/.sluice/spool/%s/*.log" % name)):
        b = open(f, "rb").read()
        i = 0
        while i + 9 <= len(b):
            (length,) = struct.unpack_from("<I", b, i + 4)
            n += b[i + 8] == 1
            i += 12 + length
    print(n)' "$@"
}
J='Content-Type: application/json'
B="Authorization: Bearer $HOOK_TOKEN"

# accepted
assert_eq "object" "$(http POST $URL/hooks/events -H "$B" -H "$J" -d '{"id": 1, "kind": "signup"}')" 200
assert_eq "object answer" "$(cat "$T/body")" '{"accepted":1}'
assert_eq "array" "$(http POST $URL/hooks/events -H "$B" -H "$J" -d '[{"id": 2, "kind": "a"}, {"id": 3, "kind": "b"}]')" 200
assert_eq "array answer" "$(cat "$T/body")" '{"accepted":2}'
printf '{"id": 4, "kind": "c"}\n\n{"id": 5, "kind": "d"}\n' > "$T/lines"
assert_eq "jsonl" "$(http POST $URL/hooks/events -H "$B" -H 'Content-Type: application/x-ndjson' --data-binary @"$T/lines")" 200
assert_eq "jsonl answer" "$(cat "$T/body")" '{"accepted":2}'
assert_eq "form" "$(http POST $URL/hooks/form -u "slack:$HOOK_PASSWORD" -d 'id=6&name=J%C3%BCrgen+X&tag=a&tag=b')" 200
assert_eq "records_path (PUT)" "$(http PUT $URL/hooks/nested -H "$J" -d '{"data": {"items": [{"id": 7}, {"id": 8}]}}')" 200
assert_eq "records_path answer" "$(cat "$T/body")" '{"accepted":2}'
assert_eq "own listener" "$(http POST http://127.0.0.1:$OWN/hooks/own -H "$J" -d '{"id": 9}')" 200
assert_eq "own path not on serve's listener" "$(http POST $URL/hooks/own -H "$J" -d '{"id": 9}')" 404
assert_eq "serve's paths not on the own listener" "$(http POST http://127.0.0.1:$OWN/hooks/nested -H "$J" -d '{}')" 404

# refused: nothing stored
before=$(events events nested forms | tr "\n" " ")
python3 -c 'import json; print(json.dumps({"data": {"items": [{"id": i, "pad": "x" * 100} for i in range(700)]}}))' > "$T/big"
assert_eq "413 (Content-Length)" "$(http POST $URL/hooks/nested -H "$J" --data-binary @"$T/big")" 413
assert_contains "413 says the limit" '"error":"the body' "$T/body"
assert_eq "413 (chunked)" "$(http POST $URL/hooks/nested -H "$J" -H 'Transfer-Encoding: chunked' -H 'Expect:' --data-binary @"$T/big")" 413
assert_eq "415" "$(http POST $URL/hooks/events -H "$B" -H 'Content-Type: text/plain' -d '{"id": 10}')" 415
printf '{"id": 10,\n  "kind": }' > "$T/bad"
assert_eq "400 invalid JSON" "$(http POST $URL/hooks/events -H "$B" -H "$J" --data-binary @"$T/bad")" 400
assert_eq "400 position" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["line"], d["column"], d["offset"])' "$T/body")" "2 11 21"
assert_eq "400 not an object" "$(http POST $URL/hooks/events -H "$B" -H "$J" -d '[{"id": 11}, 12]')" 400
assert_contains "400 names the index" '"index":1' "$T/body"
assert_eq "405" "$(http GET $URL/hooks/events -H "$B")" 405
assert_eq "405 (DELETE)" "$(http DELETE $URL/hooks/nested)" 405
assert_eq "401 wrong bearer" "$(http POST $URL/hooks/events -H 'Authorization: Bearer tok-0103-abcdefgX' -H "$J" -d '{"id": 13}')" 401
assert_eq "401 no bearer" "$(http POST $URL/hooks/events -H "$J" -d '{"id": 13}')" 401
assert_eq "401 wrong basic" "$(http POST $URL/hooks/form -u 'slack:pw-0103-secreX' -d 'id=14')" 401
assert_eq "events in the spools (events, nested, forms): none added by refused requests" "$(events events nested forms | tr "\n" " ")" "$before"
assert_eq "events in the spools before" "$before" "5 2 1 "
if grep -q "$HOOK_TOKEN\|$HOOK_PASSWORD" "$T/serve.log"; then fail "a secret in the log"; else ok; fi

# the warehouse (the continuous runtime loads each spool)
wait_for ${WAIT:-30} sh -c "[ \"\$(sqlite3 p/warehouse.db 'SELECT COUNT(*) FROM events' 2>/dev/null)\" = 5 ]" && ok ||
  fail "events: $(sqlite3 p/warehouse.db 'SELECT COUNT(*) FROM events' 2>&1); $(tail -5 "$T/serve.log")"
assert_eq "events rows" "$(q p/warehouse.db "SELECT group_concat(id || ':' || kind, ' ') FROM (SELECT * FROM events ORDER BY id)")" \
  "1:signup 2:a 3:b 4:c 5:d"
assert_eq "received_at" "$(q p/warehouse.db "SELECT COUNT(*) FROM events WHERE received_at LIKE '20%'")" 5
wait_for ${WAIT:-30} sh -c "[ \"\$(sqlite3 p/warehouse.db 'SELECT COUNT(*) FROM nested' 2>/dev/null)\" = 2 ]" && ok || fail "nested rows"
wait_for ${WAIT:-30} sh -c "[ \"\$(sqlite3 p/warehouse.db 'SELECT COUNT(*) FROM forms' 2>/dev/null)\" = 1 ]" && ok || fail "forms rows"
assert_eq "form row" "$(q p/warehouse.db "SELECT id || '|' || name || '|' || tag FROM forms")" '6|Jürgen X|["a","b"]'
wait_for ${WAIT:-30} sh -c "[ \"\$(sqlite3 p/warehouse.db 'SELECT COUNT(*) FROM own' 2>/dev/null)\" = 1 ]" && ok || fail "own rows"
kill -TERM $pid; wait $pid; pid=

# configuration errors: two pipelines on one path; a path without /
assert_exit 0 "$SLUICE" init q
printf 'source: {type: webhook, path: /same}\nsinks: [{type: sqlite, table: a}]\n' > q/pipelines/a.yml
printf 'source: {type: webhook, path: /same}\nsinks: [{type: sqlite, table: b}]\n' > q/pipelines/b.yml
assert_exit 2 "$SLUICE" -C q serve --listen 127.0.0.1:$PORT
assert_contains "conflict names both" "pipelines 'a' and 'b' both take the path /same" "$T/err"
printf 'source: {type: webhook, path: same}\nsinks: [{type: sqlite, table: b}]\n' > q/pipelines/b.yml
assert_exit 2 "$SLUICE" -C q validate
assert_contains "bad path at file:line:col" "b.yml:1:" "$T/err"
finish
