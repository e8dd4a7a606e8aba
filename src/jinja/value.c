/*
 * value.c: the renderer's values (sl_jv): reference counted, strings held
 * inline with their header, lists, dicts in insertion order (with a hash
 * index once they grow past a few entries), callables; equality, ordering
 * and printing the way Python's str() and repr() print them, which is what
 * {{ }} shows in Jinja.
 *
 * Reference counts are plain integers: a value belongs to one render (one
 * thread) at a time. The shared constants none/true/false are never
 * counted.
 */
#include "jinja/jinja_int.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STR_HDR (offsetof(sl_jv, u) + sizeof(((sl_jv *)0)->u.s))

static sl_jv g_none = {1, SL_JV_NONE, JV_STATIC, 0, {0}};
static sl_jv g_true = {1, SL_JV_BOOL, JV_STATIC, 0, {.b = 1}};
static sl_jv g_false = {1, SL_JV_BOOL, JV_STATIC, 0, {.b = 0}};

sl_jv *sl_jv_new_(sl_jv_type type, int sub)
{
    sl_jv *v = sl_calloc(1, sizeof *v);
    v->refs = 1;
    v->type = (uint8_t)type;
    v->sub = (uint8_t)sub;
    return v;
}

sl_jv *sl_jv_undefined(void)
{
    return sl_jv_new_(SL_JV_UNDEFINED, JV_PLAIN);
}

sl_jv *sl_jv_undefined_hint(const char *fmt, ...)
{
    sl_jv *v = sl_jv_undefined();
    va_list ap;
    va_start(ap, fmt);
    v->u.u.hint = sl_vprintf(fmt, ap);
    va_end(ap);
    return v;
}

sl_jv *sl_jv_none(void) { return &g_none; }
sl_jv *sl_jv_bool(int b) { return b ? &g_true : &g_false; }

sl_jv *sl_jv_int(int64_t i)
{
    sl_jv *v = sl_jv_new_(SL_JV_INT, JV_PLAIN);
    v->u.i = i;
    return v;
}

sl_jv *sl_jv_float(double d)
{
    sl_jv *v = sl_jv_new_(SL_JV_FLOAT, JV_PLAIN);
    v->u.d = d;
    return v;
}

sl_jv *sl_jv_str_alloc(size_t n)
{
    sl_jv *v = sl_malloc(STR_HDR + n + 1);
    memset(v, 0, STR_HDR);
    v->refs = 1;
    v->type = SL_JV_STRING;
    v->u.s.n = n;
    v->u.s.p = (char *)v + STR_HDR;
    v->u.s.p[n] = 0;
    return v;
}

sl_jv *sl_jv_str(const char *s, size_t n)
{
    sl_jv *v = sl_jv_str_alloc(n);
    if (n)
        memcpy(v->u.s.p, s, n);
    return v;
}

sl_jv *sl_jv_cstr(const char *s) { return sl_jv_str(s, strlen(s)); }

sl_jv *sl_jv_list(void) { return sl_jv_new_(SL_JV_LIST, JV_PLAIN); }
sl_jv *sl_jv_tuple(void) { return sl_jv_new_(SL_JV_LIST, JV_TUPLE); }

void sl_jv_list_push(sl_jv *list, sl_jv *v)
{
    if (list->u.l.n == list->u.l.cap)
        sl_grow((void **)&list->u.l.v, &list->u.l.cap, list->u.l.n + 1, sizeof(sl_jv *));
    list->u.l.v[list->u.l.n++] = v;
}

sl_jv *sl_jv_dict(void) { return sl_jv_new_(SL_JV_DICT, JV_PLAIN); }

uint32_t sl_jhash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void dict_index_put(sl_jv *d, size_t entry)
{
    const sl_jv *k = d->u.dc.keys[entry];
    if (k->type != SL_JV_STRING)
        return;
    size_t mask = d->u.dc.idxcap - 1;
    size_t h = sl_jhash(k->u.s.p, k->u.s.n) & mask;
    while (d->u.dc.idx[h])
        h = (h + 1) & mask;
    d->u.dc.idx[h] = (uint32_t)entry + 1;
}

