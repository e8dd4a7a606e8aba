#!/bin/sh
# quickstart.sh: the README's first command. Installs what is missing
# (deps.txt), builds sluice, generates the example GTM data and runs the
# example project end to end into the embedded SQLite warehouse, then
# queries a few rows back. No server needed.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh tool build test
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
ex=examples/gtm
rm -rf "$ex/warehouse.db" "$ex/warehouse.db-wal" "$ex/warehouse.db-shm" "$ex/.sluice"
python3 "$ex/generate.py"
build/sluice -C "$ex" validate
build/sluice -C "$ex" run
echo
echo "== a few rows from the warehouse ($ex/warehouse.db)"
sqlite3 -header -column "$ex/warehouse.db" \
  "SELECT id, email, email_domain, country, lifecycle_stage, lead_score FROM contacts ORDER BY id LIMIT 5;"
echo
sqlite3 -header -column "$ex/warehouse.db" \
  "SELECT a.plan, count(DISTINCT e.account_id) AS accounts, count(*) AS feature_events
     FROM events e JOIN accounts a USING (account_id)
    WHERE e.event = 'feature_used' GROUP BY a.plan ORDER BY feature_events DESC;"
echo
build/sluice -C "$ex" history --limit 3
