#!/usr/bin/env python3
"""compare.py CSV DB TABLE: the table holds exactly the CSV's rows, each once.
DB is an SQLite file or a postgresql:// URL (read back with psql; TABLE may
then be schema.table), or a CSV file a sink wrote (TABLE is ignored: its
columns are matched by the header). Prints 'rows=N missing=M duplicated=D changed=C' and
exits 1 unless all are 0."""
import csv, io, sqlite3, subprocess, sys
from collections import Counter

src, db, table = sys.argv[1:4]
with open(src, newline='') as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
want = Counter(map(tuple, body))
cols = ','.join('"%s"' % c for c in header)
got = Counter()
if db.endswith('.csv'):
    with open(db, newline='') as f:
        out = csv.DictReader(f)
        for r in out:
            got[tuple(r.get(c) or '' for c in header)] += 1
elif db.startswith('postgres'):
    qt = '.'.join('"%s"' % p for p in table.split('.'))
    out = subprocess.run(['psql', '-X', '-q', db, '-c', f'COPY (SELECT {cols} FROM {qt}) TO STDOUT WITH (FORMAT csv)'],
                         check=True, capture_output=True, text=True).stdout
    got.update(map(tuple, csv.reader(io.StringIO(out, newline=''))))
else:
    con = sqlite3.connect(db)
    # rows of text and NULL (NULL reads as '') counted as SQLite returns
    # them; the other rows (numbers, blobs) go through str() one by one
    texts = ' AND '.join(f'typeof("{c}") IN (\'text\', \'null\')' for c in header)
    plain = ','.join(f'ifnull("{c}", \'\')' for c in header)
    got.update(con.execute(f'SELECT {plain} FROM "{table}" WHERE {texts}'))
    for r in con.execute(f'SELECT {cols} FROM "{table}" WHERE NOT ({texts})'):
        got[tuple('' if v is None else str(v) for v in r)] += 1
if got == want:
    print(f'rows={sum(got.values())} missing=0 duplicated=0 changed=0')
    sys.exit(0)
missing = sum((want - got).values())
extra = got - want
duplicated = sum(c - 1 for k, c in got.items() if k in want and c > 1)
changed = sum(extra.values()) - duplicated
print(f'rows={sum(got.values())} missing={missing} duplicated={duplicated} changed={changed}')
sys.exit(0 if missing == 0 and duplicated == 0 and changed == 0 else 1)
