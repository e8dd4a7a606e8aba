#!/usr/bin/env python3
"""bench/identity/gen.py: a generated sluice project for identity resolution
(docs/gtm/identity.md) with its ground truth, deterministic from --seed.

People have 1-2 CRM records (the same primary e-mail, typed with case and
whitespace typos), a product account (70%) under the primary e-mail or a
Gmail-dotted variant of it, 1-3 devices (anonymous ids) whose visits carry
the user id once logged in, and form fills with a secondary e-mail.
Traps: CRM records under a role inbox (info@ of their company) only; pairs
of people sharing a phone (a household); pairs sharing a family inbox on
their product accounts.

Writes OUT/seeds/{contacts,product_users,web_visits}.csv, OUT/models/people.yml,
OUT/sluice.yml and OUT/truth.csv: record_type, record_key, person, where a
record is a CRM contact (crm_id), a product user (user_id) or a device
(anonymous_id). bench/identity/eval.py derives the deterministic part from
them (records of a person connected by identifiers only that person uses).

  python3 bench/identity/gen.py --people 20000 --out /tmp/id [--seed 7]
"""
import argparse
import os
import random

FIRST = ["ann", "bob", "carl", "dana", "eve", "frank", "gina", "hugo", "ines", "jon", "kim", "lea", "max",
         "nora", "otto", "pia", "raj", "sara", "tom", "uma", "vic", "wei", "xena", "yuri", "zoe"]
LAST = ["smith", "meyer", "garcia", "rossi", "dubois", "novak", "kim", "tanaka", "silva", "olsen", "jansen",
        "kowalski", "nguyen", "haddad", "murphy"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=20000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(os.path.join(a.out, "seeds"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "models"), exist_ok=True)
    with open(os.path.join(a.out, "sluice.yml"), "w") as f:
        f.write("name: idbench\nwarehouse: {type: sqlite, path: warehouse.db}\n")
    with open(os.path.join(a.out, "models", "people.yml"), "w") as f:
        f.write("""type: identity
inputs:
  - from: contacts
    source: crm
    identifiers: {email: email, phone: phone, crm_id: id}
    seen_at: updated_at
    traits: [first_name]
  - from: product_users
    source: product
    identifiers: {email: email, user_id: user_id}
    seen_at: signed_up_at
  - from: web_visits
    source: web
    identifiers: {anonymous_id: anonymous_id, user_id: user_id, email: email}
    seen_at: visited_at
normalize: {email: canonical_email, phone: text}
shared_threshold: {default: 3, email: 1, user_id: 1}
""")
    contacts = open(os.path.join(a.out, "seeds", "contacts.csv"), "w")
    contacts.write("id,email,phone,first_name,updated_at\n")
    users = open(os.path.join(a.out, "seeds", "product_users.csv"), "w")
    users.write("user_id,email,signed_up_at\n")
    visits = open(os.path.join(a.out, "seeds", "web_visits.csv"), "w")
    visits.write("anonymous_id,user_id,email,visited_at\n")
    truth = open(os.path.join(a.out, "truth.csv"), "w")
    truth.write("record_type,record_key,person\n")

    def typo(e):
        r = rnd.random()
        if r < 0.2:
            return e.upper()
        if r < 0.35:
            return "  " + e.capitalize() + " "
        return e

    def ts(day):
        return "2026-%02d-%02d %02d:%02d:00" % (1 + day // 28 % 12, 1 + day % 28, rnd.randrange(24), rnd.randrange(60))

    crm = dev = 0
    households = []    # phone shared with the next person
    family = None      # (email) shared with the next product user
    for p in range(a.people):
        fn, ln = rnd.choice(FIRST), rnd.choice(LAST)
        company = "co%d.com" % rnd.randrange(max(1, a.people // 8))
        primary = "%s.%s.%d@%s" % (fn, ln, p, company)
        gm_local = "%s%s%d" % (fn, ln, p)
        secondary = "%s.%s@gmail.com" % (gm_local[:len(fn)], gm_local[len(fn):])  # dotted gmail
        phone = "+1415%07d" % p if rnd.random() < 0.6 else ""
        if households and rnd.random() < 0.5:
            phone = households.pop()
        elif phone and rnd.random() < 0.02:
            households.append(phone)
        # CRM records
        for k in range(1 if rnd.random() < 0.6 else 2):
            crm += 1
            role = rnd.random() < 0.01
            email = "info@" + company if role else typo(primary)
            contacts.write("c%d,%s,%s,%s,%s\n" % (crm, email, phone if (k == 0 or role) else "", fn, ts(p % 300)))
            truth.write("crm,c%d,%d\n" % (crm, p))
        # product account
        uid = None
        if rnd.random() < 0.7:
            uid = "u%d" % p
            if family is not None and rnd.random() < 0.5:
                email, family = family, None
            elif rnd.random() < 0.01:
                family = "family%d@gmail.com" % p
                email = family
            else:
                email = typo(primary if rnd.random() < 0.7 else "%s%s%d@gmail.com" % (fn, ln, p))
                if "@gmail.com" in email.lower():
                    email = typo(secondary)
            users.write("%s,%s,%s\n" % (uid, email, ts(p % 300 + 1)))
            truth.write("product,%s,%d\n" % (uid, p))
        # devices
        for d in range(rnd.randrange(1, 4)):
            dev += 1
            aid = "a%d" % dev
            for v in range(rnd.randrange(1, 5)):
                u = uid if (uid and rnd.random() < 0.5) else ""
                e = typo(secondary) if (not u and rnd.random() < 0.1) else ""
                visits.write("%s,%s,%s,%s\n" % (aid, u, e, ts(p % 300 + 2 + v)))
            truth.write("web,%s,%d\n" % (aid, p))
    for f in (contacts, users, visits, truth):
        f.close()


if __name__ == "__main__":
    main()
