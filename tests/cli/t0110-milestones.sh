#!/bin/sh
# t0110: the milestones transform end to end: a generated stream of 300
# users with known activation moments (tests/cli/gen_milestones.py, fixed
# seed) as JSONL files into SQLite. Each milestone row appears once with
# the right time: in one run; in runs cut in the middle of windows (the
# first half of the files, then the second, with new_files); and with a
# crash after a commit in the middle, then a rerun. The run's accounting
# line counts the milestones as derived rows.
. "$SRC/tests/cli/lib.sh"
mkdir -p "$T/g"
python3 "$SRC/tests/cli/gen_milestones.py" "$T/g" 4 >/dev/null
want_n=$(wc -l < "$T/g/expected.txt")
rows=$(cat "$T/g"/0*.jsonl | wc -l)
setup() { # DIR
  rm -rf "$1"; mkdir -p "$1/pipelines" "$1/in"
  echo "name: $1" > "$1/sluice.yml"
  cat > "$1/pipelines/ev.yml" <<'YML'
source: {type: jsonl, path: in/*.jsonl, incremental: new_files}
batch_rows: 400
transforms:
  - type: milestones
    key: user_id
    time: timestamp
    rules:
      - name: activated
        first_time: "event = 'Project Created'"
      - name: team_growing
        count: {when: "event = 'Invite Sent'", at_least: 3, within: 7d}
      - name: gone_quiet
        inactive: {when: "event IS NOT NULL", for: 14d}
sinks: [{type: sqlite, table: events}]
YML
}
# check DIR WHAT: the milestones are the expected ones, each once, and every input row is there once
check() {
  q "$1/warehouse.db" "SELECT user_id || '|' || milestone || '|' || strftime('%s', milestone_at) FROM events
                      WHERE milestone IS NOT NULL" | LC_ALL=C sort > "$T/got.txt"
  if cmp -s "$T/got.txt" "$T/g/expected.txt"; then ok; else
    fail "$2: milestones differ: $(diff "$T/g/expected.txt" "$T/got.txt" | head -5)"; fi
  # every input row once; ordinary rows have no milestone_at; a milestone
  # row copies its trigger, whose own time is milestone_at
  assert_eq "$2: rows, stray milestone_at, milestone_at <> trigger's time" \
    "$(q "$1/warehouse.db" "SELECT count(*), sum(milestone IS NULL AND milestone_at IS NOT NULL),
                                   sum(milestone IS NOT NULL AND milestone_at <> timestamp) FROM events")" \
    "$((rows + want_n))|0|0"
}
# accounting LINE: read + derived = loaded + filtered + rejected, and derived is $2
accounting() {
  line=$(grep -o 'read [0-9]*, derived [0-9]*, loaded [0-9]*, filtered [0-9]*, rejected [0-9]*' "$1" | tail -1)
  set -- "$line" "$2" "$3"
  r=$(echo "$1" | sed 's/read \([0-9]*\),.*/\1/'); d=$(echo "$1" | sed 's/.*derived \([0-9]*\),.*/\1/')
  l=$(echo "$1" | sed 's/.*loaded \([0-9]*\),.*/\1/'); f=$(echo "$1" | sed 's/.*filtered \([0-9]*\),.*/\1/')
  j=$(echo "$1" | sed 's/.*rejected \([0-9]*\).*/\1/')
  assert_eq "$3: read + derived = loaded + filtered + rejected ($1)" $((r + d)) $((l + f + j))
  [ -z "$2" ] || assert_eq "$3: derived" "$d" "$2"
}
[ "$want_n" -gt 150 ] && ok || fail "the generator made only $want_n milestones"

# 1. one run over everything
setup a
cp "$T/g"/0*.jsonl a/in/
assert_exit 0 "$SLUICE" -C a validate
assert_exit 0 "$SLUICE" -C a run
accounting "$T/err" "$want_n" "one run"
check a "one run"
# a second run (no new files) fires nothing again
assert_exit 0 "$SLUICE" -C a run
check a "rerun"

# 2. runs cut in the middle of windows: the first half of the files, then the second
setup b
cp "$T/g/01.jsonl" "$T/g/02.jsonl" b/in/
assert_exit 0 "$SLUICE" -C b run
accounting "$T/err" "" "first half"
first=$(grep -o "derived [0-9]*" "$T/err" | tail -1 | cut -d' ' -f2)
cp "$T/g/03.jsonl" "$T/g/04.jsonl" b/in/
assert_exit 0 "$SLUICE" -C b run
accounting "$T/err" $((want_n - first)) "second half"
check b "two runs"
assert_eq "state saved per key and rule" \
  "$(q b/.sluice/state.db "SELECT count(*) FROM keyed_state WHERE pipeline = 'ev' AND transform = 'milestones' AND scope LIKE 'activated#%'")" \
  "$(grep -c '|activated|' "$T/g/expected.txt")"

# 3. a crash after the 2nd commit of the second run, then a rerun (the epoch is re-read from its start)
setup c
cp "$T/g/01.jsonl" "$T/g/02.jsonl" c/in/
assert_exit 0 "$SLUICE" -C c run
cp "$T/g/03.jsonl" "$T/g/04.jsonl" c/in/
set +e
SLUICE_FAILPOINTS="sink.after_commit=crash@2" "$SLUICE" -C c -q run >/dev/null 2>&1
crashed=$?
set -e
[ "$crashed" -ne 0 ] && ok || fail "the failpoint did not stop the run"
partial=$(q c/warehouse.db "SELECT count(*) FROM events")
[ "$partial" -lt $((rows + want_n)) ] && ok || fail "the crash came after everything was loaded ($partial rows)"
assert_exit 0 "$SLUICE" -C c run
accounting "$T/err" "" "resumed run"
check c "crash and rerun"

# 4. a crash in a single run's first epoch (nothing saved yet), then a rerun
setup d
cp "$T/g"/0*.jsonl d/in/
set +e
SLUICE_FAILPOINTS="sink.after_commit=crash@1" "$SLUICE" -C d -q run >/dev/null 2>&1
set -e
assert_exit 0 "$SLUICE" -C d run
check d "first-epoch crash and rerun"
assert_exit 0 "$SLUICE" -C d state reset ev --yes
assert_eq "state reset forgets the milestones' state" \
  "$(q d/.sluice/state.db "SELECT count(*) FROM keyed_state")" 0

# validate checks the rules' columns and settings
setup e
cp "$T/g/01.jsonl" e/in/
sed -i "s/first_time: \"event = 'Project Created'\"/first_time: \"evnt = 'Project Created'\"/" e/pipelines/ev.yml
assert_exit 1 "$SLUICE" -C e validate
assert_contains "unknown column in a rule" "evnt" "$T/err"
assert_contains "named with its place" "ev.yml:" "$T/err"
finish
