#!/bin/sh
# t0074: a pipeline's `checks:` are validated like every option: each of
# the three spellings loads, unknown kinds and arguments get a "did you
# mean" at file:line:col, ill-typed values and missing arguments are named,
# quarantine of an aggregate and duplicate names are refused; `sluice help
# checks` lists every kind with its arguments.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data
echo "name: p" > p/sluice.yml
printf 'id,email,code\n1,a@x.com,AB-1\n' > p/data/c.csv
cat > p/pipelines/good.yml <<'YML'
source: {type: csv, path: data/c.csv}
sinks:
  - {type: sqlite, table: contacts}
checks:
  - row_count
  - not_null: email
  - {kind: null_rate, column: email, max: 5%}
  - type: unique
    columns: [id]
  - regex:
      arguments: {column: code, pattern: '^AB-[0-9]+$'}
      config: {severity: warn}
  - format: {column: email, format: email, on_fail: quarantine}
  - row_count_change: {max: 20%, against: mean, runs: 7}
YML
assert_exit 0 "$SLUICE" -C p validate

cat > p/pipelines/bad.yml <<'YML'
source: {type: csv, path: data/c.csv}
sinks:
  - {type: sqlite, table: contacts}
checks:
  - not_nul: email
  - accepted_values: {column: code, vals: [a]}
  - null_rate: {column: email, max: 20}
  - null_rate: {column: email, max: 0.1, on_fail: quarantine}
  - regex: {column: code, pattern: "a(b"}
  - format: {column: email, format: emial}
  - freshness: {column: ts, warn_after: soon}
  - row_count
  - row_count
YML
assert_exit 2 "$SLUICE" -C p validate
F="$T/p/pipelines/bad.yml"
assert_eq "diagnostics" "$(cat "$T/err")" "$F:5:5: unknown check kind 'not_nul'; did you mean 'not_null'?
$F:6:5: check accepted_values needs values:
$F:6:37: check accepted_values: unknown argument 'vals'; did you mean 'values'?
$F:7:37: check null_rate: max must be a share between 0 and 1 (or a percentage like 20%), not '20'
$F:8:5: check null_rate: on_fail: quarantine needs a row-level check (not_null, unique, accepted_values, regex, range, length, format, expression); null_rate is an aggregate
$F:9:5: check regex: pattern 'a(b' is not a valid regular expression: missing closing parenthesis at offset 3
$F:10:37: check format: format 'emial' is not one of email|e164|iso_country|iso_currency|url|uuid|date; did you mean 'email'?
$F:11:41: check freshness: warn_after: 'soon' is not a duration (30m, 6h, 1d)
$F:13:5: two checks are named 'row_count' (the other at line 12); give one a name:"

# --json gives the same problems with their positions
assert_exit 2 "$SLUICE" -C p --json validate
assert_contains "json position" '"line":6,"column":37,"message":"check accepted_values: unknown argument '"'"'vals'"'"'; did you mean '"'"'values'"'"'?"' "$T/out"

# help
assert_exit 0 "$SLUICE" help checks
for k in not_null null_rate required_columns unique duplicate_rate accepted_values regex range length format \
         relationships expression equal_aggregates row_count_match row_count row_count_change freshness schema sql; do
  assert_contains "kind $k" "  $k " "$T/out"
  assert_contains "docs of $k" "**\`$k\`**" "$SRC/docs/quality/checks.md"
done
# every argument `sluice help checks` lists is in the docs
sed -n '/^arguments:/,$p' "$T/out" | awk 'NF {print $1}' | grep -v '^arguments:' > args.txt
[ "$(wc -l < args.txt)" -ge 25 ] && ok || fail "only $(wc -l < args.txt) arguments listed"
while read -r a; do assert_contains "docs of argument $a" "\`$a\`" "$SRC/docs/quality/checks.md"; done < args.txt
assert_contains "arguments" "arguments: column, values, quote, where, max_failures, max_failure_rate" "$T/out"
assert_exit 0 "$SLUICE" help
assert_contains "help points to checks" "'sluice help checks'" "$T/out"
assert_exit 0 "$SLUICE" help pipeline
assert_contains "pipeline key" "checks" "$T/out"
finish