static void dict_reindex(sl_jv *d)
{
    sl_free(d->u.dc.idx);
    d->u.dc.idx = NULL;
    d->u.dc.idxcap = 0;
    if (d->u.dc.n <= 8)
        return;
    size_t cap = 16;
    while (cap < d->u.dc.n * 2 + 2)
        cap *= 2;
    d->u.dc.idx = sl_calloc(cap, sizeof(uint32_t));
    d->u.dc.idxcap = cap;
    for (size_t i = 0; i < d->u.dc.n; i++)
        dict_index_put(d, i);
}

static long dict_find_str(const sl_jv *d, const char *key, size_t n)
{
    if (d->u.dc.idx) {
        size_t mask = d->u.dc.idxcap - 1;
        size_t h = sl_jhash(key, n) & mask;
        uint32_t e;
        while ((e = d->u.dc.idx[h]) != 0) {
            const sl_jv *k = d->u.dc.keys[e - 1];
            if (k->u.s.n == n && memcmp(k->u.s.p, key, n) == 0)
                return (long)e - 1;
            h = (h + 1) & mask;
        }
        return -1;
    }
    for (size_t i = 0; i < d->u.dc.n; i++) {
        const sl_jv *k = d->u.dc.keys[i];
        if (k->type == SL_JV_STRING && k->u.s.n == n && memcmp(k->u.s.p, key, n) == 0)
            return (long)i;
    }
    return -1;
}

static long dict_find(const sl_jv *d, const sl_jv *key)
{
    if (key->type == SL_JV_STRING)
        return dict_find_str(d, key->u.s.p, key->u.s.n);
    for (size_t i = 0; i < d->u.dc.n; i++)
        if (sl_jv_equal(d->u.dc.keys[i], key))
            return (long)i;
    return -1;
}

void sl_jv_dict_setv(sl_jv *d, sl_jv *key, sl_jv *v)
{
    long at = dict_find(d, key);
    if (at >= 0) {
        sl_jv_unref(d->u.dc.vals[at]);
        d->u.dc.vals[at] = v;
        return;
    }
    if (d->u.dc.n == d->u.dc.cap) {
        size_t cap = d->u.dc.cap;
        sl_grow((void **)&d->u.dc.keys, &cap, d->u.dc.n + 1, sizeof(sl_jv *));
        d->u.dc.vals = sl_realloc(d->u.dc.vals, cap * sizeof(sl_jv *));
        d->u.dc.cap = cap;
    }
    d->u.dc.keys[d->u.dc.n] = sl_jv_ref(key);
    d->u.dc.vals[d->u.dc.n] = v;
    d->u.dc.n++;
    if (d->u.dc.idx && d->u.dc.n * 2 + 2 <= d->u.dc.idxcap)
        dict_index_put(d, d->u.dc.n - 1);
    else if (d->u.dc.n > 8)
        dict_reindex(d);
}

void sl_jv_dict_set(sl_jv *dict, const char *key, sl_jv *v)
{
    long at = dict_find_str(dict, key, strlen(key));
    if (at >= 0) {
        sl_jv_unref(dict->u.dc.vals[at]);
        dict->u.dc.vals[at] = v;
        return;
    }
    sl_jv *k = sl_jv_cstr(key);
    sl_jv_dict_setv(dict, k, v);
    sl_jv_unref(k);
}

int sl_jv_dict_del(sl_jv *d, const sl_jv *key)
{
    long at = dict_find(d, key);
    if (at < 0)
        return 0;
    sl_jv_unref(d->u.dc.keys[at]);
    sl_jv_unref(d->u.dc.vals[at]);
    memmove(d->u.dc.keys + at, d->u.dc.keys + at + 1, (d->u.dc.n - (size_t)at - 1) * sizeof(sl_jv *));
    memmove(d->u.dc.vals + at, d->u.dc.vals + at + 1, (d->u.dc.n - (size_t)at - 1) * sizeof(sl_jv *));
    d->u.dc.n--;
    dict_reindex(d);
    return 1;
}

