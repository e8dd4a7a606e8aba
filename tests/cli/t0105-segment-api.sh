# t0105: the `segment` source's HTTP Tracking API under `sluice serve`,
# posted with curl: Segment's documented example bodies to each endpoint
# (identify, track, page, screen, group, alias, batch, import), Basic auth
# and writeKey in the body, 401 for a wrong or missing key, 404/405, 400
# for invalid messages (a batch refused whole, naming the index) and
# oversize ones, messageId dedupe (the same id twice: stored once), the
# clock-skew correction asserted exactly; then the rows, row by row, once
# `sluice run` has drained the spool.
. "$SRC/tests/cli/lib.sh"
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$T"' EXIT

mkdir -p p/pipelines
echo 'name: p' > p/sluice.yml
cat > p/pipelines/events.yml <<'YML'
source:
  type: segment
  write_key: ["${SEGMENT_WRITE_KEY}", old-key-2]
  commit_interval: 100ms
sinks: [{type: sqlite, table: events}]
YML
export SEGMENT_WRITE_KEY=wk-test-0123456789
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>"$T/serve.log" &
pid=$!
wait_for 20 curl -sf "$URL/healthz" && ok || { fail "daemon did not come up: $(tail -5 "$T/serve.log")"; finish; }

# post PATH BODY [curl args]: status on stdout, answer in $T/body
post() { p=$1; b=$2; shift 2; http POST "$URL$p" -H 'Content-Type: application/json' --data-binary "$b" "$@"; }
K="-u $SEGMENT_WRITE_KEY:"

# Segment's documented examples (HTTP Tracking API), with messageIds
assert_eq "identify" "$(post /v1/identify '{"messageId": "ex-identify", "userId": "019mr8mf4r", "traits": {"email": "pgibbons@example.com", "name": "Peter Gibbons", "industry": "Technology"}, "context": {"ip": "24.5.68.47"}, "timestamp": "2012-12-02T00:30:08.276Z"}' $K)" 200
assert_eq "identify answer" "$(cat "$T/body")" '{"success": true}'
assert_eq "track" "$(post /v1/track '{"messageId": "ex-track", "userId": "019mr8mf4r", "event": "Item Purchased", "properties": {"name": "Leap to Conclusions Mat", "revenue": 14.99}, "context": {"ip": "24.5.68.47"}, "timestamp": "2012-12-02T00:30:12.984Z"}' $K)" 200
assert_eq "page" "$(post /v1/page '{"messageId": "ex-page", "userId": "019mr8mf4r", "name": "Tracking HTTP API", "timestamp": "2012-12-02T00:31:29.738Z"}' $K)" 200
assert_eq "screen" "$(post /v1/screen '{"messageId": "ex-screen", "userId": "019mr8mf4r", "name": "Tracking HTTP API", "timestamp": "2012-12-02T00:31:29.738Z"}' $K)" 200
# the write key in the body (what the Node client does), the second key of the list
assert_eq "group" "$(post /v1/group '{"writeKey": "old-key-2", "messageId": "ex-group", "userId": "019mr8mf4r", "groupId": "8e9df332ac", "traits": {"name": "Initech", "industry": "Technology", "employees": 329, "plan": "enterprise", "total billed": 830}}')" 200
assert_eq "alias" "$(post /v1/alias '{"messageId": "ex-alias", "previousId": "39239-239239-239239-23923", "userId": "019mr8mf4r", "timestamp": "2012-12-02T00:30:08.276Z"}' $K)" 200
# batch: the batch's context is merged into each message; sentAt at batch level
# corrects the client's clock (it thinks it is 2030): timestamp = receivedAt -
# (sentAt - originalTimestamp), i.e. receivedAt - 3 s and receivedAt - 2.5 s
assert_eq "batch" "$(post /v1/batch '{"batch": [{"type": "identify", "messageId": "ex-batch-1", "userId": "019mr8mf4r", "traits": {"email": "pgibbons@example.com"}, "timestamp": "2030-01-01T00:00:00.000Z"}, {"type": "track", "messageId": "ex-batch-2", "userId": "019mr8mf4r", "event": "Song Played", "properties": {"name": "Fallin for You"}, "timestamp": "2030-01-01T00:00:00.500Z"}], "context": {"device": {"type": "phone", "name": "Apple iPhone 6"}}, "sentAt": "2030-01-01T00:00:03.000Z"}' $K)" 200
assert_eq "import" "$(post /v1/import '{"batch": [{"type": "page", "messageId": "ex-import-1", "anonymousId": "anon-7", "name": "Home"}]}' $K)" 200

