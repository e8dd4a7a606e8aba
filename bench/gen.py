#!/usr/bin/env python3
"""bench/gen.py: the benchmark data, deterministic and messy (stdlib only).

Writes into --out (default /tmp/benchdata, outside the repository):

  contacts.csv   --contacts rows (default 1,000,000) of a CRM export:
                 id,email,first_name,last_name,company,domain,phone,country,
                 lifecycle_stage,lead_score,created_at,updated_at
  events.jsonl   --events lines (default 2,000,000) of product analytics:
                 {"event", "user_id", "account_id", "ts", "properties": {...},
                  "context": {...}}

What makes it messy, on purpose (parsers and cleaners must do real work):
  contacts  e-mails in any case, with stray spaces or tabs, ~2 % invalid;
            phones in a dozen national and international formats, ~5 % empty;
            countries as names, ISO codes and local spellings in any case;
            company names with commas, doubled quotes and, rarely, a newline
            (RFC 4180 quoting); ~1 % re-exported ids with a later updated_at;
            ~1 % empty lead_score; a few timestamps without 'T' and 'Z'.
  events    ten event kinds with their own nested properties, optional
            context, ~2 % user ids that are null or numbers.

The same --seed gives the same bytes (Python 3.7+: random.Random is
specified to be reproducible for a seed).
usage: bench/gen.py [--out DIR] [--contacts N] [--events N] [--seed S]
"""
import argparse
import csv
import json
import os
import random
import time

GIVEN = ("Ada Alan Alice Amara Anders Anika Arjun Astrid Ben Bianca Camille Carlos Chen Chloe Dana "
         "Daniel Diego Elena Emeka Emma Farah Felix Fiona Grace Hana Hugo Ines Ivan Jack Jana "
         "Jonas Jose Julia Kai Kenji Lars Laura Leila Liam Lucia Mads Maria Mateo Mei Mia Nadia "
         "Nina Noah Olga Omar Oscar Paula Priya Rafael Rosa Ruth Sam Sara Sofia Tariq Tom Uma "
         "Vera Wei Yara Yusuf Zoe Zoë José Björn Søren Łucja François").split()
FAMILY = ("Abbott Almeida Andersen Bauer Becker Bianchi Brown Castro Chen Costa Dubois Eriksen "
          "Fernandes Fischer Garcia Gomez Hall Hansen Hoffmann Ito Jensen Kaur Khan Kim Kowalski "
          "Larsen Laurent Lee Lopez Martin Meyer Moreau Mueller Murphy Nakamura Nguyen Novak "
          "O'Brien Okafor Olsen Park Patel Perez Ricci Rossi Santos Schulz Silva Singh Smith "
          "Suzuki Tanaka Taylor Wagner Walsh Wang Weber Williams Wójcik Yamamoto Zhang "
          "van Dijk de la Cruz").split()
BRAND = ("Acorn Aether Amber Anchor Apex Arbor Argon Aspen Atlas Beacon Birch Bolt Borealis "
         "Cedar Cobalt Comet Coral Crest Delta Ember Fathom Fern Flint Forge Garnet Glacier Harbor "
         "Helix Horizon Indigo Iris Juniper Keystone Kestrel Lumen Lynx Maple Meridian Mosaic "
         "Nimbus Nova Oak Onyx Orbit Pine Prism Quartz Quill Raven Ridge River Sable Sage Slate "
         "Solstice Sparrow Summit Terra Tide Timber Topaz Vale Vertex Willow Zephyr").split()
TRADE = ("Analytics Bio Cloud Commerce Consulting Data Devices Dynamics Energy Foods Freight "
         "Health Insights Labs Logistics Media Metrics Networks Partners Payments Robotics "
         "Security Software Studio Systems Technologies Ventures Works").split()
FORM = ["", "", "", "", "", " Inc.", ", Inc.", " LLC", ", LLC", " Ltd", " Ltd.", " GmbH", " AG",
        " SA", " S.A.", " BV", " B.V.", " Oy", " AB", " plc", " Pty Ltd", " Corp.", " & Co."]
