#!/bin/sh
# t0135: the http (reverse ETL) sink's {{ }} templates are checked at load
# as the email and slack sinks' are (t0125): an unclosed '{{' in a path or
# a body was sent as it is. And its "mode ... needs" errors name the
# sink's place when `mode` is the default (they said <config>:0:0).
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines
echo "name: t135" > p/sluice.yml
printf 'id,email\n1,a@x.io\n' > in.csv
cat > p/pipelines/bad.yml <<YML
source: {type: csv, path: $T/in.csv}
sinks:
  - type: http
    url: https://api.example.com
    key: [id]
    path: /contacts/{{ id
    update_path: /contacts/{{ dest_id }}
    body: '{"email": {{ email }}, "n": {{ name }'
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "path" "pipelines/bad.yml:6:11: sink http, path: '{{' at character 11 is never closed by '}}'" "$T/err"
assert_contains "body" "pipelines/bad.yml:8:12: sink http, body: '{{' at character 29 is never closed by '}}'" "$T/err"
assert_exit 2 "$SLUICE" -C p run bad
assert_contains "run refuses it too" "is never closed by '}}'" "$T/err"
rm p/pipelines/bad.yml
cat > p/pipelines/nomode.yml <<YML
source: {type: csv, path: $T/in.csv}
sinks:
  - type: http
    url: https://api.example.com
    key: [id]
    path: /contacts
    body: '{"email": {{ email }}}'
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "the default mode's error has a place" "pipelines/nomode.yml:3:5: mode upsert needs update_path" "$T/err"
# a JSON body whose tag is followed by the object's own braces is fine
cat > p/pipelines/nomode.yml <<YML
source: {type: csv, path: $T/in.csv}
sinks:
  - type: http
    url: https://api.example.com
    key: [id]
    path: /contacts
    update_path: /contacts/{{ dest_id }}
    body: '{"email": {{ email }}, "p": {"id": {{ id }}}}'
YML
assert_exit 0 "$SLUICE" -C p validate
finish
