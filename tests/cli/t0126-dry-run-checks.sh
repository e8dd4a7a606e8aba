# t0126: `sluice run --dry-run` evaluates no data-quality check (it loads
# nothing; docs/quality/pipelines.md) and says so, so that a clean dry run
# is not read as passing checks: a line per pipeline naming its checks,
# "checks": {"count", "evaluated": false} in the --json plan, and nothing
# recorded (no check result, no incident). The same data run for real
# fails the checks: the dry run's silence was not a pass.
. "$SRC/tests/cli/lib.sh"
assert_exit 0 "$SLUICE" init p
rm -f p/pipelines/*.yml
mkdir -p p/data
printf 'id,email\n1,\n2,b@x.io\n' > p/data/in.csv
cat > p/pipelines/orders.yml <<'YML'
source: {type: csv, path: data/in.csv}
checks:
  - not_null: {column: email}
  - row_count: {min: 5}
sinks: [{type: sqlite, table: orders, commit: run}]
YML
printf 'source: {type: csv, path: data/in.csv}\nsinks: [{type: sqlite, table: plain}]\n' > p/pipelines/plain.yml

assert_exit 0 "$SLUICE" -C p run orders plain --dry-run
assert_contains "said" "orders: 2 checks not evaluated in a dry run (nothing is loaded): not_null_email, row_count" "$T/err"
if grep -q "plain: .*not evaluated" "$T/err"; then fail "a pipeline without checks named"; else ok; fi
# nothing was loaded: the summary says what would be (it said "loaded 2")
assert_contains "would load" "plain: success  read 2, would load 2, filtered 0, rejected 0" "$T/err"
assert_exit 0 "$SLUICE" -C p --json run orders --dry-run
python3 - "$T/out" <<'PY' && ok || fail "plan: $(cat "$T/out")"
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
assert r["run_id"] == "dry-run", r
assert r["plan"]["checks"] == {"count": 2, "evaluated": False}, r["plan"]
assert r["dry_run"] is True, r
PY
# nothing recorded for them
assert_exit 0 "$SLUICE" -C p --json history --incidents
assert_eq "no incident" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d.get("incidents", [])))' "$T/out")" 0
# for real, the same rows fail both checks
assert_exit 1 "$SLUICE" -C p run orders
assert_contains "real run checks" "not_null_email" "$T/err"
assert_exit 0 "$SLUICE" -C p --json history --incidents
assert_eq "incidents now" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d.get("incidents", [])))' "$T/out")" 2
finish