sl_jv *sl_jv_dict_getn(const sl_jv *d, const char *key, size_t n)
{
    if (!d || d->type != SL_JV_DICT || d->sub == JV_LOOP)
        return NULL;
    long at = dict_find_str(d, key, n);
    return at < 0 ? NULL : d->u.dc.vals[at];
}

sl_jv *sl_jv_dict_getv(const sl_jv *d, const sl_jv *key)
{
    if (!d || d->type != SL_JV_DICT || d->sub == JV_LOOP)
        return NULL;
    long at = dict_find(d, key);
    return at < 0 ? NULL : d->u.dc.vals[at];
}

sl_jv *sl_jv_dict_get(const sl_jv *v, const char *key)
{
    return sl_jv_dict_getn(v, key, strlen(key));
}

const char *sl_jv_dict_key_at(const sl_jv *v, size_t i)
{
    if (v->type != SL_JV_DICT || v->sub == JV_LOOP || i >= v->u.dc.n)
        return NULL;
    const sl_jv *k = v->u.dc.keys[i];
    return k->type == SL_JV_STRING ? k->u.s.p : NULL;
}

sl_jv *sl_jv_dict_value_at(const sl_jv *v, size_t i)
{
    if (v->type != SL_JV_DICT || v->sub == JV_LOOP || i >= v->u.dc.n)
        return NULL;
    return v->u.dc.vals[i];
}

sl_jv *sl_jv_object(sl_jv *attrs, const char *text)
{
    if (attrs->refs != 1 || attrs->sub != JV_PLAIN) {
        sl_jv *copy = sl_jv_dict();
        for (size_t i = 0; i < attrs->u.dc.n; i++)
            sl_jv_dict_setv(copy, attrs->u.dc.keys[i], sl_jv_ref(attrs->u.dc.vals[i]));
        sl_jv_unref(attrs);
        attrs = copy;
    }
    attrs->sub = JV_OBJECT;
    sl_free(attrs->u.dc.text);
    attrs->u.dc.text = sl_strdup(text);
    return attrs;
}

sl_jv *sl_jv_fn(const char *name, sl_jinja_fn fn, void *ud)
{
    sl_jv *v = sl_jv_new_(SL_JV_CALLABLE, JV_HOSTFN);
    v->u.h.name = sl_strdup(name);
    v->u.h.fn = fn;
    v->u.h.ud = ud;
    return v;
}

sl_jv *sl_jv_ref(sl_jv *v)
{
    if (v && v->sub != JV_STATIC)
        v->refs++;
    return v;
}

jalive *sl_jalive_new(void)
{
    jalive *a = sl_malloc(sizeof *a);
    a->refs = 1;
    a->alive = 1;
    return a;
}

void sl_jalive_unref(jalive *a)
{
    if (a && --a->refs == 0)
        sl_free(a);
}

void sl_jv_unref(sl_jv *v)
{
    if (!v || v->sub == JV_STATIC || --v->refs > 0)
        return;
    switch (v->type) {
    case SL_JV_UNDEFINED:
        sl_free(v->u.u.hint);
        break;
    case SL_JV_LIST:
        for (size_t i = 0; i < v->u.l.n; i++)
            sl_jv_unref(v->u.l.v[i]);
        sl_free(v->u.l.v);
        break;
    case SL_JV_DICT:
        if (v->sub == JV_LOOP) {
            sl_jv_unref(v->u.lp.items);
            break;
        }
        for (size_t i = 0; i < v->u.dc.n; i++) {
            sl_jv_unref(v->u.dc.keys[i]);
            sl_jv_unref(v->u.dc.vals[i]);
        }
        sl_free(v->u.dc.keys);
        sl_free(v->u.dc.vals);
        sl_free(v->u.dc.idx);
        sl_free(v->u.dc.text);
        break;
    case SL_JV_CALLABLE:
        if (v->sub == JV_HOSTFN)
            sl_free(v->u.h.name);
        else if (v->sub == JV_MACRO) {
            sl_jtpl_shared_unref(v->u.m.tpl);
            sl_jalive_unref(v->u.m.alive);
        } else if (v->sub == JV_METHOD || v->sub == JV_LOOPFN)
            sl_jv_unref(v->u.me.recv);
        break;
    default:
        break;
    }
    sl_free(v);
}

