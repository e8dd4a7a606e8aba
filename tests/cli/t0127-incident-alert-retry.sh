# t0127: a data-quality incident's alert is delivered through a transient
# failure of its endpoint, like a pipeline failure's (t0017): a webhook
# that answers 503 twice, then 200, and a Slack endpoint that answers 500
# once, each get the alert on a later attempt (the http client's backoff,
# net/http.h); an endpoint that refuses connections is given up after the
# channel's `attempts`, logged, and the run is not failed. An endpoint
# that takes the request and never answers (timeout: 1h, 5 attempts) does
# not hold the run's exit: `sluice run` waits at most 30 s for alerts
# (docs/SCHEDULING.md), then cuts that delivery short, logged (it used to
# wait for the delivery's every attempt: hours here; `timeout 300` turns
# that into a failure instead of a hung test; KILL: sluice takes TERM as "stop
# gracefully", which waits for the alerts again).
. "$SRC/tests/cli/lib.sh"
rpid=
trap '[ -n "$rpid" ] && kill $rpid 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p rx
python3 "$SRC/tests/alerts/receiver.py" rx & rpid=$!
wait_for 10 test -s rx/smtp.port && ok || fail "receiver did not start"
export RX="http://127.0.0.1:$(cat rx/http.port)" DEAD="http://127.0.0.1:$(free_port)/gone"

mkdir -p p/pipelines
cat > p/sluice.yml <<'YML'
name: gtm
alerts:
  channels:
    - {name: hook, type: webhook, url: "${RX}/hook/fail-2-503/", on: [check_failure]}
    - {name: slack, type: slack, url: "${RX}/slack/fail-1-500/T0/B0/x", on: [check_failure]}
    - {name: dead, type: webhook, url: "${DEAD}", attempts: 2, on: [check_failure]}
    - {name: slow, type: webhook, url: "${RX}/hang/", timeout: 1h, on: [check_failure]}
YML
cat > p/pipelines/orders.yml <<'YML'
source: {type: csv, path: orders.csv}
checks:
  - not_null: {column: email, on_fail: alert}
sinks: [{type: sqlite, table: orders}]
YML
printf 'id,email\n1,\n2,b@x.io\n' > p/orders.csv

assert_exit 0 timeout -s KILL 300 "$SLUICE" -C p run orders
assert_contains "incident opened" "incident opened: check|pipeline.gtm.orders|not_null_email" "$T/err"
assert_contains "hook delivered" "alert channel hook: check_failure alert for pipeline.gtm.orders delivered" "$T/err"
assert_contains "slack delivered" "alert channel slack: check_failure alert for pipeline.gtm.orders delivered" "$T/err"
assert_contains "dead given up, logged" "alert channel dead: check_failure alert for pipeline.gtm.orders not delivered" "$T/err"
assert_contains "slow cut short, logged" "alert channel slow: check_failure alert for pipeline.gtm.orders not delivered: given up: the wait for alerts at exit is over" "$T/err"
assert_contains "counted" "1 alert not delivered" "$T/err"
python3 - rx/http.jsonl <<'PY' && ok || fail "deliveries: $(cut -c1-200 rx/http.jsonl)"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
hook = [r["code"] for r in reqs if r["path"].startswith("/hook/")]
slack = [r["code"] for r in reqs if r["path"].startswith("/slack/")]
assert hook == [503, 503, 200], hook
assert slack == [500, 200], slack
body = json.loads([r for r in reqs if r["path"].startswith("/hook/")][-1]["body"])
assert body["event"] == "check_failure" and body["incident_key"] == "check|pipeline.gtm.orders|not_null_email", body
assert len([r for r in reqs if r["path"].startswith("/hang/")]) == 1
PY
finish
