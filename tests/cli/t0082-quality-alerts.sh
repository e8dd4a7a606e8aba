# t0082: data-quality alerts, one per incident (docs/quality/alerts.md): a
# pipeline whose check fails in two runs and passes in the third sends ONE
# alert per channel that takes check_failure (Slack, a JSON webhook,
# PagerDuty with dedup_key = the incident key, e-mail), nothing in the
# second run, and one recovery (PagerDuty: resolve) in the third; channels
# without check_failure in on: get nothing; the incident is kept in the
# state store (history --incidents); `on:` events are checked with "did
# you mean".
. "$SRC/tests/cli/lib.sh"
rpid=
trap '[ -n "$rpid" ] && kill $rpid 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p rx
python3 "$SRC/tests/alerts/receiver.py" rx & rpid=$!
wait_for 10 test -s rx/smtp.port && ok || fail "receiver did not start"
HP=$(cat rx/http.port); SP=$(cat rx/smtp.port)
export RX="http://127.0.0.1:$HP" SMTP_URL="smtp://127.0.0.1:$SP" PD_KEY=pd-key-0082

mkdir -p p/pipelines
cat > p/sluice.yml <<'YML'
name: gtm
alerts:
  channels:
    - {name: slack, type: slack, url: "${RX}/slack/T0/B0/x", on: [check_failure]}
    - {name: hook, type: webhook, url: "${RX}/hook/", on: [check_failure, schema_change]}
    - {name: pager, type: webhook, format: pagerduty, url: "${RX}/pd/v2/enqueue", routing_key: "${PD_KEY}", on: [failure, recovery, check_failure]}
    - {name: mail, type: email, url: "${SMTP_URL}", starttls: false, from: sluice@example.com, to: [data@example.com], on: [check_failure]}
    - {name: ops, type: webhook, url: "${RX}/ops/", on: [failure, recovery]}
    - {name: monitors, type: webhook, url: "${RX}/monitors/", on: [anomaly, freshness]}
YML
cat > p/pipelines/orders.yml <<'YML'
source: {type: csv, path: orders.csv}
checks:
  - not_null: {column: email, on_fail: alert}
  - row_count: {min: 1}
sinks: [{type: sqlite, table: orders, mode: full_refresh}]
YML
printf 'id,email\n1,\n2,b@x.io\n3,\n' > p/orders.csv

# run 1: the check fails: one alert per subscribed channel
assert_exit 0 "$SLUICE" -C p run orders
assert_contains "incident logged" "incident opened: check|pipeline.gtm.orders|not_null_email" "$T/err"
# run 2: still failing: nothing more
assert_exit 0 "$SLUICE" -C p run orders
# what the receiver had after two runs, and the open incident (checked below, in one python)
cp rx/http.jsonl after2.http; cp rx/mail.jsonl after2.mail
assert_exit 0 "$SLUICE" -C p --json history --incidents --status open
cp "$T/out" open.json

# run 3: fixed: one recovery where the alert went (PagerDuty resolves its incident)
printf 'id,email\n1,a@x.io\n2,b@x.io\n3,c@x.io\n' > p/orders.csv
assert_exit 0 "$SLUICE" -C p run orders
assert_contains "resolved logged" "incident resolved: check|pipeline.gtm.orders|not_null_email" "$T/err"
# run 4: still passing: nothing
assert_exit 0 "$SLUICE" -C p run orders
assert_exit 0 "$SLUICE" -C p --json history --incidents
cp "$T/out" closed.json
python3 - <<'PY' && ok || fail "alerts: $(cat rx/http.jsonl | cut -c1-300)"
import json
def reqs(path):
    return [json.loads(l) for l in open(path)]
def by(rs, p):
    return [json.loads(r["body"]) for r in rs if r["path"].startswith(p)]

# after two failing runs: one alert per subscribed channel, none elsewhere
rs = reqs("after2.http")
assert len(by(rs, "/slack/")) == 1 and len(by(rs, "/hook/")) == 1 and len(by(rs, "/pd/")) == 1, [r["path"] for r in rs]
assert by(rs, "/ops/") == [] and by(rs, "/monitors/") == []
s = by(rs, "/slack/")[0]["text"]
assert s.startswith(":red_circle: *[gtm] check failure on pipeline.gtm.orders: not_null_email: "), s
assert "incident: check|pipeline.gtm.orders|not_null_email" in s and "failing rows: 2 of 3" in s, s
h = by(rs, "/hook/")[0]
assert h["event"] == "check_failure" and h["resolved"] is False and h["node"] == "pipeline.gtm.orders", h
assert h["incident_key"] == "check|pipeline.gtm.orders|not_null_email" and h["pipeline"] == "orders", h
assert h["severity"] == "error" and "not_null" in h["message"] and h["run_id"], h
# the failing rows the check kept are in the details
assert '"id":1' in h["details"] and '"id":3' in h["details"] and "expected: = 0 failing rows" in h["details"], h["details"]
pd = by(rs, "/pd/")[0]
assert pd["event_action"] == "trigger" and pd["dedup_key"] == "check|pipeline.gtm.orders|not_null_email", pd
assert pd["routing_key"] == "pd-key-0082" and pd["payload"]["component"] == "pipeline.gtm.orders", pd
assert pd["payload"]["class"] == "check_failure" and pd["payload"]["severity"] == "error", pd
mails = reqs("after2.mail")
assert len(mails) == 1, len(mails)
assert "Subject: [gtm] check failure on pipeline.gtm.orders: not_null_email" in mails[0]["data"], mails[0]["data"]
inc = json.load(open("open.json"))["incidents"]
assert len(inc) == 1 and inc[0]["key"] == "check|pipeline.gtm.orders|not_null_email", inc
assert inc[0]["kind"] == "check_failure" and inc[0]["occurrences"] == 2 and inc[0]["closed_at"] is None, inc

# after the passing runs: one recovery where the alert went
rs = reqs("rx/http.jsonl")
assert len(by(rs, "/slack/")) == 2 and len(by(rs, "/hook/")) == 2 and len(by(rs, "/pd/")) == 2, [r["path"] for r in rs]
assert by(rs, "/ops/") == [] and by(rs, "/monitors/") == []
s = by(rs, "/slack/")[1]["text"]
assert s.startswith(":large_green_circle: *[gtm] resolved: check failure on pipeline.gtm.orders*"), s
h = by(rs, "/hook/")[1]
assert h["event"] == "check_failure" and h["resolved"] is True and h["status"] == "resolved", h
pd = by(rs, "/pd/")[1]
assert pd["event_action"] == "resolve" and pd["dedup_key"] == "check|pipeline.gtm.orders|not_null_email", pd
mails = reqs("rx/mail.jsonl")
assert len(mails) == 2 and "Subject: [gtm] resolved: check failure on pipeline.gtm.orders" in mails[1]["data"], mails
inc = json.load(open("closed.json"))["incidents"]
assert len(inc) == 1 and inc[0]["status"] == "closed" and inc[0]["closed_at"] and inc[0]["occurrences"] == 2, inc
print("one alert and one recovery per channel")
PY
assert_exit 0 "$SLUICE" -C p history --incidents
assert_contains "incident table" "closed  check_failure  pipeline.gtm.orders" "$T/out"

# on: is checked, with a suggestion
sed -i 's/on: \[check_failure, schema_change\]/on: [check_failures, schema_change]/' p/sluice.yml
assert_exit 2 "$SLUICE" -C p validate
assert_contains "did you mean" "alert channel 'hook': unknown event 'check_failures'; did you mean 'check_failure'?" "$T/err"
finish
