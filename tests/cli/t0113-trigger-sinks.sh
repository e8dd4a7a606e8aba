#!/bin/sh
# t0113: the trigger sinks (sinks/trigger.h) against tests/alerts/receiver.py.
# email: one message per row its where takes, over STARTTLS with AUTH from
# ${ENV}; recipients, subject (RFC 2047 when not ASCII) and body rendered;
# a body line starting with '.' arrives as written (dot-stuffing once);
# Message-ID <event id@sluice>; a rerun sends nothing again; a crash after
# a message was accepted and before its record (sink.after_send) resends
# exactly that message, with the same Message-ID, and no other; a crash
# before the batch's position commit resends nothing; a 550 sends the row
# to the DLQ, so does a value that would add a recipient; a server that
# cannot be reached fails the run after the
# attempts. slack: text and blocks rendered, a 429 then success (one
# message, sent twice, Retry-After honoured), a 400 to the DLQ, a rerun
# sends nothing again.
. "$SRC/tests/cli/lib.sh"
rpid=
trap '[ -n "$rpid" ] && kill $rpid 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p rx
openssl req -x509 -newkey rsa:2048 -nodes -keyout rx/key.pem -out rx/cert.pem -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 2>/dev/null
python3 "$SRC/tests/alerts/receiver.py" rx & rpid=$!
wait_for 10 test -s rx/smtp.port && ok || fail "receiver did not start"
HP=$(cat rx/http.port); SP=$(cat rx/smtp.port)
export SMTP_URL="smtp://127.0.0.1:$SP" SMTP_PASSWORD=smtp-pass-789 CA_FILE="$T/rx/cert.pem"
export SLACK_HOOK="http://127.0.0.1:$HP/services/fail-1-429/T1/hook-secret-abc"

cat > ev.jsonl <<'J'
{"user_id": "u1", "kind": "activated", "name": "Ada", "email": "ada@example.com", "plan": "pro"}
{"user_id": "u2", "kind": "page", "name": "Bob", "email": "bob@example.com", "plan": "free"}
{"user_id": "u3", "kind": "activated", "name": "Zoë", "email": "zoe@example.com", "plan": "free"}
{"user_id": "u4", "kind": "activated", "name": "Cy", "email": "reject@example.com", "plan": "pro"}
{"user_id": "u5", "kind": "activated", "name": "Di", "email": "di@example.com", "plan": "pro"}
{"user_id": "u6", "kind": "page", "name": "Ed", "email": "ed@example.com", "plan": "pro"}
{"user_id": "u7", "kind": "activated", "name": "Flo", "email": "flo@example.com", "plan": "team"}
{"user_id": "u8", "kind": "activated", "name": "Gil", "email": "gil@example.com>, evil@example.com", "plan": "free"}
J
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
pipeline() { # NAME URL: the email pipeline (name: the sink's state)
  cat > p/pipelines/$1.yml <<YML
source: {type: jsonl, path: $T/ev.jsonl}
batch_rows: 2
sinks:
  - type: email
    where: "kind = 'activated'"
    url: "$2"
    starttls: true
    ca_file: "\${CA_FILE}"
    username: sluice
    password: "\${SMTP_PASSWORD}"
    from: "Product <product@example.com>"
    to: "{{ name }} <{{ email }}>, cs@example.com"
    subject: "Welcome, {{ name }}"
    body: |
      Hi {{ name }},
      your {{ plan }} plan is active.
      .{{ user_id }}
    headers: {X-Plan: "{{ plan }}"}
    key: [user_id, kind]
    attempts: 2
    backoff: 10ms
YML
}
mails() { # EXPR...: python expressions over ms (the mail.jsonl entries), one printed per line
  python3 - "$@" <<'PY'
import json, os, re, sys, email, email.header
ms = [json.loads(l) for l in open("rx/mail.jsonl")] if os.path.exists("rx/mail.jsonl") else []
def subject(m):
    msg = email.message_from_string(m["data"])
    return str(email.header.make_header(email.header.decode_header(msg["Subject"])))
def mid(m):
    return email.message_from_string(m["data"])["Message-ID"]
def body(m):
    return email.message_from_string(m["data"]).get_payload().replace("\r", "")
for e in sys.argv[1:]:
    print(eval(e))
PY
}

# 1. one run: four messages (u1 u3 u5 u7), u4 refused for good (550) -> DLQ
pipeline welcome "\${SMTP_URL}"
"$SLUICE" -C p run welcome >"$T/out" 2>"$T/err" || fail "run: $(cat "$T/err")"
assert_contains "accounting" "read 8, loaded 4, filtered 2, rejected 2" "$T/err"
assert_eq "messages" "$(mails 'len(ms)' '[m["to"] for m in ms][0]' '(ms[0]["from"], ms[0]["tls"], ms[0]["auth"])' \
  '[subject(m) for m in ms]' '"=?UTF-8?B?" in ms[1]["data"]' 'repr(body(ms[0]))' \
  'email.message_from_string(ms[0]["data"])["X-Plan"]' \
  'all(re.fullmatch(r"<[0-9a-f]{32}@sluice>", mid(m)) for m in ms) and len(set(map(mid, ms))) == 4')" \
