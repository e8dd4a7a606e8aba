#!/bin/sh
# run.sh: the real-time events example end to end. From the repository's
# root, after scripts/quickstart.sh (or a build in build/):
#   sh examples/events/run.sh
# Installs Segment's Node.js client (tests/segment, npm ci, pinned), starts
# the test mail receiver (tests/alerts/receiver.py) and `sluice serve` on
# free ports, sends a product session with the real client
# (send_events.mjs), waits until the rows are in the warehouse and the
# activation e-mails arrived, prints the tables and the e-mails, and stops
# everything.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EX=$ROOT/examples/events
SLUICE=${SLUICE:-$ROOT/build/sluice}
[ -x "$SLUICE" ] || { echo "no sluice binary at $SLUICE: build first (scripts/quickstart.sh), or set SLUICE" >&2; exit 2; }
[ -d "$ROOT/tests/segment/node_modules/@segment/analytics-node" ] ||
  (cd "$ROOT/tests/segment" && npm ci --no-audit --no-fund --loglevel=error)

TMP=$(mktemp -d /tmp/sluice-events-XXXXXX)
serve_pid= recv_pid=
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  [ -n "$recv_pid" ] && kill "$recv_pid" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
# a fresh start: the example's warehouse and state
rm -rf "$EX/warehouse.db" "$EX/warehouse.db-wal" "$EX/warehouse.db-shm" "$EX/.sluice"

python3 "$ROOT/tests/alerts/receiver.py" "$TMP" & recv_pid=$!
i=0; while [ ! -s "$TMP/smtp.port" ]; do i=$((i + 1)); [ $i -gt 100 ] && { echo "the mail receiver did not start" >&2; exit 1; }; sleep 0.1; done
export SMTP_PORT=$(cat "$TMP/smtp.port")
export SEGMENT_WRITE_KEY=example-write-key
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

"$SLUICE" -C "$EX" seed >/dev/null
"$SLUICE" -C "$EX" serve --listen "127.0.0.1:$PORT" 2>"$TMP/serve.log" & serve_pid=$!
i=0; while ! curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do
  i=$((i + 1)); [ $i -gt 200 ] && { echo "sluice serve did not start:" >&2; tail "$TMP/serve.log" >&2; exit 1; }; sleep 0.1
done
echo "sluice serve on 127.0.0.1:$PORT; sending a product session with @segment/analytics-node"
node "$EX/send_events.mjs" "http://127.0.0.1:$PORT" "$SEGMENT_WRITE_KEY"

# 9 tracks (3 Signed Up, 2 Project Created, 4 Invite Sent) and 2 activation e-mails
q() { sqlite3 -cmd ".timeout 5000" "$EX/warehouse.db" "$1" 2>/dev/null || true; }
i=0
while [ "$(q 'SELECT COUNT(*) FROM tracks')" != 9 ] || [ "$(q 'SELECT COUNT(*) FROM milestones')" != 3 ] ||
      [ "$(cat "$TMP/mail.jsonl" 2>/dev/null | wc -l)" != 2 ]; do
  i=$((i + 1)); [ $i -gt 300 ] && { echo "timed out waiting for the rows and e-mails:" >&2; tail "$TMP/serve.log" >&2; exit 1; }; sleep 0.1
done

show() { echo; echo "== $1"; sqlite3 -cmd ".timeout 5000" -header -column "$EX/warehouse.db" "$2"; }
show "tracks" "SELECT user_id, event, event_text, timestamp, account_name FROM tracks ORDER BY timestamp"
show "identifies" "SELECT user_id, json_extract(traits, '\$.email') AS email, received_at FROM identifies ORDER BY user_id"
show "pages" "SELECT anonymous_id, name, json_extract(properties, '\$.path') AS path FROM pages ORDER BY anonymous_id"
show "groups" "SELECT user_id, group_id FROM groups ORDER BY user_id"
show "users (upserted from identifies)" "SELECT user_id, json_extract(traits, '\$.name') AS name FROM users ORDER BY user_id"
show "project_created (a per-event table)" "SELECT user_id, json_extract(properties, '\$.template') AS template, account_name FROM project_created ORDER BY user_id"
show "milestones" "SELECT user_id, milestone, milestone_at, account_name, account_plan FROM milestones ORDER BY milestone_at"
echo
echo "== e-mails received by the test SMTP server"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    head, _, body = m["data"].partition("\r\n\r\n")
    subject = [h for h in head.split("\r\n") if h.lower().startswith("subject:")]
    print("to:", ", ".join(m["to"]))
    print(subject[0] if subject else "")
    print(body.strip().replace("\r\n", "\n"))
    print()
' "$TMP/mail.jsonl"
