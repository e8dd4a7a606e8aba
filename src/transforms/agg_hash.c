/* agg_hash.c: the aggregate transform's native group table (agg_hash.h). */
#include "transforms/agg_hash.h"
#include "core/mem.h"
#include "expr/vec_int.h"
#include <math.h>
#include <string.h>

/* A value as SQLite holds it: t is SQLITE_NULL, _INTEGER, _FLOAT or
 * _TEXT; a group's text is owned (malloc'd), a row's borrowed. */
typedef struct hv {
    union {
        int64_t i;
        double f;
    } u;
    char *p;
    uint32_t n;
    uint8_t t;
} hv;

/* One group: its values (ngroup group values, then a and n per
 * aggregate, as the SQLite table's columns), then the key's bytes. */
typedef struct hgroup {
    uint64_t hash;
    int64_t seq;
    uint32_t klen;
    hv v[];
} hgroup;

struct sl_agghash {
    size_t ng, nfns, nv;
    int *fns;
    size_t budget, bytes;
    hgroup **slots; /* open addressing, a power of two */
    size_t nslots;
    hgroup **order; /* in order of first appearance */
    size_t n, cap;
};

static const char *gkey(const sl_agghash *h, const hgroup *g)
{
    return (const char *)(g->v + h->nv);
}

static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x243f6a8885a308d3ULL ^ (n * 0x9e3779b97f4a7c15ULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 32);
}

sl_agghash *sl_agghash_new(size_t ngroup, const int *fns, size_t nfns, size_t budget)
{
    sl_agghash *h = sl_calloc(1, sizeof *h);
    h->ng = ngroup;
    h->nfns = nfns;
    h->nv = ngroup + 2 * nfns;
    h->fns = sl_calloc(nfns + 1, sizeof *h->fns);
    memcpy(h->fns, fns, nfns * sizeof *fns);
    h->budget = budget;
    h->nslots = 64;
    h->slots = sl_calloc(h->nslots, sizeof *h->slots);
    h->bytes = h->nslots * sizeof *h->slots;
    return h;
}

static void group_free(const sl_agghash *h, hgroup *g)
{
    for (size_t k = 0; k < h->nv; k++)
        if (g->v[k].t == SQLITE_TEXT)
            sl_free(g->v[k].p);
    sl_free(g);
}

void sl_agghash_free(sl_agghash *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++)
        group_free(h, h->order[i]);
    sl_free(h->order);
    sl_free(h->slots);
    sl_free(h->fns);
    sl_free(h);
}

size_t sl_agghash_groups(const sl_agghash *h)
{
    return h->n;
}

size_t sl_agghash_bytes(const sl_agghash *h)
{
    return h->bytes;
}

/* Cell (c, r) as sl_tcell_bind binds it (text borrowed). */
static void cell(const sl_column *c, size_t r, hv *v)
{
    v->t = SQLITE_NULL;
    if (!c->valid[r])
        return;
    int storage = c->raw ? SL_STORE_STR : sl_type_storage(c->type);
    if (storage == SL_STORE_I64) {
        v->t = SQLITE_INTEGER;
        v->u.i = c->i64[r];
    } else if (storage == SL_STORE_F64) {
        if (!isnan(c->f64[r])) { /* sqlite3_bind_double binds a NaN as NULL */
            v->t = SQLITE_FLOAT;
            v->u.f = c->f64[r];
        }
    } else if (c->str[r].p) { /* sqlite3_bind_text of a NULL pointer binds NULL */
        v->t = SQLITE_TEXT;
        v->p = (char *)c->str[r].p;
        v->n = (uint32_t)c->str[r].n;
    }
}

/* A one-row sl_vresult over a value, for vec_value.c's rules. */
typedef struct one {
    sl_vresult r;
    uint8_t t;
    int64_t i;
    double f;
    sl_str s;
} one;

static void one_set(one *o, const hv *v)
{
    memset(o, 0, sizeof *o);
    o->r.n = o->r.cap = 1;
    o->r.type = &o->t;
    o->r.i64 = &o->i;
    o->r.f64 = &o->f;
    o->r.str = &o->s;
    o->t = v->t;
    if (v->t == SQLITE_INTEGER)
        o->i = v->u.i;
    else if (v->t == SQLITE_FLOAT)
        o->f = v->u.f;
    else if (v->t == SQLITE_TEXT)
        o->s = (sl_str){v->p, v->n};
}

/* SQLite's comparison of two non-null values (BINARY collation). */
static int compare(const hv *a, const hv *b)
{
    one x, y;
    one_set(&x, a);
    one_set(&y, b);
    return sl_vec_compare(&x.r, 0, &y.r, 0);
}

