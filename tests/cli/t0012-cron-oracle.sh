# t0012: `sluice schedule next` against croniter (random expressions), plus
# what the command line promises: a caret under a bad field and exit 2, DST
# behaviour in Europe/Berlin, a pipeline's own schedule and time zone.
# CRONS (default 400, 100 under ASan) random expressions.
. "$SRC/tests/cli/lib.sh"

# 400 random expressions, each a run of the binary; under ASan (0.6 s a start
# on a busy 2-core machine against 0.15 s) the first 100 of the same seeded
# sequence: the release pass compares all 400 with croniter
if ldd "$SLUICE" 2>/dev/null | grep -q libasan; then CRONS=${CRONS:-100}; else CRONS=${CRONS:-400}; fi
/usr/bin/python3 "$SRC/tests/cli/cron_oracle.py" "$SLUICE" "$CRONS" "${CRON_SEED:-1}" >"$T/oracle" 2>&1 \
  && ok || fail "cron oracle: $(tail -20 "$T/oracle")"
grep "cron oracle:" "$T/oracle"

assert_exit 2 "$SLUICE" schedule next "0 6 * * mun"
assert_contains "bad field named" "day-of-week field: expected a number (0-7 or sun-sat), '*' or a list, found 'mun'" "$T/err"
assert_contains "caret under it" "          ^" "$T/err"
assert_exit 2 "$SLUICE" --json schedule next "61 * * * *"
assert_contains "json error" '"code":"usage"' "$T/out"

# the skipped 02:30 of 2026-03-29 fires once at 03:00 CEST; the repeated one of 10-25 once
assert_exit 0 "$SLUICE" schedule next "30 2 * * *" --timezone Europe/Berlin --from "2026-03-28 12:00" --count 2
assert_eq "spring forward" "$(cut -d' ' -f1 "$T/out" | tr '\n' ' ')" "2026-03-29T03:00:00+02:00 2026-03-30T02:30:00+02:00 "
assert_exit 0 "$SLUICE" schedule next "30 2 * * *" --timezone Europe/Berlin --from 2026-10-24T12:00:00Z --count 2
assert_eq "fall back" "$(cut -d' ' -f1 "$T/out" | tr '\n' ' ')" "2026-10-25T02:30:00+02:00 2026-10-26T02:30:00+01:00 "
assert_exit 0 "$SLUICE" --json schedule next "every 15m" --from 2026-01-01T00:07:00Z --count 2
assert_contains "every" '"utc":"2026-01-01T00:15:00Z","unix":1767226500},{"local":"2026-01-01T00:30:00Z"' "$T/out"

# a pipeline's schedule, in its time zone
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
cat > p/pipelines/daily.yml <<'YML'
source: {type: csv, path: x.csv}
sinks: [{type: stdout}]
schedule: "0 6 * * 1-5"
timezone: America/New_York
YML
assert_exit 0 "$SLUICE" -C p schedule next daily --from 2026-11-20T12:00:00Z --count 2
assert_eq "pipeline schedule" "$(cut -d' ' -f1 "$T/out" | tr '\n' ' ')" "2026-11-23T06:00:00-05:00 2026-11-24T06:00:00-05:00 "
assert_exit 2 "$SLUICE" -C p schedule next nosuch
assert_contains "unknown pipeline" "no pipeline called 'nosuch'" "$T/err"

# a bad schedule in a pipeline file: file:line:col at the bad field
cat > p/pipelines/daily.yml <<'YML'
source: {type: csv, path: x.csv}
sinks: [{type: stdout}]
schedule: "0 6 * * mun"
timezone: Europe/Berln
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "cron error position" "pipelines/daily.yml:3:20: schedule: day-of-week field" "$T/err"
assert_contains "time zone" "pipelines/daily.yml:4:11: unknown time zone 'Europe/Berln'" "$T/err"
finish
