#!/bin/sh
# t0006: incremental new_files through the CLI, --full-refresh re-reads
# everything, and an interrupted run is resumed by the next one.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/in
echo "name: p" > p/sluice.yml
printf 'id,v\n1,a\n2,b\n' > p/in/1.csv
cat > p/pipelines/inc.yml <<'YML'
source: {type: csv, path: in/*.csv, incremental: new_files}
sinks: [{type: sqlite, table: t, mode: upsert, key: [id]}]
YML
assert_exit 0 "$SLUICE" -C p --json run
assert_contains "first run" '"rows_loaded":2' "$T/out"
assert_exit 0 "$SLUICE" -C p --json run
assert_contains "nothing new" '"rows_read":0' "$T/out"
printf 'id,v\n3,c\n' > p/in/2.csv
gzip -k p/in/2.csv && rm p/in/2.csv && mv p/in/2.csv.gz p/in/2.csv
assert_exit 0 "$SLUICE" -C p --json run
assert_contains "the new gzip file only" '"rows_loaded":1' "$T/out"
assert_exit 0 "$SLUICE" -C p --json run --full-refresh
assert_contains "full refresh reads all" '"rows_read":3' "$T/out"
assert_eq "upserted" "$(q p/warehouse.db 'select count(*) from t')" 3
finish