sl_jv_type sl_jv_type_of(const sl_jv *v) { return (sl_jv_type)v->type; }

int sl_jv_truthy(const sl_jv *v)
{
    switch (v->type) {
    case SL_JV_UNDEFINED:
    case SL_JV_NONE:
        return 0;
    case SL_JV_BOOL:
        return v->u.b;
    case SL_JV_INT:
        return v->u.i != 0;
    case SL_JV_FLOAT:
        return v->u.d != 0.0;
    case SL_JV_STRING:
        return v->u.s.n != 0;
    case SL_JV_LIST:
        return v->u.l.n != 0;
    case SL_JV_DICT:
        if (v->sub == JV_LOOP || v->sub == JV_OBJECT || v->sub == JV_NS)
            return 1;
        return v->u.dc.n != 0;
    default:
        return 1;
    }
}

const char *sl_jv_str_of(const sl_jv *v, size_t *len)
{
    if (!v || v->type != SL_JV_STRING)
        return NULL;
    if (len)
        *len = v->u.s.n;
    return v->u.s.p;
}

int64_t sl_jv_int_of(const sl_jv *v)
{
    if (v->type == SL_JV_INT)
        return v->u.i;
    if (v->type == SL_JV_BOOL)
        return v->u.b;
    return 0;
}

double sl_jv_float_of(const sl_jv *v)
{
    if (v->type == SL_JV_FLOAT)
        return v->u.d;
    return (double)sl_jv_int_of(v);
}

size_t sl_jv_len(const sl_jv *v)
{
    switch (v->type) {
    case SL_JV_STRING:
        return v->u.s.n;
    case SL_JV_LIST:
        return v->u.l.n;
    case SL_JV_DICT:
        return v->sub == JV_LOOP ? 0 : v->u.dc.n;
    default:
        return 0;
    }
}

sl_jv *sl_jv_list_at(const sl_jv *v, size_t i)
{
    if (v->type != SL_JV_LIST || i >= v->u.l.n)
        return NULL;
    return v->u.l.v[i];
}

sl_jv *sl_jinja_arg(const sl_jinja_args *a, size_t i, const char *name)
{
    if (name)
        for (size_t k = 0; k < a->nkw; k++)
            if (strcmp(a->kw_names[k], name) == 0)
                return a->kw[k];
    return i < a->npos ? a->pos[i] : NULL;
}

static void str_ascii(sl_jv *s)
{
    if (s->ascii)
        return;
    s->ascii = 1;
    for (size_t i = 0; i < s->u.s.n; i++)
        if ((unsigned char)s->u.s.p[i] >= 0x80) {
            s->ascii = 2;
            return;
        }
}

