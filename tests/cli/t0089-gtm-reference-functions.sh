#!/bin/sh
# t0089: the phone, country and currency functions (gtm/phone.cc,
# gtm/country.c) in a pipeline's derive and filter, and in a SQL model on
# the SQLite warehouse: numbers of several regions to E.164 (with each
# row's country as the default region), countries in several languages
# and forms to alpha-2/alpha-3, currencies by name, symbol and numeric
# code; NULL in, NULL out; values that do not normalise give NULL.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/models p/data
cat > p/sluice.yml <<'YML'
name: gtm_ref
YML
cat > p/data/contacts.csv <<'CSV'
id,phone,country,currency
1,(415) 555-0100,USA,$
2,030 123456,Deutschland,Euro
3,06 12 34 56 78,Frankreich,978
4,+44 20 7946 0958,United Kingdom,£
5,0412 345 678,AUS,AUD
6,call me,ESPAÑA,Peseta Coin
7,,Atlantis,
8,090-1234-5678,日本,円
CSV
cat > p/pipelines/contacts.yml <<'YML'
source: {type: csv, path: data/contacts.csv}
transforms:
  - type: derive
    columns:
      country_iso: country_code(country)
      phone_e164: normalize_phone(phone, coalesce(country_code(country), 'US'))
      phone_kind: phone_type(phone, country_code(country))
      currency_iso: currency_code(currency)
  - type: filter
    where: country_code(country) is not null   # Atlantis is not
sinks:
  - {type: sqlite, table: contacts}
YML
cat > p/models/contact_countries.sql <<'SQL'
{{ config(materialized='table') }}
select id,
       country_alpha3(country) as alpha3,
       country_name(country_iso) as name,
       phone_region(phone_e164) as phone_country,
       phone_is_valid(phone_e164) as valid,
       currency_name(currency_iso) as currency_name
from {{ ref('contacts') }}
SQL
assert_exit 0 "$SLUICE" -C p run contacts
assert_contains "read = loaded + filtered + rejected" "[read 8, loaded 7, filtered 1, rejected 0" "$T/out"
W=p/warehouse.db
assert_eq "phones to E.164 with the row's country as region" \
  "$(q $W "select group_concat(id || '=' || coalesce(phone_e164, 'NULL'), ' ') from (select * from contacts order by id)")" \
  "1=+14155550100 2=+4930123456 3=+33612345678 4=+442079460958 5=+61412345678 6=NULL 8=+819012345678"
assert_eq "phone types" \
  "$(q $W "select group_concat(coalesce(phone_kind, 'NULL'), ' ') from (select * from contacts order by id)")" \
  "fixed_line_or_mobile fixed_line mobile fixed_line mobile NULL mobile"
assert_eq "countries in several languages and forms" \
  "$(q $W "select group_concat(coalesce(country_iso, 'NULL'), ' ') from (select * from contacts order by id)")" \
  "US DE FR GB AU ES JP"
assert_eq "currencies by symbol, name, numeric code" \
  "$(q $W "select group_concat(coalesce(currency_iso, 'NULL'), ' ') from (select * from contacts order by id)")" \
  "USD EUR EUR GBP AUD NULL JPY"
# the SQL model on the SQLite warehouse
assert_exit 0 "$SLUICE" -C p build -s contact_countries
assert_eq "model: alpha-3, names, phone regions, validity, currency names" \
  "$(q $W "select group_concat(id || ':' || coalesce(alpha3, 'NULL') || ':' || coalesce(name, 'NULL') || ':' || coalesce(phone_country, 'NULL') || ':' || coalesce(valid, 'NULL') || ':' || coalesce(currency_name, 'NULL'), ' | ') from (select * from contact_countries order by id)")" \
  "1:USA:United States:US:1:US Dollar | 2:DEU:Germany:DE:1:Euro | 3:FRA:France:FR:1:Euro | 4:GBR:United Kingdom:GB:1:Pound Sterling | 5:AUS:Australia:AU:1:Australian Dollar | 6:ESP:Spain:NULL:NULL:NULL | 8:JPN:Japan:JP:1:Yen"
finish
