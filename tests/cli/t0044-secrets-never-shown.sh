# t0044: no secret reaches any output channel in any encoding (case 43,
# issue #11 item 4). A distinct secret sits in every place one can be given
# (api_key in the query and in a header, bearer, basic password, the OAuth
# client secret and the access and refresh tokens the API hands out at run
# time, a ${VAR} under headers:, a ${VAR} named like a token in params:,
# the alert webhook's URL token, the API's bearer token), each holding
# + / = & % quotes and non-ASCII. An API that echoes every request (headers,
# query, body) into its error answers and into a record (tests/http/
# echo_secrets.py) sends them all back. Failing and succeeding pipelines run
# at -v, --json, --log-format=json, --dry-run, under `sluice serve` (API,
# /metrics) with alerts to a local receiver; then every channel (stdout,
# stderr, history, DLQ, state show, the warehouse and state store dumps,
# API answers, alert payloads) is searched for every form of every secret:
# raw, URL-encoded (%20 and +, upper- and lower-case hex, '/' kept), JSON-
# escaped (ASCII and UTF-8), the Latin-1 misreading of header bytes, the
# Basic base64; and for each secret's start and end marker alone.
. "$SRC/tests/cli/lib.sh"
epid=; rpid=; spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; [ -n "$epid" ] && kill $epid 2>/dev/null;
      [ -n "$rpid" ] && kill $rpid 2>/dev/null; rm -rf "$T"' EXIT

# every secret: Mxx_ start marker, the hard characters, _xxM end marker
S='+/=&%"'"'"' é☃😀 '
export API_KEY_Q="Mkq1_${S}key_q1M" API_KEY_H="Mkh2_${S}key_h2M" BEARER_TOKEN="Mbt3_${S}bearer_3M"
export BASIC_PASSWORD="Mbp4_${S}basic_4M" OAUTH_CLIENT_SECRET="Moc5_${S}client_5M"
export ACCESS_TOKEN="Mat6_${S}access_6M" REFRESH_TOKEN="Mrt7_${S}refresh_7M"
export HDR_VALUE="Mhv8_${S}header_8M" PARAM_TOKEN="Mpt9_${S}param_9M" HOOK_TOKEN="Mht10_hook-x+y=z_10M"
export SLUICE_API_TOKEN="Mat11_api_token_11M"
# the key of case 43 ends in '%': a partly redacted "%25" would leave "25"
export CASE_KEY='SECRET2+k/y=&q%'

mkdir -p echo rx p/pipelines p/data out
EP=$(free_port)
python3 "$SRC/tests/http/echo_secrets.py" "$EP" echo & epid=$!
python3 "$SRC/tests/alerts/receiver.py" rx & rpid=$!
wait_for 10 test -e echo/ready && ok || fail "echo server did not start"
wait_for 10 test -s rx/smtp.port && ok || fail "alert receiver did not start"
export ECHO="http://127.0.0.1:$EP" RX="http://127.0.0.1:$(cat rx/http.port)"

cat > p/sluice.yml <<'YML'
name: sec
alerts:
  channels:
    - {name: hook, type: webhook, url: "${RX}/hook/${HOOK_TOKEN}", on: [failure]}
    - {name: slack, type: slack, url: "${RX}/slack/${HOOK_TOKEN}", on: [failure]}
YML
src() { printf 'source: {type: http, url: "${ECHO}", records_path: data, retry: {attempts: 1}, %s}\n' "$1"; }
{ src 'path: /fail, auth: {type: api_key, name: api_key, value: "${API_KEY_Q}", in: query}'
  echo 'sinks: [{type: sqlite, table: q_fail}]'; } > p/pipelines/q_fail.yml
{ src 'path: /fail, auth: {type: api_key, name: k, value: "${CASE_KEY}", in: query}'
  echo 'sinks: [{type: sqlite, table: case_key}]'; } > p/pipelines/case_key.yml
{ src 'path: /ok, auth: {type: api_key, name: X-Api-Key, value: "${API_KEY_H}"}'
  echo 'sinks: [{type: sqlite, table: h_ok}]'; } > p/pipelines/h_ok.yml
{ src 'path: /fail, auth: {type: bearer, token: "${BEARER_TOKEN}"}'
  echo 'sinks: [{type: sqlite, table: bearer_fail}]'; } > p/pipelines/bearer_fail.yml
{ src 'path: /fail, auth: {type: basic, username: bu, password: "${BASIC_PASSWORD}"}'
  echo 'sinks: [{type: sqlite, table: basic_fail}]'; } > p/pipelines/basic_fail.yml
{ src 'path: /fail, auth: {type: oauth2, token_url: "${ECHO}/oauth/token", client_id: cid, client_secret: "${OAUTH_CLIENT_SECRET}"}'
  echo 'sinks: [{type: sqlite, table: oauth_fail}]'; } > p/pipelines/oauth_fail.yml
{ src 'path: /fail, headers: {X-Custom: "${HDR_VALUE}"}, params: {t: "${PARAM_TOKEN}"}'
  echo 'sinks: [{type: sqlite, table: hdr_fail}]'; } > p/pipelines/hdr_fail.yml
