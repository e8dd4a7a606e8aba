/*
 * filters.c: the filter table (jinja.h lists it) with jinja2 3.1's
 * semantics: a filter takes the value before the `|` and its arguments,
 * and returns a new value. Filters that return generators in jinja2
 * (map, select, unique, batch, reverse...) return lists here, which print
 * the same once passed through |list or |join, the way templates use them.
 * dbt's as_text/as_bool/as_native/as_number are the identity, as in dbt's
 * text rendering. Strings, JSON, numbers, defaults and sizes are here; the
 * sequence filters are filters_seq.c's.
 */
#include "jinja/filters_int.h"

/* ---- string filters ---- */

static sl_jv *f_case(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a, int mode)
{
    if (check_args(c, at, a, 0, NULL) < 0)
        return NULL;
    sl_jv *s = to_str(c, at, v);
    if (!s)
        return NULL;
    sl_jv *r = sl_jstr_case(s, mode);
    sl_jv_unref(s);
    return r;
}

static sl_jv *f_upper(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a) { return f_case(c, at, v, a, 'u'); }
static sl_jv *f_lower(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a) { return f_case(c, at, v, a, 'l'); }
static sl_jv *f_capitalize(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a) { return f_case(c, at, v, a, 'c'); }

/* jinja2's title: words start after whitespace, -, (, {, [ and <. */
static sl_jv *f_title(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a) { return f_case(c, at, v, a, 'j'); }

static sl_jv *f_trim(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    static const char *const kw[] = {"chars", NULL};
    if (check_args(c, at, a, 1, kw) < 0)
        return NULL;
    sl_jv *chars = arg(a, 0, "chars");
    if (chars && chars->type == SL_JV_NONE)
        chars = NULL;
    if (chars && chars->type != SL_JV_STRING) {
        sl_jerr(c, at, "trim: chars must be a string");
        return NULL;
    }
    sl_jv *s = to_str(c, at, v);
    if (!s)
        return NULL;
    sl_jv *r = sl_jstr_strip(s, chars, 1, 1);
    sl_jv_unref(s);
    return r;
}

static sl_jv *f_replace(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    static const char *const kw[] = {"old", "new", "count", NULL};
    if (check_args(c, at, a, 3, kw) < 0)
        return NULL;
    sl_jv *old = arg(a, 0, "old"), *new = arg(a, 1, "new"), *cnt = arg(a, 2, "count");
    if (!old || !new) {
        sl_jerr(c, at, "filter 'replace' needs the old and the new string");
        return NULL;
    }
    sl_jv *s = to_str(c, at, v), *o = s ? to_str(c, at, old) : NULL, *n = o ? to_str(c, at, new) : NULL;
    sl_jv *r = NULL;
    if (n)
        r = sl_jstr_replace(c, at, s, o, n, cnt && cnt->type != SL_JV_NONE ? sl_jv_int_of(cnt) : -1);
    sl_jv_unref(s);
    sl_jv_unref(o);
    sl_jv_unref(n);
    return r;
}

static sl_jv *f_string(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    if (check_args(c, at, a, 0, NULL) < 0)
        return NULL;
    return to_str(c, at, v);
}

static sl_jv *f_identity(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    if (check_args(c, at, a, 0, NULL) < 0)
        return NULL;
    return sl_jv_ref(v);
}

static sl_jv *f_escape(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    if (check_args(c, at, a, 0, NULL) < 0)
        return NULL;
    sl_jv *s = to_str(c, at, v);
    if (!s)
        return NULL;
    sl_buf b;
    sl_buf_init(&b);
    for (size_t i = 0; i < s->u.s.n; i++) {
        char ch = s->u.s.p[i];
        switch (ch) {
        case '&': sl_buf_adds(&b, "&amp;"); break;
        case '<': sl_buf_adds(&b, "&lt;"); break;
        case '>': sl_buf_adds(&b, "&gt;"); break;
        case '"': sl_buf_adds(&b, "&#34;"); break;
        case '\'': sl_buf_adds(&b, "&#39;"); break;
        default: sl_buf_addc(&b, ch);
        }
    }
    sl_jv_unref(s);
    sl_jv *r = sl_jv_str(b.data ? b.data : "", b.len);
    sl_buf_release(&b);
    return r;
}

