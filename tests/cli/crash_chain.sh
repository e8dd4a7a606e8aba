# crash_chain.sh: chains of crashed runs for the crash tests (sourced after
# lib.sh by t0020 (SQLite) and t0021 (PostgreSQL)). A chain crashes the same
# run several times in a row, each resumed run being killed again, then lets
# one run finish and compares the destination with the input row by row.
# One kill per chain never shows a resumed run that moves a sink's position
# backwards (a lagging fan-out sink or a dedupe makes it re-read rows the
# other sinks hold); a chain does.
#
# The caller sets IN (the input CSV), WH (warehouse name for the summary)
# and defines:
#   wh_sink MODE   the warehouse sink's YAML flow mapping, table c
#   wh_reset       empty the warehouse (table, staging table, positions)
#   wh_compare     compare.py's output for the warehouse's table c
# Pipelines live in the project p/ (p/pipelines/chain.yml, output p/out/).

# chain_pipeline MODE FANOUT DEDUPE: write p/pipelines/chain.yml
#   FANOUT yes: also a csv sink (its position lags: it syncs once a second)
#   DEDUPE first|last|no: a dedupe on id (first streams, last holds rows)
chain_pipeline() {
  mkdir -p p/pipelines
  [ -f p/sluice.yml ] || echo "name: p" > p/sluice.yml
  {
    echo "source: {type: csv, path: $IN, infer_types: false}"
    echo "batch_rows: 1000"
    [ "$3" = no ] || echo "transforms: [{type: dedupe, key: [id], keep: $3}]"
    echo "sinks:"
    echo "  - $(wh_sink "$1")"
    [ "$2" = no ] || echo "  - {type: csv, path: out/c.csv}"
  } > p/pipelines/chain.yml
}

# chain_reset: empty the warehouse and forget the pipeline's state (in
# p/.sluice, or in a PostgreSQL state store when sluice.yml names one)
chain_reset() {
  wh_reset; rm -rf p/.sluice p/out
  if grep -q '^state:' p/sluice.yml 2>/dev/null; then "$SLUICE" -C p -q state reset chain --yes >/dev/null; fi
}

# last_status: the status of the chain pipeline's latest run ("none" if none)
last_status() {
  s=$("$SLUICE" -C p --json history chain --limit 1 2>/dev/null | grep -o '"status":"[a-z_]*"' | head -1)
  s=${s#*:}; s=${s#\"}; echo "${s%\"}" | grep . || echo none
}

# seeded_delay SEED MS: seconds to wait before a kill, from 5% to 30% of
# MS, the same on every machine for the same SEED (cksum, not $RANDOM)
seeded_delay() {
  h=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
  echo "$h $2" | awk '{ printf "%.3f\n", (0.05 + ($1 % 1000) / 1000 * 0.25) * $2 / 1000 }'
}

# add_counts COMPARE_OUTPUT: add its missing and duplicated rows to $lost, $dup
add_counts() {
  m=$(echo "$1" | sed -n 's/.*missing=\([0-9]*\).*/\1/p')
  d=$(echo "$1" | sed -n 's/.*duplicated=\([0-9]*\).*/\1/p')
  lost=$((lost + ${m:-0})); dup=$((dup + ${d:-0}))
}

# chain_check WHAT FANOUT: compare the warehouse (and the csv output) with
# the input; adds to $lost and $dup, fails the test on any difference
chain_check() {
  r=$(wh_compare 2>&1 || true)
  case "$r" in *"missing=0 duplicated=0 changed=0") ok ;; *) fail "$1: table: $r" ;; esac
  add_counts "$r"
  if [ "$2" = yes ]; then
    r=$(python3 "$SRC/tests/cli/compare.py" "$IN" p/out/c.csv c 2>&1 || true)
    case "$r" in *"missing=0 duplicated=0 changed=0") ok ;; *) fail "$1: out/c.csv: $r" ;; esac
    add_counts "$r"
  fi
}

# chain_finish WHAT: the run after the crashes must finish on its own
chain_finish() {
  if "$SLUICE" -C p -q --json run chain > "$T/finish.json" 2> "$T/finish.err"; then ok; else
    fail "$1: the run after the crashes failed: $(head -c 400 "$T/finish.err")"
  fi
}

