#!/usr/bin/env python3
"""generate.py [--contacts N] [--events N] [--out DIR]: deterministic, messy
go-to-market data for the example project (stdlib only, seed fixed), and
the ground truth of who is who:

  data/crm/contacts.csv     CRM export: e-mails in mixed case with stray
                            spaces, phones in national and international
                            formats of 8 countries, countries as codes and
                            names in several languages ("Deutschland",
                            "Allemagne", "España"), companies spelt as the
                            account's name with its legal form in any
                            punctuation ("Acorn Data, Inc." / "ACORN DATA
                            INC"), shared inboxes (info@, sales@), duplicate
                            contacts of one person (a second CRM record with
                            the e-mail in other case, or a gmail address with
                            dots and the same phone in another format),
                            re-exported ids with a later updated_at, a few
                            broken rows (bad ids, wrong field counts)
  data/crm/opportunities.csv
                            opportunity_id, contact_id, account_id,
                            created_at, closed_at, stage (won|lost|open),
                            amount
  data/accounts.json        accounts: {"data": {"accounts": [...]}}, with
                            the company's website in several URL shapes
  data/product_users.csv    product sign-ups: user_id, email (the person's
                            CRM e-mail in other case/spaces, gmail dots, or
                            a private address nothing else knows), account_id,
                            signed_up_at, plan
  data/web_visits.jsonl     website sessions: anonymous_id (one per device),
                            user_id (NULL until the visitor logs in), email
                            (a form fill, mostly NULL), utm_source,
                            utm_medium, utm_campaign, channel, visited_at,
                            cost; plus visitors who never identify
  data/events/*.jsonl.gz    product events with nested properties, one file
                            per day, gzip-compressed, a few invalid lines
  data/truth/identity.csv   source,record_key,person_id: the person behind
                            every contact id, product user id and anonymous
                            id (what identity resolution should find; every
                            link is deterministic: a record shares a
                            normalised e-mail, phone, user id or anonymous
                            id with another record of its person, or its
                            person has no other record)
  data/truth/people.csv     person_id, email (as the person spells it; empty
                            for a visitor who never identifies), country
                            (alpha-2), account_id
"""
import argparse, csv, gzip, json, os, random, time