static int is_line_break(char ch) { return ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f' || (ch >= 0x1c && ch <= 0x1e); }

static sl_jv *f_indent(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    static const char *const kw[] = {"width", "first", "blank", NULL};
    if (check_args(c, at, a, 3, kw) < 0)
        return NULL;
    sl_jv *w = arg(a, 0, "width"), *first = arg(a, 1, "first"), *blank = arg(a, 2, "blank");
    sl_buf ind;
    sl_buf_init(&ind);
    if (w && w->type == SL_JV_STRING)
        sl_buf_add(&ind, w->u.s.p, w->u.s.n);
    else {
        int64_t n = w ? sl_jv_int_of(w) : 4;
        for (int64_t i = 0; i < n && i < 4096; i++)
            sl_buf_addc(&ind, ' ');
    }
    sl_jv *s = to_str(c, at, v);
    if (!s) {
        sl_buf_release(&ind);
        return NULL;
    }
    /* split into lines as str.splitlines() on s + "\n" */
    sl_buf b;
    sl_buf_init(&b);
    const char *p = s->u.s.p, *end = p + s->u.s.n;
    int lineno = 0;
    int doblank = blank && sl_jv_truthy(blank);
    for (;;) {
        const char *q = p;
        while (q < end && !is_line_break(*q))
            q++;
        /* line p..q */
        if (lineno > 0) {
            sl_buf_addc(&b, '\n');
            if (doblank || q > p)
                sl_buf_add(&b, ind.data ? ind.data : "", ind.len);
        }
        sl_buf_add(&b, p, (size_t)(q - p));
        lineno++;
        if (q >= end)
            break;
        if (*q == '\r' && q + 1 < end && q[1] == '\n')
            q++;
        p = q + 1;
        if (p >= end)
            break; /* s + "\n": a final break ends the last line */
    }
    sl_jv_unref(s);
    sl_jv *r;
    if (first && sl_jv_truthy(first)) {
        sl_buf o;
        sl_buf_init(&o);
        sl_buf_add(&o, ind.data ? ind.data : "", ind.len);
        sl_buf_add(&o, b.data ? b.data : "", b.len);
        r = sl_jv_str(o.data ? o.data : "", o.len);
        sl_buf_release(&o);
    } else
        r = sl_jv_str(b.data ? b.data : "", b.len);
    sl_buf_release(&b);
    sl_buf_release(&ind);
    return r;
}

static sl_jv *f_wordcount(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    if (check_args(c, at, a, 0, NULL) < 0)
        return NULL;
    sl_jv *s = to_str(c, at, v);
    if (!s)
        return NULL;
    int64_t n = 0;
    int in = 0;
    for (size_t i = 0; i < s->u.s.n; i++) {
        unsigned char ch = (unsigned char)s->u.s.p[i];
        int w = isalnum(ch) || ch == '_' || ch >= 0x80;
        if (w && !in)
            n++;
        in = w;
    }
    sl_jv_unref(s);
    return sl_jv_int(n);
}

static sl_jv *f_format(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    if (a->npos && a->nkw) {
        sl_jerr(c, at, "filter 'format' takes positional or keyword arguments, not both");
        return NULL;
    }
    sl_jv *s = to_str(c, at, v);
    if (!s)
        return NULL;
    sl_jv *args;
    if (a->nkw) {
        args = sl_jv_dict();
        for (size_t i = 0; i < a->nkw; i++)
            sl_jv_dict_set(args, a->kw_names[i], sl_jv_ref(a->kw[i]));
    } else {
        args = sl_jv_tuple();
        for (size_t i = 0; i < a->npos; i++)
            sl_jv_list_push(args, sl_jv_ref(a->pos[i]));
    }
    sl_jv *r = NULL;
    sl_jarith(c, at, OP_MOD, s, args, &r);
    sl_jv_unref(s);
    sl_jv_unref(args);
    return r;
}

/* ---- json ---- */

static int json_into(jctx *c, const jnode *at, sl_jv *v, sl_buf *b, int indent, int level)
{
    if (level > SL_JINJA_MAX_DEPTH)
        return sl_jerr(c, at, "tojson: value nested too deeply");
    switch (v->type) {
    case SL_JV_NONE: sl_buf_adds(b, "null"); return 0;
    case SL_JV_BOOL: sl_buf_adds(b, v->u.b ? "true" : "false"); return 0;
    case SL_JV_INT: sl_buf_addf(b, "%lld", (long long)v->u.i); return 0;
    case SL_JV_FLOAT:
        if (v->u.d != v->u.d)
            sl_buf_adds(b, "NaN");
        else if (isinf(v->u.d))
            sl_buf_adds(b, v->u.d < 0 ? "-Infinity" : "Infinity");
        else
            sl_jv_float_repr(v->u.d, b);
        return 0;
    case SL_JV_STRING: {
        /* json.dumps(ensure_ascii=True) then jinja's htmlsafe replacements */
        sl_buf_addc(b, '"');
        const unsigned char *p = (const unsigned char *)v->u.s.p;
        size_t n = v->u.s.n;
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = p[i];
            uint32_t cp = ch;
            size_t len = 1;
            if (ch >= 0x80) {
                if (ch >= 0xF0) {
                    len = 4;
                    cp = ch & 0x07;
                } else if (ch >= 0xE0) {
                    len = 3;
                    cp = ch & 0x0F;
                } else if (ch >= 0xC0) {
                    len = 2;
                    cp = ch & 0x1F;
                }
                if (i + len > n)
                    len = 1, cp = ch;
                for (size_t k = 1; k < len; k++)
                    cp = (cp << 6) | (p[i + k] & 0x3F);
                i += len - 1;
                if (cp >= 0x10000) {
                    cp -= 0x10000;
                    sl_buf_addf(b, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
                } else
                    sl_buf_addf(b, "\\u%04x", cp);
                continue;
            }
            switch (ch) {
            case '"': sl_buf_adds(b, "\\\""); break;
            case '\\': sl_buf_adds(b, "\\\\"); break;
            case '\n': sl_buf_adds(b, "\\n"); break;
            case '\r': sl_buf_adds(b, "\\r"); break;
            case '\t': sl_buf_adds(b, "\\t"); break;
            case '\b': sl_buf_adds(b, "\\b"); break;
            case '\f': sl_buf_adds(b, "\\f"); break;
            case '<': sl_buf_adds(b, "\\u003c"); break;
            case '>': sl_buf_adds(b, "\\u003e"); break;
            case '&': sl_buf_adds(b, "\\u0026"); break;
            case '\'': sl_buf_adds(b, "\\u0027"); break;
            default:
                if (ch < 0x20 || ch == 0x7f)
                    sl_buf_addf(b, "\\u%04x", ch);
                else
                    sl_buf_addc(b, (char)ch);
            }
        }
        sl_buf_addc(b, '"');
        return 0;
    }
    case SL_JV_LIST:
    case SL_JV_DICT: {
        int isdict = v->type == SL_JV_DICT;
        if (isdict && v->sub == JV_LOOP)
            return sl_jerr(c, at, "tojson: Object of type LoopContext is not JSON serializable");
        size_t n = isdict ? v->u.dc.n : v->u.l.n;
        sl_buf_addc(b, isdict ? '{' : '[');
        if (n == 0) {
            sl_buf_addc(b, isdict ? '}' : ']');
            return 0;
        }
        /* dicts: sorted keys (jinja's dumps policy sort_keys=True) */
        size_t *order = sl_malloc(n * sizeof *order);
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        if (isdict) {
            for (size_t i = 0; i < n; i++)
                if (v->u.dc.keys[i]->type != SL_JV_STRING) {
                    sl_free(order);
                    return sl_jerr(c, at, "tojson: keys must be strings");
                }
            for (size_t i = 1; i < n; i++) { /* insertion sort: dicts are small */
                size_t k = order[i], j = i;
                while (j > 0) {
                    const sl_jv *x = v->u.dc.keys[order[j - 1]], *y = v->u.dc.keys[k];
                    size_t m = x->u.s.n < y->u.s.n ? x->u.s.n : y->u.s.n;
                    int cmp = memcmp(x->u.s.p, y->u.s.p, m);
                    if (cmp < 0 || (cmp == 0 && x->u.s.n <= y->u.s.n))
                        break;
                    order[j] = order[j - 1];
                    j--;
                }
                order[j] = k;
            }
        }
        for (size_t i = 0; i < n; i++) {
            if (i)
                sl_buf_addc(b, ',');
            if (indent >= 0) {
                sl_buf_addc(b, '\n');
                for (int k = 0; k < indent * (level + 1); k++)
                    sl_buf_addc(b, ' ');
            } else if (i)
                sl_buf_addc(b, ' ');
            if (isdict) {
                json_into(c, at, v->u.dc.keys[order[i]], b, indent, level + 1);
                sl_buf_adds(b, ": ");
            }
            if (json_into(c, at, isdict ? v->u.dc.vals[order[i]] : v->u.l.v[i], b, indent, level + 1) < 0) {
                sl_free(order);
                return -1;
            }
        }
        sl_free(order);
        if (indent >= 0) {
            sl_buf_addc(b, '\n');
            for (int k = 0; k < indent * level; k++)
                sl_buf_addc(b, ' ');
        }
        sl_buf_addc(b, isdict ? '}' : ']');
        return 0;
    }
    case SL_JV_UNDEFINED:
        return sl_jerr(c, at, "%s", sl_jv_undef_msg(v));
    default:
        return sl_jerr(c, at, "tojson: Object of type %s is not JSON serializable", sl_jv_type_name(v));
    }
}

static sl_jv *f_tojson(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    static const char *const kw[] = {"indent", NULL};
    if (check_args(c, at, a, 1, kw) < 0)
        return NULL;
    sl_jv *ind = arg(a, 0, "indent");
    int indent = ind && ind->type != SL_JV_NONE ? (int)sl_jv_int_of(ind) : -1;
    if (indent > 64)
        indent = 64;
    sl_buf b;
    sl_buf_init(&b);
    if (json_into(c, at, v, &b, indent, 0) < 0) {
        sl_buf_release(&b);
        return NULL;
    }
    sl_jv *r = sl_jv_str(b.data ? b.data : "", b.len);
    sl_buf_release(&b);
    return r;
}

/* ---- numbers ---- */

static int parse_py_int(const char *s, size_t n, int base, int64_t *out)
{
    size_t i = 0;
    while (i < n && isspace((unsigned char)s[i]))
        i++;
    while (n > i && isspace((unsigned char)s[n - 1]))
        n--;
    int neg = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (base == 16 && i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
        i += 2;
    if (i >= n)
        return -1;
    int64_t v = 0;
    int prev_us = 1;
    for (; i < n; i++) {
        char ch = s[i];
        if (ch == '_') {
            if (prev_us)
                return -1;
            prev_us = 1;
            continue;
        }
        int d = isdigit((unsigned char)ch) ? ch - '0' : isalpha((unsigned char)ch) ? tolower((unsigned char)ch) - 'a' + 10 : 99;
        if (d >= base)
            return -1;
        if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v))
            return -2;
        prev_us = 0;
    }
    if (prev_us)
        return -1;
    *out = neg ? -v : v;
    return 0;
}

