#!/usr/bin/env python3
"""compare.py CSV DB TABLE: the table holds exactly the CSV's rows, each once.
Prints 'rows=N missing=M duplicated=D changed=C' and exits 1 unless all are 0."""
import csv, sqlite3, sys
from collections import Counter

src, db, table = sys.argv[1:4]
with open(src, newline='') as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
want = Counter(tuple(r) for r in body)
con = sqlite3.connect(db)
cols = ','.join('"%s"' % c for c in header)
got = Counter()
for r in con.execute(f'SELECT {cols} FROM "{table}"'):
    got[tuple('' if v is None else str(v) for v in r)] += 1
missing = sum((want - got).values())
extra = got - want
duplicated = sum(c - 1 for k, c in got.items() if k in want and c > 1)
changed = sum(extra.values()) - duplicated
print(f'rows={sum(got.values())} missing={missing} duplicated={duplicated} changed={changed}')
sys.exit(0 if missing == 0 and duplicated == 0 and changed == 0 else 1)