# succeeds, with one record (the one carrying the echo) rejected to the DLQ
{ src 'path: /bad, headers: {X-Custom: "${HDR_VALUE}"}, auth: {type: oauth2, token_url: "${ECHO}/oauth/token", client_id: cid, client_secret: "${OAUTH_CLIENT_SECRET}"}, columns: {id: int}'
  echo 'sinks: [{type: sqlite, table: bad_rows}]'; } > p/pipelines/bad_rows.yml
# reverse ETL: the API refuses one record with the echo, which the DLQ keeps
printf 'id,name\n1,ann\n2,reject\n' > p/data/people.csv
cat > p/pipelines/crm.yml <<'YML'
source: {type: csv, path: data/people.csv}
sinks:
  - {type: http, url: "${ECHO}", path: /crm/1, key: [id], mode: create, body: '{"name": {{ name }}}',
     headers: {X-Custom: "${HDR_VALUE}"}, auth: {type: bearer, token: "${BEARER_TOKEN}"}, retry: {attempts: 1}}
YML

# ---- the command line, every output mode
set +e
"$SLUICE" -C p -v run >out/run_v.out 2>out/run_v.err; rc_v=$?
"$SLUICE" -C p --json run >out/run_json.out 2>out/run_json.err
"$SLUICE" -C p --log-format=json -v run bad_rows q_fail >out/run_logjson.out 2>out/run_logjson.err
"$SLUICE" -C p -v run --dry-run h_ok hdr_fail >out/dry.out 2>out/dry.err
"$SLUICE" -C p -v validate >out/validate.out 2>out/validate.err
"$SLUICE" -C p list >out/list.out 2>out/list.err
"$SLUICE" -C p history >out/history.out 2>out/history.err
"$SLUICE" -C p --json history >out/history_json.out 2>out/history_json.err
"$SLUICE" -C p dlq list --wide >out/dlq.out 2>out/dlq.err
"$SLUICE" -C p --json dlq list >out/dlq_json.out 2>out/dlq_json.err
"$SLUICE" -C p state show >out/state.out 2>out/state.err
"$SLUICE" -C p --json state show >out/state_json.out 2>out/state_json.err
"$SLUICE" -C p alert test hook >out/alert_test.out 2>out/alert_test.err
set -e
assert_eq "some pipelines fail" "$rc_v" 1
sqlite3 p/warehouse.db .dump >out/warehouse.sql
sqlite3 p/.sluice/state.db .dump >out/statedb.sql

# the runs did what they should: the secrets reached the API (so the test
# means something) and the rows, the rejects and the failures are there
assert_eq "h_ok loaded" "$(q p/warehouse.db 'SELECT count(DISTINCT id) FROM h_ok')" 3
assert_eq "bad_rows loaded the good record" "$(q p/warehouse.db 'SELECT group_concat(DISTINCT id) FROM bad_rows')" 1
assert_eq "crm delivered one" \
  "$(q p/.sluice/state.db "SELECT group_concat(key || ':' || status) FROM sync_records WHERE pipeline = 'crm'")" "1:synced,2:failed"
assert_eq "the DLQ has the echoed record and the refused one" \
  "$(q p/.sluice/state.db "SELECT group_concat(pipeline, ',') FROM (SELECT DISTINCT pipeline FROM dlq ORDER BY 1)")" "bad_rows,crm"
assert_contains "the DLQ keeps the API's answer (redacted)" 'HTTP 422' out/dlq_json.out
assert_contains "the DLQ keeps the echoed record (redacted)" 'X-Custom' out/dlq_json.out
assert_contains "q_fail failed" "q_fail: failed" out/run_v.err
assert_contains "redacted, not dropped" "api_key=***" out/run_v.err
python3 - echo/requests.jsonl <<'PY' && ok || fail "the secrets did not all reach the API"
import json, os, sys
from urllib.parse import parse_qsl, unquote
seen = []
for l in open(sys.argv[1]):
    r = json.loads(l)
    seen += [unquote(r["path"]), r["body"]] + [v for _, v in parse_qsl(r["body"])]
    seen += list(r["headers"].values()) + [v.encode("latin-1").decode("utf-8", "replace") for v in r["headers"].values()]