static int parse_py_float(const char *s, size_t n, double *out)
{
    char buf[128];
    size_t i = 0, j = 0;
    while (i < n && isspace((unsigned char)s[i]))
        i++;
    while (n > i && isspace((unsigned char)s[n - 1]))
        n--;
    if (n - i == 0 || n - i >= sizeof buf)
        return -1;
    for (; i < n; i++) {
        char ch = s[i];
        if (ch == '_')
            continue;
        if (!ch || !(isdigit((unsigned char)ch) || strchr("+-.eE", ch) || isalpha((unsigned char)ch)))
            return -1;
        buf[j++] = ch;
    }
    buf[j] = 0;
    if (isalpha((unsigned char)buf[j - 1]) && strcasecmp(buf + (buf[0] == '-' || buf[0] == '+'), "inf") &&
        strcasecmp(buf + (buf[0] == '-' || buf[0] == '+'), "infinity") &&
        strcasecmp(buf + (buf[0] == '-' || buf[0] == '+'), "nan"))
        return -1;
    if (strchr(buf, 'x') || strchr(buf, 'X'))
        return -1;
    char *end;
    *out = strtod(buf, &end);
    return *end ? -1 : 0;
}

static sl_jv *f_int(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    static const char *const kw[] = {"default", "base", NULL};
    if (check_args(c, at, a, 2, kw) < 0)
        return NULL;
    sl_jv *def = arg(a, 0, "default"), *basev = arg(a, 1, "base");
    int base = basev ? (int)sl_jv_int_of(basev) : 10;
    if (base < 2 || base > 36)
        base = 10;
    int64_t r;
    switch (v->type) {
    case SL_JV_INT:
    case SL_JV_BOOL:
        return sl_jv_int(sl_jv_int_of(v));
    case SL_JV_FLOAT:
        if (v->u.d != v->u.d || isinf(v->u.d) || fabs(v->u.d) >= 9.2e18) {
            sl_jerr(c, at, "int: %s cannot be converted to a 64-bit integer", v->u.d != v->u.d ? "NaN" : "the number");
            return NULL;
        }
        return sl_jv_int((int64_t)v->u.d);
    case SL_JV_STRING: {
        int rc = parse_py_int(v->u.s.p, v->u.s.n, base, &r);
        if (rc == 0)
            return sl_jv_int(r);
        if (rc == -2) {
            sl_jerr(c, at, "int: '%.*s' does not fit in 64 bits", (int)(v->u.s.n > 60 ? 60 : v->u.s.n), v->u.s.p);
            return NULL;
        }
        double d;
        if (parse_py_float(v->u.s.p, v->u.s.n, &d) == 0) {
            if (d != d || isinf(d) || fabs(d) >= 9.2e18) {
                sl_jerr(c, at, "int: '%.*s' cannot be converted to a 64-bit integer", (int)(v->u.s.n > 60 ? 60 : v->u.s.n), v->u.s.p);
                return NULL;
            }
            return sl_jv_int((int64_t)d);
        }
        break;
    }
    default:
        break;
    }
    return def ? sl_jv_ref(def) : sl_jv_int(0);
}

