/*
 * filters_seq.c: the filters over sequences and mappings (join, sort,
 * unique, reverse, batch, items, dictsort, sum, min, max) and the ones that
 * apply a filter or test to each item (map, select, reject, selectattr,
 * rejectattr), with jinja2 3.1's semantics; lists where jinja2 returns
 * generators. filters.c's table lists them (filters_int.h).
 */
#include "jinja/filters_int.h"

/* ---- sequences ---- */

sl_jv *sl_jf_join(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    static const char *const kw[] = {"d", "attribute", NULL};
    if (check_args(c, at, a, 2, kw) < 0)
        return NULL;
    sl_jv *d = arg(a, 0, "d"), *attr = arg(a, 1, "attribute");
    sl_jv *l = to_list(c, at, v);
    if (!l)
        return NULL;
    if (attr && attr->type != SL_JV_NONE) {
        sl_jv *m = sl_jv_list();
        for (size_t i = 0; i < l->u.l.n; i++)
            sl_jv_list_push(m, attr_path(c, at, l->u.l.v[i], attr));
        sl_jv_unref(l);
        l = m;
    }
    sl_jv *sep = d ? to_str(c, at, d) : sl_jv_str("", 0);
    sl_jv *r = sep ? sl_jstr_join(c, at, sep, l, 1) : NULL;
    sl_jv_unref(sep);
    sl_jv_unref(l);
    return r;
}

static sl_jv *sort_key(sl_jv *item, sl_jv *attr, int case_sensitive, jctx *c, const jnode *at)
{
    sl_jv *k = attr && attr->type != SL_JV_NONE ? attr_path(c, at, item, attr) : sl_jv_ref(item);
    if (!case_sensitive && k->type == SL_JV_STRING) {
        sl_jv *low = sl_jstr_case(k, 'l');
        sl_jv_unref(k);
        k = low;
    }
    return k;
}

sl_jv *sl_jf_sort(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    static const char *const kw[] = {"reverse", "case_sensitive", "attribute", NULL};
    if (check_args(c, at, a, 3, kw) < 0)
        return NULL;
    sl_jv *rev = arg(a, 0, "reverse"), *cs = arg(a, 1, "case_sensitive"), *attr = arg(a, 2, "attribute");
    sl_jv *l = to_list(c, at, v);
    if (!l)
        return NULL;
    sl_jv *r = sl_jv_list();
    size_t n = l->u.l.n;
    sl_jv **keys = sl_malloc((n + 1) * sizeof *keys);
    for (size_t i = 0; i < n; i++) {
        sl_jv_list_push(r, sl_jv_ref(l->u.l.v[i]));
        keys[i] = sort_key(l->u.l.v[i], attr, cs && sl_jv_truthy(cs), c, at);
    }
    sl_jv_unref(l);
    /* sort items and keys together: sort indices by keys */
    sl_jv **items = sl_malloc((n + 1) * sizeof *items);
    for (size_t i = 0; i < n; i++)
        items[i] = (sl_jv *)(uintptr_t)i;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (keys[i]->type == SL_JV_UNDEFINED)
            rc = sl_jerr(c, at, "%s", sl_jv_undef_msg(keys[i]));
    if (rc == 0) {
        /* sl_jsort moves items by the keys' order; keys index by position, so sort a copy of indices */
        sl_jv **keyed = sl_malloc((n + 1) * sizeof *keyed);
        memcpy(keyed, keys, n * sizeof *keyed);
        rc = sl_jsort(c, at, items, keyed, n, rev && sl_jv_truthy(rev));
        sl_free(keyed);
    }
    if (rc == 0 && n) {
        sl_jv **sorted = sl_malloc((n + 1) * sizeof *sorted);
        for (size_t i = 0; i < n; i++)
            sorted[i] = r->u.l.v[(uintptr_t)items[i]];
        memcpy(r->u.l.v, sorted, n * sizeof *sorted);
        sl_free(sorted);
    }
    for (size_t i = 0; i < n; i++)
        sl_jv_unref(keys[i]);
    sl_free(keys);
    sl_free(items);
    if (rc < 0) {
        sl_jv_unref(r);
        return NULL;
    }
    return r;
}

