#!/bin/sh
# t0075: the check functions are expression functions too, registered on
# the expression engine's connection: regexp() / REGEXP (PCRE2, UTF-8) and
# sl_format_valid() in a real pipeline's filter and derive; a bad pattern
# and a pattern that backtracks catastrophically stop the run with an
# error naming the pattern, never a silent pass or a hang.
. "$SRC/tests/cli/lib.sh"
mkdir -p p/pipelines p/data
echo "name: p" > p/sluice.yml
printf 'id,email,code,country,cur\n1,a@x.com,AB-1,US,USD\n2,bad,ab-2,XX,usd\n3,,AB-3,DE,EUR\n4,ünï@exämple.de,AB-44,GB,JPY\n' > p/data/c.csv
cat > p/pipelines/c.yml <<'YML'
source: {type: csv, path: data/c.csv}
transforms:
  - {type: filter, where: "code REGEXP '^AB-[0-9]+$'"}
  - type: derive
    columns:
      email_ok: sl_format_valid('email', email)
      country_ok: sl_format_valid('iso_country', country)
      cur_ok: sl_format_valid('iso_currency', cur)
      two_digits: regexp('^AB-\d{2}$', code)
      one_char: regexp('^.$', substr(email, 3, 1))
sinks:
  - {type: sqlite, table: contacts}
YML
assert_exit 0 "$SLUICE" -C p run c
assert_contains "counts" "read 4, loaded 3, filtered 1, rejected 0" "$T/err"
assert_eq "rows" "$(q p/warehouse.db "SELECT id, coalesce(email_ok, 'null'), country_ok, cur_ok, two_digits, coalesce(one_char, 'null') FROM contacts ORDER BY id")" "1|1|1|1|0|1
3|null|1|1|0|null
4|1|1|1|1|1"

# a bad pattern: the run fails naming the pattern and PCRE2's message
sed -i "s/'^AB-\[0-9\]+\$'/'^AB-([0-9]+'/" p/pipelines/c.yml
assert_exit 1 "$SLUICE" -C p run c
assert_contains "bad pattern" "regexp: pattern '^AB-([0-9]+' is not a valid regular expression: missing closing parenthesis at offset 11" "$T/err"

# catastrophic backtracking hits PCRE2's match limit: an error, not a hang or a pass
printf 'id,code\n1,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\n' > p/data/a.csv
cat > p/pipelines/a.yml <<'YML'
source: {type: csv, path: data/a.csv}
transforms:
  - {type: filter, where: "regexp('^(a+)+$', code) = 0"}
sinks:
  - {type: sqlite, table: a}
YML
assert_exit 1 "$SLUICE" -C p run a
assert_contains "match limit" "regexp: pattern '^(a+)+\$' could not be matched against a value (match limit exceeded)" "$T/err"

# an unknown format is an error too
cat > p/pipelines/f.yml <<'YML'
source: {type: csv, path: data/c.csv}
transforms:
  - type: derive
    columns: {ok: "sl_format_valid('phone', email)"}
sinks:
  - {type: sqlite, table: f}
YML
assert_exit 1 "$SLUICE" -C p run f
assert_contains "unknown format" "sl_format_valid: unknown format 'phone' (email, e164, iso_country, iso_currency, url, uuid, date)" "$T/err"
finish