# the same messageId again (a client's retry): acknowledged, stored once
assert_eq "dup" "$(post /v1/track '{"messageId": "ex-track", "userId": "019mr8mf4r", "event": "Item Purchased"}' $K)" 200
assert_eq "dup answer" "$(cat "$T/body")" '{"success": true}'
assert_eq "dup in batch" "$(post /v1/batch '{"batch": [{"type": "alias", "messageId": "ex-alias", "previousId": "x", "userId": "y"}]}' $K)" 200

# refused: nothing of these is stored
assert_eq "wrong key" "$(post /v1/track '{"messageId": "no-1", "userId": "u", "event": "E"}' -u wrong-key:)" 401
assert_contains "wrong key answer" '"error": "invalid write key"' "$T/body"
assert_eq "wrong body key" "$(post /v1/track '{"writeKey": "wk-test-012345678", "messageId": "no-2", "userId": "u", "event": "E"}')" 401
assert_eq "no key" "$(post /v1/track '{"messageId": "no-3", "userId": "u", "event": "E"}')" 401
assert_eq "GET" "$(http GET "$URL/v1/track" $K)" 405
assert_eq "unknown path" "$(post /v1/click '{"userId": "u"}' $K)" 404
assert_eq "no event" "$(post /v1/track '{"messageId": "no-4", "userId": "u"}' $K)" 400
assert_contains "no event answer" 'a track needs an event' "$T/body"
assert_eq "no ids" "$(post /v1/identify '{"messageId": "no-5", "traits": {}}' $K)" 400
assert_contains "no ids answer" 'needs userId or anonymousId' "$T/body"
assert_eq "bad json" "$(post /v1/identify '{"userId": "u",' $K)" 400
assert_eq "bad batch" "$(post /v1/batch '{"batch": [{"type": "track", "messageId": "no-6", "userId": "u", "event": "Ok"}, {"type": "group", "messageId": "no-7", "userId": "u"}]}' $K)" 400
assert_contains "bad batch answer" 'batch[1]: a group needs groupId (nothing of this batch was stored)' "$T/body"
big=$(python3 -c 'print("x" * 33000)')
assert_eq "message over 32 KB in a batch" "$(post /v1/batch "{\"batch\": [{\"type\": \"track\", \"messageId\": \"no-8\", \"userId\": \"u\", \"event\": \"E\", \"properties\": {\"x\": \"$big\"}}]}" $K)" 400
assert_contains "too large answer" 'at most 32 KB per message' "$T/body"
code=$(post /v1/track "{\"messageId\": \"no-9\", \"userId\": \"u\", \"event\": \"E\", \"properties\": {\"x\": \"$big\"}}" $K)
case $code in 400|413) ok ;; *) fail "call over 32 KB: $code" ;; esac

# a gzip body (Content-Encoding: gzip, as RudderStack's clients send by
# default): inflated, stored; an encoding sluice does not take: 415
printf '%s' '{"batch": [{"type": "track", "messageId": "gz-1", "userId": "u-gz", "event": "Gz Event"}]}' | gzip > "$T/gz.bin"
assert_eq "gzip body" "$(http POST "$URL/v1/batch" -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' --data-binary @"$T/gz.bin" $K)" 200
assert_eq "unknown encoding" "$(http POST "$URL/v1/batch" -H 'Content-Type: application/json' -H 'Content-Encoding: br' --data-binary @"$T/gz.bin" $K)" 415
head -c 20 "$T/gz.bin" > "$T/gzcut.bin"
assert_eq "gzip cut short" "$(http POST "$URL/v1/batch" -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' --data-binary @"$T/gzcut.bin" $K)" 400

