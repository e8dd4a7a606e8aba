#!/bin/sh
# t0020: chains of crashes into SQLite: the same run crashed 4+ times in a
# row (each resumed run crashed again), then one run finishes; the table
# (and the csv file of a fan-out) must hold every input row exactly once.
# Every mode (append, upsert, full_refresh), with and without a fan-out to
# a csv file (whose position lags) and a dedupe (a resumed run re-reads
# from the start). First chains of crashes at fixed commits (failpoints),
# then chains of SIGKILLs at seeded moments (tests/cli/crash_chain.sh).
# Regression (case 45): a resumed run that re-read rows a sink held
# committed that batch's end, moving the sink's position backwards; the
# next crash then loaded those rows again (450,560 extra rows on 1,000,000).
# KILLS (default 48: 12 chains of 4; fewer: KILLS/4 chains of 4, see
# crash_chain.sh) and ROWS (default 30000, 15000 when KILLS < 48) can be set.
. "$SRC/tests/cli/lib.sh"
. "$SRC/tests/cli/crash_chain.sh"
# the ASan pass asks for fewer kills (CHAIN_KILLS: not KILLS, which other tests read too)
KILLS=${KILLS:-${CHAIN_KILLS:-48}}
# a smaller KILLS (the ASan build) also means fewer rows
[ "${KILLS:-48}" -ge 48 ] && ROWS=${ROWS:-30000} || ROWS=${ROWS:-15000}
IN=$T/in.csv
WH=sqlite
python3 "$SRC/tests/cli/gen_contacts.py" "$ROWS" "$IN"
wh_sink() {
  case $1 in
    upsert) echo "{type: sqlite, table: c, mode: upsert, key: [id]}" ;;
    *) echo "{type: sqlite, table: c, mode: $1}" ;;
  esac
}
wh_reset() { rm -rf p/warehouse.db p/warehouse.db-wal p/warehouse.db-shm; }
wh_compare() { python3 "$SRC/tests/cli/compare.py" "$IN" p/warehouse.db c; }

# crash points: the sqlite sink and the csv sink each count a commit per batch
for mode in append upsert full_refresh; do
  failpoint_chain "$mode" yes no 8 3 6 2 5
  failpoint_chain "$mode" no "$( [ "$mode" = append ] && echo first || echo last )" 4 2 5 2 3
done
all_kill_chains
finish
