#!/bin/sh
# bench/quality/profile.sh: what column profiles cost (issue #13: under
# 10 % of the run). The 1M-contact CSV -> SQLite load of bench/run.sh
# (bench/gen.py's contacts.csv, 12 columns), once with profiles (the
# default) and once with `profile: false`, alternating RUNS times each
# after one warm-up of each (bench/lib.sh measure_pair), so that both see
# the same moments of a noisy machine. Prints Markdown: the medians of
# wall time, CPU and peak RSS, the ratio, and the profile stored.
# usage: [SLUICE=build/sluice] bench/quality/profile.sh [--runs N]
#   SLUICE unset: builds a release sluice first (bench/lib.sh build_sluice).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
RUNS=5
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift ;;
    *) echo "usage: bench/quality/profile.sh [--runs N]" >&2; exit 2 ;;
  esac
  shift
done
WORK=${WORK:-/tmp/sluice-bench-profile}
. "$root/bench/lib.sh"
if [ -z "${SLUICE:-}" ]; then build_sluice; fi
bench_data
C=$DATA/contacts.csv
rm -rf "$WORK"
for v in on off; do
  mkdir -p "$WORK/$v/pipelines"
  echo "name: bench" > "$WORK/$v/sluice.yml"
done
cat > "$WORK/on/pipelines/load.yml" <<YML
source: {type: csv, path: $C}
sinks: [{type: sqlite, table: contacts}]
YML
cat > "$WORK/off/pipelines/load.yml" <<YML
source: {type: csv, path: $C}
sinks: [{type: sqlite, table: contacts}]
profile: false
YML
reset() { echo "rm -rf $WORK/$1/warehouse.db* $WORK/$1/.sluice"; }
measure_pair profile_on "$(reset on); $SLUICE -C $WORK/on -q run load" \
  profile_off "$(reset off); $SLUICE -C $WORK/off -q run load" > "$WORK/results.txt"

# both loaded every row; only the first recorded a profile
rows_on=$(sqlite3 "$WORK/on/warehouse.db" 'select count(*) from contacts')
rows_off=$(sqlite3 "$WORK/off/warehouse.db" 'select count(*) from contacts')
[ "$rows_on" = "$rows_off" ] || { echo "bench: the loads differ: $rows_on vs $rows_off rows" >&2; exit 1; }
"$SLUICE" -C "$WORK/on" profile load > "$WORK/profile.txt"
"$SLUICE" -C "$WORK/off" --json profile load > "$WORK/off_profile.json"
grep -q '"profiles":\[\]' "$WORK/off_profile.json" || { echo "bench: profile: false stored a profile" >&2; exit 1; }

awk -v runs="$RUNS" -v rows="$rows_on" '
  {w[$1]=$2; c[$1]=$3; m[$1]=$4}
  END {
    printf "## Profiling overhead (`bench/quality/profile.sh --runs %d`)\n\n", runs
    printf "1M-contact CSV -> SQLite load (%d rows, 12 columns), medians of %d alternating runs each.\n\n", rows, runs
    print "| run | wall s | CPU s | peak RSS MB |"
    print "|---|---:|---:|---:|"
    printf "| profile: true (default) | %.2f | %.2f | %d |\n", w["profile_on"], c["profile_on"], m["profile_on"]
    printf "| profile: false | %.2f | %.2f | %d |\n", w["profile_off"], c["profile_off"], m["profile_off"]
    printf "\nOverhead: wall %+.1f %%, CPU %+.1f %% (target: under 10 %%).\n",
      (w["profile_on"] / w["profile_off"] - 1) * 100, (c["profile_on"] / c["profile_off"] - 1) * 100
  }' "$WORK/results.txt"
printf '\nThe profile it stored (`sluice profile load`):\n\n```\n'
cat "$WORK/profile.txt"
printf '```\n'