kill -TERM $pid; rc=0; wait $pid || rc=$?; pid=
assert_eq "serve exit after SIGTERM" $rc 0
# whatever serve's lane loaded, `sluice run` loads the rest of the spool
assert_exit 0 "$SLUICE" -C p run events
W=p/warehouse.db
assert_eq "rows" "$(q $W 'SELECT COUNT(*), COUNT(DISTINCT id) FROM events')" "10|10"
assert_eq "nothing refused stored" "$(q $W "SELECT COUNT(*) FROM events WHERE id LIKE 'no-%'")" 0
assert_eq "rows by row" "$(q $W "SELECT id, type, coalesce(user_id,''), coalesce(anonymous_id,''), coalesce(event,''), coalesce(event_text,''), coalesce(name,''), coalesce(group_id,''), coalesce(previous_id,'') FROM events ORDER BY id")" \
"ex-alias|alias|019mr8mf4r||||||39239-239239-239239-23923
ex-batch-1|identify|019mr8mf4r||||||
ex-batch-2|track|019mr8mf4r||song_played|Song Played|||
ex-group|group|019mr8mf4r|||||8e9df332ac|
ex-identify|identify|019mr8mf4r||||||
ex-import-1|page||anon-7|||Home||
ex-page|page|019mr8mf4r||||Tracking HTTP API||
ex-screen|screen|019mr8mf4r||||Tracking HTTP API||
ex-track|track|019mr8mf4r||item_purchased|Item Purchased|||
gz-1|track|u-gz||gz_event|Gz Event|||"
assert_eq "original timestamps" "$(q $W "SELECT id, coalesce(original_timestamp,'-') FROM events WHERE id IN ('ex-identify','ex-track','ex-page','ex-group') ORDER BY id")" \
"ex-group|-
ex-identify|2012-12-02T00:30:08.276Z
ex-page|2012-12-02T00:31:29.738Z
ex-track|2012-12-02T00:30:12.984Z"
# no sentAt: timestamp = originalTimestamp; neither: timestamp = receivedAt
assert_eq "timestamp without sentAt" "$(q $W "SELECT timestamp = original_timestamp, sent_at IS NULL FROM events WHERE id = 'ex-track'")" "1|1"
assert_eq "timestamp without either" "$(q $W "SELECT timestamp = received_at FROM events WHERE id = 'ex-group'")" "1"
# clock skew: exactly receivedAt - (sentAt - originalTimestamp)
assert_eq "skew corrected" "$(q $W "SELECT id, sent_at, CAST(round((julianday(received_at) - julianday(timestamp)) * 86400000) AS INT) FROM events WHERE id LIKE 'ex-batch-%' ORDER BY id")" \
"ex-batch-1|2030-01-01T00:00:03Z|3000
ex-batch-2|2030-01-01T00:00:03Z|2500"
# context: flattened, the batch's merged in; properties and traits as json
assert_eq "context" "$(q $W "SELECT id, coalesce(context_ip,''), coalesce(context_device_type,''), coalesce(context_device_name,'') FROM events WHERE id IN ('ex-track','ex-batch-2') ORDER BY id")" \
"ex-batch-2||phone|Apple iPhone 6
ex-track|24.5.68.47||"
assert_eq "properties" "$(q $W "SELECT json_extract(properties, '\$.revenue'), json_extract(properties, '\$.name') FROM events WHERE id = 'ex-track'")" "14.99|Leap to Conclusions Mat"
assert_eq "traits" "$(q $W "SELECT json_extract(traits, '\$.employees'), json_extract(traits, '\$.total billed') FROM events WHERE id = 'ex-group'")" "329|830"
# the write key is stored nowhere
if grep -rqa -e "$SEGMENT_WRITE_KEY" -e old-key-2 p/.sluice/spool p/warehouse.db; then fail "a write key was stored"; else ok; fi
finish