/* Length of the UTF-8 sequence starting at p (1 for an invalid byte). */
static size_t cp_len(const unsigned char *p, size_t left)
{
    size_t n = 1;
    if (p[0] >= 0xF0 && p[0] < 0xF8)
        n = 4;
    else if (p[0] >= 0xE0)
        n = p[0] < 0xF0 ? 3 : 1;
    else if (p[0] >= 0xC2)
        n = 2;
    if (n > left)
        return 1;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

size_t sl_jv_strlen_cp(sl_jv *s)
{
    str_ascii(s);
    if (s->ascii == 1)
        return s->u.s.n;
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s->u.s.p;
    for (size_t i = 0; i < s->u.s.n; n++)
        i += cp_len(p + i, s->u.s.n - i);
    return n;
}

size_t sl_jv_str_cp_off(sl_jv *s, size_t i)
{
    str_ascii(s);
    if (s->ascii == 1)
        return i < s->u.s.n ? i : s->u.s.n;
    const unsigned char *p = (const unsigned char *)s->u.s.p;
    size_t off = 0;
    while (i > 0 && off < s->u.s.n) {
        off += cp_len(p + off, s->u.s.n - off);
        i--;
    }
    return off;
}

/* ---- equality and ordering ---- */

static int is_num(const sl_jv *v)
{
    return v->type == SL_JV_INT || v->type == SL_JV_BOOL || v->type == SL_JV_FLOAT;
}

int sl_jv_equal(const sl_jv *a, const sl_jv *b)
{
    if (a == b)
        return 1;
    if (is_num(a) && is_num(b)) {
        if (a->type != SL_JV_FLOAT && b->type != SL_JV_FLOAT)
            return sl_jv_int_of(a) == sl_jv_int_of(b);
        return sl_jv_float_of(a) == sl_jv_float_of(b);
    }
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case SL_JV_NONE:
        return 1;
    case SL_JV_STRING:
        return a->u.s.n == b->u.s.n && memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0;
    case SL_JV_LIST:
        if ((a->sub == JV_TUPLE) != (b->sub == JV_TUPLE) || a->u.l.n != b->u.l.n)
            return 0;
        for (size_t i = 0; i < a->u.l.n; i++)
            if (!sl_jv_equal(a->u.l.v[i], b->u.l.v[i]))
                return 0;
        return 1;
    case SL_JV_DICT:
        if (a->sub == JV_LOOP || b->sub == JV_LOOP || a->u.dc.n != b->u.dc.n)
            return 0;
        for (size_t i = 0; i < a->u.dc.n; i++) {
            const sl_jv *o = sl_jv_dict_getv(b, a->u.dc.keys[i]);
            if (!o || !sl_jv_equal(a->u.dc.vals[i], o))
                return 0;
        }
        return 1;
    default:
        return 0;
    }
}

int sl_jv_compare(const sl_jv *a, const sl_jv *b, int *cmp, const char *op, sl_error *err)
{
    if (is_num(a) && is_num(b)) {
        if (a->type != SL_JV_FLOAT && b->type != SL_JV_FLOAT) {
            int64_t x = sl_jv_int_of(a), y = sl_jv_int_of(b);
            *cmp = x < y ? -1 : x > y;
        } else {
            double x = sl_jv_float_of(a), y = sl_jv_float_of(b);
            *cmp = x < y ? -1 : x > y ? 1 : 0;
            if (x != x || y != y)
                *cmp = 2; /* NaN: every ordering is false */
        }
        return 0;
    }
    if (a->type == SL_JV_STRING && b->type == SL_JV_STRING) {
        size_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
        int c = memcmp(a->u.s.p, b->u.s.p, n);
        *cmp = c < 0 ? -1 : c > 0 ? 1 : a->u.s.n < b->u.s.n ? -1 : a->u.s.n > b->u.s.n;
        return 0;
    }
    if (a->type == SL_JV_LIST && b->type == SL_JV_LIST && (a->sub == JV_TUPLE) == (b->sub == JV_TUPLE)) {
        size_t n = a->u.l.n < b->u.l.n ? a->u.l.n : b->u.l.n;
        for (size_t i = 0; i < n; i++) {
            if (sl_jv_equal(a->u.l.v[i], b->u.l.v[i]))
                continue;
            return sl_jv_compare(a->u.l.v[i], b->u.l.v[i], cmp, op, err);
        }
        *cmp = a->u.l.n < b->u.l.n ? -1 : a->u.l.n > b->u.l.n;
        return 0;
    }
    return sl_error_set(err, SL_EDATA, "'%s' not supported between instances of '%s' and '%s'", op,
                        sl_jv_type_name(a), sl_jv_type_name(b));
}

/* ---- printing ---- */

