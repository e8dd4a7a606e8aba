#!/bin/sh
# t0040: the commands an operator needs during an incident (history, dlq
# list, state show, schema history, list) work when one pipeline file is
# broken or needs a ${VAR} this shell does not have: they leave that
# pipeline out, say which problem made them, and exit 0. Commands that run
# or change state still refuse an invalid project (exit 2).
. "$SRC/tests/cli/lib.sh"
assert_exit 0 "$SLUICE" init proj
assert_exit 0 "$SLUICE" -C proj run
# production secrets are not in the operator's shell
cat > proj/pipelines/crm.yml <<'YML'
source: {type: postgres, url: "${CRM_DATABASE_URL}", table: accounts}
sinks: [{type: sqlite, table: accounts}]
YML
printf 'source: {type: csv, path: x.csv\nsinks: [\n' > proj/pipelines/broken.yml
unset CRM_DATABASE_URL || true

assert_exit 2 "$SLUICE" -C proj run contacts
assert_exit 2 "$SLUICE" -C proj validate
assert_exit 2 "$SLUICE" -C proj state reset contacts --yes

assert_exit 0 "$SLUICE" -C proj history
assert_contains "history still lists the run" "contacts" "$T/out"
assert_contains "names the unset variable" "CRM_DATABASE_URL" "$T/err"
assert_contains "names the broken file" "broken.yml:" "$T/err"
assert_contains "says what it did" "left out" "$T/err"

assert_exit 0 "$SLUICE" -C proj --json history contacts
assert_eq "--json stays one document" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"]))' "$T/out")" 1

assert_exit 0 "$SLUICE" -C proj dlq list --pipeline contacts
assert_contains "dlq lists the rejected row" "x5" "$T/out"
assert_exit 0 "$SLUICE" -C proj state show contacts
# --wide shows whole values, as the cut table's hint says (a tester found it refused)
assert_exit 0 "$SLUICE" -C proj state show contacts --wide
assert_contains "state show --wide keeps the whole input path" "/proj/data/contacts.csv v1 " "$T/out"
assert_exit 0 "$SLUICE" -C proj schema history
assert_exit 0 "$SLUICE" -C proj list
assert_contains "list shows the valid pipeline" "contacts" "$T/out"
if grep -q "^crm " "$T/out"; then fail "list shows the skipped pipeline crm"; else ok; fi

# an after: that names a skipped pipeline is a note, not a failure
cat > proj/pipelines/report.yml <<'YML'
source: {type: sqlite, query: "SELECT count(*) AS n FROM contacts"}
sinks: [{type: sqlite, table: report}]
after: [crm]
YML
assert_exit 0 "$SLUICE" -C proj list
assert_contains "after: on a skipped pipeline" "no pipeline called 'crm'" "$T/err"
assert_contains "report listed" "report" "$T/out"

# once the shell has the variable and the broken file is gone, all is quiet
rm proj/pipelines/broken.yml
CRM_DATABASE_URL=postgresql://127.0.0.1:1/x assert_exit 0 "$SLUICE" -C proj history
if grep -q "warning" "$T/err"; then fail "a warning with a valid project: $(cat "$T/err")"; else ok; fi
finish
