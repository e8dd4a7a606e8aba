/* nameidx.c: see nameidx.h. */
#include "core/nameidx.h"
#include "core/mem.h"
#include <string.h>

void sl_nameidx_init(sl_nameidx *x)
{
    memset(x, 0, sizeof *x);
}

void sl_nameidx_release(sl_nameidx *x)
{
    sl_free(x->v);
    memset(x, 0, sizeof *x);
}

void sl_nameidx_clear(sl_nameidx *x)
{
    if (x->nslots)
        memset(x->v, 0, x->nslots * sizeof *x->v);
    x->n = 0;
}

/* FNV-1a */
static uint32_t hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return (uint32_t)(h ^ (h >> 32));
}

static void put(sl_nameidx_slot *v, size_t nslots, uint32_t h, uint32_t k1)
{
    size_t s = h & (nslots - 1);
    while (v[s].k1)
        s = (s + 1) & (nslots - 1);
    v[s].k1 = k1;
    v[s].h = h;
}

static void grow(sl_nameidx *x)
{
    size_t nslots = x->nslots ? x->nslots * 2 : 64;
    sl_nameidx_slot *v = sl_calloc(nslots, sizeof *v);
    for (size_t s = 0; s < x->nslots; s++)
        if (x->v[s].k1)
            put(v, nslots, x->v[s].h, x->v[s].k1);
    sl_free(x->v);
    x->v = v;
    x->nslots = nslots;
}

static int same(const char *name, size_t n, size_t k, sl_nameidx_name_fn fn, const void *ctx)
{
    size_t en = SIZE_MAX;
    const char *e = fn(ctx, k, &en);
    if (en == SIZE_MAX)
        en = strlen(e);
    return en == n && memcmp(e, name, n) == 0;
}

/* The slot holding name, or -1. */
static long slot_of(const sl_nameidx *x, const char *name, size_t n, uint32_t h, sl_nameidx_name_fn fn,
                    const void *ctx)
{
    if (!x->nslots)
        return -1;
    for (size_t s = h & (x->nslots - 1); x->v[s].k1; s = (s + 1) & (x->nslots - 1))
        if (x->v[s].h == h && same(name, n, x->v[s].k1 - 1, fn, ctx))
            return (long)s;
    return -1;
}

static long lookup(const sl_nameidx *x, const char *name, size_t n, uint32_t h, sl_nameidx_name_fn fn,
                   const void *ctx)
{
    long s = slot_of(x, name, n, h, fn, ctx);
    return s >= 0 ? (long)(x->v[s].k1 - 1) : -1;
}

/* The slot of entry k (by its name), or -1. */
static long slot_of_entry(const sl_nameidx *x, size_t k, sl_nameidx_name_fn fn, const void *ctx)
{
    size_t n = SIZE_MAX;
    const char *name = fn(ctx, k, &n);
    if (n == SIZE_MAX)
        n = strlen(name);
    long s = slot_of(x, name, n, hash(name, n), fn, ctx);
    return s >= 0 && x->v[s].k1 == k + 1 ? s : -1;
}

void sl_nameidx_swap(sl_nameidx *x, size_t i, size_t j, sl_nameidx_name_fn fn, const void *ctx)
{
    long si = slot_of_entry(x, i, fn, ctx), sj = slot_of_entry(x, j, fn, ctx);
    if (si >= 0)
        x->v[si].k1 = (uint32_t)(j + 1);
    if (sj >= 0)
        x->v[sj].k1 = (uint32_t)(i + 1);
}

void sl_nameidx_add(sl_nameidx *x, const char *name, size_t n, size_t k, sl_nameidx_name_fn fn, const void *ctx)
{
    uint32_t h = hash(name, n);
    if (lookup(x, name, n, h, fn, ctx) >= 0)
        return;
    if (2 * (x->n + 1) > x->nslots)
        grow(x);
    put(x->v, x->nslots, h, (uint32_t)(k + 1));
    x->n++;
}

long sl_nameidx_find(const sl_nameidx *x, const char *name, size_t n, sl_nameidx_name_fn fn, const void *ctx)
{
    return lookup(x, name, n, hash(name, n), fn, ctx);
}
