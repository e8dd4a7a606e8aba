#!/usr/bin/env python3
"""bench/identity/eval.py: pair precision and recall of an identity model's
output (PROJECT/warehouse.db: people_map) against bench/identity/gen.py's
truth (PROJECT/truth.csv).

Records are CRM contacts, product users and devices, each found in the map
by its key identifier (crm_id, user_id, anonymous_id); a record whose key is
not linked is an entity of its own. Pairs of records in one predicted
entity are scored against the truth:
  precision  = true pairs predicted / pairs predicted
  recall     = true pairs predicted / true pairs
  recall_det = the same over the deterministic part: pairs of a person's
               records connected by identifiers that person alone uses
               (role inboxes info@... never count as a person's own)
  python3 bench/identity/eval.py /tmp/id
"""
import collections
import csv
import os
import sqlite3
import sys

ROLES = {"info", "sales", "support", "contact", "hello", "admin", "office", "team", "billing", "marketing"}


def canon(e):
    e = e.strip().lower()
    if "@" not in e:
        return None
    local, dom = e.split("@", 1)
    local = local.split("+", 1)[0]
    if dom in ("gmail.com", "googlemail.com"):
        local, dom = local.replace(".", ""), "gmail.com"
    return local + "@" + dom


def pairs(groups):
    return sum(n * (n - 1) // 2 for n in groups.values())


def main():
    d = sys.argv[1]
    person = {}
    for r in csv.DictReader(open(os.path.join(d, "truth.csv"))):
        person[(r["record_type"], r["record_key"])] = int(r["person"])
    ids = collections.defaultdict(set)   # record -> identifiers
    for r in csv.DictReader(open(os.path.join(d, "seeds", "contacts.csv"))):
        rec = ("crm", r["id"])
        ids[rec].update({("crm_id", r["id"]), ("email", canon(r["email"]))})
        if r["phone"]:
            ids[rec].add(("phone", r["phone"]))
    for r in csv.DictReader(open(os.path.join(d, "seeds", "product_users.csv"))):
        ids[("product", r["user_id"])].update({("user_id", r["user_id"]), ("email", canon(r["email"]))})
    for r in csv.DictReader(open(os.path.join(d, "seeds", "web_visits.csv"))):
        rec = ("web", r["anonymous_id"])
        ids[rec].add(("anonymous_id", r["anonymous_id"]))
        if r["user_id"]:
            ids[rec].add(("user_id", r["user_id"]))
        if r["email"]:
            ids[rec].add(("email", canon(r["email"])))
    owners = collections.defaultdict(set)
    for rec, s in ids.items():
        for i in s:
            owners[i].add(person[rec])
    parent = {rec: rec for rec in ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    first = {}
    for rec, s in ids.items():
        for i in s:
            if len(owners[i]) != 1 or (i[0] == "email" and i[1].split("@")[0] in ROLES):
                continue
            if i in first:
                parent[find(rec)] = find(first[i])
            else:
                first[i] = rec
    db = sqlite3.connect(os.path.join(d, "warehouse.db"))
    ent = {}
    for t, v, e in db.execute("select identifier_type, identifier_value, entity_id from people_map "
                              "where identifier_type in ('crm_id', 'user_id', 'anonymous_id')"):
        ent[(t, v)] = e
    key = {"crm": "crm_id", "product": "user_id", "web": "anonymous_id"}
    pred = {}
    for rec in ids:
        e = ent.get((key[rec[0]], rec[1]))
        pred[rec] = e if e is not None else "single:%s:%s" % rec
    c_pred = collections.Counter(pred.values())
    c_true = collections.Counter(person.values())
    c_both = collections.Counter((pred[r], person[r]) for r in ids)
    c_det = collections.Counter(find(r) for r in ids)
    c_det_both = collections.Counter((pred[r], find(r)) for r in ids)
    tp, pp, tt = pairs(c_both), pairs(c_pred), pairs(c_true)
    print("records %d, people %d, predicted entities %d, deterministic groups %d"
          % (len(ids), len(c_true), len(c_pred), len(c_det)))
    print("pairs: predicted %d, true %d, true predicted %d" % (pp, tt, tp))
    print("precision %.5f" % (tp / pp if pp else 1.0))
    print("recall %.5f" % (tp / tt if tt else 1.0))
    print("recall_det %.5f" % (pairs(c_det_both) / pairs(c_det) if pairs(c_det) else 1.0))


if __name__ == "__main__":
    main()
