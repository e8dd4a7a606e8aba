#!/bin/sh
# t0021: chains of crashes into PostgreSQL, as t0020 does for SQLite: the
# same run crashed 4+ times in a row, then one run finishes; the table (and
# the csv file of a fan-out) must hold every input row exactly once. Every
# mode (append, upsert, full_refresh), with and without a fan-out to a csv
# file and a dedupe; crashes at fixed commits (failpoints), also with the
# state store on PostgreSQL, then SIGKILLs at seeded moments
# (tests/cli/crash_chain.sh).
# Regression (case 45, repro-pg.sh): with a dedupe, a resumed run re-read
# the rows the sink held and committed their batches' ends, moving its
# position back (229,376 rows in the table, position at line 139,266);
# the finishing run loaded 1,090,112 rows for 1,000,000 ids.
# KILLS (default 48: 12 chains of 4; fewer: KILLS/4 chains of 4, see
# crash_chain.sh) and ROWS (default 20000, 10000 when KILLS < 48) can be set.
. "$SRC/tests/cli/lib.sh"
. "$SRC/tests/cli/crash_chain.sh"
# the ASan pass asks for fewer kills (CHAIN_KILLS: not KILLS, which other tests read too)
KILLS=${KILLS:-${CHAIN_KILLS:-48}}
# a smaller KILLS (the ASan build) also means fewer rows
[ "${KILLS:-48}" -ge 48 ] && ROWS=${ROWS:-20000} || ROWS=${ROWS:-10000}
IN=$T/in.csv
WH=postgres
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
export URL
python3 "$SRC/tests/cli/gen_contacts.py" "$ROWS" "$IN"
wh_sink() {
  case $1 in
    upsert) echo "{type: postgres, url: \"\${URL}\", schema: chain, table: c, mode: upsert, key: [id]}" ;;
    *) echo "{type: postgres, url: \"\${URL}\", schema: chain, table: c, mode: $1}" ;;
  esac
}
wh_reset() { psql -X -q "$URL" -c "DROP SCHEMA IF EXISTS chain CASCADE" >/dev/null 2>&1; }
wh_compare() { python3 "$SRC/tests/cli/compare.py" "$IN" "$URL" chain.c; }

for mode in append upsert full_refresh; do
  failpoint_chain "$mode" yes no 8 3 6 2 5
  failpoint_chain "$mode" no "$( [ "$mode" = append ] && echo first || echo last )" 4 2 5 2 3
done
# the same with the state store on PostgreSQL (it keeps the csv sink's positions)
mkdir -p p
printf 'name: p\nstate: {type: postgres, url: "${URL}"}\n' > p/sluice.yml
failpoint_chain append yes first 8 3 6 2 5
rm p/sluice.yml
all_kill_chains
finish