# failpoint_chain MODE FANOUT DEDUPE N...: crash each run at the Nth commit
# (sink.after_commit=crash@N: every sink's commit counts), then finish. The
# crash points do not depend on timing: this chain reproduces the lagging
# sink on every machine.
failpoint_chain() {
  mode=$1; fanout=$2; dedupe=$3; shift 3
  chain_pipeline "$mode" "$fanout" "$dedupe"
  chain_reset
  lost=0; dup=0; crashed=0
  for n in "$@"; do
    set +e
    SLUICE_FAILPOINTS="sink.after_commit=crash@$n" "$SLUICE" -C p -q run chain >/dev/null 2>&1
    rc=$?
    set -e
    # a run with fewer commits than N finishes: the chain ends there
    [ "$rc" -ne 0 ] || break
    crashed=$((crashed + 1))
  done
  [ "$crashed" -ne "$#" ] || chain_finish "failpoints $mode/$fanout/$dedupe"
  chain_check "failpoints $mode/$fanout/$dedupe" "$fanout"
  echo "failpoint chain: mode=$mode fanout=$fanout dedupe=$dedupe warehouse=$WH state=$(grep -q "^state:" p/sluice.yml && echo postgres || echo sqlite) crashes=$crashed (at commits $*) lost=$lost dup=$dup"
}

# kill_chain MODE FANOUT DEDUPE KILLS: SIGKILL KILLS runs in a row, each at
# a seeded moment between 5% and 30% of the time a full run takes (a
# resumed run has less left to do unless a dedupe re-reads everything),
# then let one run finish and compare. A run that finished
# before its kill ends the chain (the next run would load everything again).
kill_chain() {
  mode=$1; fanout=$2; dedupe=$3; kills=$4
  chain_pipeline "$mode" "$fanout" "$dedupe"
  # one timing run per kind of dedupe (it sets the pace), not per chain
  eval "full_ms=\${full_ms_$dedupe:-}"
  if [ -z "$full_ms" ]; then
    chain_reset
    start=$(date +%s%N)
    "$SLUICE" -C p -q run chain >/dev/null 2>&1 || fail "$mode/$fanout/$dedupe: the timing run failed"
    full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
    eval "full_ms_$dedupe=$full_ms"
  fi
  chain_reset
  lost=0; dup=0; landed=0; early=0; k=0
  while [ $k -lt "$kills" ]; do
    k=$((k + 1))
    delay=$(seeded_delay "$WH/$mode/$fanout/$dedupe/$k" "$full_ms")
    "$SLUICE" -C p -q run chain >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    set +e; wait "$pid" 2>/dev/null; set -e
    if [ "$(last_status)" = success ]; then early=1; break; fi
    landed=$((landed + 1))
  done
  [ "$early" = 1 ] || chain_finish "$mode/$fanout/$dedupe"
  chain_check "$mode/$fanout/$dedupe after $landed kills" "$fanout"
  echo "mode=$mode fanout=$fanout dedupe=$dedupe warehouse=$WH kills=$landed lost=$lost dup=$dup (full run ${full_ms}ms, finished before a kill: $early)"
  total_landed=$((total_landed + landed))
}

# all_kill_chains: chains over mode x fan-out x dedupe. KILLS is the test's
# budget of kills (scripts/test.sh lowers it for the slower ASan build):
# 48 (the default) or more run all 12 chains, each with KILLS/12 kills;
# fewer run KILLS/4 chains (at least 3) of 4 kills, the ones with a fan-out
# and a dedupe first. dedupe: keep first streams, keep last holds every row to the end.
all_kill_chains() {
  per=$(( ${KILLS:-48} / 12 )); [ "$per" -ge 4 ] || per=4
  chains=$(( ${KILLS:-48} / per )); [ "$chains" -ge 3 ] || chains=3
  total_landed=0; n=0
  for combo in "append yes first" "upsert yes last" "full_refresh yes last" "append no first" \
               "upsert no last" "full_refresh no last" "append yes no" "upsert yes no" "full_refresh yes no" \
               "append no no" "upsert no no" "full_refresh no no"; do
    [ "$n" -lt "$chains" ] || break
    n=$((n + 1))
    # shellcheck disable=SC2086
    kill_chain $combo "$per"
  done
  echo "kill chains: $n chains of up to $per kills, $total_landed kills landed before their run finished"
}
