#!/bin/sh
# bench/attribution/run.sh: the attribution model (docs/gtm/attribution.md)
# over N touchpoints and C conversions on the SQLite warehouse, all seven
# models (bench/attribution/gen.py: fixed seed, ~5 touches per entity over
# 180 days, a 90-day lookback): `sluice build -s attribution`, wall time, CPU
# and peak RSS (GNU time), medians of --runs runs. Markdown on stdout.
#   bench/attribution/run.sh [--touchpoints N] [--conversions C] [--runs R]
# Issue #14's figure: 1M touchpoints and 50k conversions.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
N=1000000
C=50000
RUNS=3
while [ $# -gt 0 ]; do
  case $1 in
    --touchpoints) N=$2; shift ;;
    --conversions) C=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    *) echo "usage: bench/attribution/run.sh [--touchpoints N] [--conversions C] [--runs R]" >&2; exit 2 ;;
  esac
  shift
done
WORK=${WORK:-/tmp/sluice-bench-attribution}
mkdir -p "$WORK"
. "$root/bench/lib.sh"
if [ -z "${SLUICE:-}" ]; then build_sluice; fi
P="$WORK/p$N-$C"
tag="$(sha256sum "$here/gen.py" | cut -c1-16)"
if [ ! -f "$P/.gen" ] || [ "$(cat "$P/.gen")" != "$tag" ]; then
  rm -rf "$P"
  python3 "$here/gen.py" --out "$P" --touchpoints "$N" --conversions "$C" >&2
  (cd "$P" && "$SLUICE" build -s touchpoints conversions leads >/dev/null)
  echo "$tag" > "$P/.gen"
fi
echo "| attribution ($N touchpoints, $C conversions, 7 models) | wall s | cpu s | peak RSS MB |"
echo "|---|---:|---:|---:|"
measure "attribution" "cd '$P' && '$SLUICE' build -s attribution" |
  awk '{printf "| sluice build -s attribution | %s | %s | %s |\n", $2, $3, $4}'
rows=$(sqlite3 "$P/warehouse.db" "select count(*) from attribution")
echo
echo "output rows: $rows"
