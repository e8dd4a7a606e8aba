#!/bin/sh
# quickstart.sh: the README's first command. Installs what is missing
# (deps.txt), builds sluice, generates the example GTM data and runs the
# example project end to end (`sluice build`: the loading pipelines with
# the GTM normalisers, the seeds, the SQL models, the snapshot, the typed
# models (identity, attribution, lead score, lifecycle), the data tests,
# then the reverse-ETL pipeline reading the marts) into the embedded SQLite
# warehouse, with their data checks (one fails on purpose, as a warning),
# then queries a few rows of each output back and shows the checks, a
# column profile and the monitors (docs/QUALITY.md, docs/gtm/README.md).
# Then the real-time events example (examples/events/run.sh): `sluice serve`
# fed by Segment's official Node.js client, with an e-mail trigger to a
# local test mail receiver. No server to install.
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
echo "== a few rows from the warehouse ($ex/warehouse.db): contacts normalised by the pipeline"
sqlite3 -header -column "$ex/warehouse.db" \
  "SELECT id, email, country, country_code, phone, phone_e164, company_key FROM contacts ORDER BY id LIMIT 5;"
echo
echo "== feature use by plan (the events pipeline's lookup added account_plan), and the busiest account-days (aggregate)"
sqlite3 -header -column "$ex/warehouse.db" \
  "SELECT account_plan AS plan, count(DISTINCT account_id) AS accounts, count(*) AS feature_events
     FROM events WHERE event = 'feature_used' GROUP BY account_plan ORDER BY feature_events DESC;"
sqlite3 -header -column "$ex/warehouse.db" \
  "SELECT account_id, day, events, active_users, feature_uses FROM daily_account_activity
    ORDER BY events DESC, account_id, day LIMIT 3;"
echo
echo "== identity resolution (models/gtm/people.yml): the people with the most records, and the map by identifier type"
sqlite3 -header -column "$ex/warehouse.db" \
  "SELECT entity_id, records, identifiers, first_name, last_name, country_code FROM people ORDER BY records DESC, entity_id LIMIT 5;"
sqlite3 -header -column "$ex/warehouse.db" \
  "SELECT identifier_type, status, count(*) AS identifiers, count(DISTINCT entity_id) AS entities
     FROM people_map GROUP BY 1, 2 ORDER BY 1, 2;"
echo
echo "== attribution (models/gtm/attribution.yml): won revenue by channel, three of the seven models"
sqlite3 -header -column "$ex/warehouse.db" \
  "SELECT channel,
          round(sum(CASE WHEN model = 'first_touch' THEN revenue END)) AS first_touch,
          round(sum(CASE WHEN model = 'linear' THEN revenue END)) AS linear,
          round(sum(CASE WHEN model = 'w_shaped' THEN revenue END)) AS w_shaped
     FROM attribution GROUP BY channel ORDER BY linear DESC;"
echo
echo "== lead scores (models/gtm/lead_score.yml) and lifecycle stages (models/gtm/lifecycle.yml)"
sqlite3 -header -column "$ex/warehouse.db" \
  "SELECT contact_id, score, grade, is_mql, mql_at, contributions FROM lead_score ORDER BY score DESC, contact_id LIMIT 3;"
sqlite3 -header -column "$ex/warehouse.db" \
  "SELECT stage, count(*) AS contacts FROM lifecycle GROUP BY stage ORDER BY min(stage_index);"
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
echo
echo "== real-time events (examples/events, docs/events/README.md): sluice serve takes a product session"
echo "   from Segment's own Node.js client, loads Segment's tables, and e-mails at each activation milestone"
sh examples/events/run.sh