p = argparse.ArgumentParser()
p.add_argument('--contacts', type=int, default=5000)
p.add_argument('--events', type=int, default=20000)
p.add_argument('--out', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data'))
a = p.parse_args()
rnd = random.Random(20261122)
for d in ('crm', 'events', 'truth'):
    os.makedirs(os.path.join(a.out, d), exist_ok=True)

first = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Jean', 'Tim', 'Zoë', 'José']
last = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen', 'Bartik', 'Lee']
ascii_name = {'Zoë': 'Zoe', 'José': 'Jose'}
brands = ['Acorn', 'Apex', 'Atlas', 'Beacon', 'Cedar', 'Cobalt', 'Delta', 'Ember', 'Globex', 'Harbor', 'Helix',
          'Initech', 'Juniper', 'Lumen', 'Meridian', 'Nimbus', 'Orbit', 'Prism', 'Quartz', 'Summit', 'Umbrella']
trades = ['Data', 'Labs', 'Systems', 'Software', 'Analytics', 'Networks', 'Robotics', 'Foods', 'Media', 'Works']
# legal forms as the accounts table spells them, and how the CRM re-spells them
forms = [('Inc.', [' Inc.', ', Inc.', ' INC', ' inc']), ('LLC', [' LLC', ', LLC', ' llc']),
         ('Ltd', [' Ltd', ' Ltd.', ' LIMITED']), ('GmbH', [' GmbH', ' GMBH']), ('S.A.', [' S.A.', ' SA']),
         ('AG', [' AG']), ('B.V.', [' B.V.', ' BV']), ('', [''])]
tlds = ['com', 'com', 'io', 'co.uk', 'de', 'fr']
# alpha-2, spellings in the CRM, phone formats ({n}: a 4-digit number unique to the person)
countries = [
    ('US', ['US', 'USA', 'United States', 'united states', 'Vereinigte Staaten', 'États-Unis'],
     ['+1 (415) 555-{n}', '415.555.{n}', '(415) 555 {n}', '415-555-{n}', '+1 415 555 {n}']),
    ('CA', ['CA', 'Canada', 'CANADA', 'Kanada'], ['+1 (416) 555-{n}', '416 555 {n}', '416.555.{n}']),
    ('GB', [' GB ', 'UK', 'United Kingdom', 'Royaume-Uni', 'Vereinigtes Königreich'],
     ['+44 20 7946 {n}', '020 7946 {n}', '0044 20 7946 {n}', '(020) 7946-{n}']),
    ('DE', ['DE', 'Germany', 'Deutschland', 'Allemagne', 'GERMANY', 'DEU'],
     ['+49 30 1234{n}', '030 1234{n}', '(030) 1234-{n}', '+49 (0)30 1234 {n}']),
    ('FR', ['FR', 'France', 'Frankreich', 'FRANCE'],
     ['+33 1 42 {a} {b} 00', '01 42 {a} {b} 00', '01.42.{a}.{b}.00']),
    ('ES', ['ES', 'España', 'ESPAÑA', 'Spain', 'Espagne'], ['+34 915 {a} {b} 00', '915 {a} {b} 00', '915{a}{b}00']),
    ('JP', ['JP', 'Japan', 'Japon', 'JPN'], ['+81 3 1234 {n}', '03-1234-{n}', '03 1234 {n}']),
    ('BR', ['BR', 'Brazil', 'Brasil', 'Brésil'], ['+55 11 9{n} 0000', '(11) 9{n}-0000', '11 9{n}0000']),
]
stages = ['lead', 'mql', 'sql', 'opportunity', 'customer', 'Customer', 'LEAD']
channels = [  # channel, utm_source, utm_medium, campaigns, cost per visit (min, max)
    ('paid_search', 'google', 'cpc', ['brand_search', 'competitor_search'], (0.8, 4.5)),
    ('paid_social', 'linkedin', 'paid_social', ['abm_q4', 'webinar_dec'], (1.5, 6.0)),
    ('email', 'newsletter', 'email', ['nov_newsletter', 'product_update'], (0, 0)),
    ('organic', 'google', 'organic', [None], (0, 0)),
    ('direct', None, None, [None], (0, 0)),
    ('referral', 'g2', 'referral', ['g2_reviews'], (0, 0)),
]
channel_weights = [20, 14, 12, 24, 20, 10]
DAY = 86400
T0 = 1785542400  # 2026-08-01 00:00:00 UTC


def ts(t):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


def messy(email):
    """the same address as another system types it: case and stray spaces"""
    k = rnd.random()
    e = email.upper() if k < 0.15 else email.title() if k < 0.3 else email
    k = rnd.random()
    return ' ' + e if k < 0.1 else e + '  ' if k < 0.15 else e


def dotted(local):
    """gmail ignores dots: j.a.n.e.doe and janedoe are one mailbox"""
    out = ''
    for i, ch in enumerate(local):
        out += ch
        if i < len(local) - 1 and ch != '.' and local[i + 1] != '.' and rnd.random() < 0.3:
            out += '.'
    return out


# ---- accounts: a company, its domain and website
n_acc = max(10, a.contacts // 20)
accounts = []
for i in range(n_acc):
    brand, trade = brands[i % len(brands)], trades[(i // len(brands)) % len(trades)]
    base = f'{brand} {trade}' + ('' if i < len(brands) * len(trades) else f' {i}')
    form, spellings = forms[i % len(forms)]
    domain = f'{brand}{trade}{"" if i < len(brands) * len(trades) else i}.{tlds[i % len(tlds)]}'.lower()
    website = rnd.choice([f'https://www.{domain}/', f'http://{domain}', f'www.{domain}', f'https://shop.{domain}/pricing'])
    accounts.append({'account_id': f'acc_{i:05d}', 'name': base + (', ' + form if form == 'Inc.' else ' ' + form if form else ''),
                     'website': website,
                     'plan': rnd.choice(['free', 'starter', 'pro', 'enterprise']),
                     'mrr': round(rnd.uniform(0, 5000), 2), 'owner': {'name': rnd.choice(first), 'team': rnd.choice(['emea', 'amer'])},
                     'created_at': f'2025-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}',
                     '_base': base, '_spellings': spellings, '_domain': domain})
with open(os.path.join(a.out, 'accounts.json'), 'w') as f:
    json.dump({'data': {'accounts': [{k: v for k, v in acc.items() if not k.startswith('_')} for acc in accounts]},
               'has_more': False}, f, indent=1)

# ---- people: each has one CRM contact (some two), maybe a product login and devices on the website
truth = []          # (source, record_key, person_id)
people = []         # truth/people.csv rows
crm_rows = []       # contact rows before shuffling in re-exports
product_users = []
visits = []
opportunities = []
next_contact = 1
next_person = 1
on_web = set()      # contact ids whose person visited the website


def new_person():
    global next_person
    pid = f'p{next_person:06d}'
    next_person += 1
    return pid


for k in range(1, a.contacts + 1):
    pid = new_person()
    fn, ln = rnd.choice(first), rnd.choice(last)
    acc = rnd.choice(accounts)
    local = f'{ascii_name.get(fn, fn)}.{ln}{k}'.lower()
    personal = rnd.random() < 0.2
    email = f'{local}@gmail.com' if personal else f'{local}@{acc["_domain"]}'
    code, spellings, fmts = countries[k % len(countries)] if rnd.random() < 0.9 else rnd.choice(countries)
    num = f'{k % 10000:04d}'
    phone = rnd.choice(fmts).format(n=num, a=num[:2], b=num[2:]) if k < 10000 else ''
    kind = rnd.random()
    if kind < 0.01:    # a shared inbox typed in by sales: not this person's own address
        crm_email = rnd.choice(['info', 'sales', 'contact']) + '@' + acc['_domain']
    elif kind < 0.03:  # an address that is none
        crm_email = rnd.choice(['n/a', f'{local}.{acc["_domain"]}', f'{local}@@{acc["_domain"]}', f'Jane <{email}>', ''])
    else:
        crm_email = email
    reachable = crm_email == email  # can other systems' records be linked to this one?
    company = acc['_base'] + rnd.choice(acc['_spellings'])
    company = rnd.choice([company, company.upper(), company.lower()]) if rnd.random() < 0.4 else company
    cid = next_contact
    next_contact += 1
    crm_rows.append([cid, crm_email, fn, ln, company, phone, rnd.choice(spellings), rnd.choice(stages),
                     '' if rnd.random() < 0.02 else str(rnd.randint(0, 100)), acc['account_id']])
    truth.append(('contacts', str(cid), pid))
    people.append([pid, email if reachable else '', code, acc['account_id']])
    if reachable and rnd.random() < 0.05 and phone:  # a second CRM record of the same person
        cid2 = next_contact
        next_contact += 1
        if rnd.random() < 0.5:   # same address, typed differently
            e2, ph2 = messy(email), ''
        else:                    # a private gmail with dots, and the same phone in another format
            e2, ph2 = dotted(local) + '@gmail.com', rnd.choice(fmts).format(n=num, a=num[:2], b=num[2:])
        crm_rows.append([cid2, e2, fn, ln, company, ph2, rnd.choice(spellings), rnd.choice(stages),
                         str(rnd.randint(0, 100)), acc['account_id']])
        truth.append(('contacts', str(cid2), pid))
    if not reachable:
        continue
    devices = []
    if rnd.random() < 0.6:  # uses the product
        uid = f'u_{cid:06d}'
        private = rnd.random() < 0.1
        if private:            # signed up with a private address nothing else knows ...
            pe = f'{ascii_name.get(fn, fn).lower()}{k * 7 % 9973}@proton.me'
        elif personal:
            pe = messy(dotted(local) + '@gmail.com') if rnd.random() < 0.5 else messy(email)
        else:
            pe = messy(email)
        signed = T0 + rnd.randint(0, 60) * DAY + rnd.randint(0, DAY - 1)
        product_users.append([uid, pe, acc['account_id'], ts(signed), rnd.choice(['free', 'starter', 'pro', 'enterprise'])])
        truth.append(('product_users', uid, pid))
        for _ in range(rnd.randint(1, 3)):
            devices.append(('login', uid))
        if private:            # ... but once filled a form on the website with the work address, then logged in
            devices.append(('bridge', uid))
    elif rnd.random() < 0.4:
        devices.append(('form', None))
    if devices:
        on_web.add(cid)
    for how, uid in devices:
        anon = f'anon_{rnd.getrandbits(48):012x}'
        truth.append(('web_visits', anon, pid))
        n = rnd.randint(1, 5) if how != 'bridge' else max(2, rnd.randint(1, 5))
        start = T0 + rnd.randint(0, 70) * DAY
        ident = rnd.randrange(n)
        for j in range(n):
            ch = rnd.choices(channels, channel_weights)[0]
            name, src, med, camps, (lo, hi) = ch
            v = {'anonymous_id': anon, 'user_id': None, 'email': None, 'utm_source': src, 'utm_medium': med,
                 'utm_campaign': rnd.choice(camps), 'channel': name,
                 'visited_at': ts(start + j * rnd.randint(DAY // 2, 6 * DAY) + rnd.randint(0, 3600)),
                 'cost': round(rnd.uniform(lo, hi), 2) if hi else 0}
            if how == 'login' and j >= ident:
                v['user_id'] = uid
            elif how == 'form' and j == ident:
                v['email'] = messy(email)
            elif how == 'bridge':
                if j == 0:
                    v['email'] = messy(email)
                elif j == n - 1:
                    v['user_id'] = uid
            visits.append(v)

# sign-ups the CRM has not seen yet, and visitors who never identify: people of their own
for k in range(max(5, a.contacts // 20)):
    pid = new_person()
    uid = f'u_new{k:05d}'
    pe = f'trial{k}@{rnd.choice(accounts)["_domain"]}'
    product_users.append([uid, messy(pe), '', ts(T0 + rnd.randint(0, 90) * DAY),
                          'free'])
    truth.append(('product_users', uid, pid))
    people.append([pid, pe, '', ''])
for k in range(max(10, a.contacts // 10)):
    pid = new_person()
    anon = f'anon_{rnd.getrandbits(48):012x}'
    truth.append(('web_visits', anon, pid))
    people.append([pid, '', '', ''])
    for j in range(rnd.randint(1, 3)):
        name, src, med, camps, (lo, hi) = rnd.choices(channels, channel_weights)[0]
        visits.append({'anonymous_id': anon, 'user_id': None, 'email': None, 'utm_source': src, 'utm_medium': med,
                       'utm_campaign': rnd.choice(camps), 'channel': name,
                       'visited_at': ts(T0 + rnd.randint(0, 95) * DAY + rnd.randint(0, DAY - 1)),
                       'cost': round(rnd.uniform(lo, hi), 2) if hi else 0})

# ---- opportunities: about one contact in eight (mostly people the website
# knows), created after their first visits
for n, row in enumerate(r for r in crm_rows if rnd.random() < (0.16 if r[0] in on_web else 0.03)):
    created = T0 + rnd.randint(60, 100) * DAY + rnd.randint(0, DAY - 1)
    stage = rnd.choices(['won', 'lost', 'open'], [4, 3, 3])[0]
    closed = ts(created + rnd.randint(3, 40) * DAY) if stage != 'open' else ''
    opportunities.append([f'opp_{n + 1:05d}', row[0], row[9], ts(created), closed, stage,
                          f'{rnd.choice([5, 8, 12, 20, 35, 60]) * 1000 + rnd.randint(0, 99) * 10}'])

# ---- write the CRM export: rows in order, ~3% re-exported later, a few broken
with open(os.path.join(a.out, 'crm', 'contacts.csv'), 'w', newline='') as f:
    f.write('id,Email Address,first_name,last_name,company,phone,country,lifecycle_stage,lead_score,account_id,updated_at\n')

    def q(s):
        return '"' + s.replace('"', '""') + '"' if (',' in s or '"' in s) else s

    written = []
    for r in crm_rows:
        if written and rnd.random() < 0.03:   # an earlier contact exported again
            old = list(rnd.choice(written))
            old[1] = messy(old[1].strip()) if '@' in old[1] else old[1]
            written.append(old)
            rows = [old, r]
        else:
            rows = [r]
        for row in rows:
            out = [str(row[0]), q(messy(row[1]) if row is r and '@' in row[1] and '<' not in row[1] else row[1]),
                   row[2], row[3], q(row[4]), row[5], q(row[6]), row[7], row[8], row[9],
                   f'2026-{rnd.randint(1, 10):02d}-{rnd.randint(1, 28):02d}T{rnd.randint(0, 23):02d}:00:00Z']
            if rnd.random() < 0.002:
                out[0] = 'ID-' + out[0]          # a broken id
            if rnd.random() < 0.002:
                out = out[:5]                    # a truncated row
            f.write(','.join(out) + '\n')
        written.append(r)

with open(os.path.join(a.out, 'crm', 'opportunities.csv'), 'w', newline='') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow(['opportunity_id', 'contact_id', 'account_id', 'created_at', 'closed_at', 'stage', 'amount'])
    w.writerows(opportunities)
with open(os.path.join(a.out, 'product_users.csv'), 'w', newline='') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow(['user_id', 'email', 'account_id', 'signed_up_at', 'plan'])
    w.writerows(product_users)
visits.sort(key=lambda v: (v['visited_at'], v['anonymous_id']))
with open(os.path.join(a.out, 'web_visits.jsonl'), 'w') as f:
    for v in visits:
        f.write(json.dumps(v, ensure_ascii=False, separators=(',', ':')) + '\n')
with open(os.path.join(a.out, 'truth', 'identity.csv'), 'w', newline='') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow(['source', 'record_key', 'person_id'])
    w.writerows(truth)
with open(os.path.join(a.out, 'truth', 'people.csv'), 'w', newline='') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow(['person_id', 'email', 'country', 'account_id'])
    w.writerows(people)

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
print(f'wrote {len(crm_rows)} contacts ({a.contacts} people), {n_acc} accounts, {len(product_users)} product users, '
      f'{len(visits)} web visits, {len(opportunities)} opportunities, {per_day * 5} events into {a.out}')
