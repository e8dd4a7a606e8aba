# t0017: alerts to a local HTTP receiver (Slack, a JSON webhook, PagerDuty
# Events v2) and a local SMTP receiver (tests/alerts/receiver.py): one
# failure alert per failure streak, one recovery, deliveries retried after
# 500 and 429, a dead channel never fails the pipeline, `sluice alert test`,
# and the daily summary sent by `sluice serve` at its time.
. "$SRC/tests/cli/lib.sh"
rpid=; spid=
trap '[ -n "$rpid" ] && kill $rpid 2>/dev/null; [ -n "$spid" ] && kill -9 $spid 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p rx
# a self-signed certificate for 127.0.0.1: the receiver offers STARTTLS with it
openssl req -x509 -newkey rsa:2048 -nodes -keyout rx/key.pem -out rx/cert.pem -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 2>/dev/null
python3 "$SRC/tests/alerts/receiver.py" rx & rpid=$!
wait_for 10 test -s rx/smtp.port && ok || fail "receiver did not start"
HP=$(cat rx/http.port); SP=$(cat rx/smtp.port)
export SLACK_URL="http://127.0.0.1:$HP/slack/fail-2-500/T000/B000/slack-secret-xyz"
export HOOK_URL="http://127.0.0.1:$HP/hook/fail-1-429/"
export PD_URL="http://127.0.0.1:$HP/pagerduty/v2/enqueue" PD_KEY=pd-routing-key-123
export SMTP_URL="smtp://127.0.0.1:$SP" SMTP_PASSWORD=smtp-pass-456 CA_FILE="$T/rx/cert.pem"

mkdir -p p/pipelines p/data
cat > p/sluice.yml <<'YML'
name: gtm
alerts:
  dashboard_url: http://sluice.example:8686
  channels:
    - {name: slack, type: slack, url: "${SLACK_URL}", on: [failure, recovery, daily_summary]}
    - {name: hook, type: webhook, url: "${HOOK_URL}", headers: {X-Team: data}, on: [failure, recovery]}
    - {name: pager, type: webhook, format: pagerduty, url: "${PD_URL}", routing_key: "${PD_KEY}"}
    - {name: mail, type: email, url: "${SMTP_URL}", starttls: false, username: sluice, password: "${SMTP_PASSWORD}",
       from: sluice@example.com, to: [data@example.com, ops@example.com], on: [failure, daily_summary]}
    - {name: secure, type: email, url: "${SMTP_URL}", ca_file: "${CA_FILE}", username: ops, password: "${SMTP_PASSWORD}",
       from: sluice@example.com, to: [oncall@example.com], on: [failure]}
    - {name: dead, type: webhook, url: "http://127.0.0.1:9/nothing", attempts: 2, on: [failure]}
    - {name: only_other, type: webhook, url: "${HOOK_URL}", pipelines: [other]}
YML
printf 'id,email\n1,a@x.io\n' > p/data/ok.csv
cat > p/pipelines/orders.yml <<'YML'
source: {type: csv, path: data/orders.csv}
sinks: [{type: sqlite, table: orders}]
YML

# three failures in a row: one alert per channel, not three
assert_exit 1 "$SLUICE" -C p run orders
assert_contains "dead channel reported" "alert channel dead: failure alert for orders not delivered" "$T/err"
for i in 2 3; do assert_exit 1 "$SLUICE" -C p run orders; done
python3 - rx/http.jsonl <<'PY' && ok || fail "failure alerts: $(cat rx/http.jsonl | head -c 600)"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in reqs if r["code"] == 200]
by = lambda p: [r for r in ok if r["path"].startswith(p)]
assert len(by("/slack/")) == 1, len(by("/slack/"))
assert len(by("/hook/")) == 1 and len(by("/pagerduty/")) == 1
# the slack endpoint failed twice (500) first, the hook once (429): retried
assert len([r for r in reqs if r["path"].startswith("/slack/")]) == 3
assert len([r for r in reqs if r["path"].startswith("/hook/")]) == 2
s = json.loads(by("/slack/")[0]["body"])
assert s["text"].startswith(":red_circle: *[gtm] pipeline orders failed*"), s["text"]
assert "cannot open" in s["text"] or "No such file" in s["text"] or "orders.csv" in s["text"], s["text"]
h = json.loads(by("/hook/")[0]["body"])
assert h["event"] == "failure" and h["pipeline"] == "orders" and h["status"] == "failed" and h["run_id"], h
assert by("/hook/")[0]["headers"]["x-team"] == "data"
pd = json.loads(by("/pagerduty/")[0]["body"])
assert pd["event_action"] == "trigger" and pd["routing_key"] == "pd-routing-key-123", pd
assert pd["dedup_key"] == "sluice/gtm/orders" and pd["payload"]["severity"] == "error", pd
print("failure alerts ok")
PY
assert_eq "two mails" "$(wc -l < rx/mail.jsonl)" 2
python3 - rx/mail.jsonl <<'PY' && ok || fail "mail: $(head -c 900 rx/mail.jsonl)"
import json, sys
mails = [json.loads(l) for l in open(sys.argv[1])]
plain = [m for m in mails if not m["tls"]]
tls = [m for m in mails if m["tls"]]
assert len(plain) == 1 and len(tls) == 1, mails
m = plain[0]
assert m["from"] == "sluice@example.com" and m["to"] == ["data@example.com", "ops@example.com"], m
assert m["auth"] == ["sluice", "smtp-pass-456"], m["auth"]
assert "Subject: [gtm] pipeline orders failed" in m["data"], m["data"]
assert "pipeline: orders" in m["data"] and "details: http://sluice.example:8686/api/v1/runs/" in m["data"]
# STARTTLS, verified against the CA file, then AUTH inside the TLS session
assert tls[0]["to"] == ["oncall@example.com"] and tls[0]["auth"] == ["ops", "smtp-pass-456"], tls[0]
PY

