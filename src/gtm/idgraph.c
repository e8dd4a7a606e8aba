/*
 * idgraph.c: see idgraph.h. Open addressing (linear probing, load <= 1/2)
 * over ids; each id keeps its hash so growing never re-reads the values.
 */
#include "gtm/idgraph.h"
#include "core/mem.h"
#include <string.h>

struct sl_idgraph {
    char *bytes;          /* values, each NUL-terminated */
    size_t nbytes, capbytes;
    uint64_t *off;        /* per id: offset into bytes */
    uint32_t *len, *hash, *type, *parent, *size;
    size_t n, cap;        /* ids */
    uint32_t *slots;      /* id + 1; 0 empty */
    size_t nslots;        /* power of two */
};

static uint32_t hash_of(uint32_t type, const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL ^ (type * 0x9E3779B97F4A7C15ULL);
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 29;
    return (uint32_t)(h ^ (h >> 32));
}

sl_idgraph *sl_idgraph_new(void)
{
    sl_idgraph *g = sl_calloc(1, sizeof *g);
    g->nslots = 1024;
    g->slots = sl_calloc(g->nslots, sizeof *g->slots);
    return g;
}

void sl_idgraph_free(sl_idgraph *g)
{
    if (!g)
        return;
    sl_free(g->bytes);
    sl_free(g->off);
    sl_free(g->len);
    sl_free(g->hash);
    sl_free(g->type);
    sl_free(g->parent);
    sl_free(g->size);
    sl_free(g->slots);
    sl_free(g);
}

static int same(const sl_idgraph *g, uint32_t id, uint32_t h, uint32_t type, const char *s, size_t n)
{
    return g->hash[id] == h && g->type[id] == type && g->len[id] == n && memcmp(g->bytes + g->off[id], s, n) == 0;
}

uint32_t sl_idgraph_lookup(const sl_idgraph *g, uint32_t type, const char *value, size_t n)
{
    uint32_t h = hash_of(type, value, n);
    size_t mask = g->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t s = g->slots[i];
        if (!s)
            return SL_IDGRAPH_NONE;
        if (same(g, s - 1, h, type, value, n))
            return s - 1;
    }
}

static void rehash(sl_idgraph *g)
{
    sl_free(g->slots);
    g->nslots *= 2;
    g->slots = sl_calloc(g->nslots, sizeof *g->slots);
    size_t mask = g->nslots - 1;
    for (size_t id = 0; id < g->n; id++) {
        size_t i = g->hash[id] & mask;
        while (g->slots[i])
            i = (i + 1) & mask;
        g->slots[i] = (uint32_t)id + 1;
    }
}

uint32_t sl_idgraph_intern(sl_idgraph *g, uint32_t type, const char *value, size_t n, int *added)
{
    uint32_t h = hash_of(type, value, n);
    size_t mask = g->nslots - 1;
    size_t i = h & mask;
    for (;; i = (i + 1) & mask) {
        uint32_t s = g->slots[i];
        if (!s)
            break;
        if (same(g, s - 1, h, type, value, n)) {
            if (added)
                *added = 0;
            return s - 1;
        }
    }
    if (g->n == g->cap) {
        size_t c = g->cap;
        SL_GROW(g->off, c, g->n + 1);
        c = g->cap;
        SL_GROW(g->len, c, g->n + 1);
        c = g->cap;
        SL_GROW(g->hash, c, g->n + 1);
        c = g->cap;
        SL_GROW(g->type, c, g->n + 1);
        c = g->cap;
        SL_GROW(g->parent, c, g->n + 1);
        c = g->cap;
        SL_GROW(g->size, c, g->n + 1);
        g->cap = c;
    }
    SL_GROW(g->bytes, g->capbytes, g->nbytes + n + 1);
    memcpy(g->bytes + g->nbytes, value, n);
    g->bytes[g->nbytes + n] = 0;
    uint32_t id = (uint32_t)g->n++;
    g->off[id] = g->nbytes;
    g->nbytes += n + 1;
    g->len[id] = (uint32_t)n;
    g->hash[id] = h;
    g->type[id] = type;
    g->parent[id] = id;
    g->size[id] = 1;
    g->slots[i] = id + 1;
    if (g->n * 2 > g->nslots)
        rehash(g);
    if (added)
        *added = 1;
    return id;
}

uint32_t sl_idgraph_count(const sl_idgraph *g)
{
    return (uint32_t)g->n;
}

uint32_t sl_idgraph_type(const sl_idgraph *g, uint32_t id)
{
    return g->type[id];
}

const char *sl_idgraph_value(const sl_idgraph *g, uint32_t id, size_t *n)
{
    if (n)
        *n = g->len[id];
    return g->bytes + g->off[id];
}

uint32_t sl_idgraph_root(sl_idgraph *g, uint32_t id)
{
    while (g->parent[id] != id) {
        g->parent[id] = g->parent[g->parent[id]];
        id = g->parent[id];
    }
    return id;
}

uint32_t sl_idgraph_size(const sl_idgraph *g, uint32_t root)
{
    return g->size[root];
}

int sl_idgraph_union(sl_idgraph *g, uint32_t a, uint32_t b, uint32_t max_size)
{
    a = sl_idgraph_root(g, a);
    b = sl_idgraph_root(g, b);
    if (a == b)
        return 0;
    if (max_size && (uint64_t)g->size[a] + g->size[b] > max_size)
        return -1;
    if (g->size[a] < g->size[b]) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    g->parent[b] = a;
    g->size[a] += g->size[b];
    return 1;
}

int sl_idgraph_cmp(const sl_idgraph *g, uint32_t a, uint32_t b)
{
    if (g->type[a] != g->type[b])
        return g->type[a] < g->type[b] ? -1 : 1;
    size_t la = g->len[a], lb = g->len[b];
    int c = memcmp(g->bytes + g->off[a], g->bytes + g->off[b], la < lb ? la : lb);
    if (c)
        return c;
    return la < lb ? -1 : la > lb;
}
