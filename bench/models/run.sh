#!/bin/sh
# bench/models/run.sh: the model layer's compile benchmark (issue #12):
# `sluice compile` and `sluice ls` of a generated dbt-style project of N
# models (bench/models/gen.py: 4 layers, refs to 1-5 upstreams, a macro and
# a for loop in each model, a properties file per folder), wall time, CPU
# and peak RSS (GNU time), medians of --runs runs. Markdown on stdout.
#   bench/models/run.sh [--models N] [--runs R]
# Targets: 10,000 models compiled in under 1 s with peak RSS under 200 MB
# on the 2-core CI machine.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
N=10000
RUNS=3
while [ $# -gt 0 ]; do
  case $1 in
    --models) N=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    *) echo "usage: bench/models/run.sh [--models N] [--runs R]" >&2; exit 2 ;;
  esac
  shift
done
WORK=${WORK:-/tmp/sluice-bench-models}
. "$root/bench/lib.sh"
if [ -z "${SLUICE:-}" ]; then build_sluice; fi
P="$WORK/p$N"
if [ ! -f "$P/.gen" ] || [ "$(cat "$P/.gen")" != "$(sha256sum "$here/gen.py" | cut -c1-16)" ]; then
  rm -rf "$P"
  python3 "$here/gen.py" --out "$P" --models "$N" >&2
  sha256sum "$here/gen.py" | cut -c1-16 > "$P/.gen"
fi
echo "| command ($N models) | wall s | cpu s | peak RSS MB |"
echo "|---|---:|---:|---:|"
measure "compile" "cd '$P' && '$SLUICE' compile" | awk '{printf "| sluice compile | %s | %s | %s |\n", $2, $3, $4}'
measure "ls" "cd '$P' && '$SLUICE' ls" | awk '{printf "| sluice ls | %s | %s | %s |\n", $2, $3, $4}'
n=$(find "$P/target/compiled" -name '*.sql' | wc -l)
echo
echo "compiled files: $n; manifest: $(du -h "$P/target/manifest.json" | cut -f1)"
