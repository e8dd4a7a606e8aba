# t0083: data-quality results over `sluice serve` (docs/quality/alerts.md):
# /api/v1/checks (latest per check; ?node= ?status= ?run_id=, bad values
# 400), /api/v1/runs/{id} with its "checks" (sample as JSON), and
# /api/v1/incidents, after two runs of a pipeline with a failing, a warning
# and a passing check; /metrics parsed by prometheus_client holds
# sluice_check_status (0 pass 1 warn 2 fail 3 error), sluice_check_failures
# (failing rows of the latest result), sluice_check_failed_total and
# sluice_incidents_open with the right values.
. "$SRC/tests/cli/lib.sh"
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p p/pipelines
echo "name: gtm" > p/sluice.yml
cat > p/pipelines/orders.yml <<'YML'
source: {type: csv, path: orders.csv}
checks:
  - not_null: {column: email, on_fail: alert}
  - length: {column: email, max: 8, severity: warn}
  - row_count: {min: 1}
sinks: [{type: sqlite, table: orders, mode: full_refresh}]
YML
printf 'id,email\n1,\n2,b@x.io\n3,\n' > p/orders.csv
assert_exit 0 "$SLUICE" -C p run orders
printf 'id,email\n1,a@x.io\n2,b@x.io\n3,\n4,longer@example.com\n' > p/orders.csv
assert_exit 0 "$SLUICE" -C p run orders
assert_exit 0 "$SLUICE" -C p --json history
cp "$T/out" history.json

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>"$T/serve.log" & pid=$!
wait_for 20 curl -sf "$URL/healthz" && ok || fail "daemon did not come up: $(tail -5 "$T/serve.log")"
assert_eq "bad status" "$(http GET "$URL/api/v1/checks?status=bogus")" 400
assert_contains "bad status says" "status must be pass, warn, fail or error" "$T/body"
assert_eq "bad limit" "$(http GET "$URL/api/v1/checks?limit=0")" 400
assert_eq "bad incident status" "$(http GET "$URL/api/v1/incidents?status=shut")" 400
assert_eq "POST checks" "$(http POST "$URL/api/v1/checks")" 405

/usr/bin/python3 - "$URL" <<'PY' && ok || fail "checks over the API and /metrics"
import json, sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families
url = sys.argv[1]
get = lambda p: json.loads(urllib.request.urlopen(url + p).read().decode())
runs = json.load(open("history.json"))["runs"]
assert len(runs) == 2, runs
first, second = runs[1]["run_id"], runs[0]["run_id"]
# history --json: each run with its checks
assert sorted(c["check"] for c in runs[0]["checks"]) == ["length_email", "not_null_email", "row_count"], runs[0]

latest = get("/api/v1/checks")["checks"]
by = {c["check"]: c for c in latest}
assert len(latest) == 3 and set(by) == {"not_null_email", "length_email", "row_count"}, latest
assert all(c["run_id"] == second and c["node"] == "pipeline.gtm.orders" for c in latest), latest
nn = by["not_null_email"]
assert nn["status"] == "fail" and nn["failures"] == 1 and nn["rows"] == 4 and nn["severity"] == "error", nn
assert nn["sample"] == [{"id": 3, "email": None}], nn["sample"]
assert by["length_email"]["status"] == "warn" and by["length_email"]["failures"] == 1, by["length_email"]
assert by["row_count"]["status"] == "pass" and by["row_count"]["observed"] == 4 and by["row_count"]["failures"] is None
assert [c["check"] for c in get("/api/v1/checks?status=fail")["checks"]] == ["not_null_email"]
assert len(get("/api/v1/checks?node=orders")["checks"]) == 3
assert len(get("/api/v1/checks?node=pipeline.gtm.orders&status=warn")["checks"]) == 1
assert get("/api/v1/checks?node=nosuch")["checks"] == []
old = get("/api/v1/checks?run_id=" + first)["checks"]
assert len(old) == 3 and {c["check"]: c["failures"] for c in old}["not_null_email"] == 2, old

run = get("/api/v1/runs/" + first)
assert run["run_id"] == first and run["status"] == "success", run
rc = {c["check"]: c for c in run["checks"]}
assert set(rc) == {"not_null_email", "length_email", "row_count"}, run["checks"]
assert rc["not_null_email"]["sample"] == [{"id": 1, "email": None}, {"id": 3, "email": None}], rc["not_null_email"]
assert rc["length_email"]["status"] == "pass", rc["length_email"]

inc = get("/api/v1/incidents?status=open")["incidents"]
assert sorted(i["key"] for i in inc) == ["check|pipeline.gtm.orders|length_email",
                                         "check|pipeline.gtm.orders|not_null_email"], inc
assert {i["key"]: i["occurrences"] for i in inc}["check|pipeline.gtm.orders|not_null_email"] == 2, inc
assert get("/api/v1/incidents?status=closed")["incidents"] == []

text = urllib.request.urlopen(url + "/metrics").read().decode()
fams = {f.name: f for f in text_string_to_metric_families(text)}
val = lambda fam, name, **lab: [s.value for s in fams[fam].samples
                                if s.name == name and all(s.labels.get(k) == v for k, v in lab.items())]
node = "pipeline.gtm.orders"
assert fams["sluice_check_status"].type == "gauge"
assert val("sluice_check_status", "sluice_check_status", node=node, check="not_null_email", kind="not_null", severity="error") == [2]
assert val("sluice_check_status", "sluice_check_status", node=node, check="length_email", kind="length", severity="warn") == [1]
assert val("sluice_check_status", "sluice_check_status", node=node, check="row_count", kind="row_count", severity="error") == [0]
assert val("sluice_check_failures", "sluice_check_failures", node=node, check="not_null_email") == [1]
assert val("sluice_check_failures", "sluice_check_failures", node=node, check="length_email") == [1]
assert val("sluice_check_failures", "sluice_check_failures", node=node, check="row_count") == []  # not row-level
assert fams["sluice_check_failed"].type == "counter"
assert val("sluice_check_failed", "sluice_check_failed_total", node=node, check="not_null_email") == [2]
assert val("sluice_check_failed", "sluice_check_failed_total", node=node, check="length_email") == [0]
assert val("sluice_incidents_open", "sluice_incidents_open", kind="check_failure") == [2]
assert val("sluice_incidents_open", "sluice_incidents_open", kind="freshness") == [0]
print("checks, runs, incidents and metrics ok")
PY
kill -TERM $pid; wait $pid || true; pid=
finish
