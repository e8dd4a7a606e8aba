#!/bin/sh
# bench/identity/run.sh: identity resolution (docs/gtm/identity.md) on a
# generated project (bench/identity/gen.py, SQLite warehouse): the seed
# CSVs are imported with the sqlite3 shell (not timed; the seed loader is
# not what is measured), then `sluice build -s people` is timed (wall, CPU,
# peak RSS by GNU time, one run; a second run, which also reads the
# previous map for the stable ids, is timed too), then bench/identity/eval.py
# gives pair precision and recall against the truth. Markdown on stdout.
#   bench/identity/run.sh [--people N]    (1,630,000 people: about 10M identifiers)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
N=1630000
while [ $# -gt 0 ]; do
  case $1 in
    --people) N=$2; shift ;;
    *) echo "usage: bench/identity/run.sh [--people N]" >&2; exit 2 ;;
  esac
  shift
done
WORK=${WORK:-/tmp/sluice-bench-identity}
RUNS=1
mkdir -p "$WORK"
. "$root/bench/lib.sh"
if [ -z "${SLUICE:-}" ]; then build_sluice; fi
P="$WORK/p$N"
if [ ! -f "$P/.gen" ] || [ "$(cat "$P/.gen")" != "$(sha256sum "$here/gen.py" | cut -c1-16)" ]; then
  rm -rf "$P"
  python3 "$here/gen.py" --people "$N" --out "$P" >&2
  sha256sum "$here/gen.py" | cut -c1-16 > "$P/.gen"
fi
rm -rf "$P"/warehouse.db* "$P/.sluice"
for t in contacts product_users web_visits; do
  sqlite3 "$P/warehouse.db" ".import --csv '$P/seeds/$t.csv' $t"
done
echo "| identity, $N people | wall s | cpu s | peak RSS MB |"
echo "|---|---:|---:|---:|"
measure "first" "cd '$P' && '$SLUICE' build -s people" | awk '{printf "| first build | %s | %s | %s |\n", $2, $3, $4}'
measure "rerun" "cd '$P' && '$SLUICE' build -s people" | awk '{printf "| rerun (stable ids) | %s | %s | %s |\n", $2, $3, $4}'
echo
echo "identifiers: $(sqlite3 "$P/warehouse.db" "select count(*) from people_map"), entities: $(sqlite3 "$P/warehouse.db" "select count(*) from people")"
echo
python3 "$here/eval.py" "$P"