TLDS = ["com"] * 6 + ["io"] * 3 + ["co", "ai", "net", "de", "fr", "nl", "co.uk", "app", "dev"]
FREEMAIL = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me", "web.de"]
# canonical code, weight, spellings found in CRM exports
COUNTRY = [
    ("US", 38, ["US", "USA", "U.S.", "us", "United States", "United States of America", "UNITED STATES",
                " United States", "usa "]),
    ("GB", 10, ["GB", "UK", "U.K.", "United Kingdom", "Great Britain", "England", "uk", "gb"]),
    ("DE", 9, ["DE", "Germany", "Deutschland", "DEU", "germany", "de"]),
    ("FR", 7, ["FR", "France", "FRA", "france"]),
    ("CA", 6, ["CA", "Canada", "CAN", "canada"]),
    ("IN", 5, ["IN", "India", "IND", "india"]),
    ("NL", 4, ["NL", "Netherlands", "The Netherlands", "Holland", "Nederland"]),
    ("AU", 4, ["AU", "Australia", "AUS"]),
    ("BR", 3, ["BR", "Brazil", "Brasil"]),
    ("ES", 3, ["ES", "Spain", "España"]),
    ("SE", 2, ["SE", "Sweden", "Sverige"]),
    ("JP", 2, ["JP", "Japan", "日本"]),
    ("MX", 1, ["MX", "Mexico", "México"]),
    ("??", 2, ["", "N/A", "unknown", "-", "Other"]),
]
STAGE = (["lead"] * 30 + ["subscriber"] * 18 + ["marketingqualifiedlead"] * 14 + ["salesqualifiedlead"] * 10
         + ["opportunity"] * 9 + ["customer"] * 12 + ["evangelist"] * 2 + ["other", "Lead", "MQL", "SQL", ""])
EVENT = (["feature_used"] * 40 + ["page_viewed"] * 24 + ["signed_in"] * 11 + ["api_call"] * 10
         + ["invite_sent"] * 4 + ["export_created"] * 4 + ["signed_up"] * 2 + ["trial_started"] * 2
         + ["subscription_changed"] * 2 + ["error_shown"])
FEATURE = ["dashboard", "reports", "csv_import", "workflows", "sequences", "templates", "scoring",
           "enrichment", "dedupe", "segments", "forecasts", "pipeline", "calendar", "chat", "experiments",
           "api_keys", "webhooks", "sso", "billing", "audit_log"]
PLAN = ["free"] * 3 + ["starter"] * 2 + ["pro"] * 3 + ["business", "enterprise"]
PAGE = ["/", "/pricing", "/app", "/app/contacts", "/app/deals", "/app/reports", "/settings",
        "/settings/billing", "/integrations", "/docs", "/blog/clean-crm-data"]


def stamp(t, ms=None):
    s = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
    return s + ("Z" if ms is None else ".%03dZ" % ms)


