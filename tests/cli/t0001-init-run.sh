#!/bin/sh
# t0001: `sluice init` makes a project that validates, runs, and whose
# results, history and dead-letter queue can be read back.
. "$SRC/tests/cli/lib.sh"
assert_exit 0 "$SLUICE" init proj
assert_exit 2 "$SLUICE" init proj              # never overwrites
assert_exit 0 "$SLUICE" -C proj validate
assert_exit 0 "$SLUICE" -C proj run
assert_eq "rows loaded" "$(q proj/warehouse.db 'select count(*) from contacts')" 3
assert_eq "emails cleaned" "$(q proj/warehouse.db "select email from contacts where id = 1")" "ada@example.com"
assert_eq "keep: last wins" "$(q proj/warehouse.db "select email from contacts where id = 2")" "grace.hopper@navy.example"
assert_contains "summary line" "contacts: success  read 6, loaded 3, filtered 2, rejected 1" "$T/err"
assert_exit 0 "$SLUICE" -C proj --json history
assert_eq "history json" "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; print(r["status"], r["rows_read"], r["rows_loaded"], r["rows_filtered"], r["rows_rejected"])' "$T/out")" "success 6 3 2 1"
assert_exit 0 "$SLUICE" -C proj --json dlq list --pipeline contacts
assert_eq "dlq entry" "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["rejected"][0]; print(r["stage"], r["line"], r["reason"])' "$T/out")" "typing 7 column 'id': 'x5' is not a valid int"
# a second run upserts: same rows, no duplicates
assert_exit 0 "$SLUICE" -C proj run contacts
assert_eq "upsert is idempotent" "$(q proj/warehouse.db 'select count(*) from contacts')" 3
assert_exit 2 "$SLUICE" -C proj run nosuch
assert_contains "unknown pipeline" "no pipeline called 'nosuch'" "$T/err"
assert_exit 2 "$SLUICE" -C proj run contact
assert_contains "closest name" "no pipeline called 'contact' in $T/proj; did you mean 'contacts'?" "$T/err"
finish
