/* router.c: see router.h. Moved out of engine/pipeline.c, which calls it
 * at the same points as before: after the transforms (eval), per sink in
 * the sink thread (write, commit of the copy), when counting a batch. */
#include "engine/router.h"
#include "core/mem.h"
#include "engine/component.h"
#include "engine/route.h"
#include "expr/expr.h"
#include <string.h>

struct sl_router {
    const sl_pipeline *pl;
    sl_batch *const *pool;
    size_t npool;
    int all_taken;          /* some sink has no where: every row is taken */
    sl_expr **where;        /* per sink: its where, or NULL; NULL when no sink has one */
    uint8_t **mask;         /* per pooled batch: nsinks x nrows, 1 = the sink's where takes the row */
    size_t *mask_cap;
    sl_router_slot *slots;  /* per sink (used by those with a route) */
    uint8_t *copy_rejected; /* a copy's rejected rows */
    size_t copy_rejected_cap;
};

sl_router *sl_router_open(const sl_pipeline *pl, struct sl_expr_engine *x, sl_batch *const *pool, size_t npool)
{
    int routed = 0;
    for (size_t i = 0; i < pl->nsinks; i++)
        routed |= pl->sinks[i].route != NULL;
    if (!routed)
        return NULL;
    sl_router *r = sl_calloc(1, sizeof *r);
    r->pl = pl;
    r->pool = pool;
    r->npool = npool;
    r->mask = sl_calloc(npool, sizeof *r->mask);
    r->mask_cap = sl_calloc(npool, sizeof *r->mask_cap);
    r->slots = sl_calloc(pl->nsinks, sizeof *r->slots);
    for (size_t i = 0; i < pl->nsinks; i++) {
        const sl_sink_route *rt = pl->sinks[i].route;
        r->all_taken |= !rt || !rt->where;
        if (!rt || !rt->where)
            continue;
        if (!r->where)
            r->where = sl_calloc(pl->nsinks, sizeof *r->where);
        r->where[i] = sl_expr_new(x, rt->where);
    }
    return r;
}

void sl_router_free(sl_router *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->where && i < r->pl->nsinks; i++)
        sl_expr_free(r->where[i]);
    sl_free(r->where);
    for (size_t i = 0; i < r->pl->nsinks; i++) {
        if (r->slots[i].copy)
            sl_batch_free(r->slots[i].copy);
        sl_free(r->slots[i].rowmap);
    }
    sl_free(r->slots);
    for (size_t i = 0; i < r->npool; i++)
        sl_free(r->mask[i]);
    sl_free(r->mask);
    sl_free(r->mask_cap);
    sl_free(r->copy_rejected);
    sl_free(r);
}

/* The pool slot of b, or -1 (a batch from outside the pool). */
static int slot_of(const sl_router *r, const sl_batch *b)
{
    for (size_t i = 0; i < r->npool; i++)
        if (r->pool[i] == b)
            return (int)i;
    return -1;
}

int sl_router_eval(sl_router *r, sl_batch *b, sl_error *err)
{
    if (!r || !r->where || b->nrows == 0)
        return 0;
    int k = slot_of(r, b);
    if (k < 0)
        return sl_error_set(err, SL_EINTERNAL, "routing: a batch from outside the pool");
    size_t n = r->pl->nsinks;
    SL_GROW(r->mask[k], r->mask_cap[k], n * b->nrows);
    for (size_t i = 0; i < n; i++) {
        if (!r->where[i])
            continue;
        if (sl_expr_eval_flags(r->where[i], b, r->mask[k] + i * b->nrows, err) < 0) {
            const sl_instance *s = &r->pl->sinks[i];
            sl_loc l = s->route->where_loc;
            return sl_error_prefix(err, "%s:%d:%d: sink %s, where", l.file ? l.file : s->loc.file,
                                   l.file ? l.line : s->loc.line, l.file ? l.col : s->loc.col, s->id);
        }
    }
    return 0;
}

const uint8_t *sl_router_keep(const sl_router *r, size_t i, const sl_batch *b)
{
    if (!r || !r->where || !r->where[i] || b->nrows == 0)
        return NULL;
    int k = slot_of(r, b);
    return k < 0 ? NULL : r->mask[k] + i * b->nrows;
}

int sl_router_write(sl_router *r, size_t i, sl_batch *b, size_t from, uint8_t *rejected, sl_error *err)
{
    sl_instance *s = &r->pl->sinks[i];
    sl_router_slot *sl = &r->slots[i];
    if (!sl->copy)
        sl->copy = sl_batch_new();
    SL_GROW(sl->rowmap, sl->rowmap_cap, b->nrows + 1);
    sl_route_copy(b, sl_router_keep(r, i, b), s->route->select, s->route->nselect, sl->copy, sl->rowmap);
    sl_batch *c = sl->copy;
    sl->from = 0;
    while (sl->from < c->nrows && sl->rowmap[sl->from] < from)
        sl->from++;
    SL_GROW(r->copy_rejected, r->copy_rejected_cap, c->nrows + 1);
    memset(r->copy_rejected, 0, c->nrows);
    int rc = SL_SINK(s)->write(s, c, sl->from, r->copy_rejected, err);
    sl->rows += (int64_t)(c->nrows - sl->from);
    for (size_t k = 0; k < c->nrows; k++)
        if (r->copy_rejected[k])
            rejected[sl->rowmap[k]] = 1;
    /* its rejects join the batch's (the DLQ); the strings move */
    if (c->nrejects) {
        SL_GROW(b->rejects, b->caprejects, b->nrejects + c->nrejects);
        memcpy(b->rejects + b->nrejects, c->rejects, c->nrejects * sizeof *c->rejects);
        b->nrejects += c->nrejects;
        c->nrejects = 0;
    }
    return rc;
}

size_t sl_router_filtered(const sl_router *r, const sl_batch *b, size_t done)
{
    if (!r || !r->where || r->all_taken || b->nrows == 0)
        return 0;
    int k = slot_of(r, b);
    if (k < 0)
        return 0;
    const uint8_t *m = r->mask[k];
    size_t out = 0, n = r->pl->nsinks;
    for (size_t row = done; row < b->nrows; row++) {
        size_t i = 0;
        while (i < n && !m[i * b->nrows + row])
            i++;
        out += i == n;
    }
    return out;
}

sl_router_slot *sl_router_slot_of(sl_router *r, size_t i)
{
    return &r->slots[i];
}
