# bench/lib.sh: what the benchmark scripts share (sourced). Needs $WORK
# and $root (the repository).
#   build_sluice             install deps.txt's packages, build a release
#                            sluice, set $SLUICE
#   measure_n NAME RUNS CMD  RUNS timed runs of CMD (sh -c), after one
#                            untimed warm-up when RUNS > 1; prints
#                            "NAME wall cpu rss_mb" with the medians (GNU time)
#   measure NAME CMD         the same with $RUNS runs
#   measure_pair A CMD_A B CMD_B [C CMD_C ...]
#                            $RUNS runs of each, alternating A, B, C, A, B, C...
#                            after one warm-up of each, so that all see the
#                            same moments of a noisy machine; prints their
#                            lines as measure does
#   pipelines CONTACTS EVENTS
#                            the sluice project of the benchmarks in $WORK/p
#                            (load, transform, events, groupby), reading
#                            those files and writing into $WORK/out
#   duckdb_peer              install the pinned DuckDB peer (bench/duckdb,
#                            npm ci) when missing or when its lock changed;
#                            set $DUCK to the command that runs its SQL
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
  # the previous run's dirty pages written out first, untimed: otherwise a
  # run pays for the writeback of whatever ran before it (the VM's disk
  # made CSV -> SQLite runs vary 0.95-1.3 s in a row without it)
  sync
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
  # warm-ups, then the alternating rounds over every NAME CMD pair
  n=$#; k=1
  while [ $k -lt "$n" ]; do
    eval "warm_up \"\${$k}\" \"\${$((k + 1))}\""
    eval ": > \"\$WORK/\${$k}.runs\""
    k=$((k + 2))
  done
  i=0
  while [ $i -lt "$RUNS" ]; do
    i=$((i + 1)); k=1
    while [ $k -lt "$n" ]; do
      eval "run_once \"\${$k}\" \"\${$((k + 1))}\""
      k=$((k + 2))
    done
  done
  k=1
  while [ $k -lt "$n" ]; do
    eval "medians \"\${$k}\""
    k=$((k + 2))
  done
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

# duckdb_peer: DuckDB (@duckdb/node-api, pinned by bench/duckdb/package-lock.json)
# installed into bench/duckdb/node_modules with npm ci on first use, and again
# when the lock file changed; not by CI (benchmarks are not tests)
duckdb_peer() {
  dd=$root/bench/duckdb
  stamp=$(sha256sum "$dd/package-lock.json" | cut -c1-16)
  if [ "$(cat "$dd/node_modules/.sluice-lock" 2>/dev/null)" != "$stamp" ]; then
    (cd "$dd" && npm ci --no-audit --no-fund --loglevel=error >&2)
    echo "$stamp" > "$dd/node_modules/.sluice-lock"
  fi
  DUCK="node $dd/duck.mjs"
}

# the 14 spellings of US/CA/GB the transform keeps (sluice, Miller and DuckDB alike)
KEEP="'US','USA','U.S.','UNITED STATES','UNITED STATES OF AMERICA','CA','CAN','CANADA','GB','UK','U.K.','UNITED KINGDOM','GREAT BRITAIN','ENGLAND'"
pipelines() { # $1 = contacts file, $2 = events file; writes $WORK/p
  mkdir -p "$WORK/p/pipelines" "$WORK/out"
  echo "name: bench" > "$WORK/p/sluice.yml"
  cat > "$WORK/p/pipelines/load.yml" <<YML
source: {type: csv, path: $1}
sinks: [{type: sqlite, table: contacts}]
YML
  cat > "$WORK/p/pipelines/transform.yml" <<YML
source: {type: csv, path: $1, infer_types: false}
transforms:
  - type: derive
    columns:
      email: lower(trim(email, ' ' || char(9)))
      full_name: first_name || ' ' || last_name
  - {type: filter, where: "upper(trim(country, ' ' || char(9))) IN ($KEEP)"}
sinks: [{type: csv, path: $WORK/out/sluice_contacts.csv}]
YML
  cat > "$WORK/p/pipelines/events.yml" <<YML
source: {type: jsonl, path: $2, infer_types: false}
transforms:
  - {type: filter, where: "event = 'feature_used'"}
  - {type: derive, columns: {feature: "properties ->> '\$.feature'"}}
  - {type: select, columns: [user_id, account_id, ts, feature]}
sinks: [{type: jsonl, path: $WORK/out/sluice_events.jsonl}]
YML
  # the group-by as a user writes it in sluice: the aggregate transform
  cat > "$WORK/p/pipelines/groupby.yml" <<YML
source: {type: csv, path: $1}
transforms:
  - {type: aggregate, group_by: [country], aggregates: {contacts: count}}
sinks: [{type: csv, path: $WORK/out/sluice_groupby.csv}]
YML
}
