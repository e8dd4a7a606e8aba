/* sqlident.c: see sqlident.h. */
#include "core/sqlident.h"
#include "core/mem.h"
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

static void quote(sl_buf *out, const char *s, char q)
{
    sl_buf_addc(out, q);
    for (; *s; s++) {
        if (*s == q)
            sl_buf_addc(out, q);
        sl_buf_addc(out, *s);
    }
    sl_buf_addc(out, q);
}

void sl_sql_ident(sl_buf *out, const char *name)
{
    quote(out, name, '"');
}

void sl_sql_literal(sl_buf *out, const char *value)
{
    quote(out, value, '\'');
}

/* Copy name to out replacing invalid UTF-8 bytes with '?'; returns the
 * length and sets *bad when something was replaced. out holds n + 1. */
static size_t clean_utf8(const char *name, size_t n, char *out, int *bad)
{
    size_t i = 0, o = 0;
    while (i < n) {
        size_t len = sl_utf8_valid_prefix(name + i, n - i);
        if (len == 0) {
            out[o++] = '?';
            *bad = 1;
            i++;
            continue;
        }
        memcpy(out + o, name + i, len);
        o += len;
        i += len;
    }
    out[o] = 0;
    return o;
}

int sl_sql_name_fit(sl_sql_dialect d, const char *name, char *out, size_t outcap)
{
    size_t n = strlen(name);
    if (n == 0) {
        snprintf(out, outcap, "_");
        return 1;
    }
    char *clean = sl_malloc(n + 1);
    int changed = 0;
    n = clean_utf8(name, n, clean, &changed);
    if (d == SL_SQL_SQLITE || n <= SL_SQL_NAME_MAX) {
        snprintf(out, outcap, "%s", clean);
        sl_free(clean);
        return changed;
    }
    /* prefix of at most 54 bytes, not cutting a UTF-8 sequence */
    size_t keep = SL_SQL_NAME_MAX - 9;
    while (keep > 0 && ((unsigned char)clean[keep] & 0xC0) == 0x80)
        keep--;
    snprintf(out, outcap, "%.*s_%08x", (int)keep, clean, (unsigned)(XXH3_64bits(name, strlen(name)) & 0xffffffffu));
    sl_free(clean);
    return 1;
}

const char *sl_sql_names_map(sl_sql_names *m, const char *src, int *changed, sl_error *err)
{
    *changed = 0;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->src[i], src) == 0)
            return m->dst[i];
    size_t cap = strlen(src) + SL_SQL_NAME_MAX + 2;
    char *dst = sl_malloc(cap);
    int ch = sl_sql_name_fit(m->dialect, src, dst, cap);
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->dst[i], dst) == 0) {
            sl_error_set(err, SL_EDATA, "names \"%s\" and \"%s\" would both become \"%s\" in the database; rename one",
                         m->src[i], src, dst);
            sl_free(dst);
            return NULL;
        }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->src = sl_realloc(m->src, m->cap * sizeof *m->src);
        m->dst = sl_realloc(m->dst, m->cap * sizeof *m->dst);
    }
    m->src[m->n] = sl_strdup(src);
    m->dst[m->n] = dst;
    m->n++;
    *changed = ch;
    return dst;
}

void sl_sql_names_release(sl_sql_names *m)
{
    for (size_t i = 0; i < m->n; i++) {
        sl_free(m->src[i]);
        sl_free(m->dst[i]);
    }
    sl_free(m->src);
    sl_free(m->dst);
    memset(m, 0, sizeof *m);
}
