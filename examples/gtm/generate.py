#!/usr/bin/env python3
"""generate.py [--contacts N] [--events N] [--out DIR]: deterministic, messy
go-to-market data for the example project (stdlib only, seed fixed):

  data/crm/contacts.csv     CRM export: mixed-case e-mails with stray spaces,
                            phones in many formats, countries as names and
                            codes, companies with commas and quotes, duplicate
                            ids (re-exports with a later updated_at), a few
                            broken rows (bad ids, wrong field counts)
  data/accounts.json        accounts: {"data": {"accounts": [...]}}
  data/events/*.jsonl.gz    product events with nested properties, one file
                            per day, gzip-compressed, a few invalid lines
"""
import argparse, gzip, json, os, random

p = argparse.ArgumentParser()
p.add_argument('--contacts', type=int, default=5000)
p.add_argument('--events', type=int, default=20000)
p.add_argument('--out', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data'))
a = p.parse_args()
rnd = random.Random(20261122)
os.makedirs(os.path.join(a.out, 'crm'), exist_ok=True)
os.makedirs(os.path.join(a.out, 'events'), exist_ok=True)

first = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Jean', 'Tim', 'Zoë', 'José']
last = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen', 'Bartik', 'Lee']
companies = ['Acme, Inc.', 'Globex', 'Initech', 'The "Best" Co', 'Umbrella Corp', 'Hooli', 'Stark Industries',
             'Wayne Enterprises, LLC', 'Cyberdyne', 'Soylent']
countries = ['US', 'USA', 'United States', 'us', ' GB ', 'United Kingdom', 'DE', 'Germany', 'Deutschland', 'FR',
             'France', 'CA', 'Canada', 'JP']
stages = ['lead', 'mql', 'sql', 'opportunity', 'customer', 'Customer', 'LEAD']
phones = ['+1 (415) 555-{:04d}', '415.555.{:04d}', '(415) 555 {:04d}', '+44 20 7946 {:04d}', '4155550{:03d}', '']

n_acc = max(10, a.contacts // 20)
accounts = [{'account_id': f'acc_{i:05d}', 'name': rnd.choice(companies) + ('' if i < 10 else f' #{i}'),
             'plan': rnd.choice(['free', 'starter', 'pro', 'enterprise']),
             'mrr': round(rnd.uniform(0, 5000), 2), 'owner': {'name': rnd.choice(first), 'team': rnd.choice(['emea', 'amer'])},
             'created_at': f'2025-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}'} for i in range(n_acc)]
with open(os.path.join(a.out, 'accounts.json'), 'w') as f:
    json.dump({'data': {'accounts': accounts}, 'has_more': False}, f, indent=1)

with open(os.path.join(a.out, 'crm', 'contacts.csv'), 'w', newline='') as f:
    f.write('id,Email Address,first_name,last_name,company,phone,country,lifecycle_stage,lead_score,account_id,updated_at\n')
    for i in range(1, a.contacts + 1):
        cid = i if rnd.random() > 0.03 else rnd.randint(1, i)   # ~3% re-exports of earlier ids
        fn, ln = rnd.choice(first), rnd.choice(last)
        email = f'{fn}.{ln}{cid}@{rnd.choice(["acme.com", "globex.io", "gmail.com", "initech.co"])}'
        email = rnd.choice([email, email.upper(), ' ' + email + ' ', email.title()])
        if rnd.random() < 0.02:
            email = rnd.choice(['n/a', 'no-at-sign.com', 'two@@at.com', ''])
        comp = rnd.choice(companies)
        comp = '"' + comp.replace('"', '""') + '"' if (',' in comp or '"' in comp) else comp
        phone = rnd.choice(phones)
        phone = phone.format(rnd.randint(0, 999)) if phone else ''
        score = '' if rnd.random() < 0.02 else str(rnd.randint(0, 100))
        row = [str(cid), email, fn, ln, comp, phone, rnd.choice(countries), rnd.choice(stages), score,
               rnd.choice(accounts)['account_id'], f'2026-{rnd.randint(1, 10):02d}-{rnd.randint(1, 28):02d}T{rnd.randint(0, 23):02d}:00:00Z']
        if rnd.random() < 0.002:
            row[0] = 'ID-' + row[0]          # a broken id
        if rnd.random() < 0.002:
            row = row[:5]                    # a truncated row
        f.write(','.join(row) + '\n')

events = ['signed_in', 'feature_used', 'invited_user', 'subscription_changed', 'exported_report']
features = ['billing', 'calendar_sync', 'reports', 'api', 'sso']
per_day = max(1, a.events // 5)
for day in range(1, 6):
    path = os.path.join(a.out, 'events', f'2026-11-{day:02d}.jsonl.gz')
    with gzip.GzipFile(path, 'wb', mtime=0) as gz:
        for k in range(per_day):
            ev = rnd.choice(events)
            acc = rnd.choice(accounts)
            e = {'event': ev, 'user_id': f'u_{rnd.randint(1, a.contacts):06d}', 'account_id': acc['account_id'],
                 'ts': f'2026-11-{day:02d}T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:{rnd.randint(0, 59):02d}.{rnd.randint(0, 999):03d}Z',
                 'properties': {'feature': rnd.choice(features), 'duration_ms': rnd.randint(5, 5000)} if ev == 'feature_used'
                 else {'plan': acc['plan']},
                 'context': {'ip': f'10.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}',
                             'device': {'os': rnd.choice(['macOS', 'Windows', 'iOS']), 'browser': rnd.choice(['Chrome', 'Firefox', 'Safari'])}}}
            line = json.dumps(e, separators=(',', ':'))
            if rnd.random() < 0.001:
                line = line[: len(line) // 2]   # a truncated line
            gz.write((line + '\n').encode())
print(f'wrote {a.contacts} contacts, {n_acc} accounts, {per_day * 5} events into {a.out}')
