#!/bin/sh
# quickstart.sh: the README's first command. Installs what is missing
# (deps.txt), builds sluice, generates the example GTM data and runs the
# example project end to end (`sluice build`: the three loading pipelines,
# the seeds, the models, the snapshot, the data tests, then the reverse-ETL
# pipeline reading the lead_scores mart) into the embedded SQLite
# warehouse, with their data checks (one fails on purpose, as a warning),
# then queries a few rows back and shows the checks, a column profile and
# the monitors (docs/QUALITY.md). No server needed.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh tool build test
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
ex=examples/gtm
rm -rf "$ex/warehouse.db" "$ex/warehouse.db-wal" "$ex/warehouse.db-shm" "$ex/.sluice" "$ex/target" "$ex/out"
python3 "$ex/generate.py"
build/sluice -C "$ex" validate
build/sluice -C "$ex" build
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
echo "== the account_health mart: the five least healthy accounts"
sqlite3 -header -column "$ex/warehouse.db" \
  "SELECT account_id, plan, seats, active_users, usage_trend, days_since_last_activity AS idle_days, health_score
     FROM account_health ORDER BY health_score, account_id LIMIT 5;"
echo
echo "== lead_scores by band, and what the reverse-ETL pipeline sent ($ex/out/crm_lead_scores.jsonl)"
sqlite3 -header -column "$ex/warehouse.db" \
  "SELECT score_band, count(*) AS contacts, min(lead_score) AS min_score, max(lead_score) AS max_score
     FROM lead_scores GROUP BY score_band ORDER BY min_score DESC;"
head -3 "$ex/out/crm_lead_scores.jsonl"
echo
build/sluice -C "$ex" history --limit 3
echo
echo "== data checks on the warehouse tables (monitors/warehouse.yml, the models' and pipelines' warehouse checks)"
build/sluice -C "$ex" check
echo
echo "== the contacts pipeline's column profile, and the first monitors (they train on the first runs)"
build/sluice -C "$ex" profile contacts
build/sluice -C "$ex" monitors contacts | head -8
