#!/bin/sh
# bench/callgrind.sh: instructions per input byte of each benchmark workload
# (issue #16), counted by valgrind's callgrind: unlike wall time, the count
# hardly moves when the machine is busy, so a change shows as a change.
# Usage:
#   bench/callgrind.sh [--rows N] [--only "load transform events groupby"]
#   (default: 50000 records of each input, every workload)
# Runs the pipelines of bench/run.sh (bench/lib.sh: pipelines) on the first N
# records of bench/gen.py's contacts and events, under callgrind with every
# thread counted (one total over all threads: --separate-threads=no), and
# once more on the header alone (CSV) / one kept record (JSONL) to take out what a
# run costs whatever its input (start-up, opening the warehouse). Prints a
# Markdown table on stdout: total instructions (Ir), Ir per input byte, and
# the marginal Ir per byte ((Ir - Ir of the near-empty run) / bytes).
# Each run takes 20-60 s on the project's VM (valgrind runs threads one at a
# time). WORK (default /tmp/sluice-callgrind) holds the slices and outputs.
# SLUICE=/path/to/sluice measures that binary instead of building this tree
# (LABEL=text then names it in the table's title, e.g. the commit it was
# built from).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
ROWS=50000
ONLY="load transform events groupby"
while [ $# -gt 0 ]; do
  case $1 in
    --rows) ROWS=$2; shift ;;
    --only) ONLY=$2; shift ;;
    *) echo "usage: bench/callgrind.sh [--rows N] [--only \"load transform events groupby\"]" >&2; exit 2 ;;
  esac
  shift
done
WORK=${WORK:-/tmp/sluice-callgrind}
. "$here/lib.sh"
command -v valgrind >/dev/null || { echo "bench/callgrind.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
if [ -n "${SLUICE:-}" ]; then :; else build_sluice; fi
bench_data
rm -rf "$WORK"; mkdir -p "$WORK/in"
# the slices: whole CSV records (a quoted field may hold a newline), whole lines
python3 - "$DATA/contacts.csv" "$WORK/in" "$ROWS" <<'PY'
import sys
src, out, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
def take(n, path):
    """the header and the first n records, byte for byte"""
    with open(src, 'rb') as f, open(path, 'wb') as o:
        done = -1
        quoted = False
        for line in f:
            o.write(line)
            quoted ^= line.count(b'"') % 2 == 1
            if not quoted:
                done += 1
                if done >= n:
                    break
take(rows, out + '/contacts.csv')
take(0, out + '/contacts0.csv')
PY
head -n "$ROWS" "$DATA/events.jsonl" > "$WORK/in/events.jsonl"
# one record the filter keeps (a run whose filter keeps nothing is not the
# same pipeline: the derived column never appears)
grep -m 1 '"event": *"feature_used"' "$DATA/events.jsonl" > "$WORK/in/events0.jsonl"

# ir NAME PIPELINE: the total Ir of one sluice run under callgrind
ir() {
  rm -rf "$WORK/p/warehouse.db"* "$WORK/p/.sluice" "$WORK/out"; mkdir -p "$WORK/out"
  valgrind --tool=callgrind --separate-threads=no --callgrind-out-file="$WORK/$1.cg" \
    "$SLUICE" -C "$WORK/p" -q run "$2" > "$WORK/$1.log" 2>&1 ||
    { echo "bench/callgrind.sh: $1 failed: $(grep -v '^==' "$WORK/$1.log" | tail -3)" >&2; exit 1; }
  awk '/^(summary|totals):/{print $2; exit}' "$WORK/$1.cg"
}
if [ -z "${LABEL:-}" ]; then
  LABEL="at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "?")"
  [ -n "$(git -C "$root" status --porcelain -- src 2>/dev/null | head -1)" ] && LABEL="$LABEL (with uncommitted changes in src/)"
fi
echo "Instructions per input byte, callgrind (all threads), $ROWS records of each input, sluice $LABEL:"
echo
echo "| workload | input bytes | Ir | Ir / byte | marginal Ir / byte |"
echo "|---|---:|---:|---:|---:|"
for name in $ONLY; do
  in=contacts; [ "$name" = events ] && in=events
  ext=csv; [ "$in" = events ] && ext=jsonl
  pipelines "$WORK/in/${in}0.$ext" "$WORK/in/${in}0.$ext"
  ir0=$(ir "${name}0" "$name")
  pipelines "$WORK/in/$in.$ext" "$WORK/in/$in.$ext"
  irn=$(ir "$name" "$name")
  bytes=$(wc -c < "$WORK/in/$in.$ext")
  bytes0=$(wc -c < "$WORK/in/${in}0.$ext")
  awk -v w="$name" -v b="$bytes" -v b0="$bytes0" -v i="$irn" -v i0="$ir0" 'BEGIN{
    printf "| %s | %d | %.0f | %.1f | %.1f |\n", w, b, i, i / b, (i - i0) / (b - b0)}'
done