static sl_jv *f_float(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    static const char *const kw[] = {"default", NULL};
    if (check_args(c, at, a, 1, kw) < 0)
        return NULL;
    sl_jv *def = arg(a, 0, "default");
    if (v->type == SL_JV_INT || v->type == SL_JV_BOOL || v->type == SL_JV_FLOAT)
        return sl_jv_float(sl_jv_float_of(v));
    double d;
    if (v->type == SL_JV_STRING && parse_py_float(v->u.s.p, v->u.s.n, &d) == 0)
        return sl_jv_float(d);
    return def ? sl_jv_ref(def) : sl_jv_float(0.0);
}

static sl_jv *f_round(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    static const char *const kw[] = {"precision", "method", NULL};
    if (check_args(c, at, a, 2, kw) < 0)
        return NULL;
    sl_jv *pv = arg(a, 0, "precision"), *mv = arg(a, 1, "method");
    int64_t prec = pv ? sl_jv_int_of(pv) : 0;
    const char *method = mv && mv->type == SL_JV_STRING ? mv->u.s.p : "common";
    if (strcmp(method, "common") && strcmp(method, "ceil") && strcmp(method, "floor")) {
        sl_jerr(c, at, "method must be common, ceil or floor");
        return NULL;
    }
    if (v->type != SL_JV_INT && v->type != SL_JV_BOOL && v->type != SL_JV_FLOAT) {
        sl_jerr(c, at, "round: a number is required, not %s", sl_jv_type_name(v));
        return NULL;
    }
    if (prec < -300 || prec > 300)
        prec = prec < 0 ? -300 : 300;
    if (strcmp(method, "common") == 0) {
        if (v->type != SL_JV_FLOAT && prec >= 0)
            return sl_jv_int(sl_jv_int_of(v));
        double x = sl_jv_float_of(v);
        if (prec == 0 || isinf(x) || x != x)
            return sl_jv_float(prec == 0 ? nearbyint(x) : x);
        if (prec > 0) {
            char buf[512];
            snprintf(buf, sizeof buf, "%.*f", (int)(prec > 100 ? 100 : prec), x);
            return sl_jv_float(strtod(buf, NULL));
        }
        double p10 = pow(10.0, (double)-prec);
        return sl_jv_float(nearbyint(x / p10) * p10);
    }
    double x = sl_jv_float_of(v), p10 = pow(10.0, (double)prec);
    double r = (strcmp(method, "ceil") == 0 ? ceil(x * p10) : floor(x * p10)) / p10;
    return sl_jv_float(r);
}

