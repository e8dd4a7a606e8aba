/*
 * vec_set.c: the hashed set of an IN list whose values are all constants
 * (vec_node.h's sl_vset_*), for the native expression path: the same
 * answers as comparing with each value in turn (sl_vec_compare == 0, no
 * affinity: the batch's columns and literals have none), in one probe.
 * A number is kept by its value (an integral real within int64's range
 * as that integer, so 1 and 1.0 are one key, as SQLite compares them
 * exactly), a text by its bytes (BINARY); a NULL in the list is a flag.
 */
#include "expr/vec_int.h"
#include "core/mem.h"
#include <string.h>

enum { K_EMPTY, K_INT, K_REAL, K_TEXT };

typedef struct entry {
    int kind;
    int64_t i;  /* K_INT; K_REAL: the bits */
    const char *p; /* K_TEXT */
    size_t n;
} entry;

struct sl_vset {
    entry *slot;
    size_t mask;
    int has_null;
};

/* Fewer values than this are compared in turn. */
#define SL_VSET_MIN 6

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t hash_of(const entry *e)
{
    if (e->kind != K_TEXT)
        return mix((uint64_t)e->i ^ ((uint64_t)e->kind << 62));
    uint64_t h = 1469598103934665603ULL;
    for (size_t k = 0; k < e->n; k++)
        h = (h ^ (unsigned char)e->p[k]) * 1099511628211ULL;
    return mix(h);
}

/* A number as its key: integral reals within int64 as integers. */
static void number_key(entry *e, int isint, int64_t iv, double fv)
{
    if (isint) {
        e->kind = K_INT;
        e->i = iv;
    } else if (fv >= -9223372036854775808.0 && fv < 9223372036854775808.0 && (double)(int64_t)fv == fv) {
        e->kind = K_INT;
        e->i = (int64_t)fv;
    } else {
        e->kind = K_REAL;
        memcpy(&e->i, &fv, sizeof fv);
    }
}

static int same(const entry *a, const entry *b)
{
    if (a->kind != b->kind)
        return 0;
    if (a->kind == K_TEXT)
        return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
    return a->i == b->i;
}

static entry *probe(const sl_vset *s, const entry *e)
{
    size_t h = (size_t)hash_of(e) & s->mask;
    while (s->slot[h].kind != K_EMPTY && !same(&s->slot[h], e))
        h = (h + 1) & s->mask;
    return &s->slot[h];
}

sl_vset *sl_vset_build(const sl_vnode *nd)
{
    if (nd->nkids < 1 + SL_VSET_MIN)
        return NULL;
    for (size_t k = 1; k < nd->nkids; k++) {
        const sl_vnode *v = nd->kids[k];
        if (!(v->kind == VN_LIT || (v->kind == VN_NEG && v->kids[0]->kind == VN_LIT && v->kids[0]->numlit)))
            return NULL;
    }
    sl_vset *s = sl_calloc(1, sizeof *s);
    size_t cap = 16;
    while (cap < nd->nkids * 2)
        cap *= 2;
    s->slot = sl_calloc(cap, sizeof *s->slot);
    s->mask = cap - 1;
    for (size_t k = 1; k < nd->nkids; k++) {
        const sl_vnode *v = nd->kids[k];
        entry e = {0};
        if (v->kind == VN_NEG) {
            const sl_vnode *l = v->kids[0];
            /* as vec.c evaluates a negated numeric literal */
            if (l->ltype == SQLITE_INTEGER)
                number_key(&e, 1, -l->li, 0);
            else
                number_key(&e, 0, 0, -l->lf);
        } else if (v->ltype == SQLITE_NULL) {
            s->has_null = 1;
            continue;
        } else if (v->ltype == SQLITE_TEXT) {
            e.kind = K_TEXT;
            e.p = v->ls ? v->ls : "";
            e.n = v->lsn;
        } else {
            number_key(&e, v->ltype == SQLITE_INTEGER, v->li, v->lf);
        }
        entry *slot = probe(s, &e);
        if (slot->kind == K_EMPTY)
            *slot = e;
    }
    return s;
}

int sl_vset_find(const sl_vset *s, const sl_vresult *a, size_t i)
{
    entry e = {0};
    switch (a->type[i]) {
    case SQLITE_INTEGER: number_key(&e, 1, a->i64[i], 0); break;
    case SQLITE_FLOAT: number_key(&e, 0, 0, a->f64[i]); break;
    case SQLITE_BLOB: return s->has_null ? 2 : 0; /* the list's constants hold no blob */
    default:
        e.kind = K_TEXT;
        e.p = a->str[i].p ? a->str[i].p : "";
        e.n = a->str[i].n;
    }
    if (probe(s, &e)->kind != K_EMPTY)
        return 1;
    return s->has_null ? 2 : 0;
}

void sl_vset_free(sl_vset *s)
{
    if (!s)
        return;
    sl_free(s->slot);
    sl_free(s);
}
