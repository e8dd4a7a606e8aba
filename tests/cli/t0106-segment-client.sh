# t0106: Segment's official Node.js client (@segment/analytics-node, pinned
# in tests/segment/package.json, installed by `npm ci` there: see
# scripts/test.sh) sends identify, track, page, screen, group and alias to
# `sluice serve`'s segment source; the warehouse is then checked row by row
# (names, ids, the merged context the client adds, the clock-skew formula
# on the client's real sentAt), and a second send of the same messages
# (the client's messageIds) stores nothing more.
. "$SRC/tests/cli/lib.sh"
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$T"' EXIT
[ -d "$SRC/tests/segment/node_modules/@segment/analytics-node" ] ||
  { echo "FAIL: the Segment client is not installed: run (cd tests/segment && npm ci --no-audit --no-fund)" >&2; exit 1; }

mkdir -p p/pipelines
echo 'name: p' > p/sluice.yml
cat > p/pipelines/events.yml <<'YML'
source:
  type: segment
  write_key: ${SEGMENT_WRITE_KEY}
  path_prefix: /collect
  commit_interval: 100ms
  traits: flatten
sinks: [{type: sqlite, table: events}]
YML
export SEGMENT_WRITE_KEY=wk-client-0123456789
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>"$T/serve.log" &
pid=$!
wait_for 20 curl -sf "$URL/healthz" && ok || { fail "daemon did not come up: $(tail -5 "$T/serve.log")"; finish; }

assert_exit 0 node "$SRC/tests/segment/send.mjs" "$URL" "$SEGMENT_WRITE_KEY" /collect
assert_contains "sent" "sent 6 messages" "$T/out"
# again: the same messageIds (a client retrying after a lost answer)
assert_exit 0 node "$SRC/tests/segment/send.mjs" "$URL" "$SEGMENT_WRITE_KEY" /collect
# a wrong key: the client reports the 401
assert_exit 1 node "$SRC/tests/segment/send.mjs" "$URL" wrong-key /collect

W=p/warehouse.db
# serve's lane loads them; `sluice run` after serve stops loads whatever it had not
kill -TERM $pid; rc=0; wait $pid || rc=$?; pid=
assert_eq "serve exit after SIGTERM" $rc 0
assert_exit 0 "$SLUICE" -C p run events

assert_eq "rows" "$(q $W 'SELECT COUNT(*), COUNT(DISTINCT id) FROM events')" "6|6"
assert_eq "rows by row" "$(q $W "SELECT id, type, coalesce(user_id,''), coalesce(anonymous_id,''), coalesce(event,''), coalesce(event_text,''), coalesce(name,''), coalesce(group_id,''), coalesce(previous_id,''), coalesce(context_library_name,'') FROM events ORDER BY id")" \
"msg-alias-1|alias|u-1||||||anon-1|@segment/analytics-node
msg-group-1|group|u-1|||||acct-1||@segment/analytics-node
msg-identify-1|identify|u-1|||||||@segment/analytics-node
msg-page-1|page||anon-1|||Pricing|||@segment/analytics-node
msg-screen-1|screen|u-1||||Dashboard|||@segment/analytics-node
msg-track-1|track|u-1||project_created|Project Created||||@segment/analytics-node"
assert_eq "original timestamps" "$(q $W "SELECT id, original_timestamp FROM events ORDER BY id")" \
"msg-alias-1|2026-01-02T03:04:06Z
msg-group-1|2026-01-02T03:04:05Z
msg-identify-1|2026-01-02T03:04:01Z
msg-page-1|2026-01-02T03:04:03Z
msg-screen-1|2026-01-02T03:04:04Z
msg-track-1|2026-01-02T03:04:02Z"
# the client's sentAt is its clock at flush: timestamp = receivedAt - (sentAt - originalTimestamp), to the ms
assert_eq "skew formula" "$(q $W "SELECT COUNT(*) FROM events WHERE sent_at IS NOT NULL AND
  round((julianday(timestamp) - (julianday(received_at) - (julianday(sent_at) - julianday(original_timestamp)))) * 86400000) = 0")" 6
assert_eq "context" "$(q $W "SELECT context_ip, context_locale, context_page_path FROM events WHERE id = 'msg-track-1'")" \
  "203.0.113.7|en-US|/pricing"
assert_eq "traits flattened" "$(q $W "SELECT traits_email, traits_plan FROM events WHERE id = 'msg-identify-1'")" "ada@example.com|trial"
assert_eq "group traits" "$(q $W "SELECT traits_name, traits_employees FROM events WHERE id = 'msg-group-1'")" "Acme|42"
assert_eq "properties" "$(q $W "SELECT json_extract(properties, '\$.seats'), json_extract(properties, '\$.template') FROM events WHERE id = 'msg-track-1'")" "3|blank"
if grep -rqa "$SEGMENT_WRITE_KEY" p/.sluice/spool p/warehouse.db; then fail "the write key was stored"; else ok; fi
finish