static sl_jv *f_abs(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    if (check_args(c, at, a, 0, NULL) < 0)
        return NULL;
    if (v->type == SL_JV_FLOAT)
        return sl_jv_float(fabs(v->u.d));
    if (v->type == SL_JV_INT || v->type == SL_JV_BOOL) {
        int64_t x = sl_jv_int_of(v);
        if (x == INT64_MIN) {
            sl_jerr(c, at, "integer overflow: abs(%lld) does not fit in 64 bits", (long long)x);
            return NULL;
        }
        return sl_jv_int(x < 0 ? -x : x);
    }
    sl_jerr(c, at, "bad operand type for abs(): '%s'", sl_jv_type_name(v));
    return NULL;
}

/* ---- defaults and sizes ---- */

static sl_jv *f_default(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    static const char *const kw[] = {"default_value", "boolean", NULL};
    if (check_args(c, at, a, 2, kw) < 0)
        return NULL;
    sl_jv *def = arg(a, 0, "default_value"), *boolean = arg(a, 1, "boolean");
    int use = v->type == SL_JV_UNDEFINED || (boolean && sl_jv_truthy(boolean) && !sl_jv_truthy(v));
    if (use)
        return def ? sl_jv_ref(def) : sl_jv_str("", 0);
    return sl_jv_ref(v);
}

