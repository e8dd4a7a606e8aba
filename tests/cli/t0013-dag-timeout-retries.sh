# t0013: after: dependencies (cycle and unknown-name errors, dependency
# order, --with-upstream / --with-downstream, a failed upstream skips its
# downstream), timeout: (status timeout; the rerun loads every row exactly
# once) and retries: (attempts with backoff, recorded in the history).
. "$SRC/tests/cli/lib.sh"

mkdir -p p/pipelines p/data
echo "name: p" > p/sluice.yml
printf 'id,email\n1,a@x.io\n2,b@x.io\n' > p/data/c.csv
cat > p/pipelines/contacts.yml <<'YML'
source: {type: csv, path: data/c.csv}
sinks: [{type: sqlite, table: contacts}]
YML
cat > p/pipelines/report.yml <<'YML'
source: {type: sqlite, query: "SELECT COUNT(*) AS n FROM contacts"}
sinks: [{type: sqlite, table: report}]
after: [contacts]
YML
cat > p/pipelines/a_export.yml <<'YML'
source: {type: sqlite, query: "SELECT n FROM report"}
sinks: [{type: jsonl, path: out/export.jsonl}]
after: [report]
YML

# dependency order (upstreams first, not alphabetical)
assert_exit 0 "$SLUICE" -C p list
assert_eq "list order" "$(awk 'NR>1 {print $1}' "$T/out" | tr '\n' ' ')" "contacts report a_export "
assert_contains "list shows after" "after report" "$T/out"

# --with-upstream runs the chain in order; --with-downstream too
assert_exit 0 "$SLUICE" -C p --json run a_export --with-upstream
assert_eq "upstream order" "$(grep -o '"pipeline":"[a-z_]*"' "$T/out" | tr '\n' ' ')" \
  '"pipeline":"contacts" "pipeline":"report" "pipeline":"a_export" '
assert_exit 0 "$SLUICE" -C p --json run report --with-downstream
assert_eq "downstream order" "$(grep -o '"pipeline":"[a-z_]*"' "$T/out" | tr '\n' ' ')" \
  '"pipeline":"report" "pipeline":"a_export" '
assert_exit 0 "$SLUICE" -C p --json run report
assert_eq "alone" "$(grep -o '"pipeline":"[a-z_]*"' "$T/out" | tr '\n' ' ')" '"pipeline":"report" '

# a failed upstream: its downstream is skipped, exit 1
mv p/data/c.csv p/data/c.bak
assert_exit 1 "$SLUICE" -C p run a_export --with-upstream
assert_contains "skipped" "report: skipped: upstream contacts did not succeed" "$T/err"
assert_contains "skipped transitively" "a_export: skipped: upstream report did not succeed" "$T/err"
mv p/data/c.bak p/data/c.csv

# errors: a cycle is named; an unknown upstream gets a suggestion
cat > p/pipelines/contacts.yml <<'YML'
source: {type: csv, path: data/c.csv}
sinks: [{type: sqlite, table: contacts}]
after: [a_export]
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "cycle named" "pipelines/contacts.yml:3:9: dependency cycle: contacts -> report -> a_export -> contacts" "$T/err"
cat > p/pipelines/contacts.yml <<'YML'
source: {type: csv, path: data/c.csv}
sinks: [{type: sqlite, table: contacts}]
after: [reprot]
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "unknown upstream" "pipelines/contacts.yml:3:9: after: no pipeline called 'reprot'; did you mean 'report'?" "$T/err"
rm p/pipelines/a_export.yml p/pipelines/report.yml

# timeout: a load cancelled mid-way ends as 'timeout'; a rerun completes it exactly once
ROWS=${ROWS:-200000}
python3 "$SRC/tests/cli/gen_contacts.py" "$ROWS" p/data/big.csv
cat > p/pipelines/contacts.yml <<'YML'
source: {type: csv, path: data/big.csv, columns: {id: int}}
sinks: [{type: sqlite, table: big}]
timeout: 1s
batch_rows: 4096
YML
# each batch waits 50 ms before it is written: about 2.5 s in all
SLUICE_FAILPOINTS=sink.before_data=sleep50 assert_exit 1 "$SLUICE" -C p --json run contacts
assert_contains "status timeout" '"status":"timeout"' "$T/out"
assert_contains "timeout message" 'timed out after 1s' "$T/out"
loaded=$(q p/warehouse.db 'SELECT COUNT(*) FROM big')
[ "$loaded" -gt 0 ] && [ "$loaded" -lt "$ROWS" ] && ok || fail "the timed-out run kept $loaded rows (want some, not all)"
sed -i 's/^timeout: 1s$/timeout: 10m/' p/pipelines/contacts.yml
assert_exit 0 "$SLUICE" -C p --json run contacts
assert_contains "resumed" '"resumed":true' "$T/out"
assert_eq "rows once" "$(q p/warehouse.db 'SELECT COUNT(*), COUNT(DISTINCT id) FROM big')" "$ROWS|$ROWS"
assert_exit 0 "$SLUICE" -C p --json history contacts
assert_contains "history has timeout" '"status":"timeout"' "$T/out"

# retries: 1 + 2 attempts, the wait doubling (1s, 2s), every attempt in the history
cat > p/pipelines/flaky.yml <<'YML'
source: {type: csv, path: data/missing.csv}
sinks: [{type: sqlite, table: flaky}]
retries: {attempts: 2, backoff: 1s}
YML
start=$(date +%s)
assert_exit 1 "$SLUICE" -C p run flaky
took=$(( $(date +%s) - start ))
assert_contains "retry logged" "flaky: attempt 1 of 3 failed (failed); retrying in 1s" "$T/err"
assert_contains "second retry" "flaky: attempt 2 of 3 failed (failed); retrying in 2s" "$T/err"
[ "$took" -ge 3 ] && ok || fail "retries waited ${took}s, want >= 3s"
assert_exit 0 "$SLUICE" -C p --json history flaky
assert_eq "three attempts" "$(grep -o '"status":"failed"' "$T/out" | wc -l)" 3
cat > p/pipelines/flaky.yml <<'YML'
source: {type: csv, path: data/c.csv}
sinks: [{type: sqlite, table: flaky}]
retries: {attempts: 2, backoff: 1m, tries: 3}
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "retries keys" "retries: unknown key 'tries' (attempts, backoff)" "$T/err"
finish
