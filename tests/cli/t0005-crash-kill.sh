#!/bin/sh
# t0005: SIGKILL at random points of a large load, rerun to completion,
# compare the table with the input row by row: 0 lost, 0 duplicated.
# KILLS (default 8; the chains of t0020 kill more) and ROWS (default
# 200000) can be set.
. "$SRC/tests/cli/lib.sh"
KILLS=${KILLS:-${CRASH_KILLS:-8}}
ROWS=${ROWS:-200000}
python3 "$SRC/tests/cli/gen_contacts.py" "$ROWS" "$T/in.csv"
# how long a full load takes, to spread the kills over it
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
cat > p/pipelines/load.yml <<YML
source: {type: csv, path: $T/in.csv, infer_types: false}
batch_rows: 2000
sinks: [{type: sqlite, table: c}]
YML
start=$(date +%s%N)
"$SLUICE" -C p -q run >/dev/null 2>&1
full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
lost=0; dup=0; resumed=0; humans=0; finished=0
i=0
while [ $i -lt "$KILLS" ]; do
  i=$((i + 1))
  rm -rf p/warehouse.db* p/.sluice
  # the moment of the kill, computed before the run starts: anything slow
  # between the start and the kill (an interpreter starting) would move it
  # later, past the end of the run (a python3 wrapper taking 2 s made every
  # kill land after the run had finished)
  delay_ms=$(python3 -c "import random; random.seed($i); print(random.randint(max(1, $full_ms // 20), max(2, $full_ms * 3 // 4)))")
  delay_s=$(echo "$delay_ms" | awk '{ printf "%.3f", $1 / 1000 }')
  "$SLUICE" -C p -q run >/dev/null 2>&1 &
  pid=$!
  sleep "$delay_s"
  kill -9 "$pid" 2>/dev/null || true
  set +e; wait "$pid" 2>/dev/null; set -e
  # did the run complete (its success recorded) before the kill? Then the
  # data is all there and a new run would append it again, as it should.
  last=$("$SLUICE" -C p --json history load --limit 1 2>/dev/null | python3 -c 'import json,sys; r=json.load(sys.stdin)["runs"]; print(r[0]["status"] if r else "none")')
  if [ "$last" = success ]; then
    finished=$((finished + 1))
  else
    if ! "$SLUICE" -C p -q --json run > "$T/rerun.json" 2>/dev/null; then humans=$((humans + 1)); fi
    grep -q '"resumed":true' "$T/rerun.json" && resumed=$((resumed + 1))
  fi
  r=$(python3 "$SRC/tests/cli/compare.py" "$T/in.csv" p/warehouse.db c || true)
  m=$(echo "$r" | sed 's/.*missing=\([0-9]*\).*/\1/'); d=$(echo "$r" | sed 's/.*duplicated=\([0-9]*\).*/\1/')
  lost=$((lost + m)); dup=$((dup + d))
  case "$r" in *"missing=0 duplicated=0 changed=0") ok ;; *) fail "kill $i at ${delay_ms}ms: $r" ;; esac
done
echo "crash test: $KILLS kills over a ${full_ms}ms load of $ROWS rows: rows lost $lost, duplicated $dup, killed mid-run $((KILLS - finished)) (finished before the kill $finished), reruns that resumed $resumed, reruns that failed $humans"
assert_eq "reruns needing a human" "$humans" 0
# a crash test whose kills all land after the run finished crashes nothing
[ "$finished" -lt "$KILLS" ] && ok || fail "no kill landed before its run finished ($KILLS kills over a ${full_ms}ms load)"
finish