sl_jv *sl_jf_unique(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    static const char *const kw[] = {"case_sensitive", "attribute", NULL};
    if (check_args(c, at, a, 2, kw) < 0)
        return NULL;
    sl_jv *cs = arg(a, 0, "case_sensitive"), *attr = arg(a, 1, "attribute");
    sl_jv *l = to_list(c, at, v);
    if (!l)
        return NULL;
    sl_jv *r = sl_jv_list(), *seen = sl_jv_list();
    for (size_t i = 0; i < l->u.l.n; i++) {
        sl_jv *k = sort_key(l->u.l.v[i], attr, cs && sl_jv_truthy(cs), c, at);
        if (k->type == SL_JV_LIST || k->type == SL_JV_DICT || k->type == SL_JV_UNDEFINED) {
            if (k->type == SL_JV_UNDEFINED)
                sl_jerr(c, at, "%s", sl_jv_undef_msg(k));
            else
                sl_jerr(c, at, "unhashable type: '%s'", sl_jv_type_name(k));
            sl_jv_unref(k);
            sl_jv_unref(seen);
            sl_jv_unref(r);
            sl_jv_unref(l);
            return NULL;
        }
        int dup = 0;
        for (size_t j = 0; j < seen->u.l.n && !dup; j++)
            dup = sl_jv_equal(seen->u.l.v[j], k);
        if (dup) {
            sl_jv_unref(k);
            continue;
        }
        sl_jv_list_push(seen, k);
        sl_jv_list_push(r, sl_jv_ref(l->u.l.v[i]));
    }
    sl_jv_unref(seen);
    sl_jv_unref(l);
    return r;
}

sl_jv *sl_jf_reverse(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    if (check_args(c, at, a, 0, NULL) < 0)
        return NULL;
    sl_jv *l = to_list(c, at, v);
    if (!l)
        return NULL;
    if (v->type == SL_JV_STRING) {
        sl_buf b;
        sl_buf_init(&b);
        for (size_t i = l->u.l.n; i-- > 0;)
            sl_buf_add(&b, l->u.l.v[i]->u.s.p, l->u.l.v[i]->u.s.n);
        sl_jv_unref(l);
        sl_jv *r = sl_jv_str(b.data ? b.data : "", b.len);
        sl_buf_release(&b);
        return r;
    }
    sl_jv *r = sl_jv_list();
    for (size_t i = l->u.l.n; i-- > 0;)
        sl_jv_list_push(r, sl_jv_ref(l->u.l.v[i]));
    sl_jv_unref(l);
    return r;
}

sl_jv *sl_jf_batch(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    static const char *const kw[] = {"linecount", "fill_with", NULL};
    if (check_args(c, at, a, 2, kw) < 0)
        return NULL;
    sl_jv *lc = arg(a, 0, "linecount"), *fill = arg(a, 1, "fill_with");
    int64_t n = lc ? sl_jv_int_of(lc) : 0;
    if (n <= 0) {
        sl_jerr(c, at, "batch: linecount must be a positive integer");
        return NULL;
    }
    sl_jv *l = to_list(c, at, v);
    if (!l)
        return NULL;
    sl_jv *r = sl_jv_list(), *cur = NULL;
    for (size_t i = 0; i < l->u.l.n; i++) {
        if (!cur)
            cur = sl_jv_list();
        sl_jv_list_push(cur, sl_jv_ref(l->u.l.v[i]));
        if ((int64_t)cur->u.l.n == n) {
            sl_jv_list_push(r, cur);
            cur = NULL;
        }
    }
    if (cur) {
        if (fill && fill->type != SL_JV_NONE)
            while ((int64_t)cur->u.l.n < n)
                sl_jv_list_push(cur, sl_jv_ref(fill));
        sl_jv_list_push(r, cur);
    }
    sl_jv_unref(l);
    return r;
}

sl_jv *sl_jf_items(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    if (check_args(c, at, a, 0, NULL) < 0)
        return NULL;
    if (v->type == SL_JV_UNDEFINED)
        return sl_jv_list();
    if (v->type != SL_JV_DICT || v->sub == JV_LOOP) {
        sl_jerr(c, at, "Can only get item pairs from a mapping.");
        return NULL;
    }
    sl_jv *r = sl_jv_list();
    for (size_t i = 0; i < v->u.dc.n; i++) {
        sl_jv *t = sl_jv_tuple();
        sl_jv_list_push(t, sl_jv_ref(v->u.dc.keys[i]));
        sl_jv_list_push(t, sl_jv_ref(v->u.dc.vals[i]));
        sl_jv_list_push(r, t);
    }
    return r;
}

