/*
 * filters_int.h: what the filter files share: the argument helpers
 * (small static inline functions) and the sequence filters filters_seq.c
 * defines for filters.c's table. Only the filter files include it.
 */
#ifndef SL_JINJA_FILTERS_INT_H
#define SL_JINJA_FILTERS_INT_H
#include "jinja/jinja_int.h"
#include "config/diag.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static inline int check_args(jctx *c, const jnode *at, const sl_jinja_args *a, size_t maxpos, const char *const *kw)
{
    if (a->npos > maxpos)
        return sl_jerr(c, at, "filter '%.*s' takes at most %zu argument%s (%zu given)", (int)at->nlen, at->name,
                       maxpos, maxpos == 1 ? "" : "s", a->npos);
    for (size_t i = 0; i < a->nkw; i++) {
        size_t k = 0;
        while (kw && kw[k] && strcmp(kw[k], a->kw_names[i]) != 0)
            k++;
        if (!kw || !kw[k])
            return sl_jerr(c, at, "filter '%.*s' got an unexpected keyword argument '%s'", (int)at->nlen, at->name,
                           a->kw_names[i]);
    }
    return 0;
}

/* argument i or keyword `name`, else NULL */
static inline sl_jv *arg(const sl_jinja_args *a, size_t i, const char *name) { return sl_jinja_arg(a, i, name); }

static inline sl_jv *to_str(jctx *c, const jnode *at, sl_jv *v)
{
    sl_jv *s = sl_jv_to_str(v, c->err);
    if (!s)
        sl_jerr(c, at, "%s", c->err->msg);
    return s;
}

static inline sl_jv *to_list(jctx *c, const jnode *at, sl_jv *v) { return sl_jiter_list(c, at, v); }

/* item's attribute path "a.b.0" (Jinja's make_attrgetter): a new reference. */
static inline sl_jv *attr_path(jctx *c, const jnode *at, sl_jv *item, sl_jv *attr)
{
    (void)c;
    if (attr->type != SL_JV_STRING) {
        if (item->type == SL_JV_UNDEFINED)
            return sl_jv_ref(item);
        return sl_jgetitem(at, item, attr);
    }
    sl_jv *cur = sl_jv_ref(item);
    const char *p = attr->u.s.p, *end = p + attr->u.s.n;
    while (p <= end) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        if (!dot)
            dot = end;
        sl_jv *key;
        int digits = dot > p;
        for (const char *q = p; q < dot; q++)
            digits &= isdigit((unsigned char)*q) != 0;
        if (digits)
            key = sl_jv_int(strtoll(p, NULL, 10));
        else
            key = sl_jv_str(p, (size_t)(dot - p));
        sl_jv *next = cur->type == SL_JV_UNDEFINED ? sl_jv_ref(cur) : sl_jgetitem(at, cur, key);
        sl_jv_unref(key);
        sl_jv_unref(cur);
        cur = next;
        p = dot + 1;
    }
    return cur;
}

static inline sl_jv *ret_list(sl_jv *l) { return l; }

/* filters_seq.c: join, sort, unique, reverse, batch, items, dictsort, sum,
 * min, max, map, select, reject, selectattr, rejectattr */
sl_jv *sl_jf_join(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
sl_jv *sl_jf_sort(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
sl_jv *sl_jf_unique(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
sl_jv *sl_jf_reverse(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
sl_jv *sl_jf_batch(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
sl_jv *sl_jf_items(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
sl_jv *sl_jf_dictsort(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
sl_jv *sl_jf_sum(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
sl_jv *sl_jf_min(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
sl_jv *sl_jf_max(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
sl_jv *sl_jf_map(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
sl_jv *sl_jf_select(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
sl_jv *sl_jf_reject(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
sl_jv *sl_jf_selectattr(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);
sl_jv *sl_jf_rejectattr(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a);

#endif