# the fix: one recovery (resolve for PagerDuty), no mail (not subscribed)
cp p/data/ok.csv p/data/orders.csv
assert_exit 0 "$SLUICE" -C p run orders
assert_exit 0 "$SLUICE" -C p run orders
python3 - rx/http.jsonl <<'PY' && ok || fail "recovery alerts"
import json, sys
ok = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in ok if r["code"] == 200]
slack = [json.loads(r["body"]) for r in ok if r["path"].startswith("/slack/")]
assert len(slack) == 2 and "recovered" in slack[1]["text"], slack
pd = [json.loads(r["body"]) for r in ok if r["path"].startswith("/pagerduty/")]
assert len(pd) == 2 and pd[1]["event_action"] == "resolve" and pd[1]["dedup_key"] == "sluice/gtm/orders", pd
hooks = [json.loads(r["body"]) for r in ok if r["path"].startswith("/hook/")]
assert [h["event"] for h in hooks] == ["failure", "recovery"], hooks
PY
assert_eq "still two mails" "$(wc -l < rx/mail.jsonl)" 2
# no secret of a channel in any log line
if grep -q -e slack-secret-xyz -e pd-routing-key-123 -e smtp-pass-456 "$T/err"; then fail "a secret in the log"; else ok; fi

# sluice alert test
assert_exit 0 "$SLUICE" -C p alert test mail
assert_eq "test mail" "$(wc -l < rx/mail.jsonl)" 3
assert_contains "test subject" "Subject: [gtm] test alert from sluice" rx/mail.jsonl
assert_exit 1 "$SLUICE" -C p alert test dead
assert_contains "dead reported" "alert channel dead: not delivered" "$T/err"
assert_exit 2 "$SLUICE" -C p alert test nosuch

# the daily summary: sent by the daemon at its time (six seconds from now, UTC)
at=$(python3 -c "import datetime; print((datetime.datetime.utcnow() + datetime.timedelta(seconds=6)).strftime('%H:%M:%S'))")
sed -i "s|^  dashboard_url:.*|&\n  daily_summary: {at: \"$at\", timezone: UTC}|" p/sluice.yml
assert_exit 0 "$SLUICE" -C p validate
PORT=$(free_port)
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>"$T/serve.log" & spid=$!
wait_for 20 sh -c "grep -q 'daily summary' rx/mail.jsonl" && ok || fail "no daily summary mail: $(tail -5 "$T/serve.log")"
kill -TERM $spid; wait $spid || true; spid=
python3 - rx/mail.jsonl rx/http.jsonl <<'PY' && ok || fail "summary content"
import json, sys
m = [json.loads(l) for l in open(sys.argv[1])][-1]["data"]
assert "Subject: [gtm] daily summary" in m, m
line = [l for l in m.splitlines() if l.startswith("orders ")][0].split()
assert line[1:4] == ["5", "2", "3"], line   # runs, ok, failed
assert "Total: 5 runs, 2 succeeded, 3 failed." in m, m
slack = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[2]) if json.loads(l)["code"] == 200 and "/slack/" in json.loads(l)["path"]]
assert "daily summary" in slack[-1]["text"], slack[-1]
PY
# the config is checked: unknown event, PagerDuty without a key
cat > p/sluice.yml <<'YML'
name: gtm
alerts:
  channels:
    - {name: x, type: webhook, format: pagerduty, url: "http://127.0.0.1:1/", on: [failure, daily_summary]}
    - {name: y, type: slack, url: "http://127.0.0.1:1/", on: [failur]}
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "pd key" "alert channel 'x': format: pagerduty needs routing_key:" "$T/err"
assert_contains "pd summary" "PagerDuty takes failure and recovery, not daily_summary" "$T/err"
assert_contains "bad event" "alert channel 'y': unknown event 'failur'" "$T/err"
finish
