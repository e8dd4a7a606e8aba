#!/usr/bin/env python3
"""expected.py: the expected contents of every table of tests/dbt/project
after a first build (seeds of project/seeds/, default vars) and a second
build (seeds replaced by v2/seeds/, --vars of BUILD2_VARS, SL_TEST_CURRENCY
set), computed here in plain Python from dbt's documented semantics, NOT by
running sluice or any SQL: view/table = the query over the current inputs;
incremental append/merge/delete+insert with is_incremental() filters and
on_schema_change ignore/append_new_columns/sync_all_columns; snapshots
(timestamp with hard_deletes invalidate, check with hard_deletes new_record).

Writes expected/build1/*.csv and expected/build2/*.csv (NULL is an empty
field). Columns that depend on the wall clock (a check snapshot's
dbt_valid_from, an invalidated row's dbt_valid_to) are left out or replaced
by a marker; check.py's queries produce the same shape from the warehouse.
Run: python3 tests/dbt/expected.py (rewrites the files; commit them).
"""
import csv, os

# what the second build passes to --vars (t0070, t0071 use the same)
BUILD2_VARS = "{include_channel: true, min_amount_cents: 1500, excluded_statuses: [returned, shipped]}"
HERE = os.path.dirname(os.path.abspath(__file__))
METHODS = ['card', 'gift_card', 'bank_transfer', 'coupon']


def read(path):
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    return rows


def write(build, name, header, rows):
    d = os.path.join(HERE, 'expected', build)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name + '.csv'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(header)
        for r in sorted(rows, key=lambda r: [str(v) for v in r]):
            w.writerow(['' if v is None else v for v in r])


def seeds(folder):
    return {n: read(os.path.join(folder, n + '.csv'))
            for n in ('raw_customers', 'raw_orders', 'raw_payments', 'country_regions')}


def stg_customers(s):
    return [dict(customer_id=int(r['id']), first_name=r['first_name'], last_name=r['last_name'],
                 email=r['email'].strip().lower(), country_code=r['country'].strip().upper(),
                 signup_date=r['signup_date']) for r in s['raw_customers']]


def stg_orders(s):
    return [dict(order_id=int(r['id']), customer_id=int(r['customer_id']), order_date=r['order_date'],
                 status=r['status'].strip().lower(), amount_cents=int(r['amount_cents']),
                 updated_at=r['updated_at']) for r in s['raw_orders']]


def stg_payments(s):
    return [dict(payment_id=int(r['id']), order_id=int(r['order_id']), method=r['method'].strip().lower(),
                 amount_cents=int(r['amount_cents'])) for r in s['raw_payments']]


def days(a, b):
    import datetime
    d = lambda x: datetime.date.fromisoformat(x)
    return (d(b) - d(a)).days


