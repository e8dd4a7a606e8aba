# bench/lib.sh: what the benchmark scripts share (sourced). Needs $WORK
# and $root (the repository).
#   build_sluice             install deps.txt's packages, build a release
#                            sluice, set $SLUICE
#   measure_n NAME RUNS CMD  RUNS timed runs of CMD (sh -c), after one
#                            untimed warm-up when RUNS > 1; prints
#                            "NAME wall cpu rss_mb" with the medians (GNU time)
#   measure NAME CMD         the same with $RUNS runs
measure_n() {
  name=$1; n=$2; cmd=$3; t=$(mktemp)
  if [ "$n" -gt 1 ]; then
    sh -c "$cmd" >/dev/null 2>"$WORK/$name.err" || { echo "bench: '$name' failed: $(tail -3 "$WORK/$name.err")" >&2; exit 1; }
  fi
  : > "$WORK/$name.runs"
  i=0
  while [ $i -lt "$n" ]; do
    i=$((i + 1))
    /usr/bin/time -f '%e %U %S %M' -o "$t" sh -c "$cmd" >/dev/null 2>"$WORK/$name.err" ||
      { echo "bench: '$name' failed: $(tail -3 "$WORK/$name.err")" >&2; exit 1; }
    cat "$t" >> "$WORK/$name.runs"
  done
  rm -f "$t"
  sort -n "$WORK/$name.runs" | awk -v n="$name" '{w[NR]=$1; c[NR]=$2+$3; m[NR]=$4/1024}
    END{k=int((NR+1)/2); printf "%s %.2f %.2f %.0f\n", n, w[k], c[k], m[k]}'
}
measure() { measure_n "$1" "$RUNS" "$2"; }

build_sluice() {
  "$root/scripts/install-deps.sh" tool build test bench
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$root/build" -j 2 >/dev/null
  SLUICE=$root/build/sluice
}
