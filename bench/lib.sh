# bench/lib.sh: what the benchmark scripts share (sourced). Needs $WORK
# and $root (the repository).
#   build_sluice             install deps.txt's packages, build a release
#                            sluice, set $SLUICE
#   measure_n NAME RUNS CMD  RUNS timed runs of CMD (sh -c), after one
#                            untimed warm-up when RUNS > 1; prints
#                            "NAME wall cpu rss_mb" with the medians (GNU time)
#   measure NAME CMD         the same with $RUNS runs
#   measure_pair A CMD_A B CMD_B
#                            $RUNS runs of each, alternating A, B, A, B...
#                            after one warm-up of each, so that both see the
#                            same moments of a noisy machine; prints both
#                            lines as measure does
measure_n() {
  name=$1; n=$2; cmd=$3
  [ "$n" -gt 1 ] && warm_up "$name" "$cmd"
  : > "$WORK/$name.runs"
  i=0
  while [ $i -lt "$n" ]; do
    i=$((i + 1))
    run_once "$name" "$cmd"
  done
  medians "$name"
}
measure() { measure_n "$1" "$RUNS" "$2"; }

# one untimed run of CMD (NAME for its error file)
warm_up() {
  sh -c "$2" >/dev/null 2>"$WORK/$1.err" || { echo "bench: '$1' failed: $(tail -3 "$WORK/$1.err")" >&2; exit 1; }
}
# one timed run of CMD appended to $WORK/NAME.runs
run_once() {
  name=$1; cmd=$2; t=$(mktemp)
  /usr/bin/time -f '%e %U %S %M' -o "$t" sh -c "$cmd" >/dev/null 2>"$WORK/$name.err" ||
    { echo "bench: '$name' failed: $(tail -3 "$WORK/$name.err")" >&2; exit 1; }
  cat "$t" >> "$WORK/$name.runs"
  rm -f "$t"
}
medians() {
  sort -n "$WORK/$1.runs" | awk -v n="$1" '{w[NR]=$1; c[NR]=$2+$3; m[NR]=$4/1024}
    END{k=int((NR+1)/2); printf "%s %.2f %.2f %.0f\n", n, w[k], c[k], m[k]}'
}
measure_pair() {
  warm_up "$1" "$2"
  warm_up "$3" "$4"
  : > "$WORK/$1.runs"
  : > "$WORK/$3.runs"
  i=0
  while [ $i -lt "$RUNS" ]; do
    i=$((i + 1))
    run_once "$1" "$2"
    run_once "$3" "$4"
  done
  medians "$1"
  medians "$3"
}

# bench_data: the benchmark files in $DATA (default /tmp/sluice-benchdata),
# made by bench/gen.py; made again when gen.py changed since they were made
bench_data() {
  DATA=${DATA:-/tmp/sluice-benchdata}
  stamp=$(sha256sum "$root/bench/gen.py" | cut -c1-16)
  if [ "$(cat "$DATA/.gen" 2>/dev/null)" != "$stamp" ]; then
    mkdir -p "$DATA"; rm -f "$DATA"/contacts*.csv "$DATA"/events*.jsonl
    python3 "$root/bench/gen.py" --out "$DATA" >&2
    echo "$stamp" > "$DATA/.gen"
  fi
}

build_sluice() {
  "$root/scripts/install-deps.sh" tool build test bench
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$root/build" -j 2 >/dev/null
  SLUICE=$root/build/sluice
}