const char *sl_jv_type_name(const sl_jv *v)
{
    switch (v->type) {
    case SL_JV_UNDEFINED: return "Undefined";
    case SL_JV_NONE: return "NoneType";
    case SL_JV_BOOL: return "bool";
    case SL_JV_INT: return "int";
    case SL_JV_FLOAT: return "float";
    case SL_JV_STRING: return "str";
    case SL_JV_LIST: return v->sub == JV_TUPLE ? "tuple" : v->sub == JV_RANGE ? "range" : "list";
    case SL_JV_DICT:
        return v->sub == JV_LOOP ? "LoopContext" : v->sub == JV_NS ? "Namespace" : v->sub == JV_OBJECT ? "object" : "dict";
    default:
        return v->sub == JV_MACRO ? "Macro" : "function";
    }
}

void sl_jv_type_repr(const sl_jv *v, char *out, size_t cap)
{
    if (v->type == SL_JV_NONE)
        snprintf(out, cap, "None");
    else if (v->type == SL_JV_DICT && v->sub == JV_OBJECT && v->u.dc.text)
        snprintf(out, cap, "%s", v->u.dc.text);
    else
        snprintf(out, cap, "%s object", sl_jv_type_name(v));
}

const char *sl_jv_undef_msg(const sl_jv *v)
{
    return v->u.u.hint ? v->u.u.hint : "value is undefined";
}

void sl_jv_float_repr(double d, sl_buf *out)
{
    if (d != d) {
        sl_buf_adds(out, "nan");
        return;
    }
    if (isinf(d)) {
        sl_buf_adds(out, d < 0 ? "-inf" : "inf");
        return;
    }
    char tmp[64];
    int prec = 0;
    for (prec = 0; prec < 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    snprintf(tmp, sizeof tmp, "%.*e", prec, d);
    /* tmp: [-]D[.DDD]e[+-]XX */
    char digits[40];
    size_t nd = 0;
    const char *p = tmp;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    int exp = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    if (neg)
        sl_buf_addc(out, '-');
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            sl_buf_adds(out, "0.");
            for (int i = -1; i > exp; i--)
                sl_buf_addc(out, '0');
            sl_buf_add(out, digits, nd);
        } else {
            for (int i = 0; i <= exp; i++)
                sl_buf_addc(out, (size_t)i < nd ? digits[i] : '0');
            sl_buf_addc(out, '.');
            if ((size_t)exp + 1 < nd)
                sl_buf_add(out, digits + exp + 1, nd - (size_t)exp - 1);
            else
                sl_buf_addc(out, '0');
        }
    } else {
        sl_buf_addc(out, digits[0]);
        if (nd > 1) {
            sl_buf_addc(out, '.');
            sl_buf_add(out, digits + 1, nd - 1);
        }
        sl_buf_addf(out, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
}

static void repr_str(const char *s, size_t n, sl_buf *out)
{
    char q = '\'';
    if (memchr(s, '\'', n) && !memchr(s, '"', n))
        q = '"';
    sl_buf_addc(out, q);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\\' || ch == (unsigned char)q) {
            sl_buf_addc(out, '\\');
            sl_buf_addc(out, (char)ch);
        } else if (ch == '\n')
            sl_buf_adds(out, "\\n");
        else if (ch == '\r')
            sl_buf_adds(out, "\\r");
        else if (ch == '\t')
            sl_buf_adds(out, "\\t");
        else if (ch < 0x20 || ch == 0x7f)
            sl_buf_addf(out, "\\x%02x", ch);
        else
            sl_buf_addc(out, (char)ch);
    }
    sl_buf_addc(out, q);
}