/* a + b as SQLite's `+` (neither NULL): 0 with *d, 1 left to SQLite. */
static int add(const hv *a, const hv *b, hv *d)
{
    if (a->t == SQLITE_INTEGER && b->t == SQLITE_INTEGER && !__builtin_add_overflow(a->u.i, b->u.i, &d->u.i)) {
        d->t = SQLITE_INTEGER;
        return 0;
    }
    one x, y, z;
    hv zero = {.t = SQLITE_NULL};
    one_set(&x, a);
    one_set(&y, b);
    one_set(&z, &zero);
    if (sl_vec_arith(VO_ADD, &x.r, &y.r, 0, &z.r) != 0)
        return 1;
    memset(d, 0, sizeof *d);
    d->t = z.t;
    if (z.t == SQLITE_INTEGER)
        d->u.i = z.i;
    else if (z.t == SQLITE_FLOAT)
        d->u.f = z.f;
    else if (z.t != SQLITE_NULL)
        return 1;
    return 0;
}

static hv int_value(int64_t i)
{
    hv v = {.t = SQLITE_INTEGER};
    v.u.i = i;
    return v;
}

/* Store v (a row's, borrowed) into the group's slot s: texts copied. */
static void store(sl_agghash *h, hv *s, const hv *v)
{
    if (s->t == SQLITE_TEXT) {
        h->bytes -= s->n + 16;
        sl_free(s->p);
    }
    *s = *v;
    if (v->t == SQLITE_TEXT) {
        s->p = sl_malloc(v->n + 1);
        if (v->n)
            memcpy(s->p, v->p, v->n);
        h->bytes += v->n + 16;
    }
}

static size_t text_cost(const hv *v)
{
    return v->t == SQLITE_TEXT ? v->n + 16 : 0;
}

static void grow_slots(sl_agghash *h)
{
    size_t ns = h->nslots * 2;
    hgroup **s = sl_calloc(ns, sizeof *s);
    for (size_t i = 0; i < h->n; i++) {
        hgroup *g = h->order[i];
        size_t k = g->hash & (ns - 1);
        while (s[k])
            k = (k + 1) & (ns - 1);
        s[k] = g;
    }
    sl_free(h->slots);
    h->bytes += (ns - h->nslots) * sizeof *s;
    h->slots = s;
    h->nslots = ns;
}

/* The initial value of aggregate i's a and n (the INSERT's VALUES) for
 * argument x: 0, or 1 when only SQLite can compute it. A sum's (and
 * avg's) text is taken as its number, `x + 0`, as the INSERT does. */
static int initial(int fn, const hv *x, hv *a, hv *n)
{
    hv null = {.t = SQLITE_NULL};
    *n = null;
    switch (fn) {
    case SL_AGG_COUNT: *a = int_value(1); break;
    case SL_AGG_COUNT_X: *a = int_value(x->t != SQLITE_NULL); break;
    case SL_AGG_AVG:
    case SL_AGG_SUM:
        *n = int_value(x->t != SQLITE_NULL); /* the values summed */
        if (x->t == SQLITE_TEXT) {
            hv zero = int_value(0);
            return add(x, &zero, a);
        }
        *a = *x;
        break;
    default: *a = *x; break;
    }
    return 0;
}