sl_jv *sl_jf_dictsort(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    static const char *const kw[] = {"case_sensitive", "by", "reverse", NULL};
    if (check_args(c, at, a, 3, kw) < 0)
        return NULL;
    sl_jinja_args none = {0};
    sl_jv *items = sl_jf_items(c, at, v, &none);
    if (!items)
        return NULL;
    sl_jv *cs = arg(a, 0, "case_sensitive"), *by = arg(a, 1, "by"), *rev = arg(a, 2, "reverse");
    int pos = 0;
    if (by && by->type == SL_JV_STRING) {
        if (strcmp(by->u.s.p, "value") == 0)
            pos = 1;
        else if (strcmp(by->u.s.p, "key") != 0) {
            sl_jv_unref(items);
            sl_jerr(c, at, "You can only sort by either \"key\" or \"value\"");
            return NULL;
        }
    }
    size_t n = items->u.l.n;
    sl_jv **keys = sl_malloc((n + 1) * sizeof *keys);
    for (size_t i = 0; i < n; i++)
        keys[i] = sort_key(items->u.l.v[i]->u.l.v[pos], NULL, cs && sl_jv_truthy(cs), c, at);
    /* sort the (key, item) pairs together by sorting a list of pair tuples by key */
    sl_jv **order = sl_malloc((n + 1) * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = (sl_jv *)(uintptr_t)i;
    sl_jv **keyed = sl_malloc((n + 1) * sizeof *keyed);
    memcpy(keyed, keys, n * sizeof *keyed);
    int rc = sl_jsort(c, at, order, keyed, n, rev && sl_jv_truthy(rev));
    sl_free(keyed);
    sl_jv *r = NULL;
    if (rc == 0) {
        r = sl_jv_list();
        for (size_t i = 0; i < n; i++)
            sl_jv_list_push(r, sl_jv_ref(items->u.l.v[(uintptr_t)order[i]]));
    }
    for (size_t i = 0; i < n; i++)
        sl_jv_unref(keys[i]);
    sl_free(keys);
    sl_free(order);
    sl_jv_unref(items);
    return r;
}

sl_jv *sl_jf_sum(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    static const char *const kw[] = {"attribute", "start", NULL};
    if (check_args(c, at, a, 2, kw) < 0)
        return NULL;
    sl_jv *attr = arg(a, 0, "attribute"), *start = arg(a, 1, "start");
    sl_jv *l = to_list(c, at, v);
    if (!l)
        return NULL;
    sl_jv *acc = start ? sl_jv_ref(start) : sl_jv_int(0);
    for (size_t i = 0; i < l->u.l.n && acc; i++) {
        sl_jv *x = attr && attr->type != SL_JV_NONE ? attr_path(c, at, l->u.l.v[i], attr) : sl_jv_ref(l->u.l.v[i]);
        sl_jv *nx = NULL;
        sl_jarith(c, at, OP_ADD, acc, x, &nx);
        sl_jv_unref(x);
        sl_jv_unref(acc);
        acc = nx;
    }
    sl_jv_unref(l);
    return acc;
}

static sl_jv *f_minmax(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a, int max)
{
    static const char *const kw[] = {"case_sensitive", "attribute", NULL};
    if (check_args(c, at, a, 2, kw) < 0)
        return NULL;
    sl_jv *cs = arg(a, 0, "case_sensitive"), *attr = arg(a, 1, "attribute");
    sl_jv *l = to_list(c, at, v);
    if (!l)
        return NULL;
    if (l->u.l.n == 0) {
        sl_jv_unref(l);
        return sl_jv_undefined_hint("No aggregated item, sequence was empty.");
    }
    size_t best = 0;
    sl_jv *bk = sort_key(l->u.l.v[0], attr, cs && sl_jv_truthy(cs), c, at);
    for (size_t i = 1; i < l->u.l.n; i++) {
        sl_jv *k = sort_key(l->u.l.v[i], attr, cs && sl_jv_truthy(cs), c, at);
        int cmp;
        if (sl_jv_compare(k, bk, &cmp, max ? ">" : "<", c->err) < 0) {
            sl_jerr(c, at, "%s", c->err->msg);
            sl_jv_unref(k);
            sl_jv_unref(bk);
            sl_jv_unref(l);
            return NULL;
        }
        if (cmp != 2 && (max ? cmp > 0 : cmp < 0)) {
            sl_jv_unref(bk);
            bk = k;
            best = i;
        } else
            sl_jv_unref(k);
    }
    sl_jv_unref(bk);
    sl_jv *r = sl_jv_ref(l->u.l.v[best]);
    sl_jv_unref(l);
    return r;
}

sl_jv *sl_jf_min(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a) { return f_minmax(c, at, v, a, 0); }
sl_jv *sl_jf_max(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a) { return f_minmax(c, at, v, a, 1); }

/* ---- map / select ---- */

/* args after the first `skip` positional ones, as a new args view */
static sl_jinja_args rest_args(const sl_jinja_args *a, size_t skip)
{
    sl_jinja_args r = *a;
    r.npos = a->npos > skip ? a->npos - skip : 0;
    r.pos = a->pos + (a->npos > skip ? skip : a->npos);
    return r;
}

sl_jv *sl_jf_map(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    sl_jv *l = to_list(c, at, v);
    if (!l)
        return NULL;
    sl_jv *r = sl_jv_list();
    sl_jv *attr = arg(a, 99, "attribute");
    if (attr) {
        sl_jv *def = arg(a, 99, "default");
        for (size_t i = 0; i < l->u.l.n; i++) {
            sl_jv *x = attr_path(c, at, l->u.l.v[i], attr);
            if (x->type == SL_JV_UNDEFINED && def) {
                sl_jv_unref(x);
                x = sl_jv_ref(def);
            }
            sl_jv_list_push(r, x);
        }
        sl_jv_unref(l);
        return ret_list(r);
    }
    if (!a->npos || a->pos[0]->type != SL_JV_STRING) {
        sl_jv_unref(l);
        sl_jv_unref(r);
        sl_jerr(c, at, "map: a filter name or attribute= is required");
        return NULL;
    }
    const jfilter *jf = sl_jfilter_find(a->pos[0]->u.s.p, a->pos[0]->u.s.n);
    if (!jf) {
        sl_jerr(c, at, "unknown filter '%s'", a->pos[0]->u.s.p);
        sl_jv_unref(l);
        sl_jv_unref(r);
        return NULL;
    }
    sl_jinja_args rest = rest_args(a, 1);
    jnode fake = *at;
    fake.name = jf->name;
    fake.nlen = (uint32_t)strlen(jf->name);
    for (size_t i = 0; i < l->u.l.n; i++) {
        sl_jv *item = l->u.l.v[i];
        sl_jv *x = item->type == SL_JV_UNDEFINED && !jf->lenient ? NULL : jf->fn(c, &fake, item, &rest);
        if (!x) {
            if (item->type == SL_JV_UNDEFINED)
                sl_jerr(c, at, "%s", sl_jv_undef_msg(item));
            sl_jv_unref(l);
            sl_jv_unref(r);
            return NULL;
        }
        sl_jv_list_push(r, x);
    }
    sl_jv_unref(l);
    return r;
}

static sl_jv *select_impl(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a, int useattr, int want)
{
    sl_jv *l = to_list(c, at, v);
    if (!l)
        return NULL;
    size_t skip = useattr ? 1 : 0;
    sl_jv *attr = useattr ? (a->npos ? a->pos[0] : NULL) : NULL;
    if (useattr && !attr) {
        sl_jv_unref(l);
        sl_jerr(c, at, "filter '%.*s' needs an attribute name", (int)at->nlen, at->name);
        return NULL;
    }
    const jtest *jt = NULL;
    if (a->npos > skip) {
        sl_jv *tn = a->pos[skip];
        if (tn->type != SL_JV_STRING || !(jt = sl_jtest_find(tn->u.s.p, tn->u.s.n))) {
            sl_jv_unref(l);
            sl_jerr(c, at, "unknown test '%s'", tn->type == SL_JV_STRING ? tn->u.s.p : "?");
            return NULL;
        }
        skip++;
    }
    sl_jinja_args rest = rest_args(a, skip);
    sl_jv *r = sl_jv_list();
    for (size_t i = 0; i < l->u.l.n; i++) {
        sl_jv *item = l->u.l.v[i];
        sl_jv *x = useattr ? attr_path(c, at, item, attr) : sl_jv_ref(item);
        int res = 0, rc = 0;
        if (jt) {
            if (x->type == SL_JV_UNDEFINED && !jt->lenient)
                rc = sl_jerr(c, at, "%s", sl_jv_undef_msg(x));
            else
                rc = jt->fn(c, at, x, &rest, &res);
        } else if (x->type == SL_JV_UNDEFINED)
            rc = sl_jerr(c, at, "%s", sl_jv_undef_msg(x));
        else
            res = sl_jv_truthy(x);
        sl_jv_unref(x);
        if (rc < 0) {
            sl_jv_unref(l);
            sl_jv_unref(r);
            return NULL;
        }
        if ((res != 0) == want)
            sl_jv_list_push(r, sl_jv_ref(item));
    }
    sl_jv_unref(l);
    return r;
}

sl_jv *sl_jf_select(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a) { return select_impl(c, at, v, a, 0, 1); }
sl_jv *sl_jf_reject(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a) { return select_impl(c, at, v, a, 0, 0); }
sl_jv *sl_jf_selectattr(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a) { return select_impl(c, at, v, a, 1, 1); }
sl_jv *sl_jf_rejectattr(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a) { return select_impl(c, at, v, a, 1, 0); }