def phone(r):
    a, b, c = r.randint(201, 989), r.randint(200, 999), r.randint(0, 9999)
    return r.choice((
        "+1 (%d) %d-%04d" % (a, b, c), "(%d) %d-%04d" % (a, b, c), "%d.%d.%04d" % (a, b, c),
        "%d-%d-%04d" % (a, b, c), "%d%d%04d" % (a, b, c), "+1%d%d%04d" % (a, b, c),
        "+1 %d %d %04d ext. %d" % (a, b, c, r.randint(1, 999)), "+44 20 %d %04d" % (b * 10 + c % 10, c),
        "+49 (0)30 %d%04d" % (b, c), "0049 89 %d %04d" % (b, c),
        "+33 1 %02d %02d %02d %02d" % (b % 100, c // 100, c % 100, a % 100), "+91 %d%d %04d" % (a, b % 100, c)))


def contacts(path, n, r):
    spellings = [s for _, w, ss in COUNTRY for s in [ss] * w]
    firms = []
    for i in range(15000):
        brand, trade = r.choice(BRAND), r.choice(TRADE)
        name = "%s %s%s" % (brand, trade, r.choice(FORM))
        k = r.random()
        if k < 0.005:
            name = 'The "%s" %s' % (brand, trade)
        elif k < 0.012:
            name = "%s, %s and Partners" % (brand, trade)
        firms.append((name, "%s%s%s.%s" % (brand.lower(), trade.lower(), "" if i < 8000 else i, r.choice(TLDS))))
    start, end = 1580515200, 1767225600  # 2020-02-01 .. 2026-01-01
    seen = []
    next_id = 5000001
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "email", "first_name", "last_name", "company", "domain", "phone", "country",
                    "lifecycle_stage", "lead_score", "created_at", "updated_at"])
        for _ in range(n):
            if seen and r.random() < 0.01:  # the same contact exported again, later
                row = list(r.choice(seen))
                row[1] = " " + row[1].lower() if r.random() < 0.5 else row[1].upper()
                row[9] = str(r.randint(0, 100))
                row[11] = stamp(min(end + 2592000, start + r.randint(0, end - start) + 86400))
                w.writerow(row)
                continue
            cid, next_id = next_id, next_id + (2 if r.random() < 0.03 else 1)
            given, family = r.choice(GIVEN), r.choice(FAMILY)
            firm, domain = r.choice(firms)
            if r.random() < 0.86:
                local = r.choice(("{0}.{1}", "{0:.1}{1}", "{0}", "{0}_{1}", "{0}{1}", "{1}.{0:.1}")).format(
                    given, family)
                email = (local + "@" + (domain if r.random() < 0.78 else r.choice(FREEMAIL))).replace(" ", "")
                case = r.random()
                email = email.lower() if case < 0.6 else email.upper() if case < 0.65 else email
            else:
                email = "%s%d@%s" % (given.lower(), r.randint(1, 99999), r.choice(FREEMAIL))
            pad = r.random()
            if pad < 0.05:
                email = " " + email
            elif pad < 0.08:
                email += "  "
            elif pad < 0.09:
                email = "\t%s " % email
            if r.random() < 0.02:
                email = r.choice((email.replace("@", ""), email.replace("@", "@@"), email.split("@")[0] + "@",
                                  email.rsplit(".", 1)[0], "n/a", "none", email + ".", email.replace("@", " at ")))
            created = start + r.randint(0, end - start)
            updated = min(end + 2592000, created + int(r.expovariate(1 / 5184000)))
            created_s = stamp(created)
            if r.random() < 0.02:
                created_s = created_s.replace("T", " ")[:-1]
            company = firm + ("\nc/o Accounts Payable" if r.random() < 0.0005 else "")
            family_s = family + ('\n"Jr."' if r.random() < 0.0002 else "")
            row = [str(cid), email, given, family_s, company, domain, "" if r.random() < 0.05 else phone(r),
                   r.choice(r.choice(spellings)), r.choice(STAGE),
                   "" if r.random() < 0.01 else str(int(r.betavariate(2, 5) * 100)), created_s, stamp(updated)]
            w.writerow(row)
            if len(seen) < 4000:
                seen.append(row)
            else:
                seen[r.randrange(4000)] = row


def properties(kind, r):
    plan = r.choice(PLAN)
    if kind == "feature_used":
        p = {"feature": r.choice(FEATURE), "duration_ms": int(r.expovariate(1 / 3500)), "plan": plan}
        if r.random() < 0.3:
            p["tags"] = r.sample(["beta", "mobile", "bulk", "ai", "shared", "keyboard"], r.randint(1, 3))
        if r.random() < 0.1:
            p["filters"] = {"stage": r.choice(STAGE[:80]), "min_score": r.randint(0, 90)}
        return p
    if kind == "page_viewed":
        return {"path": r.choice(PAGE), "referrer": r.choice(["", "google", "linkedin", "newsletter", "direct"]),
                "plan": plan}
    if kind == "api_call":
        return {"endpoint": r.choice(["/v1/contacts", "/v1/deals", "/v1/events", "/v2/search"]),
                "status": r.choice([200] * 28 + [201, 400, 401, 404, 409, 429, 500]),
                "latency_ms": int(r.expovariate(1 / 110)), "plan": plan}
    if kind == "subscription_changed":
        return {"from": plan, "to": r.choice(PLAN), "mrr_delta": round(r.uniform(-400, 1200), 2)}
    if kind == "export_created":
        return {"format": r.choice(["csv", "xlsx", "json"]), "rows": r.randint(1, 250000), "plan": plan}
    p = {"plan": plan}
    if r.random() < 0.5:
        p["method"] = r.choice(["password", "google", "sso", "magic_link"])
    return p


def events(path, n, r):
    start, span = 1767225600, 86400 * 150  # 2026-01-01, 150 days
    users, accounts = max(1000, n // 20), max(100, n // 200)
    enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with open(path, "w", encoding="utf-8") as f:
        out = []
        for i in range(n):
            kind, uid = r.choice(EVENT), r.randint(1, users)
            rec = {"event": kind, "user_id": "u_%07d" % uid, "account_id": "acc_%05d" % (uid % accounts + 1),
                   "ts": stamp(start + span * i // n + r.randint(0, 59), r.randint(0, 999)),
                   "properties": properties(kind, r)}
            if r.random() < 0.6:
                rec["context"] = {"ip": "%d.%d.%d.%d" % (r.randint(1, 223), r.randint(0, 255), r.randint(0, 255),
                                                         r.randint(1, 254)),
                                  "device": {"os": r.choice(["macOS", "Windows", "Linux", "iOS", "Android"]),
                                             "browser": r.choice(["Chrome", "Safari", "Firefox", "Edge"])},
                                  "locale": r.choice(["en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "ja-JP"])}
            if r.random() < 0.02:
                rec["user_id"] = None if r.random() < 0.5 else uid
            out.append(enc(rec))
            if len(out) == 10000:
                f.write("\n".join(out) + "\n")
                out = []
        if out:
            f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/benchdata")
    ap.add_argument("--contacts", type=int, default=1000000)
    ap.add_argument("--events", type=int, default=2000000)
    ap.add_argument("--seed", type=int, default=20261130)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if a.contacts:
        contacts(os.path.join(a.out, "contacts.csv"), a.contacts, random.Random(a.seed))
    if a.events:
        events(os.path.join(a.out, "events.jsonl"), a.events, random.Random(a.seed + 1))


if __name__ == "__main__":
    main()