"4
['ada@example.com', 'cs@example.com']
('product@example.com', True, ['sluice', 'smtp-pass-789'])
['Welcome, Ada', 'Welcome, Zoë', 'Welcome, Di', 'Welcome, Flo']
True
'Hi Ada,\\nyour pro plan is active.\\n.u1\\n'
pro
True"
assert_eq "dlq" "$(q p/.sluice/state.db "select line, stage, reason from dlq order by line")" \
"4|email|email: the server refused the message: SMTP: Failed sending data to the peer (reply 550)
8|email|email: recipient 'Gil <gil@example.com>, evil@example.com>' is not one address"
# 2. a rerun (a new epoch reads the file again): nothing is sent twice
"$SLUICE" -C p run welcome >"$T/out" 2>"$T/err" || fail "rerun: $(cat "$T/err")"
assert_eq "rerun sends nothing" "$(wc -l < rx/mail.jsonl)" 4
assert_eq "rerun: one sync record per event sent" "$(q p/.sluice/state.db "select count(*) from sync_records where pipeline = 'welcome'")" 4
rm rx/mail.jsonl

# 3. a crash after the 2nd message was accepted, before its record: the
# rerun sends that message again (same Message-ID) and the rest once
pipeline crash1 "\${SMTP_URL}"
set +e
SLUICE_FAILPOINTS="sink.after_send=crash@2" "$SLUICE" -C p -q run crash1 >/dev/null 2>&1
set -e
assert_eq "crash: sent before the crash" "$(wc -l < rx/mail.jsonl)" 2
"$SLUICE" -C p run crash1 >"$T/out" 2>"$T/err" || fail "crash rerun: $(cat "$T/err")"
assert_eq "crash: Zoë's twice (the window), with the same Message-ID" \
  "$(mails '[subject(m) for m in ms]' 'mid(ms[1]) == mid(ms[2]) and len(set(map(mid, ms))) == 4')" \
  "['Welcome, Ada', 'Welcome, Zoë', 'Welcome, Zoë', 'Welcome, Di', 'Welcome, Flo']
True"
rm rx/mail.jsonl

# 4. a crash before the position commit of the 2nd batch (its messages
# recorded): the rerun sends none of them again
pipeline crash2 "\${SMTP_URL}"
set +e
SLUICE_FAILPOINTS="sink.before_checkpoint=crash@2" "$SLUICE" -C p -q run crash2 >/dev/null 2>&1
set -e
assert_eq "crash2: sent before the crash" "$(wc -l < rx/mail.jsonl)" 2
"$SLUICE" -C p run crash2 >"$T/out" 2>"$T/err" || fail "crash2 rerun: $(cat "$T/err")"
assert_eq "crash2: each once" "$(mails '[subject(m) for m in ms]')" \
  "['Welcome, Ada', 'Welcome, Zoë', 'Welcome, Di', 'Welcome, Flo']"
rm rx/mail.jsonl

# 5. a server that cannot be reached: the run fails after the attempts
DEAD=$(free_port)
pipeline dead "smtp://127.0.0.1:$DEAD"
assert_exit 1 "$SLUICE" -C p run dead
assert_contains "dead server" "after 2 tries; the next run sends the rest" "$T/err"
if grep -q smtp-pass-789 "$T/err" "$T/out"; then fail "the SMTP password in the output"; else ok; fi

# 6. slack: a 429 (Retry-After: 1) then 200; text and blocks rendered; a
# message Slack refuses (400) to the DLQ; a rerun sends nothing
cat > p/pipelines/notify.yml <<'YML'
source: {type: jsonl, path: ev.jsonl}
sinks:
  - type: slack
    where: "kind = 'activated' and plan <> 'free'"
    webhook_url: "${SLACK_HOOK}"
    text: "{{ name }} activated ({{ plan }})"
    blocks: '[{"type": "section", "text": {"type": "mrkdwn", "text": {{ name }}}}]'
    backoff: 10ms
YML
cp ev.jsonl p/
"$SLUICE" -C p run notify >"$T/out" 2>"$T/err" || fail "slack run: $(cat "$T/err")"
assert_contains "slack accounting" "read 8, loaded 4, filtered 4, rejected 0" "$T/err"
assert_eq "slack requests" "$(python3 -c '
import json
rs = [json.loads(l) for l in open("rx/http.jsonl")]
print([(r["code"], json.loads(r["body"])["text"]) for r in rs])
print(json.loads(rs[1]["body"])["blocks"])')" \
"[(429, 'Ada activated (pro)'), (200, 'Ada activated (pro)'), (200, 'Cy activated (pro)'), (200, 'Di activated (pro)'), (200, 'Flo activated (team)')]
[{'type': 'section', 'text': {'type': 'mrkdwn', 'text': 'Ada'}}]"
"$SLUICE" -C p run notify >"$T/out" 2>"$T/err" || fail "slack rerun: $(cat "$T/err")"
assert_eq "slack rerun sends nothing" "$(wc -l < rx/http.jsonl)" 5
if grep -q hook-secret-abc "$T/err" "$T/out"; then fail "the webhook URL in the output"; else ok; fi
sed -i 's#webhook_url: .*#webhook_url: "http://127.0.0.1:'"$HP"'/services/fail-9-400/x"#; s#notify#refused#' p/pipelines/notify.yml
mv p/pipelines/notify.yml p/pipelines/refused.yml
"$SLUICE" -C p run refused >"$T/out" 2>"$T/err" || fail "slack 400 run: $(cat "$T/err")"
assert_contains "slack 400" "read 8, loaded 0, filtered 4, rejected 4" "$T/err"
assert_eq "slack 400: dlq" "$(q p/.sluice/state.db "select count(*), min(reason like '%refused%400%') from dlq where pipeline = 'refused'")" "4|1"
finish