static int print_v(const sl_jv *v, sl_buf *out, sl_error *err, int repr, int depth)
{
    if (depth > SL_JINJA_MAX_DEPTH)
        return sl_error_set(err, SL_EDATA, "value nested too deeply to print (limit %d)", SL_JINJA_MAX_DEPTH);
    switch (v->type) {
    case SL_JV_UNDEFINED:
        return sl_error_set(err, SL_EDATA, "%s", sl_jv_undef_msg(v));
    case SL_JV_NONE:
        sl_buf_adds(out, "None");
        return 0;
    case SL_JV_BOOL:
        sl_buf_adds(out, v->u.b ? "True" : "False");
        return 0;
    case SL_JV_INT:
        sl_buf_addf(out, "%lld", (long long)v->u.i);
        return 0;
    case SL_JV_FLOAT:
        sl_jv_float_repr(v->u.d, out);
        return 0;
    case SL_JV_STRING:
        if (repr)
            repr_str(v->u.s.p, v->u.s.n, out);
        else
            sl_buf_add(out, v->u.s.p, v->u.s.n);
        return 0;
    case SL_JV_LIST:
        if (v->sub == JV_RANGE) {
            sl_buf_addf(out, "range(%lld, %lld", (long long)v->u.l.r0, (long long)v->u.l.r1);
            if (v->u.l.rs != 1)
                sl_buf_addf(out, ", %lld", (long long)v->u.l.rs);
            sl_buf_addc(out, ')');
            return 0;
        }
        sl_buf_addc(out, v->sub == JV_TUPLE ? '(' : '[');
        for (size_t i = 0; i < v->u.l.n; i++) {
            if (i)
                sl_buf_adds(out, ", ");
            if (print_v(v->u.l.v[i], out, err, 1, depth + 1) < 0)
                return -1;
        }
        if (v->sub == JV_TUPLE && v->u.l.n == 1)
            sl_buf_addc(out, ',');
        sl_buf_addc(out, v->sub == JV_TUPLE ? ')' : ']');
        return 0;
    case SL_JV_DICT:
        if (v->sub == JV_LOOP) {
            sl_buf_addf(out, "<LoopContext %lld/%lld>", (long long)v->u.lp.index0 + 1, (long long)v->u.lp.length);
            return 0;
        }
        if (v->sub == JV_OBJECT) {
            sl_buf_adds(out, v->u.dc.text ? v->u.dc.text : "");
            return 0;
        }
        if (v->sub == JV_NS)
            sl_buf_adds(out, "<Namespace ");
        sl_buf_addc(out, '{');
        for (size_t i = 0; i < v->u.dc.n; i++) {
            if (i)
                sl_buf_adds(out, ", ");
            if (print_v(v->u.dc.keys[i], out, err, 1, depth + 1) < 0)
                return -1;
            sl_buf_adds(out, ": ");
            if (print_v(v->u.dc.vals[i], out, err, 1, depth + 1) < 0)
                return -1;
        }
        sl_buf_addc(out, '}');
        if (v->sub == JV_NS)
            sl_buf_addc(out, '>');
        return 0;
    default:
        if (v->sub == JV_HOSTFN)
            sl_buf_addf(out, "<function %s>", v->u.h.name);
        else if (v->sub == JV_MACRO)
            sl_buf_addf(out, "<Macro '%.*s'>", (int)v->u.m.node->nlen, v->u.m.node->name);
        else
            sl_buf_adds(out, "<built-in function>");
        return 0;
    }
}

int sl_jv_str_into(const sl_jv *v, sl_buf *out, sl_error *err) { return print_v(v, out, err, 0, 0); }
int sl_jv_repr_into(const sl_jv *v, sl_buf *out, sl_error *err) { return print_v(v, out, err, 1, 0); }
int sl_jv_print(const sl_jv *v, sl_buf *out, sl_error *err) { return print_v(v, out, err, 0, 0); }

sl_jv *sl_jv_to_str(sl_jv *v, sl_error *err)
{
    if (v->type == SL_JV_STRING)
        return sl_jv_ref(v);
    sl_buf b;
    sl_buf_init(&b);
    if (print_v(v, &b, err, 0, 0) < 0) {
        sl_buf_release(&b);
        return NULL;
    }
    sl_jv *s = sl_jv_str(b.data ? b.data : "", b.len);
    sl_buf_release(&b);
    return s;
}
