#!/bin/sh
# t0088: the go-to-market e-mail, company, domain and Unicode text
# functions (gtm/gtm.h, docs/gtm/normalize.md) in a pipeline derive and
# filter (csv -> sqlite warehouse) and in a SQL model built on the SQLite
# warehouse: the values, NULL for what cannot be normalised, the counts
# (read = loaded + filtered), and companies/domains that are one account
# grouping to one key.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data p/models p/seeds
echo "name: p" > p/sluice.yml
cat > p/data/contacts.csv <<'CSV'
id,email,company,website,city
1,  Ann.Lee+promo@GMail.com ,"Acme, Inc.",https://www.acme.com/pricing,MÜNCHEN
2,ANN.LEE@gmail.com,ACME Inc,acme.com,München
3,Jane <jane@globex.co.uk>,Globex Corporation,http://shop.globex.co.uk:8080/,ESPAÑA
4,mailto:bob@initech.de,Initech GmbH & Co. KG,bob@Initech.DE,España
5,a@x.com; b@y.com,The Boring Company,co.uk,Łódź
6,jörg@MÜNCHEN.de,Müller AG,https://münchen.de/x,Straße
7,,Smith & Co.,,
CSV
cat > p/pipelines/contacts.yml <<'YML'
source: {type: csv, path: data/contacts.csv, columns: {id: int}}
transforms:
  - type: derive
    columns:
      email_n: normalize_email(email)
      email_c: canonical_email(email)
      email_d: email_domain(email)
      email_ok: is_valid_email(email)
      company_key: normalize_company(company)
      host: url_host(website)
      domain: registered_domain(website)
      city_key: unaccent(casefold(city))
      city_up: upper(city)
      city_low: lower(city)
  - {type: filter, where: "is_valid_email(email) = 1"}
sinks:
  - {type: sqlite, table: contacts}
YML
assert_exit 0 "$SLUICE" -C p run contacts --json
assert_contains "counts" "read 7, loaded 3, filtered 4, rejected 0" "$T/out"
W=p/warehouse.db
assert_eq "loaded rows" "$(q $W "select group_concat(id, ',') from (select id from contacts order by id)")" "1,2,6"
assert_eq "row 1" "$(q $W "select email_n, email_c, email_d, email_ok, company_key, host, domain, city_key, city_up, city_low from contacts where id = 1")" \
  "ann.lee+promo@gmail.com|annlee@gmail.com|gmail.com|1|acme|www.acme.com|acme.com|munchen|MÜNCHEN|münchen"
assert_eq "row 2" "$(q $W "select email_n, email_c, company_key, host, domain, city_key from contacts where id = 2")" \
  "ann.lee@gmail.com|annlee@gmail.com|acme|acme.com|acme.com|munchen"
assert_eq "row 6" "$(q $W "select email_n, email_d, company_key, domain, city_key, city_up from contacts where id = 6")" \
  "jörg@münchen.de|münchen.de|muller|münchen.de|strasse|STRAßE"
assert_eq "one person, one account" "$(q $W "select count(distinct email_c), count(distinct company_key), count(distinct domain) from contacts where id in (1, 2)")" "1|1|1"

# the same functions in a SQL model on the SQLite warehouse (over a seed,
# every row: the refused e-mails are NULL there, not filtered)
cp p/data/contacts.csv p/seeds/raw_contacts.csv
cat > p/models/accounts.sql <<'SQL'
{{ config(materialized='table') }}
select id,
       normalize_email(email) as email_n,
       canonical_email(email) as email_c,
       is_valid_email(email) as email_ok,
       normalize_company(company) as company_key,
       registered_domain(website) as domain,
       url_host(website) as host,
       unaccent(upper(city)) as city_key,
       lower(city) = lower(upper(city)) as case_roundtrip
from {{ ref('raw_contacts') }}
SQL
cat > p/models/account_keys.sql <<'SQL'
select company_key, count(*) as n from {{ ref('accounts') }} group by company_key
SQL
assert_exit 0 "$SLUICE" -C p build
assert_eq "model: refused e-mails are NULL, valid 0" \
  "$(q $W "select id, coalesce(email_n, 'NULL'), coalesce(email_c, 'NULL'), coalesce(email_ok, 'NULL') from accounts where id in (3, 4, 5, 7) order by id")" \
  "3|NULL|NULL|0
4|NULL|NULL|0
5|NULL|NULL|0
7|NULL|NULL|NULL"
assert_eq "model: company keys" "$(q $W "select group_concat(company_key || '=' || n, ';') from (select * from account_keys order by company_key)")" \
  "acme=2;boring=1;globex=1;initech=1;muller=1;smith=1"
assert_eq "model: domains and hosts" \
  "$(q $W "select id, coalesce(domain, 'NULL'), coalesce(host, 'NULL') from accounts order by id")" \
  "1|acme.com|www.acme.com
2|acme.com|acme.com
3|globex.co.uk|shop.globex.co.uk
4|initech.de|initech.de
5|NULL|co.uk
6|münchen.de|münchen.de
7|NULL|NULL"
assert_eq "model: Unicode upper and unaccent" \
  "$(q $W "select group_concat(city_key, ',') from (select city_key from accounts where city_key is not null order by id)")" \
  "MUNCHEN,MUNCHEN,ESPANA,ESPANA,LODZ,STRAßE"
assert_eq "model: lower(upper(x)) = lower(x)" "$(q $W "select count(*) from accounts where case_roundtrip = 1")" "6"
finish
