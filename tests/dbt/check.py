#!/usr/bin/env python3
"""check.py BUILD (sqlite DB_PATH | postgres URL SCHEMA): compare every table
of tests/dbt/project in the warehouse with tests/dbt/expected/BUILD/*.csv,
rows sorted, NULL read as an empty field. Snapshot tables are read through
the queries below (wall-clock columns left out, see expected.py). Prints
one line per difference and exits 1 if there is any; prints "N tables
match" otherwise. Used by tests/cli/t0070 (SQLite) and t0071 (PostgreSQL).
"""
import csv, io, os, sqlite3, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
QUERIES = {
    'orders_snapshot': """
        select id, customer_id, status, amount_cents,
               substr(cast(dbt_updated_at as varchar), 1, 10) as dbt_updated_at,
               substr(cast(dbt_valid_from as varchar), 1, 10) as dbt_valid_from,
               case when dbt_valid_to is null then null
                    when id not in (select id from {s}raw_orders) then 'deleted'
                    else substr(cast(dbt_valid_to as varchar), 1, 10) end as dbt_valid_to
        from {s}orders_snapshot""",
    'customers_snapshot': """
        select id, first_name, email, country,
               case when dbt_valid_to is null then 1 else 0 end as is_current,
               dbt_is_deleted
        from {s}customers_snapshot""",
}


def run_sqlite(db, sql):
    con = sqlite3.connect(db)
    cur = con.execute(sql)
    head = [d[0] for d in cur.description]
    rows = [['' if v is None else str(v) for v in r] for r in cur.fetchall()]
    con.close()
    return head, rows


def run_pg(url, sql):
    p = subprocess.run(['psql', '-X', '-q', '--csv', url, '-c', sql], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip())
    lines = list(csv.reader(io.StringIO(p.stdout)))
    return lines[0], lines[1:]


def main():
    build, kind = sys.argv[1], sys.argv[2]
    if kind == 'sqlite':
        db = sys.argv[3]
        prefix = ''
        run = lambda sql: run_sqlite(db, sql)
    else:
        url, schema = sys.argv[3], sys.argv[4]
        prefix = '"%s".' % schema
        run = lambda sql: run_pg(url, sql)
    d = os.path.join(HERE, 'expected', build)
    bad = 0
    names = sorted(f[:-4] for f in os.listdir(d) if f.endswith('.csv'))
    for name in names:
        with open(os.path.join(d, name + '.csv'), newline='') as f:
            want = list(csv.reader(f))
        sql = QUERIES.get(name, 'select * from {s}%s' % name).format(s=prefix)
        try:
            head, rows = run(sql)
        except Exception as e:  # noqa: BLE001 - any failure is a difference to report
            print('%s: %s: query failed: %s' % (build, name, e))
            bad += 1
            continue
        if head != want[0]:
            print('%s: %s: columns %s, want %s' % (build, name, head, want[0]))
            bad += 1
            continue
        got, exp = sorted(rows), sorted(want[1:])
        if got != exp:
            print('%s: %s: rows differ\n  got  %s\n  want %s' % (build, name, got, exp))
            bad += 1
    # the ephemeral model is inlined, never built
    try:
        run('select * from %sstg_payments' % prefix)
        print('%s: stg_payments (ephemeral) exists in the warehouse' % build)
        bad += 1
    except Exception:  # noqa: BLE001 - the wanted outcome: no such relation
        pass
    if bad:
        sys.exit(1)
    print('%d tables match' % len(names))


main()
