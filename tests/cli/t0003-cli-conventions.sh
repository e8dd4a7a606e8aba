#!/bin/sh
# t0003: --help on every subcommand, --version, --json documents on stdout,
# `sluice help` generated from the option tables, NO_COLOR.
. "$SRC/tests/cli/lib.sh"
for c in init validate run list schedule serve alert history dlq state schema help version; do
  assert_exit 0 "$SLUICE" "$c" --help
  assert_contains "$c --help" "usage: sluice $c" "$T/out"
done
assert_exit 0 "$SLUICE" --version
assert_contains "version" "sluice 0." "$T/out"
assert_exit 0 "$SLUICE" help csv
assert_contains "help csv (source)" "csv source: CSV files" "$T/out"
assert_contains "help csv (sink)" "csv sink:" "$T/out"
assert_contains "option table" "delimiter" "$T/out"
assert_exit 0 "$SLUICE" help pipeline
for k in source transforms sinks on_error batch_rows max_rejected schedule every timezone after timeout retries catchup; do
  assert_contains "help pipeline documents $k" "  $k " "$T/out"
done
assert_exit 0 "$SLUICE" help
assert_contains "help lists dedupe" "dedupe" "$T/out"
assert_exit 2 "$SLUICE" help nosuch
"$SLUICE" init p >/dev/null 2>&1
assert_exit 0 "$SLUICE" -C p --json run
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = d["runs"][0]
keys = ["pipeline","run_id","status","rows_read","rows_loaded","rows_filtered","rows_rejected","duration_s","error"]
missing = [k for k in keys if k not in r]
assert not missing, missing
assert r["status"] == "success" and r["error"] is None
assert r["rows_read"] == r["rows_loaded"] + r["rows_filtered"] + r["rows_rejected"]
' "$T/out" && ok || fail "run --json document"
assert_eq "json mode keeps stderr quiet of the summary" "$(grep -c 'contacts: success' "$T/err" || true)" "0"
NO_COLOR=1 "$SLUICE" -C p run 2>"$T/err" >/dev/null
assert_eq "NO_COLOR: no escapes" "$(grep -c "$(printf '\033')" "$T/err" || true)" "0"
"$SLUICE" --color=always -C p run 2>"$T/err" >/dev/null
assert_eq "--color=always: escapes" "$(grep -c "$(printf '\033')\[32m" "$T/err")" "1"
assert_exit 0 "$SLUICE" -C p --json list
assert_contains "list" '"name":"contacts"' "$T/out"
# global flags after the command
assert_exit 0 "$SLUICE" -C p history --json --limit 1
assert_contains "history --json after the command" '"runs":[' "$T/out"
assert_exit 0 "$SLUICE" -C p state show --json
assert_contains "state show --json" '"checkpoints":[' "$T/out"
assert_exit 0 "$SLUICE" -C p schema history --json
assert_contains "schema history --json" '"changes":[' "$T/out"
assert_exit 2 "$SLUICE" -C p state reset
assert_exit 2 "$SLUICE" -C p state reset contacts </dev/null
assert_contains "reset asks" "pass --yes" "$T/err"
assert_exit 2 "$SLUICE" -C p state reset nosuch --yes
# PostgreSQL components are documented from their option tables
assert_exit 0 "$SLUICE" help postgres
assert_contains "help postgres (source)" "postgres source:" "$T/out"
assert_contains "help postgres (sink)" "postgres sink:" "$T/out"
assert_contains "help postgres options" "cursor_key" "$T/out"
assert_contains "help postgres options" "schema_change" "$T/out"
finish
