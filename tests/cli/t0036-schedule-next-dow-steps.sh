# t0036: `sluice schedule next` on weekday N/STEP (runs to 7, Sunday, as
# cron(5)'s N-7/STEP and croniter: 6/1 is Saturday and Sunday), checked
# against croniter; an expression that never fires (0 0 31 4 *) is refused
# with validate's message and exit 2, not answered with an empty list.
. "$SRC/tests/cli/lib.sh"

# sluice against croniter for the weekday steps from a start value
for e in "0 0 * * 6/1" "0 0 * * 1/2" "30 6 * * sat/1" "0 12 * * 5/3" "0 0 * * 0/3" "0 0 * * 7/1"; do
  expect=$(/usr/bin/python3 -c '
import datetime, sys
from croniter import croniter
it = croniter(sys.argv[1], datetime.datetime(2026, 1, 1))
print(" ".join(it.get_next(datetime.datetime).strftime("%Y-%m-%dT%H:%M:%SZ") for _ in range(6)))' "$e")
  assert_exit 0 "$SLUICE" schedule next "$e" --from 2026-01-01T00:00:00Z --count 6
  assert_eq "$e as croniter" "$(cut -d' ' -f1 "$T/out" | tr '\n' ' ')" "$expect "
done
# the plain values, so the check does not rest on croniter alone (2026-01-01 is a Thursday)
assert_exit 0 "$SLUICE" schedule next "0 0 * * 6/1" --from 2026-01-01T00:00:00Z --count 4
assert_eq "6/1 is Sat and Sun" "$(cut -d' ' -f1 "$T/out" | tr '\n' ' ')" \
  "2026-01-03T00:00:00Z 2026-01-04T00:00:00Z 2026-01-10T00:00:00Z 2026-01-11T00:00:00Z "

# never fires: refused, the message validate gives
assert_exit 2 "$SLUICE" schedule next "0 0 31 4 *"
assert_contains "never fires" "invalid schedule: '0 0 31 4 *' never fires (no date matches it)" "$T/err"
[ ! -s "$T/out" ] && ok || fail "printed fire times for an expression that never fires: $(cat "$T/out")"
assert_exit 2 "$SLUICE" --json schedule next "0 0 30 2 *"
assert_contains "json error" '"code":"usage","message":"invalid schedule: '"'"'0 0 30 2 *'"'"' never fires' "$T/out"
# the same expression in a pipeline: validate's message
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
printf 'source: {type: csv, path: x.csv}\nsinks: [{type: stdout}]\nschedule: "0 0 31 4 *"\n' > p/pipelines/x.yml
assert_exit 2 "$SLUICE" -C p validate
assert_contains "validate says the same" "schedule: '0 0 31 4 *' never fires (no date matches it)" "$T/err"
# the leap day still fires
assert_exit 0 "$SLUICE" schedule next "0 0 29 2 *" --from 2026-01-01T00:00:00Z --count 1
assert_eq "leap day" "$(cut -d' ' -f1 "$T/out")" "2028-02-29T00:00:00Z"
finish
