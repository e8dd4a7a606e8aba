#!/usr/bin/env python3
"""gen_contacts.py N OUT: deterministic messy contacts CSV for the crash tests
(quoted commas, doubled quotes, embedded newlines, unicode, empty values)."""
import csv, random, sys

n, out = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(42)
companies = ['Acme, Inc.', 'The "Best" Co', 'Umlaut Gmbh \u00fc', 'Plain', 'Two\nLines Ltd', '']
with open(out, 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['id', 'email', 'company', 'score', 'note'])
    for i in range(1, n + 1):
        w.writerow([i, f'user{i}@example.com', rnd.choice(companies),
                    '' if i % 97 == 0 else rnd.randint(0, 100), 'x' * rnd.randint(0, 40)])
