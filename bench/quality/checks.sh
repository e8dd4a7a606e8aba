#!/bin/sh
# bench/quality/checks.sh: a 20-check suite (monitors/NAME.yml, run by
# `sluice check`) on a ROWS-row warehouse table (default 10,000,000), on
# SQLite and on PostgreSQL, beside the same checks written by hand as SQL
# queries run by sqlite3 / psql (what a hand-written dbt test or a cron job
# of queries costs). Markdown lines on stdout; RUNS runs each (median).
# usage: bench/quality/checks.sh [ROWS] [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
ROWS=${1:-10000000}
RUNS=${2:-3}
WORK=${WORK:-/tmp/sluice-bench-checks}
PGDIR=/tmp/sluice-bench-checks-pg
. "$root/bench/lib.sh"
build_sluice
rm -rf "$WORK"; mkdir -p "$WORK/lite/monitors" "$WORK/pg/monitors"

# the table: ids, accounts (1000), e-mails (2 % NULL, a few bad), countries,
# amounts, events, timestamps within the last day
echo "name: checksbench" > "$WORK/lite/sluice.yml"
sqlite3 "$WORK/lite/warehouse.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT);
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 1000)
INSERT INTO accounts SELECT i, 'Account ' || i FROM g;
CREATE TABLE orders (id INTEGER, account_id INTEGER, email TEXT, country TEXT, amount REAL, event TEXT, ts TEXT);
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < $ROWS)
INSERT INTO orders SELECT i, 1 + i % 1000,
  CASE WHEN i % 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
  CASE i % 5 WHEN 0 THEN 'DE' WHEN 1 THEN 'US' WHEN 2 THEN 'FR' WHEN 3 THEN 'GB' ELSE 'ES' END,
  (i % 10000) / 10.0,
  CASE i % 3 WHEN 0 THEN 'order' WHEN 1 THEN 'refund' ELSE 'renewal' END,
  strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || (i % 86400) || ' seconds') FROM g;
CREATE TABLE order_totals AS SELECT sum(amount) AS total FROM orders;
SQL

cat > "$WORK/checks.yml" <<'YML'
monitors:
  - table: orders
    checks:
      - not_null: {column: id}
      - not_null: {column: account_id}
      - unique: {column: id}
      - null_rate: {column: email, max: 0.05}
      - duplicate_rate: {column: email, max: 0.01}
      - accepted_values: {column: country, values: [DE, US, FR, GB, ES]}
      - accepted_values: {column: event, values: [order, refund, renewal]}
      - regex: {column: email, pattern: '^[^@\s]+@[^@\s]+\.[a-z]{2,}$'}
      - range: {column: amount, min: 0, max: 10000}
      - length: {column: email, min: 3, max: 254}
      - format: {name: email_format, column: email, format: email}
      - format: {name: country_iso, column: country, format: iso_country}
      - expression: {expression: "amount >= 0 AND account_id > 0"}
      - relationships: {column: account_id, to: accounts, field: id}
      - equal_aggregates: {expression: sum(amount), compare_to: order_totals, compare_expression: sum(total), tolerance: 0.000001}
      - row_count: {min: 1000}
      - freshness: {column: ts, warn_after: 1d, error_after: 2d}
      - schema: {columns: {id: integer, account_id: integer, email: text, country: text, amount: real, event: text, ts: text}}
      - required_columns: {columns: [id, email, country, amount]}
      - sql: {sql: "SELECT * FROM orders WHERE event = 'refund' AND amount > 9999.9"}
YML
cp "$WORK/checks.yml" "$WORK/lite/monitors/orders.yml"

# the same 20 checks as hand-written queries (one statement each)
cat > "$WORK/lite.sql" <<'SQL'
SELECT count(*) FROM orders WHERE id IS NULL;
SELECT count(*) FROM orders WHERE account_id IS NULL;
SELECT count(*) FROM (SELECT id FROM orders WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1);
SELECT avg(email IS NULL) FROM orders;
SELECT 1.0 - count(DISTINCT email) * 1.0 / count(email) FROM orders;
SELECT count(*) FROM orders WHERE country NOT IN ('DE','US','FR','GB','ES');
SELECT count(*) FROM orders WHERE event NOT IN ('order','refund','renewal');
SELECT count(*) FROM orders WHERE email NOT LIKE '%_@_%._%';
SELECT count(*) FROM orders WHERE amount < 0 OR amount > 10000;
SELECT count(*) FROM orders WHERE length(email) < 3 OR length(email) > 254;
SELECT count(*) FROM orders WHERE email NOT LIKE '%_@_%._%';
SELECT count(*) FROM orders WHERE country NOT IN ('DE','US','FR','GB','ES');
SELECT count(*) FROM orders WHERE NOT (amount >= 0 AND account_id > 0);
SELECT count(*) FROM orders o WHERE account_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = o.account_id);
SELECT (SELECT sum(amount) FROM orders) - (SELECT sum(total) FROM order_totals);
SELECT count(*) FROM orders;
SELECT max(ts) FROM orders;
SELECT name, type FROM pragma_table_info('orders');
SELECT 1;
SELECT count(*) FROM orders WHERE event = 'refund' AND amount > 9999.9;
SQL

echo "## 20 checks on a table of $ROWS rows (median of $RUNS runs)"
echo
RUNS=$RUNS
measure "sqlite_sluice_check" "'$SLUICE' -C '$WORK/lite' -q check >/dev/null 2>&1; test \$? -le 1"
measure "sqlite_hand_sql" "sqlite3 '$WORK/lite/warehouse.db' < '$WORK/lite.sql' >/dev/null"

"$root/scripts/pg-test-server.sh" start "$PGDIR" >&2
trap '"$root/scripts/pg-test-server.sh" stop "$PGDIR"' EXIT
URL=$(cat "$PGDIR/url")
export URL
PSQL="psql -X -q $URL"
printf 'name: checksbench\nwarehouse: {type: postgres, url: "${URL}"}\n' > "$WORK/pg/sluice.yml"
cp "$WORK/checks.yml" "$WORK/pg/monitors/orders.yml"
sed -i 's/amount: real/amount: double precision/; s/ts: text/ts: timestamp/' "$WORK/pg/monitors/orders.yml"
$PSQL <<SQL
DROP TABLE IF EXISTS orders, accounts, order_totals;
CREATE TABLE accounts (id integer PRIMARY KEY, name text);
INSERT INTO accounts SELECT i, 'Account ' || i FROM generate_series(1, 1000) i;
CREATE TABLE orders (id bigint, account_id integer, email text, country text, amount double precision, event text, ts timestamp);
INSERT INTO orders SELECT i, 1 + i % 1000,
  CASE WHEN i % 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
  (ARRAY['ES','DE','US','FR','GB'])[1 + i % 5],
  (i % 10000) / 10.0,
  (ARRAY['order','refund','renewal'])[1 + i % 3],
  now()::timestamp - (i % 86400) * interval '1 second' FROM generate_series(1, $ROWS) i;
CREATE TABLE order_totals AS SELECT sum(amount) AS total FROM orders;
ANALYZE;
SQL
sed -e "s/FROM pragma_table_info('orders')/FROM information_schema.columns WHERE table_name = 'orders'/" \
    -e "s/avg(email IS NULL)/avg((email IS NULL)::int)/" "$WORK/lite.sql" > "$WORK/pg.sql"
measure "postgres_sluice_check" "'$SLUICE' -C '$WORK/pg' -q check >/dev/null 2>&1; test \$? -le 1"
measure "postgres_hand_sql" "psql -X -q '$URL' -f '$WORK/pg.sql' >/dev/null"
