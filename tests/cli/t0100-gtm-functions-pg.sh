# t0100: the GTM functions on a PostgreSQL warehouse give what they give on
# SQLite (a differential test): one table of inputs (e-mails, companies,
# hosts and URLs, countries in several languages and scripts, currencies,
# NULL) through every text/reference function, the same SQL models built
# on both warehouses, every cell compared. Also: the functions live in
# schema sluice (version marker), which is last on the search_path; a
# changed marker is reinstalled; two openers at once both succeed;
# phones raise a clear error on PostgreSQL.
. "$SRC/tests/cli/lib.sh"
URL=$(cat "${SLUICE_TEST_PGDIR:?run through ctest: its fixture starts PostgreSQL}/url")
export URL
pg() { psql -X -q -At "$URL" -c "$1"; }
pg "DROP SCHEMA IF EXISTS t100 CASCADE"
mkdir -p lite/models pgw
printf 'name: p\nwarehouse: {type: sqlite, path: warehouse.db}\n' > lite/sluice.yml
printf 'name: p\nwarehouse: {type: postgres, url: "${URL}", schema: t100}\n' > pgw/sluice.yml
python3 - lite/models/inputs.sql <<'PY'
import sys
cases = [
    # e-mails
    " Ann.Lee+promo@GMail.com ", "ann@x.io", "ANN@X.IO", "Jane <j@x.com>", "mailto:j@x.com", "a@x.com, b@y.com",
    "a@x.com;b@y.com", "a..b@x.com", ".a@x.com", "a@x", "a@x.c", "a@x.123", "a@-x.com", "a@x-.com", "@x.com",
    "a@", "a b@x.com", "jörg@bücher.de", "ÉLODIE@Exemple.FR", "a.b.c+tag+more@googlemail.com", "+tag@x.com",
    "x" * 64 + "@x.com", "x" * 65 + "@x.com", "a@" + "b" * 63 + ".com", "a@" + "b" * 64 + ".com",
    "o'brien@x.ie", "first_last{1}@x.org",
    # companies
    "Acme, Inc.", "ACME Inc", "The Boring Company", "Foo GmbH & Co. KG", "Bar S.p.A.", "McDonald's Corp.",
    "Société Générale S.A.", "Company", "Baz Sp. z o.o.", "AT&T Inc.", "Acme Co., Ltd.", "Incognito Labs",
    "ＡＣＭＥ ｉｎｃ", "Müller-Lüdenscheidt AG", "L.L.C.", "S.A. Foo S.A.",
    # letters with a stroke or bar that Unicode does not decompose (a fresh user found them apart)
    "Łódź Sp. z o.o.", "Øresund A/S", "Đuro Đaković d.d.", "Æbelø ApS", "Ħamrun Ltd", "ŦEST ŧ",
    # hosts and URLs
    "https://www.shop.example.co.uk/x", "HTTPS://user@Shop.Example.co.uk:8443/x?y#z", "foo.github.io", "co.uk",
    "localhost", "192.168.0.1", "[::1]:80", "www.ck", "a.b.kawasaki.jp", "city.kawasaki.jp", "jane@Acme.io",
    "//cdn.example.com/a.js", "example.com.", "exa_mple.com", "host:abc", "bücher.de/x", "a.b.c.unknowntld",
    # countries
    "Deutschland", "Allemagne", "GERMANY", "DEU", "276", "76", "UK", "U.S.A.", "Côte d'Ivoire", "cote-d'ivoire",
    "The Gambia", "España", "ESPAÑA", "Österreich", "日本", "Россия", "Nederland", "Brasil", "xx", "",
    # currencies
    "euro", "EUR", "978", "$", "€", "Japanese yen", "yen", "Pound Sterling", "Schweizer Franken", "RMB",
    # Unicode case and accents
    "Straße", "ÉCOLE", "İstanbul", "ﬁnance", "Ωmega", "  spaced  ",
]
rows = ["select 0 as id, cast(null as text) as v"]
for i, c in enumerate(cases, 1):
    rows.append("select %d, '%s'" % (i, c.replace("'", "''")))
open(sys.argv[1], "w").write("{{ config(materialized='table') }}\n" + "\nunion all\n".join(rows) + "\n")
PY
cat > lite/models/outputs.sql <<'SQL'
{{ config(materialized='table') }}
select id, v,
  normalize_email(v) as normalize_email, canonical_email(v) as canonical_email, email_domain(v) as email_domain,
  is_valid_email(v) as is_valid_email, lower(v) as lower_v, upper(v) as upper_v, casefold(v) as casefold,
  unaccent(v) as unaccent, normalize_company(v) as normalize_company, url_host(v) as url_host,
  registered_domain(v) as registered_domain, country_code(v) as country_code, country_name(v) as country_name,
  country_alpha3(v) as country_alpha3, currency_code(v) as currency_code, currency_name(v) as currency_name