int sl_agghash_add(sl_agghash *h, const void *key, size_t klen, int64_t seq, const sl_batch *b, const int *gcols,
                   const int *fcols, size_t r)
{
    uint64_t hash = hash_bytes(key, klen);
    size_t k = hash & (h->nslots - 1);
    hgroup *g;
    while ((g = h->slots[k]) != NULL) {
        if (g->hash == hash && g->klen == klen && memcmp(gkey(h, g), key, klen) == 0)
            break;
        k = (k + 1) & (h->nslots - 1);
    }
    /* the row's value per aggregate (the upsert's excluded.a, excluded.n) */
    hv xa[64], xn[64];
    hv *ea = h->nfns <= 64 ? xa : sl_malloc(h->nfns * sizeof *ea);
    hv *en = h->nfns <= 64 ? xn : sl_malloc(h->nfns * sizeof *en);
    int rc = 1;
    for (size_t i = 0; i < h->nfns; i++) {
        hv x = {.t = SQLITE_NULL};
        if (fcols[i] >= 0)
            cell(&b->cols[fcols[i]], r, &x);
        if (initial(h->fns[i], &x, &ea[i], &en[i]))
            goto out;
    }
    if (!g) {
        size_t size = sizeof *g + h->nv * sizeof(hv) + klen, cost = size + sizeof(hgroup *);
        hv gv[64];
        if (h->ng > 64)
            goto out;
        for (size_t j = 0; j < h->ng; j++) {
            cell(&b->cols[gcols[j]], r, &gv[j]);
            cost += text_cost(&gv[j]);
        }
        for (size_t i = 0; i < h->nfns; i++)
            cost += text_cost(&ea[i]);
        if ((h->n + 1) * 2 > h->nslots)
            cost += h->nslots * sizeof(hgroup *);
        if (h->bytes + cost > h->budget)
            goto out;
        if ((h->n + 1) * 2 > h->nslots) {
            grow_slots(h);
            for (k = hash & (h->nslots - 1); h->slots[k]; k = (k + 1) & (h->nslots - 1))
                ;
        }
        g = sl_calloc(1, size);
        h->bytes += size + sizeof(hgroup *);
        g->hash = hash;
        g->seq = seq;
        g->klen = (uint32_t)klen;
        memcpy((char *)(g->v + h->nv), key, klen);
        for (size_t j = 0; j < h->ng; j++)
            store(h, &g->v[j], &gv[j]);
        for (size_t i = 0; i < h->nfns; i++) {
            store(h, &g->v[h->ng + 2 * i], &ea[i]);
            store(h, &g->v[h->ng + 2 * i + 1], &en[i]);
        }
        h->slots[k] = g;
        SL_GROW(h->order, h->cap, h->n + 1);
        h->order[h->n++] = g;
        rc = 0;
        goto out;
    }
    /* the upsert's SET, computed first (nothing changes if a value is
     * SQLite's to add or the budget is reached), then stored */
    size_t cost = 0;
    for (size_t i = 0; i < h->nfns; i++) {
        hv *a = &g->v[h->ng + 2 * i], *n = &g->v[h->ng + 2 * i + 1];
        hv *x = &ea[i];
        hv na = *a, nn = *n; /* the new values; na == *a: unchanged */
        switch (h->fns[i]) {
        case SL_AGG_COUNT:
        case SL_AGG_COUNT_X:
            if (add(a, x, &na))
                goto out;
            break;
        case SL_AGG_AVG:
        case SL_AGG_SUM:
            if (add(n, &en[i], &nn))
                goto out;
            if (x->t == SQLITE_NULL)
                break;
            /* a NULL sum of values summed before is a NaN (inf + -inf),
             * which stays: SQLite's sum() gives NULL, not a new start */
            if (a->t == SQLITE_NULL && !(n->t == SQLITE_INTEGER && n->u.i > 0))
                na = *x;
            else if (a->t != SQLITE_NULL && add(a, x, &na))
                goto out;
            break;
        case SL_AGG_MIN:
        case SL_AGG_MAX:
            if (x->t == SQLITE_NULL)
                break;
            if (a->t == SQLITE_NULL) {
                na = *x;
            } else {
                int c = compare(x, a);
                if (h->fns[i] == SL_AGG_MIN ? c < 0 : c > 0)
                    na = *x;
            }
            break;
        case SL_AGG_FIRST:
            if (a->t == SQLITE_NULL)
                na = *x;
            break;
        case SL_AGG_LAST:
            if (x->t != SQLITE_NULL)
                na = *x;
            break;
        }
        ea[i] = na;
        en[i] = nn;
        if (na.t == SQLITE_TEXT && na.p != a->p)
            cost += text_cost(&na);
    }
    if (h->bytes + cost > h->budget)
        goto out;
    for (size_t i = 0; i < h->nfns; i++) {
        hv *a = &g->v[h->ng + 2 * i], *n = &g->v[h->ng + 2 * i + 1];
        if (ea[i].t == SQLITE_TEXT && a->t == SQLITE_TEXT && ea[i].p == a->p)
            ; /* unchanged text */
        else
            store(h, a, &ea[i]);
        if (h->fns[i] == SL_AGG_AVG || h->fns[i] == SL_AGG_SUM)
            *n = en[i]; /* an integer */
    }
    rc = 0;
out:
    if (ea != xa)
        sl_free(ea);
    if (en != xn)
        sl_free(en);
    return rc;
}

static int bind(sqlite3_stmt *st, int idx, const hv *v)
{
    switch (v->t) {
    case SQLITE_INTEGER: return sqlite3_bind_int64(st, idx, v->u.i);
    case SQLITE_FLOAT: return sqlite3_bind_double(st, idx, v->u.f);
    case SQLITE_TEXT: return sqlite3_bind_text(st, idx, v->p, (int)v->n, SQLITE_STATIC);
    default: return sqlite3_bind_null(st, idx);
    }
}

int sl_agghash_insert_all(sl_agghash *h, sqlite3_stmt *ins)
{
    for (size_t i = 0; i < h->n; i++) {
        const hgroup *g = h->order[i];
        sqlite3_bind_blob(ins, 1, gkey(h, g), (int)g->klen, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, g->seq);
        sqlite3_bind_int64(ins, 3, 0);
        for (size_t k = 0; k < h->nv; k++)
            bind(ins, (int)(4 + k), &g->v[k]);
        int rc = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (rc != SQLITE_DONE)
            return rc;
    }
    return 0;
}
