# t0125: what `sluice validate` (and `run`, `serve` at load) says about two
# things it used to let through:
#   - the {{ column }} templates of the trigger sinks (email to/subject/
#     body/headers, slack text/blocks; sinks/template.h): a '{{' never
#     closed, an empty {{ }}, a '{{' inside a tag are configuration errors
#     (exit 2) at the option's file:line:col; a name no column of the rows
#     that reach the sink has is an unknown column (exit 1, "did you mean",
#     like every column validate checks);
#   - two endpoints of `sluice serve` on one HTTP path (stream/ingest.h):
#     two webhooks, a webhook inside a Segment API's <prefix>/v1/, a
#     Segment API on serve's own /api/v1/: exit 2 at the source's
#     path:/path_prefix:, naming both pipelines. Own listen: addresses do
#     not conflict.
. "$SRC/tests/cli/lib.sh"
assert_exit 0 "$SLUICE" init p
rm -f p/pipelines/*.yml
mkdir -p p/data
printf 'id,email,name\n1,a@x.io,Ann\n' > p/data/in.csv

# ---- templates ---------------------------------------------------------------
cat > p/pipelines/mail.yml <<'YML'
source: {type: csv, path: data/in.csv}
sinks:
  - type: email
    url: smtp://127.0.0.1:2525
    from: a@example.com
    to: "{{ email }"
    subject: "Hi {{ name }}"
    body: "Hello {{ }}"
    headers: {Reply-To: "{{ name }}"}
  - type: slack
    webhook_url: http://127.0.0.1:1/x
    text: "{{ id reached {{ name }}"
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "unclosed tag" "mail.yml:6:10: sink email, to: '{{' at character 1 is never closed by '}}'" "$T/err"
assert_contains "empty tag" "mail.yml:8:12: sink email, body: the {{ }} at character 7 names no column" "$T/err"
assert_contains "tag in a tag" "mail.yml:12:12: sink slack, text: '{{' at character 1 is not closed before the next '{{'" "$T/err"
# and at load for a run: nothing is sent
assert_exit 2 "$SLUICE" -C p run mail
assert_contains "run refuses it" "is never closed by '}}'" "$T/err"

# well-formed, but naming columns the rows do not have: unknown columns
cat > p/pipelines/mail.yml <<'YML'
source: {type: csv, path: data/in.csv}
sinks:
  - type: email
    url: smtp://127.0.0.1:2525
    from: a@example.com
    to: "{{ email }}"
    subject: "Hi {{ nam }}"
    body: "Hello {{ name }}"
    headers: {Reply-To: "{{ owner }}"}
YML
assert_exit 1 "$SLUICE" -C p validate
assert_contains "unknown variable" "mail.yml:7:21: sink email, subject: no column 'nam'; did you mean 'name'?" "$T/err"
assert_contains "unknown in a header" "sink email, headers: Reply-To: no column 'owner'" "$T/err"
sed -i 's/{{ nam }}/{{ name }}/; s/{{ owner }}/{{ email }}/' p/pipelines/mail.yml
assert_exit 0 "$SLUICE" -C p validate
rm p/pipelines/mail.yml

# ---- one path, two endpoints ---------------------------------------------------
printf 'source: {type: webhook, path: /same}\nsinks: [{type: sqlite, table: a}]\n' > p/pipelines/a.yml
printf 'source:\n  type: webhook\n  path: /same\nsinks: [{type: sqlite, table: b}]\n' > p/pipelines/b.yml
assert_exit 2 "$SLUICE" -C p validate
assert_contains "two webhooks" "b.yml:3:9: pipelines 'a' and 'b' both take the path /same on serve's listener ('a' at $T/p/pipelines/a.yml:1:31)" "$T/err"
assert_exit 2 "$SLUICE" -C p run a
assert_contains "run refuses it" "both take the path /same" "$T/err"
# its own listener: no conflict
sed -i 's|path: /same|path: /same\n  listen: "127.0.0.1:7001"|' p/pipelines/b.yml
assert_exit 0 "$SLUICE" -C p validate
# a webhook inside a Segment API's paths, a Segment API on serve's own
printf 'source: {type: segment, write_key: k, path_prefix: /seg}\nsinks: [{type: sqlite, table: s}]\n' > p/pipelines/s.yml
printf 'source: {type: webhook, path: /seg/v1/track}\nsinks: [{type: sqlite, table: t}]\n' > p/pipelines/t.yml
printf 'source: {type: segment, write_key: k, path_prefix: /api}\nsinks: [{type: sqlite, table: u}]\n' > p/pipelines/u.yml
assert_exit 2 "$SLUICE" -C p validate
assert_contains "webhook in a segment API" "t.yml:1:31: pipelines 's' and 't' both take the path /seg/v1/track" "$T/err"
assert_contains "segment on serve's API" "u.yml:1:52: pipeline 'u' takes the path /api/v1/..., which is sluice serve's own" "$T/err"
rm p/pipelines/t.yml p/pipelines/u.yml
assert_exit 0 "$SLUICE" -C p validate
finish
