#!/bin/sh
# bench/normalize/run.sh: what the GTM normalisers cost in a pipeline
# (issue #14). bench/gen.py's 1M-contact CSV (e-mails in any case with
# stray spaces, phones in a dozen national and international formats,
# countries as codes and names in several languages, companies with legal
# forms) loaded into SQLite twice, alternating RUNS times each after one
# warm-up of each (bench/lib.sh measure_pair):
#   plain   the same four columns cleaned the old way: lower(trim(email)),
#           trim(phone), upper(trim(country)), trim(company)
#   gtm     normalize_email(email), normalize_phone(phone,
#           country_code(country)), country_code(country),
#           normalize_company(company)
# Prints Markdown: the medians of wall time, CPU and peak RSS, rows/s, the
# ratio, and how many values each normaliser recognised (non-NULL).
# usage: [SLUICE=build/sluice] bench/normalize/run.sh [--runs N]
#   SLUICE unset: builds a release sluice first (bench/lib.sh build_sluice).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
RUNS=3
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift ;;
    *) echo "usage: bench/normalize/run.sh [--runs N]" >&2; exit 2 ;;
  esac
  shift
done
WORK=${WORK:-/tmp/sluice-bench-normalize}
. "$root/bench/lib.sh"
if [ -z "${SLUICE:-}" ]; then build_sluice; fi
bench_data
C=$DATA/contacts.csv
rm -rf "$WORK"
for v in plain gtm; do
  mkdir -p "$WORK/$v/pipelines"
  echo "name: bench" > "$WORK/$v/sluice.yml"
done
cat > "$WORK/plain/pipelines/load.yml" <<YML
source: {type: csv, path: $C, infer_types: false}
transforms:
  - type: derive
    columns:
      email: lower(trim(email))
      phone: trim(phone)
      country: upper(trim(country))
      company: trim(company)
sinks: [{type: sqlite, table: contacts}]
YML
cat > "$WORK/gtm/pipelines/load.yml" <<YML
source: {type: csv, path: $C, infer_types: false}
transforms:
  - type: derive
    columns:
      email: normalize_email(email)
      phone: normalize_phone(phone, country_code(country))
      country: country_code(country)
      company: normalize_company(company)
sinks: [{type: sqlite, table: contacts}]
YML
reset() { echo "rm -rf $WORK/$1/warehouse.db* $WORK/$1/.sluice"; }
measure_pair plain "$(reset plain); $SLUICE -C $WORK/plain -q run load" \
  gtm "$(reset gtm); $SLUICE -C $WORK/gtm -q run load" > "$WORK/results.txt"

# both loaded every row; what the normalisers recognised
rows_plain=$(sqlite3 "$WORK/plain/warehouse.db" 'select count(*) from contacts')
rows_gtm=$(sqlite3 "$WORK/gtm/warehouse.db" 'select count(*) from contacts')
[ "$rows_plain" = "$rows_gtm" ] || { echo "bench: the loads differ: $rows_plain vs $rows_gtm rows" >&2; exit 1; }
found=$(sqlite3 "$WORK/gtm/warehouse.db" "select count(email), count(phone), count(country), count(company),
  (select count(distinct company) from contacts), (select count(distinct country) from contacts) from contacts" | tr '|' ' ')
raw=$(sqlite3 "$WORK/plain/warehouse.db" "select count(distinct company), count(distinct country),
  (select count(*) from contacts where phone <> '') from contacts" | tr '|' ' ')

awk -v runs="$RUNS" -v rows="$rows_gtm" -v found="$found" -v raw="$raw" '
  {w[$1]=$2; c[$1]=$3; m[$1]=$4}
  END {
    split(found, f, " "); split(raw, r, " ")
    printf "## Normalising 1M contacts (issue #14, `bench/normalize/run.sh --runs %d`)\n\n", runs
    printf "bench/gen.py'"'"'s 1M-contact CSV -> SQLite (%d rows), medians of %d alternating runs each.\n\n", rows, runs
    print "| pipeline | wall s | rows/s (wall) | CPU s | rows per CPU s | peak RSS MB |"
    print "|---|---:|---:|---:|---:|---:|"
    printf "| plain: lower/trim/upper of e-mail, phone, country, company | %.2f | %.0f | %.2f | %.0f | %d |\n", w["plain"], rows / w["plain"], c["plain"], rows / c["plain"], m["plain"]
    printf "| gtm: normalize_email, normalize_phone(phone, country_code(country)), country_code, normalize_company | %.2f | %.0f | %.2f | %.0f | %d |\n", w["gtm"], rows / w["gtm"], c["gtm"], rows / c["gtm"], m["gtm"]
    printf "\nThe normalisers cost %.2fx the plain pipeline'"'"'s wall time and %.2fx its CPU time.\n", w["gtm"] / w["plain"], c["gtm"] / c["plain"]
    printf "Recognised: %d e-mails, %d phones (E.164) of %d non-empty, %d countries (ISO codes), %d companies; ", f[1], f[2], r[3], f[3], f[4]
    printf "distinct companies %d -> %d keys, distinct countries %d spellings -> %d codes.\n", r[1], f[5], r[2], f[6]
  }' "$WORK/results.txt"