def customer_orders(s, currency):
    regions = {r['country_code']: r['region'] for r in s['country_regions']}
    orders, pays = stg_orders(s), stg_payments(s)
    out = []
    for c in stg_customers(s):
        mine = [o for o in orders if o['customer_id'] == c['customer_id']]
        per_method = {m: sum(p['amount_cents'] for p in pays
                             if p['method'] == m and p['order_id'] in {o['order_id'] for o in mine}) for m in METHODS}
        total = sum(o['amount_cents'] for o in mine)
        tier = 'GOLD' if total >= 3000 else 'SILVER' if total >= 1000 else 'BRONZE'
        dates = sorted(o['order_date'] for o in mine)
        out.append([c['customer_id'], c['first_name'] + ' ' + c['last_name'], regions.get(c['country_code']),
                    len(mine)] + [per_method[m] for m in METHODS] +
                   [total, total // 100, tier, days(dates[0], dates[-1]) if dates else None, currency])
    return out


CO_HEADER = (['customer_id', 'full_name', 'region', 'order_count'] + [m + '_cents' for m in METHODS] +
             ['total_cents', 'total_dollars', 'tier', 'active_days', 'currency'])


def big_orders(s, min_cents, excluded):
    return [[o['order_id'], o['customer_id'], o['amount_cents']] for o in stg_orders(s)
            if o['amount_cents'] >= min_cents and o['status'] not in excluded]


def payments_by_order(s):
    agg = {}
    for p in stg_payments(s):
        a = agg.setdefault(p['order_id'], [0, 0, 0])
        a[0] += 1
        a[1] += p['amount_cents']
        a[2] = max(a[2], p['amount_cents'])
    return agg


FEATURES_HEADER = ['n_length', 'n_first', 'n_last', 'n_joined', 'n_seen', 'name_upper', 'team_replaced',
                   'words_clean', 'letters', 'stringified', 'int_plus', 'rounded', 'half_up', 'floor_div',
                   'modulo', 'power', 'arith', 'defaulted', 'var_default', 'tilde', 'has_b', 'no_z', 'logic',
                   'looped', 'for_else', 'branch', 'greeting', 'called', 'self_name', 'target_known']
# worked out by hand from the template (models/marts/features.sql)
FEATURES_ROW = [3, 3, 2, '3-1-2', '30,20', 'SLUICE', 'doto', 'alpha beta', 'a|b|c', '12!', 42, '3.14', 4, 3,
                1, 32, 4, 'fallback', 'var_default', 'x1y', 1, 1, 1, '1:3^,2:1,3:2', 'empty', 'some',
                'hello sluice', '<b>bold</b>', 'features', 'known']


def seeds_out(build, s):
    for name, rows in s.items():
        header = list(rows[0].keys())
        write(build, name, header, [[r[k] for k in header] for r in rows])


def main():
    s1 = seeds(os.path.join(HERE, 'project', 'seeds'))
    s2 = seeds(os.path.join(HERE, 'v2', 'seeds'))

    # ---- build 1: everything from scratch, default vars, no SL_TEST_CURRENCY
    b = 'build1'
    seeds_out(b, s1)
    sc = stg_customers(s1)
    write(b, 'stg_customers', list(sc[0].keys()), [list(r.values()) for r in sc])
    so = stg_orders(s1)
    write(b, 'stg_orders', list(so[0].keys()), [list(r.values()) for r in so])
    write(b, 'customer_orders', CO_HEADER, customer_orders(s1, 'USD'))
    write(b, 'big_orders', ['order_id', 'customer_id', 'amount_cents'], big_orders(s1, 1000, []))
    append1 = [[o['order_id'], o['customer_id'], o['order_date'], o['status'], o['amount_cents']] for o in so]
    write(b, 'orders_append', ['order_id', 'customer_id', 'order_date', 'status', 'amount_cents'], append1)
    merge1 = {o['order_id']: [o['order_id'], o['customer_id'], o['status'], o['amount_cents'], o['updated_at']]
              for o in so}
    write(b, 'orders_merge', ['order_id', 'customer_id', 'status', 'amount_cents', 'updated_at'], merge1.values())
    pay1 = payments_by_order(s1)
    di1 = {k: [k, v[0], v[1], 'v1'] for k, v in pay1.items()}
    write(b, 'payments_di', ['order_id', 'payment_count', 'paid_cents', 'legacy_flag'], di1.values())
    write(b, 'features', FEATURES_HEADER, [FEATURES_ROW])
    # snapshots: (id, customer_id, status, amount_cents, updated_at, valid_from, valid_to)
    snap_o = [[int(r['id']), int(r['customer_id']), r['status'], int(r['amount_cents']), r['updated_at'],
               r['updated_at'], None] for r in s1['raw_orders']]
    OS_HEADER = ['id', 'customer_id', 'status', 'amount_cents', 'dbt_updated_at', 'dbt_valid_from', 'dbt_valid_to']
    write(b, 'orders_snapshot', OS_HEADER, snap_o)
    # (id, first_name, email, country, is_current, dbt_is_deleted)
    CS_HEADER = ['id', 'first_name', 'email', 'country', 'is_current', 'dbt_is_deleted']
    snap_c = [[int(r['id']), r['first_name'], r['email'].strip().lower(), r['country'], 1, 'False']
              for r in s1['raw_customers']]
    write(b, 'customers_snapshot', CS_HEADER, snap_c)

    # ---- build 2: v2 seeds, --vars BUILD2_VARS, SL_TEST_CURRENCY=' eur '
    b = 'build2'
    seeds_out(b, s2)
    sc = stg_customers(s2)
    write(b, 'stg_customers', list(sc[0].keys()), [list(r.values()) for r in sc])
    so = stg_orders(s2)
    write(b, 'stg_orders', list(so[0].keys()), [list(r.values()) for r in so])
    write(b, 'customer_orders', CO_HEADER, customer_orders(s2, 'EUR'))
    write(b, 'big_orders', ['order_id', 'customer_id', 'amount_cents'],
          big_orders(s2, 1500, ['returned', 'shipped']))
    # append, on_schema_change ignore: new ids only, the channel column dropped
    top = max(r[0] for r in append1)
    append2 = append1 + [[o['order_id'], o['customer_id'], o['order_date'], o['status'], o['amount_cents']]
                         for o in so if o['order_id'] > top]
    write(b, 'orders_append', ['order_id', 'customer_id', 'order_date', 'status', 'amount_cents'], append2)
    # merge on order_id, append_new_columns: channel added (NULL in rows not merged)
    last = max(r[4] for r in merge1.values())
    merge2 = {k: v + [None] for k, v in merge1.items()}
    for o in so:
        if o['updated_at'] > last:
            merge2[o['order_id']] = [o['order_id'], o['customer_id'], o['status'], o['amount_cents'],
                                     o['updated_at'], 'sales' if o['amount_cents'] >= 2000 else 'self_serve']
    write(b, 'orders_merge', ['order_id', 'customer_id', 'status', 'amount_cents', 'updated_at', 'channel'],
          merge2.values())
    # delete+insert on order_id from the largest loaded order_id on;
    # sync_all_columns: legacy_flag dropped, max_payment_cents added
    top = max(di1)
    di2 = {k: [k, v[1], v[2], None] for k, v in di1.items()}
    for k, v in payments_by_order(s2).items():
        if k >= top:
            di2[k] = [k, v[0], v[1], v[2]]
    write(b, 'payments_di', ['order_id', 'payment_count', 'paid_cents', 'max_payment_cents'], di2.values())
    write(b, 'features', FEATURES_HEADER, [FEATURES_ROW])
    # timestamp snapshot: a row whose updated_at moved on is closed at the new
    # updated_at and a new version opens; a row gone is invalidated ('deleted')
    cur = {r[0]: r for r in snap_o}
    snap_o2 = [list(r) for r in snap_o]
    now = {int(r['id']): r for r in s2['raw_orders']}
    for k, r in now.items():
        if k not in cur:
            snap_o2.append([k, int(r['customer_id']), r['status'], int(r['amount_cents']), r['updated_at'],
                            r['updated_at'], None])
        elif r['updated_at'] > cur[k][4]:
            for x in snap_o2:
                if x[0] == k and x[6] is None:
                    x[6] = r['updated_at']
            snap_o2.append([k, int(r['customer_id']), r['status'], int(r['amount_cents']), r['updated_at'],
                            r['updated_at'], None])
    for k in cur:
        if k not in now:
            for x in snap_o2:
                if x[0] == k and x[6] is None:
                    x[6] = 'deleted'
    write(b, 'orders_snapshot', OS_HEADER, snap_o2)
    # check snapshot on (email, country): a change closes the row and opens a
    # new one; a row gone gets a new current row with dbt_is_deleted 'True'
    # holding its last values (hard_deletes: new_record)
    snap_c2 = [list(r) for r in snap_c]
    curc = {r[0]: r for r in snap_c}
    nowc = {int(r['id']): [int(r['id']), r['first_name'], r['email'].strip().lower(), r['country'], 1, 'False']
            for r in s2['raw_customers']}
    for k, r in nowc.items():
        if k not in curc:
            snap_c2.append(r)
        elif (r[2], r[3]) != (curc[k][2], curc[k][3]):
            for x in snap_c2:
                if x[0] == k and x[4] == 1:
                    x[4] = 0
            snap_c2.append(r)
    for k, r in curc.items():
        if k not in nowc:
            for x in snap_c2:
                if x[0] == k and x[4] == 1:
                    x[4] = 0
            snap_c2.append(r[:4] + [1, 'True'])
    write(b, 'customers_snapshot', CS_HEADER, snap_c2)


main()
