#!/bin/sh
# t0002: configuration errors stop before any work, name file:line:col,
# suggest the likely key, exit 2, and come as JSON with --json.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines
echo "name: p" > p/sluice.yml
cat > p/pipelines/a.yml <<'YML'
source:
  type: csv
  pth: data.csv
sinks:
  - {type: sqlite, table: t, mode: upsrt}
YML
assert_exit 2 "$SLUICE" -C p validate
assert_eq "messages" "$(sed "s|$T/||" "$T/err")" "p/pipelines/a.yml:2:3: csv source is missing required option 'path' (a file, a glob (data/*.csv) or a directory; .gz and .zst are read transparently)
p/pipelines/a.yml:3:3: unknown option 'pth' for csv source; did you mean 'path'?
p/pipelines/a.yml:5:36: sqlite sink option 'mode': 'upsrt' is not one of append|upsert|full_refresh; did you mean 'upsert'?"
assert_exit 2 "$SLUICE" -C p run
assert_eq "nothing ran" "$(ls p)" "pipelines
sluice.yml"
assert_exit 2 "$SLUICE" -C p --json validate
assert_eq "json error" "$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; print(e["code"], len(e["diagnostics"]), e["diagnostics"][1]["line"], e["diagnostics"][1]["column"])' "$T/out")" "config_invalid 3 3 3"
assert_exit 2 "$SLUICE" -C nowhere validate
assert_exit 2 "$SLUICE" rnu
assert_contains "command suggestion" "unknown command 'rnu'; did you mean 'run'?" "$T/err"
assert_exit 2 "$SLUICE" --bogus
finish
