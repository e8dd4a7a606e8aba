/* diag.c: see diag.h. */
#include "config/diag.h"
#include "core/mem.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void sl_diags_init(sl_diags *d)
{
    memset(d, 0, sizeof *d);
}

void sl_diags_release(sl_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        sl_free(d->v[i].file);
        sl_free(d->v[i].msg);
    }
    sl_free(d->v);
    sl_diags_init(d);
}

void sl_diags_add(sl_diags *d, sl_loc loc, const char *fmt, ...)
{
    SL_GROW(d->v, d->cap, d->n + 1);
    sl_diag *g = &d->v[d->n++];
    g->file = sl_strdup(loc.file ? loc.file : "<config>");
    g->line = loc.line;
    g->col = loc.col;
    va_list ap;
    va_start(ap, fmt);
    g->msg = sl_vprintf(fmt, ap);
    va_end(ap);
}

static int cmp_diag(const void *pa, const void *pb)
{
    const sl_diag *a = pa, *b = pb;
    if (a->file != b->file) {
        int c = strcmp(a->file, b->file);
        if (c)
            return a->order - b->order; /* files in the order they were read */
    }
    if (a->line != b->line)
        return a->line - b->line;
    if (a->col != b->col)
        return a->col - b->col;
    return a->order - b->order;
}

void sl_diags_sort(sl_diags *d)
{
    /* each file keeps the rank of its first diagnostic */
    for (size_t i = 0; i < d->n; i++) {
        d->v[i].order = (int)i;
        for (size_t j = 0; j < i; j++)
            if (strcmp(d->v[j].file, d->v[i].file) == 0) {
                d->v[i].order = d->v[j].order;
                break;
            }
    }
    if (d->n) /* qsort's base may not be NULL, even for no elements */
        qsort(d->v, d->n, sizeof *d->v, cmp_diag);
}

void sl_diags_format(const sl_diags *d, sl_buf *out)
{
    for (size_t i = 0; i < d->n; i++)
        sl_buf_addf(out, "%s:%d:%d: %s\n", d->v[i].file, d->v[i].line, d->v[i].col, d->v[i].msg);
}

void sl_diags_json(const sl_diags *d, sl_buf *out)
{
    sl_buf_addc(out, '[');
    for (size_t i = 0; i < d->n; i++) {
        if (i)
            sl_buf_addc(out, ',');
        sl_buf_adds(out, "{\"file\":");
        sl_buf_add_json_str(out, d->v[i].file, strlen(d->v[i].file));
        sl_buf_addf(out, ",\"line\":%d,\"column\":%d,\"message\":", d->v[i].line, d->v[i].col);
        sl_buf_add_json_str(out, d->v[i].msg, strlen(d->v[i].msg));
        sl_buf_addc(out, '}');
    }
    sl_buf_addc(out, ']');
}

const char *sl_suggest(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    int cap = strlen(word) <= 4 ? 1 : strlen(word) <= 8 ? 2 : 3, bestd = cap + 1;
    for (size_t i = 0; i < n; i++) {
        int dist = sl_edit_distance(word, candidates[i], cap);
        if (dist < bestd) {
            bestd = dist;
            best = candidates[i];
        }
    }
    return best;
}
