/* names.c: see names.h. */
#include "core/names.h"
#include "core/mem.h"
#include "core/util.h"
#include <stdio.h>
#include <string.h>

void sl_names_init(sl_names *m, int snake_case)
{
    memset(m, 0, sizeof *m);
    m->snake_case = snake_case;
}

void sl_names_reset(sl_names *m)
{
    for (size_t i = 0; i < m->n; i++) {
        sl_free(m->v[i].id);
        sl_free(m->v[i].name);
        sl_free(m->v[i].source);
    }
    m->n = 0;
    m->hint = 0;
    if (m->nslots) {
        memset(m->by_id, 0, m->nslots * sizeof *m->by_id);
        memset(m->by_name, 0, m->nslots * sizeof *m->by_name);
    }
}

void sl_names_release(sl_names *m)
{
    sl_names_reset(m);
    sl_free(m->v);
    sl_free(m->by_id);
    sl_free(m->by_name);
    memset(m, 0, sizeof *m);
}

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* FNV-1a, over ASCII-folded bytes when folded */
static uint64_t hash(const char *p, size_t n, int folded)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= folded ? fold((unsigned char)p[i]) : (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int same_folded(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++)
        if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
            return 0;
    return 1;
}

static void slot_put(uint32_t *tab, size_t nslots, uint64_t h, size_t k)
{
    size_t s = (size_t)h & (nslots - 1);
    while (tab[s])
        s = (s + 1) & (nslots - 1);
    tab[s] = (uint32_t)(k + 1);
}

static void rehash(sl_names *m)
{
    size_t nslots = m->nslots ? m->nslots * 2 : 64;
    sl_free(m->by_id);
    sl_free(m->by_name);
    m->by_id = sl_calloc(nslots, sizeof *m->by_id);
    m->by_name = sl_calloc(nslots, sizeof *m->by_name);
    m->nslots = nslots;
    for (size_t k = 0; k < m->n; k++) {
        slot_put(m->by_id, nslots, hash(m->v[k].id, m->v[k].idlen, 0), k);
        slot_put(m->by_name, nslots, hash(m->v[k].name, m->v[k].namelen, 1), k);
    }
}

static int name_taken(const sl_names *m, const char *name, size_t n)
{
    if (!m->nslots)
        return 0;
    for (size_t s = (size_t)hash(name, n, 1) & (m->nslots - 1); m->by_name[s]; s = (s + 1) & (m->nslots - 1)) {
        const sl_name_entry *e = &m->v[m->by_name[s] - 1];
        if (same_folded(e->name, e->namelen, name, n))
            return 1;
    }
    return 0;
}

char *sl_names_snake_case(const char *name, size_t n)
{
    sl_buf out;
    sl_buf_init(&out);
    int pending = 0; /* a boundary was met: '_' before the next character */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        int upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z', digit = c >= '0' && c <= '9';
        if (c < 0x80 && !upper && !lower && !digit) {
            pending = 1;
            continue;
        }
        if (upper && i > 0) {
            unsigned char p = (unsigned char)name[i - 1];
            int prev_lower = (p >= 'a' && p <= 'z') || (p >= '0' && p <= '9');
            int prev_upper = p >= 'A' && p <= 'Z';
            int next_lower = i + 1 < n && name[i + 1] >= 'a' && name[i + 1] <= 'z';
            if (prev_lower || (prev_upper && next_lower)) /* recordId, HTTPServer */
                pending = 1;
        }
        if (pending && out.len)
            sl_buf_addc(&out, '_');
        pending = 0;
        sl_buf_addc(&out, (char)fold(c));
    }
    if (!out.len)
        sl_buf_adds(&out, "column");
    return sl_buf_detach(&out);
}

long sl_names_find(const sl_names *m, const char *id, size_t idlen)
{
    if (!m->nslots)
        return -1;
    for (size_t s = (size_t)hash(id, idlen, 0) & (m->nslots - 1); m->by_id[s]; s = (s + 1) & (m->nslots - 1)) {
        size_t k = m->by_id[s] - 1;
        if (m->v[k].idlen == idlen && memcmp(m->v[k].id, id, idlen) == 0)
            return (long)k;
    }
    return -1;
}

size_t sl_names_get(sl_names *m, const char *id, size_t idlen, const char *name, size_t namelen)
{
    if (m->hint < m->n && m->v[m->hint].idlen == idlen && memcmp(m->v[m->hint].id, id, idlen) == 0)
        return m->hint++;
    long found = sl_names_find(m, id, idlen);
    if (found >= 0) {
        m->hint = (size_t)found + 1;
        return (size_t)found;
    }
    /* a new source name: its text without NUL bytes, then the column name */
    sl_buf src;
    sl_buf_init(&src);
    for (size_t i = 0; i < namelen; i++) {
        if (name[i])
            sl_buf_addc(&src, name[i]);
        else
            sl_buf_adds(&src, "\\u0000");
    }
    /* an empty name (JSON allows "") is no SQL identifier: `column` */
    char *base = m->snake_case ? sl_names_snake_case(src.data ? src.data : "", src.len)
                 : src.len     ? sl_strndup(src.data, src.len)
                               : sl_strdup("column");
    char *col = sl_strdup(base);
    for (int k = 2; name_taken(m, col, strlen(col)); k++) {
        sl_free(col);
        col = sl_printf("%s_%d", base, k);
    }
    sl_free(base);
    if (2 * (m->n + 1) > m->nslots)
        rehash(m);
    SL_GROW(m->v, m->cap, m->n + 1);
    sl_name_entry *e = &m->v[m->n];
    e->id = sl_malloc(idlen ? idlen : 1);
    memcpy(e->id, id, idlen);
    e->idlen = idlen;
    e->name = col;
    e->namelen = strlen(col);
    e->source = sl_buf_detach(&src);
    if (!e->source)
        e->source = sl_strdup("");
    slot_put(m->by_id, m->nslots, hash(id, idlen, 0), m->n);
    slot_put(m->by_name, m->nslots, hash(e->name, e->namelen, 1), m->n);
    m->hint = m->n + 1;
    return m->n++;
}