static sl_jv *f_length(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    if (check_args(c, at, a, 0, NULL) < 0)
        return NULL;
    if (v->type == SL_JV_STRING)
        return sl_jv_int((int64_t)sl_jv_strlen_cp(v));
    if (v->type == SL_JV_LIST || (v->type == SL_JV_DICT && v->sub != JV_LOOP))
        return sl_jv_int((int64_t)sl_jv_len(v));
    if (v->type == SL_JV_DICT)
        return sl_jv_int(v->u.lp.length);
    sl_jerr(c, at, "object of type '%s' has no len()", sl_jv_type_name(v));
    return NULL;
}

static sl_jv *f_first_last(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a, int last)
{
    if (check_args(c, at, a, 0, NULL) < 0)
        return NULL;
    sl_jv *l = to_list(c, at, v);
    if (!l)
        return NULL;
    sl_jv *r;
    if (l->u.l.n == 0)
        r = sl_jv_undefined_hint(last ? "No last item, sequence was empty." : "No first item, sequence was empty.");
    else
        r = sl_jv_ref(l->u.l.v[last ? l->u.l.n - 1 : 0]);
    sl_jv_unref(l);
    return r;
}

static sl_jv *f_first(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a) { return f_first_last(c, at, v, a, 0); }
static sl_jv *f_last(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a) { return f_first_last(c, at, v, a, 1); }

static sl_jv *f_list(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a)
{
    if (check_args(c, at, a, 0, NULL) < 0)
        return NULL;
    sl_jv *l = to_list(c, at, v);
    if (!l)
        return NULL;
    sl_jv *r = sl_jv_list();
    for (size_t i = 0; i < l->u.l.n; i++)
        sl_jv_list_push(r, sl_jv_ref(l->u.l.v[i]));
    sl_jv_unref(l);
    return r;
}

/* ---- the table ---- */

static const jfilter filters[] = {
    {"abs", f_abs, 0},
    {"as_bool", f_identity, 0},
    {"as_native", f_identity, 0},
    {"as_number", f_identity, 0},
    {"as_text", f_identity, 0},
    {"batch", sl_jf_batch, 0},
    {"capitalize", f_capitalize, 0},
    {"count", f_length, 0},
    {"d", f_default, 1},
    {"default", f_default, 1},
    {"dictsort", sl_jf_dictsort, 0},
    {"e", f_escape, 0},
    {"escape", f_escape, 0},
    {"first", f_first, 0},
    {"float", f_float, 0},
    {"format", f_format, 0},
    {"indent", f_indent, 0},
    {"int", f_int, 0},
    {"items", sl_jf_items, 1},
    {"join", sl_jf_join, 0},
    {"last", f_last, 0},
    {"length", f_length, 0},
    {"list", f_list, 0},
    {"lower", f_lower, 0},
    {"map", sl_jf_map, 0},
    {"max", sl_jf_max, 0},
    {"min", sl_jf_min, 0},
    {"reject", sl_jf_reject, 0},
    {"rejectattr", sl_jf_rejectattr, 0},
    {"replace", f_replace, 0},
    {"reverse", sl_jf_reverse, 0},
    {"round", f_round, 0},
    {"safe", f_identity, 0},
    {"select", sl_jf_select, 0},
    {"selectattr", sl_jf_selectattr, 0},
    {"sort", sl_jf_sort, 0},
    {"string", f_string, 0},
    {"sum", sl_jf_sum, 0},
    {"title", f_title, 0},
    {"tojson", f_tojson, 0},
    {"trim", f_trim, 0},
    {"unique", sl_jf_unique, 0},
    {"upper", f_upper, 0},
    {"wordcount", f_wordcount, 0},
};

const jfilter *sl_jfilter_find(const char *name, size_t n)
{
    size_t lo = 0, hi = sizeof filters / sizeof filters[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strncmp(filters[mid].name, name, n);
        if (cmp == 0 && filters[mid].name[n] != 0)
            cmp = 1;
        if (cmp == 0)
            return &filters[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *sl_jfilter_suggest(const char *name)
{
    const char *names[sizeof filters / sizeof filters[0]];
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        names[i] = filters[i].name;
    return sl_suggest(name, names, sizeof filters / sizeof filters[0]);
}