from {{ ref('inputs') }}
SQL
cp -r lite/models pgw/
assert_exit 0 "$SLUICE" -C lite build
assert_exit 0 "$SLUICE" -C pgw build
psql -X -q "$URL" -c "COPY (SELECT * FROM t100.outputs ORDER BY id) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)" > pg.csv
python3 - lite/warehouse.db pg.csv <<'PY' && ok || fail "SQLite and PostgreSQL differ"
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cur = db.execute("select * from outputs order by id")
cols = [d[0] for d in cur.description]
lite = [["" if x is None else '"%s"' % x for x in r] for r in cur.fetchall()]
# PostgreSQL's csv: NULL is an empty unquoted field, a text is quoted
pgrows = []
for line in open(sys.argv[2], newline="").read().splitlines():
    pgrows.append(line)
def cells(line):
    out, i = [], 0
    while i <= len(line):
        if i < len(line) and line[i] == '"':
            j, s = i + 1, ""
            while True:
                if line[j] == '"' and j + 1 < len(line) and line[j + 1] == '"':
                    s += '"'; j += 2
                elif line[j] == '"':
                    break
                else:
                    s += line[j]; j += 1
            out.append('"%s"' % s); i = j + 2
        else:
            j = line.find(",", i)
            j = len(line) if j < 0 else j
            out.append(line[i:j]); i = j + 1
    return out
pg = [cells(l) for l in pgrows]
assert len(lite) == len(pg), (len(lite), len(pg))
bad = []
for a, b in zip(lite, pg):
    for k, (x, y) in enumerate(zip(a, b)):
        if k == 0:
            continue  # id: an integer on both, quoted by FORCE_QUOTE on one
        if x != y:
            bad.append("%s(%s): sqlite %s, postgres %s" % (cols[k], a[1], x, y))
nonnull = sum(1 for r in lite for x in r[2:] if x)
print("compared %d rows x %d functions, %d non-NULL results" % (len(lite), len(cols) - 2, nonnull))
assert nonnull > 400, nonnull
assert not bad, "\n".join(bad[:40])
PY
# a few values asserted outright (the differential test must not pass on two equal mistakes)
assert_eq "pg values" "$(pg "SET search_path = public, sluice; SELECT normalize_email(' Ann.Lee+promo@GMail.com '), canonical_email(' Ann.Lee+promo@GMail.com '),
  normalize_company('Acme, Inc.'), normalize_company('ACME Inc'), registered_domain('https://www.shop.example.co.uk/x'),
  country_code('Allemagne'), country_code('GERMANY'), country_code('Deutschland'), currency_code('euro'), unaccent('España')")" \
  "ann.lee+promo@gmail.com|annlee@gmail.com|acme|acme|example.co.uk|DE|DE|DE|EUR|Espana"
assert_eq "NULL in, NULL out" "$(pg "SET search_path = public, sluice; SELECT coalesce(normalize_email(NULL), 'null') || coalesce(country_code(NULL), 'null')")" "nullnull"
# where they live
assert_eq "marker" "$(pg "SELECT count(*) FROM sluice.functions_version")" "1"
assert_eq "search_path from sluice's connection" \
  "$("$SLUICE" -C pgw show --inline "select current_setting('search_path') as p" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"][0][0])')" \
  '"$user", public, sluice'
# phones: a clear error
assert_exit 1 "$SLUICE" -C pgw show --inline "select normalize_phone('+1 415 555 0100') as p"
assert_contains "phone error" "normalize_phone is not available in PostgreSQL models" "$T/err"
assert_contains "phone hint" "normalize transform" "$T/err"
# a changed version marker is replaced by the next opener; two at once both succeed
pg "UPDATE sluice.functions_version SET version = 'gtm-0 old'"
"$SLUICE" -C pgw show --inline "select country_code('Österreich') as c" > a.out 2> a.err &
A=$!
"$SLUICE" -C pgw show --inline "select country_code('Schweiz') as c" > b.out 2> b.err &
B=$!
wait $A && ok || fail "first opener: $(cat a.err)"
wait $B && ok || fail "second opener: $(cat b.err)"
assert_contains "first opener's answer" "AT" a.out
assert_contains "second opener's answer" "CH" b.out
assert_eq "reinstalled once" "$(pg "SELECT version FROM sluice.functions_version")" "$(pg "SELECT version FROM sluice.functions_version WHERE version LIKE 'gtm-%' AND version <> 'gtm-0 old'")"
assert_eq "one marker row" "$(pg "SELECT count(*) FROM sluice.functions_version")" "1"
finish