seen = "\n".join(seen)
for v in ["API_KEY_Q", "API_KEY_H", "BEARER_TOKEN", "ACCESS_TOKEN", "HDR_VALUE", "PARAM_TOKEN", "CASE_KEY",
          "OAUTH_CLIENT_SECRET"]:
    assert os.environ[v] in seen, v
PY

# ---- serve: the API and /metrics, runs started over HTTP
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT --log-format json 2>out/serve.err >out/serve.out & spid=$!
wait_for 20 curl -sf "$URL/healthz" && ok || fail "serve did not come up: $(tail -5 out/serve.err)"
for pl in q_fail bad_rows hdr_fail; do
  assert_eq "trigger $pl" "$(http POST "$URL/api/v1/pipelines/$pl/runs" -H "Authorization: Bearer $SLUICE_API_TOKEN")" 202
  id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$T/body")
  wait_for 30 sh -c "curl -s '$URL/api/v1/runs/$id' | grep -q '\"status\":\"\(failed\|success\)\"'" \
    && ok || fail "$pl did not finish under serve: $(curl -s "$URL/api/v1/runs/$id")"
done
n=0
for path in /api/v1/pipelines "/api/v1/runs?limit=1000" /metrics; do
  n=$((n + 1)); http GET "$URL$path" >/dev/null; cp "$T/body" out/api_$n.txt
done
for id in $(python3 -c 'import json,sys; print(" ".join(r["run_id"] for r in json.load(open(sys.argv[1]))["runs"]))' out/api_2.txt); do
  http GET "$URL/api/v1/runs/$id" >/dev/null; cp "$T/body" "out/run_$id.json"
done
assert_contains "a run's stored log is served" '"log":"20' "$(ls out/run_*.json | head -1)"
kill $spid; wait $spid 2>/dev/null || true; spid=

# the alerts went out (bodies only: the receiver's log of the URL it was
# called at holds the webhook token by design)
python3 - rx/http.jsonl out/alerts.txt <<'PY' && ok || fail "alerts: $(head -c 400 rx/http.jsonl)"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert any(r["path"].startswith("/hook/") for r in reqs) and any(r["path"].startswith("/slack/") for r in reqs)
assert any('"event": "failure"' in r["body"] or '"event":"failure"' in r["body"] for r in reqs)
with open(sys.argv[2], "w") as f:
    for r in reqs:
        f.write(r["body"] + "\n" + json.dumps(r["headers"]) + "\n")
PY

# ---- every form of every secret, in every channel: 0 hits
python3 - out <<'PY' && ok || fail "a secret leaked"
import base64, json, os, sys
from urllib.parse import quote, quote_plus
names = ["API_KEY_Q", "API_KEY_H", "BEARER_TOKEN", "BASIC_PASSWORD", "OAUTH_CLIENT_SECRET", "ACCESS_TOKEN",
         "REFRESH_TOKEN", "HDR_VALUE", "PARAM_TOKEN", "HOOK_TOKEN", "SLUICE_API_TOKEN", "CASE_KEY"]
def forms(s):
    f = {s, quote(s, safe=""), quote(s, safe="/"), quote_plus(s), json.dumps(s)[1:-1],
         json.dumps(s, ensure_ascii=False)[1:-1], json.dumps(s.encode().decode("latin-1"))[1:-1],
         s.encode().decode("latin-1"), s.replace("'", "''")}
    f |= {x.lower() for x in f if "%" in x}
    return f
needles = {}
for n in names:
    s = os.environ[n]
    for x in forms(s):
        needles[x] = n
    if s.startswith("M"):  # the markers alone: no piece of a secret either
        needles[s.split("_")[0] + "_"] = n + " start"
        needles["_" + s.rsplit("_", 1)[1]] = n + " end"
basic = base64.b64encode(("bu:" + os.environ["BASIC_PASSWORD"]).encode()).decode()
for x in (basic, quote(basic, safe=""), basic.replace("/", "\\/")):
    needles[x] = "BASIC base64"
needles["***25"] = "CASE_KEY's %25 left over"
bad = []
files = sorted(os.listdir(sys.argv[1]))
for fn in files:
    text = open(os.path.join(sys.argv[1], fn), "rb").read().decode("utf-8", "replace")
    for x, n in needles.items():
        if x in text:
            i = text.index(x)
            bad.append(f"{fn}: {n} as {x!r}: ...{text[max(0, i - 80):i + len(x) + 20]!r}")
assert len(files) >= 25, files
for b in bad[:20]:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
finish
