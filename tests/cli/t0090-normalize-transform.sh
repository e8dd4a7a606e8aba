#!/bin/sh
# t0090: the `normalize` transform (transforms/normalize.c): columns
# rewritten as E.164 phones (region from each row's country, normalised
# first, else the fixed region), ISO countries and currencies; on_invalid:
# reject sends a row to the DLQ with the column, the value, what it is not
# and the row's line, counted as rejected (read = loaded + filtered +
# rejected; a NULL stays NULL); null (the default) sets NULL; keep keeps the original; an
# unknown kind is a config error with file:line:col and a did-you-mean;
# `sluice validate` names a missing column.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data
echo "name: norm" > p/sluice.yml
cat > p/data/leads.csv <<'CSV'
id,phone,country,currency
1,(415) 555-0100,USA,$
2,030 123456,Deutschland,euro
3,not a phone,France,EUR
4,+44 20 7946 0958,,£
5,06 12 34 56 78,Frankreich,doubloons
6,,Atlantis,USD
CSV
cat > p/pipelines/strict.yml <<'YML'
source: {type: csv, path: data/leads.csv}
transforms:
  - type: normalize
    columns: {country: country, phone: phone, currency: currency}
    region: US
    region_column: country
    on_invalid: reject
sinks:
  - {type: sqlite, table: strict}
YML
sed -e 's/on_invalid: reject/on_invalid: null/' -e 's/table: strict/table: lenient/' p/pipelines/strict.yml > p/pipelines/lenient.yml
sed -e 's/on_invalid: reject/on_invalid: keep/' -e 's/table: strict/table: kept/' p/pipelines/strict.yml > p/pipelines/kept.yml
W=p/warehouse.db
assert_exit 0 "$SLUICE" -C p validate
assert_exit 0 "$SLUICE" -C p run strict
assert_contains "reject: read = loaded + filtered + rejected" "strict: success  read 6, loaded 3, filtered 0, rejected 3" "$T/err"
assert_eq "reject: the rows that normalise" \
  "$(q $W "select group_concat(id || '|' || country || '|' || phone || '|' || currency, ' ') from (select id, coalesce(country, 'NULL') as country, phone, currency from strict order by id)")" \
  "1|US|+14155550100|USD 2|DE|+4930123456|EUR 4|NULL|+442079460958|GBP"
assert_exit 0 "$SLUICE" -C p --json dlq list --pipeline strict
assert_eq "DLQ: stage, line, reason per rejected row" "$(python3 -c '
import json, sys
for r in sorted(json.load(open(sys.argv[1]))["rejected"], key=lambda r: r["line"]):
    print(r["stage"], r["line"], r["reason"])' "$T/out")" \
"normalize 4 column 'phone': 'not a phone' is not a phone number (region FR)
normalize 6 column 'currency': 'doubloons' is not a currency
normalize 7 column 'country': 'Atlantis' is not a country"
assert_exit 0 "$SLUICE" -C p run lenient
assert_contains "null: nothing rejected" "lenient: success  read 6, loaded 6, filtered 0, rejected 0" "$T/err"
assert_eq "null: what cannot be normalised is NULL; the fixed region when the row has no country" \
  "$(q $W "select group_concat(id || '|' || coalesce(country, 'NULL') || '|' || coalesce(phone, 'NULL') || '|' || coalesce(currency, 'NULL'), ' ') from (select * from lenient order by id)")" \
  "1|US|+14155550100|USD 2|DE|+4930123456|EUR 3|FR|NULL|EUR 4|NULL|+442079460958|GBP 5|FR|+33612345678|NULL 6|NULL|NULL|USD"
assert_exit 0 "$SLUICE" -C p run kept
assert_eq "keep: the original value stays" \
  "$(q $W "select group_concat(id || '|' || coalesce(country, 'NULL') || '|' || coalesce(phone, 'NULL') || '|' || coalesce(currency, 'NULL'), ' ') from (select * from kept order by id)")" \
  "1|US|+14155550100|USD 2|DE|+4930123456|EUR 3|FR|not a phone|EUR 4|NULL|+442079460958|GBP 5|FR|+33612345678|doubloons 6|Atlantis|NULL|USD"
# config errors: an unknown kind (file:line:col, did you mean), a bad region, a missing column
cat > p/pipelines/bad.yml <<'YML'
source: {type: csv, path: data/leads.csv}
transforms:
  - type: normalize
    columns: {phone: phnoe, country: country}
    region: Narnia
sinks:
  - {type: sqlite, table: bad}
YML
assert_exit 2 "$SLUICE" -C p validate
assert_contains "unknown kind" "bad.yml:4:22" "$T/err"
assert_contains "did you mean" "unknown kind 'phnoe' for column 'phone'; did you mean 'phone'?" "$T/err"
assert_contains "bad region, at the transform" "bad.yml:3:5: normalize: region 'Narnia' is not a country" "$T/err"
cat > p/pipelines/bad.yml <<'YML'
source: {type: csv, path: data/leads.csv}
transforms:
  - type: normalize
    columns: {mobile: phone}
sinks:
  - {type: sqlite, table: bad}
YML
assert_exit 1 "$SLUICE" -C p validate
assert_contains "missing column" "bad.yml:4:23: transform normalize: no column 'mobile'" "$T/err"
assert_exit 0 "$SLUICE" help normalize
assert_contains "help lists on_invalid" "on_invalid" "$T/out"
finish
