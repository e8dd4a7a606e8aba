/*
 * builtins.c: the renderer's own global functions: range() (with the
 * sandbox's limit of 100,000 items, as dbt's SandboxedEnvironment), dict(),
 * namespace(), return() (dbt: a macro's value), and
 * exceptions.raise_compiler_error() and exceptions.warn() (a warning in
 * the log, naming FILE:LINE:COL).
 */
#include "jinja/jinja_int.h"
#include "core/log.h"
#include <string.h>

static int int_arg(jctx *c, const jnode *at, sl_jv *v, int64_t *out)
{
    if (v->type != SL_JV_INT && v->type != SL_JV_BOOL)
        return sl_jerr(c, at, "range() arguments must be integers, not %s", sl_jv_type_name(v));
    *out = sl_jv_int_of(v);
    return 0;
}

static sl_jv *do_range(jctx *c, const jnode *at, const sl_jinja_args *a)
{
    int64_t st = 0, sp = 0, step = 1;
    if (a->nkw || a->npos < 1 || a->npos > 3) {
        sl_jerr(c, at, "range() takes 1 to 3 positional arguments");
        return NULL;
    }
    if (a->npos == 1) {
        if (int_arg(c, at, a->pos[0], &sp) < 0)
            return NULL;
    } else {
        if (int_arg(c, at, a->pos[0], &st) < 0 || int_arg(c, at, a->pos[1], &sp) < 0)
            return NULL;
        if (a->npos == 3 && int_arg(c, at, a->pos[2], &step) < 0)
            return NULL;
    }
    if (step == 0) {
        sl_jerr(c, at, "range() arg 3 must not be zero");
        return NULL;
    }
    /* count in double to avoid overflow */
    double cnt = step > 0 ? ((double)sp - (double)st) / (double)step : ((double)st - (double)sp) / (double)-step;
    if (cnt > SL_JINJA_MAX_RANGE) {
        sl_jerr(c, at, "range too big: the limit is %d items", SL_JINJA_MAX_RANGE);
        return NULL;
    }
    sl_jv *l = sl_jv_list();
    l->sub = JV_RANGE;
    l->u.l.r0 = st;
    l->u.l.r1 = sp;
    l->u.l.rs = step;
    for (int64_t i = st; step > 0 ? i < sp : i > sp; i += step)
        sl_jv_list_push(l, sl_jv_int(i));
    return l;
}

static sl_jv *kw_dict(jctx *c, const jnode *at, const sl_jinja_args *a, const char *fname)
{
    sl_jv *d = sl_jv_dict();
    if (a->npos > 1) {
        sl_jerr(c, at, "%s() takes at most 1 positional argument", fname);
        sl_jv_unref(d);
        return NULL;
    }
    if (a->npos == 1) {
        sl_jv *src = a->pos[0];
        if (src->type != SL_JV_DICT || src->sub == JV_LOOP) {
            sl_jerr(c, at, "%s() needs a mapping as its positional argument, not %s", fname, sl_jv_type_name(src));
            sl_jv_unref(d);
            return NULL;
        }
        for (size_t i = 0; i < src->u.dc.n; i++)
            sl_jv_dict_setv(d, src->u.dc.keys[i], sl_jv_ref(src->u.dc.vals[i]));
    }
    for (size_t i = 0; i < a->nkw; i++)
        sl_jv_dict_set(d, a->kw_names[i], sl_jv_ref(a->kw[i]));
    return d;
}

sl_jv *sl_jbuiltin_call(jctx *c, const jnode *at, int id, const sl_jinja_args *a)
{
    switch (id) {
    case BI_RANGE:
        return do_range(c, at, a);
    case BI_DICT:
        return kw_dict(c, at, a, "dict");
    case BI_NAMESPACE: {
        sl_jv *d = kw_dict(c, at, a, "namespace");
        if (d)
            d->sub = JV_NS;
        return d;
    }
    case BI_RETURN:
        if (c->calls == 0) {
            sl_jerr(c, at, "return() outside of a macro");
            return NULL;
        }
        if (a->npos + a->nkw > 1) {
            sl_jerr(c, at, "return() takes one argument");
            return NULL;
        }
        sl_jv_unref(c->retval);
        c->retval = sl_jv_ref(a->npos ? a->pos[0] : a->nkw ? a->kw[0] : sl_jv_none());
        c->unwind = UNW_RETURN;
        return sl_jv_none();
    case BI_WARN:
    case BI_RAISE: {
        sl_jv *m = sl_jinja_arg(a, 0, "msg");
        if (!m) {
            sl_jerr(c, at, "%s() needs a message", id == BI_WARN ? "warn" : "raise_compiler_error");
            return NULL;
        }
        sl_buf b;
        sl_buf_init(&b);
        if (sl_jv_str_into(m, &b, c->err) < 0) {
            sl_jerr(c, at, "%s", c->err->msg);
            sl_buf_release(&b);
            return NULL;
        }
        if (id == BI_WARN) {
            sl_log(SL_LOG_WARN, "%s:%u:%u: %s", c->file, at ? at->line : 0, at ? at->col : 0, b.data ? b.data : "");
            sl_buf_release(&b);
            return sl_jv_str("", 0);
        }
        sl_jerr(c, at, "%s", b.data ? b.data : "");
        sl_buf_release(&b);
        return NULL;
    }
    }
    sl_jerr(c, at, "unknown built-in");
    return NULL;
}
