/*
 * eval.c: expressions to values, with Jinja's (Python's) semantics:
 * names through the scopes, then the host's locals, then the globals;
 * attribute and item access (methods before keys, as jinja2's getattr);
 * arithmetic on 64-bit integers that fails on overflow rather than wrap;
 * comparisons and `in`; and/or returning an operand; calls of macros,
 * host functions, built-ins and methods; filters and tests.
 *
 * Undefined is strict, as dbt's templates expect: a name that is not
 * defined becomes an undefined value that remembers where it was written,
 * and printing it, testing its truth or computing with it is the error
 * "'x' is undefined" at that place. `is defined` and `default` may look at
 * it.
 */
#include "jinja/jinja_int.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sl_jerr(jctx *c, const jnode *at, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at)
        return sl_error_set(c->err, SL_ECONFIG, "%s:%u:%u: %s", c->file, at->line, at->col, msg);
    return sl_error_set(c->err, SL_ECONFIG, "%s: %s", c->file, msg);
}

/* The error of using an undefined value (at the place it came from). */
static sl_jv *undef_err(jctx *c, const jnode *at, const sl_jv *u)
{
    if (u->u.u.line)
        sl_error_set(c->err, SL_ECONFIG, "%s:%u:%u: %s", c->file, u->u.u.line, u->u.u.col, sl_jv_undef_msg(u));
    else
        sl_jerr(c, at, "%s", sl_jv_undef_msg(u));
    return NULL;
}

static sl_jv *undef_at(const jnode *at, sl_jv *u)
{
    if (at) {
        u->u.u.line = at->line;
        u->u.u.col = at->col;
    }
    return u;
}

/* ---- scopes ---- */

void sl_jscope_set(jscope *s, const char *name, size_t n, uint32_t hash, sl_jv *v)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->vars[i].hash == hash && s->vars[i].len == n && memcmp(s->vars[i].name, name, n) == 0) {
            sl_jv_unref(s->vars[i].v);
            s->vars[i].v = v;
            return;
        }
    if (!s->vars) {
        s->vars = s->inl;
        s->cap = sizeof s->inl / sizeof s->inl[0];
    }
    if (s->n == s->cap) {
        size_t cap = s->cap * 2;
        jvar *nv = sl_malloc(cap * sizeof *nv);
        memcpy(nv, s->vars, s->n * sizeof *nv);
        if (s->vars != s->inl)
            sl_free(s->vars);
        s->vars = nv;
        s->cap = cap;
    }
    s->vars[s->n++] = (jvar){name, (uint32_t)n, hash, v};
}

void sl_jscope_release(jscope *s)
{
    for (size_t i = 0; i < s->n; i++)
        sl_jv_unref(s->vars[i].v);
    if (s->vars && s->vars != s->inl)
        sl_free(s->vars);
    s->vars = NULL;
    s->n = s->cap = 0;
    if (s->alive) {
        s->alive->alive = 0;
        sl_jalive_unref(s->alive);
        s->alive = NULL;
    }
}

sl_jv *sl_jlookup(jctx *c, jscope *s, const char *name, size_t n, uint32_t hash)
{
    for (; s; s = s->parent)
        for (size_t i = s->n; i-- > 0;)
            if (s->vars[i].hash == hash && s->vars[i].len == n && memcmp(s->vars[i].name, name, n) == 0)
                return s->vars[i].v;
    sl_jv *v = sl_jv_dict_getn(c->locals, name, n);
    if (v)
        return v;
    return sl_jinja_env_get_h(c->env, name, n, hash);
}

/* ---- helpers ---- */

static int isnum(const sl_jv *v) { return v->type == SL_JV_INT || v->type == SL_JV_BOOL || v->type == SL_JV_FLOAT; }

sl_jv *sl_jstr_concat(jctx *c, const jnode *at, sl_jv *a, sl_jv *b)
{
    sl_jv *sa = sl_jv_to_str(a, c->err), *sb = sa ? sl_jv_to_str(b, c->err) : NULL;
    if (!sa || !sb) {
        sl_jv_unref(sa);
        sl_jerr(c, at, "%s", c->err->msg);
        return NULL;
    }
    if (sa->u.s.n + sb->u.s.n > SL_JINJA_MAX_OUTPUT) {
        sl_jv_unref(sa);
        sl_jv_unref(sb);
        sl_jerr(c, at, "string longer than the 256 MiB limit");
        return NULL;
    }
    sl_jv *r = sl_jv_str_alloc(sa->u.s.n + sb->u.s.n);
    memcpy(r->u.s.p, sa->u.s.p, sa->u.s.n);
    memcpy(r->u.s.p + sa->u.s.n, sb->u.s.p, sb->u.s.n);
    sl_jv_unref(sa);
    sl_jv_unref(sb);
    return r;
}

static sl_jv *repeat(jctx *c, const jnode *at, sl_jv *seq, int64_t times)
{
    if (times < 0)
        times = 0;
    size_t unit = seq->type == SL_JV_STRING ? seq->u.s.n : seq->u.l.n;
    if (unit && (uint64_t)times > SL_JINJA_MAX_OUTPUT / unit) {
        sl_jerr(c, at, "repetition larger than the 256 MiB limit");
        return NULL;
    }
    if (seq->type == SL_JV_STRING) {
        sl_jv *r = sl_jv_str_alloc(unit * (size_t)times);
        for (int64_t i = 0; i < times; i++)
            memcpy(r->u.s.p + (size_t)i * unit, seq->u.s.p, unit);
        return r;
    }
    sl_jv *r = seq->sub == JV_TUPLE ? sl_jv_tuple() : sl_jv_list();
    for (int64_t i = 0; i < times; i++)
        for (size_t k = 0; k < unit; k++)
            sl_jv_list_push(r, sl_jv_ref(seq->u.l.v[k]));
    return r;
}

/* Python's printf-style `str % args` for %s %r %d %i %f %x %%. */
static sl_jv *str_format_pct(jctx *c, const jnode *at, sl_jv *fmt, sl_jv *args)
{
    sl_buf b;
    sl_buf_init(&b);
    size_t argi = 0;
    int tuple = args->type == SL_JV_LIST && args->sub == JV_TUPLE;
    const char *s = fmt->u.s.p;
    size_t n = fmt->u.s.n;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            sl_buf_addc(&b, s[i]);
            continue;
        }
        if (++i >= n) {
            sl_jerr(c, at, "incomplete format");
            goto fail;
        }
        sl_jv *named = NULL;
        if (s[i] == '(') {
            const char *close = memchr(s + i, ')', n - i);
            if (!close) {
                sl_jerr(c, at, "incomplete format key");
                goto fail;
            }
            if (args->type != SL_JV_DICT) {
                sl_jerr(c, at, "format requires a mapping");
                goto fail;
            }
            named = sl_jv_dict_getn(args, s + i + 1, (size_t)(close - s - i - 1));
            if (!named) {
                sl_jerr(c, at, "format key '%.*s' not found", (int)(close - s - i - 1), s + i + 1);
                goto fail;
            }
            i = (size_t)(close - s) + 1;
        }
        char spec[32] = "%";
        size_t sn = 1;
        int num = 0;
        while (i < n && s[i] && strchr("-+ #0123456789.", s[i]) && sn < sizeof spec - 4) {
            num = s[i] >= '0' && s[i] <= '9' ? num * 10 + (s[i] - '0') : 0;
            if (num > 400) {
                sl_jerr(c, at, "format width or precision too large (the limit is 400)");
                goto fail;
            }
            spec[sn++] = s[i++];
        }
        if (i >= n) {
            sl_jerr(c, at, "incomplete format");
            goto fail;
        }
        char conv = s[i];
        if (conv == '%') {
            sl_buf_addc(&b, '%');
            continue;
        }
        sl_jv *arg;
        if (named)
            arg = named;
        else if (tuple) {
            if (argi >= args->u.l.n) {
                sl_jerr(c, at, "not enough arguments for format string");
                goto fail;
            }
            arg = args->u.l.v[argi++];
        } else {
            if (argi++ > 0) {
                sl_jerr(c, at, "not enough arguments for format string");
                goto fail;
            }
            arg = args;
        }
        if (arg->type == SL_JV_UNDEFINED) {
            undef_err(c, at, arg);
            goto fail;
        }
        char tmp[512];
        switch (conv) {
        case 's':
        case 'r': {
            sl_buf t;
            sl_buf_init(&t);
            int rc = conv == 's' ? sl_jv_str_into(arg, &t, c->err) : sl_jv_repr_into(arg, &t, c->err);
            if (rc < 0) {
                sl_buf_release(&t);
                goto fail;
            }
            if (sn == 1)
                sl_buf_add(&b, t.data ? t.data : "", t.len);
            else {
                spec[sn++] = 's';
                spec[sn] = 0;
                sl_buf_addf(&b, spec, t.data ? t.data : "");
            }
            sl_buf_release(&t);
            break;
        }
        case 'd':
        case 'i':
        case 'x':
        case 'X':
        case 'o':
            if (!isnum(arg)) {
                sl_jerr(c, at, "%%%c format: a number is required, not %s", conv, sl_jv_type_name(arg));
                goto fail;
            }
            spec[sn++] = 'l';
            spec[sn++] = 'l';
            spec[sn++] = conv == 'i' ? 'd' : conv;
            spec[sn] = 0;
            snprintf(tmp, sizeof tmp, spec,
                     (long long)(arg->type == SL_JV_FLOAT ? (int64_t)arg->u.d : sl_jv_int_of(arg)));
            sl_buf_adds(&b, tmp);
            break;
        case 'f':
        case 'F':
        case 'e':
        case 'E':
        case 'g':
        case 'G':
            if (!isnum(arg)) {
                sl_jerr(c, at, "must be real number, not %s", sl_jv_type_name(arg));
                goto fail;
            }
            spec[sn++] = conv;
            spec[sn] = 0;
            snprintf(tmp, sizeof tmp, spec, sl_jv_float_of(arg));
            sl_buf_adds(&b, tmp);
            break;
        default:
            sl_jerr(c, at, "unsupported format character '%c'", conv);
            goto fail;
        }
    }
    if ((tuple && argi < args->u.l.n) || (!tuple && argi == 0 && args->type != SL_JV_DICT && args->type != SL_JV_LIST)) {
        sl_jerr(c, at, "not all arguments converted during string formatting");
        goto fail;
    }
    sl_jv *r = sl_jv_str(b.data ? b.data : "", b.len);
    sl_buf_release(&b);
    return r;
fail:
    sl_buf_release(&b);
    return NULL;
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t pymod(int64_t a, int64_t b)
{
    int64_t m = a % b;
    if (m != 0 && ((m < 0) != (b < 0)))
        m += b;
    return m;
}

int sl_jarith(jctx *c, const jnode *at, int op, sl_jv *a, sl_jv *b, sl_jv **out)
{
    static const char *names[] = {[OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/",
                                  [OP_FLOORDIV] = "//", [OP_MOD] = "%", [OP_POW] = "**"};
    *out = NULL;
    if (a->type == SL_JV_UNDEFINED)
        return undef_err(c, at, a), -1;
    if (b->type == SL_JV_UNDEFINED)
        return undef_err(c, at, b), -1;
    if (isnum(a) && isnum(b)) {
        if (a->type != SL_JV_FLOAT && b->type != SL_JV_FLOAT && op != OP_DIV) {
            int64_t x = sl_jv_int_of(a), y = sl_jv_int_of(b), r = 0;
            int ovf = 0;
            switch (op) {
            case OP_ADD: ovf = __builtin_add_overflow(x, y, &r); break;
            case OP_SUB: ovf = __builtin_sub_overflow(x, y, &r); break;
            case OP_MUL: ovf = __builtin_mul_overflow(x, y, &r); break;
            case OP_FLOORDIV:
            case OP_MOD:
                if (y == 0)
                    return sl_jerr(c, at, "integer division or modulo by zero");
                if (x == INT64_MIN && y == -1) {
                    if (op == OP_MOD) {
                        r = 0;
                        break;
                    }
                    ovf = 1;
                    break;
                }
                r = op == OP_FLOORDIV ? floordiv(x, y) : pymod(x, y);
                break;
            case OP_POW:
                if (y < 0) {
                    if (x == 0)
                        return sl_jerr(c, at, "0.0 cannot be raised to a negative power");
                    *out = sl_jv_float(pow((double)x, (double)y));
                    return 0;
                }
                r = 1;
                for (int64_t base = x, e = y; e > 0 && !ovf; e >>= 1) {
                    if (e & 1)
                        ovf = __builtin_mul_overflow(r, base, &r);
                    if (e > 1 && !ovf)
                        ovf = __builtin_mul_overflow(base, base, &base);
                }
                break;
            }
            if (ovf)
                return sl_jerr(c, at, "integer overflow: %lld %s %lld does not fit in 64 bits", (long long)x, names[op],
                               (long long)y);
            *out = sl_jv_int(r);
            return 0;
        }
        double x = sl_jv_float_of(a), y = sl_jv_float_of(b), r = 0;
        switch (op) {
        case OP_ADD: r = x + y; break;
        case OP_SUB: r = x - y; break;
        case OP_MUL: r = x * y; break;
        case OP_DIV:
            if (y == 0)
                return sl_jerr(c, at, "division by zero");
            r = x / y;
            break;
        case OP_FLOORDIV: { /* Python's float_floor_div */
            if (y == 0)
                return sl_jerr(c, at, "float floor division by zero");
            double mod = fmod(x, y), div = (x - mod) / y;
            if (mod != 0 && ((y < 0) != (mod < 0)))
                div -= 1.0;
            if (div != 0) {
                r = floor(div);
                if (div - r > 0.5)
                    r += 1.0;
            } else
                r = copysign(0.0, x / y);
            break;
        }
        case OP_MOD:
            if (y == 0)
                return sl_jerr(c, at, "float modulo");
            r = fmod(x, y); /* Python's float_rem */
            if (r != 0) {
                if ((r < 0) != (y < 0))
                    r += y;
            } else
                r = copysign(0.0, y);
            break;
        case OP_POW:
            if (x == 0 && y < 0)
                return sl_jerr(c, at, "0.0 cannot be raised to a negative power");
            r = pow(x, y);
            break;
        }
        *out = sl_jv_float(r);
        return 0;
    }
    if (op == OP_ADD && a->type == SL_JV_STRING && b->type == SL_JV_STRING) {
        *out = sl_jstr_concat(c, at, a, b);
        return *out ? 0 : -1;
    }
    if (op == OP_ADD && a->type == SL_JV_LIST && b->type == SL_JV_LIST && (a->sub == JV_TUPLE) == (b->sub == JV_TUPLE)) {
        sl_jv *r = a->sub == JV_TUPLE ? sl_jv_tuple() : sl_jv_list();
        for (size_t i = 0; i < a->u.l.n; i++)
            sl_jv_list_push(r, sl_jv_ref(a->u.l.v[i]));
        for (size_t i = 0; i < b->u.l.n; i++)
            sl_jv_list_push(r, sl_jv_ref(b->u.l.v[i]));
        *out = r;
        return 0;
    }
    if (op == OP_MUL && (a->type == SL_JV_STRING || a->type == SL_JV_LIST) &&
        (b->type == SL_JV_INT || b->type == SL_JV_BOOL)) {
        *out = repeat(c, at, a, sl_jv_int_of(b));
        return *out ? 0 : -1;
    }
    if (op == OP_MUL && (b->type == SL_JV_STRING || b->type == SL_JV_LIST) &&
        (a->type == SL_JV_INT || a->type == SL_JV_BOOL)) {
        *out = repeat(c, at, b, sl_jv_int_of(a));
        return *out ? 0 : -1;
    }
    if (op == OP_MOD && a->type == SL_JV_STRING) {
        *out = str_format_pct(c, at, a, b);
        return *out ? 0 : -1;
    }
    return sl_jerr(c, at, "unsupported operand type(s) for %s: '%s' and '%s'", names[op], sl_jv_type_name(a),
                   sl_jv_type_name(b));
}

/* ---- attributes and items ---- */

static sl_jv *loop_attr(const sl_jv *lp, const char *name, size_t n)
{
    int64_t i = lp->u.lp.index0, len = lp->u.lp.length;
#define IS(s) (n == sizeof(s) - 1 && memcmp(name, s, n) == 0)
    if (IS("index")) return sl_jv_int(i + 1);
    if (IS("index0")) return sl_jv_int(i);
    if (IS("revindex")) return sl_jv_int(len - i);
    if (IS("revindex0")) return sl_jv_int(len - i - 1);
    if (IS("first")) return sl_jv_bool(i == 0);
    if (IS("last")) return sl_jv_bool(i == len - 1);
    if (IS("length")) return sl_jv_int(len);
    if (IS("depth")) return sl_jv_int(lp->u.lp.depth);
    if (IS("depth0")) return sl_jv_int(lp->u.lp.depth - 1);
    if (IS("previtem")) {
        if (i > 0 && (size_t)(i - 1) < lp->u.lp.items->u.l.n)
            return sl_jv_ref(lp->u.lp.items->u.l.v[i - 1]);
        return sl_jv_undefined_hint("there is no previous item");
    }
    if (IS("nextitem")) {
        if ((size_t)(i + 1) < lp->u.lp.items->u.l.n)
            return sl_jv_ref(lp->u.lp.items->u.l.v[i + 1]);
        return sl_jv_undefined_hint("there is no next item");
    }
    if (IS("cycle")) {
        sl_jv *f = sl_jv_new_(SL_JV_CALLABLE, JV_LOOPFN);
        f->u.me.id = 0;
        f->u.me.recv = sl_jv_ref((sl_jv *)lp);
        return f;
    }
#undef IS
    return NULL;
}

static sl_jv *no_attr(const jnode *at, const sl_jv *obj, const char *name, size_t n)
{
    char tr[64];
    sl_jv_type_repr(obj, tr, sizeof tr);
    return undef_at(at, sl_jv_undefined_hint("'%s' has no attribute '%.*s'", tr, (int)n, name));
}

static sl_jv *bound_method(sl_jv *obj, int id)
{
    sl_jv *f = sl_jv_new_(SL_JV_CALLABLE, JV_METHOD);
    f->u.me.id = id;
    f->u.me.recv = sl_jv_ref(obj);
    return f;
}

/* obj.name: a new reference (an undefined one when missing). */
static sl_jv *get_attr(const jnode *at, sl_jv *obj, const char *name, size_t n)
{
    if (obj->type == SL_JV_DICT) {
        if (obj->sub == JV_LOOP) {
            sl_jv *v = loop_attr(obj, name, n);
            return v ? v : no_attr(at, obj, name, n);
        }
        if (obj->sub == JV_PLAIN) {
            int id = sl_jmethod_find(obj, name, n);
            if (id >= 0)
                return bound_method(obj, id);
        }
        sl_jv *v = sl_jv_dict_getn(obj, name, n);
        return v ? sl_jv_ref(v) : no_attr(at, obj, name, n);
    }
    if (obj->type == SL_JV_STRING || obj->type == SL_JV_LIST) {
        int id = sl_jmethod_find(obj, name, n);
        if (id >= 0)
            return bound_method(obj, id);
    }
    return no_attr(at, obj, name, n);
}

static int norm_index(int64_t i, size_t len, size_t *out)
{
    if (i < 0)
        i += (int64_t)len;
    if (i < 0 || (uint64_t)i >= len)
        return -1;
    *out = (size_t)i;
    return 0;
}

/* obj[key] */
sl_jv *sl_jgetitem(const jnode *at, sl_jv *obj, sl_jv *key)
{
    if (obj->type == SL_JV_DICT && obj->sub != JV_LOOP) {
        sl_jv *v = sl_jv_dict_getv(obj, key);
        if (v)
            return sl_jv_ref(v);
    } else if ((obj->type == SL_JV_LIST || obj->type == SL_JV_STRING) &&
               (key->type == SL_JV_INT || key->type == SL_JV_BOOL)) {
        size_t idx;
        if (obj->type == SL_JV_LIST) {
            if (norm_index(sl_jv_int_of(key), obj->u.l.n, &idx) == 0)
                return sl_jv_ref(obj->u.l.v[idx]);
        } else {
            size_t len = sl_jv_strlen_cp(obj);
            if (norm_index(sl_jv_int_of(key), len, &idx) == 0) {
                size_t o0 = sl_jv_str_cp_off(obj, idx), o1 = sl_jv_str_cp_off(obj, idx + 1);
                return sl_jv_str(obj->u.s.p + o0, o1 - o0);
            }
        }
    }
    if (key->type == SL_JV_STRING)
        return get_attr(at, obj, key->u.s.p, key->u.s.n);
    char tr[64];
    sl_jv_type_repr(obj, tr, sizeof tr);
    sl_buf b;
    sl_buf_init(&b);
    sl_error e;
    sl_jv_repr_into(key, &b, &e);
    sl_jv *u = sl_jv_undefined_hint("%s has no element %s", tr, b.data ? b.data : "");
    sl_buf_release(&b);
    return undef_at(at, u);
}

static int slice_index(jctx *c, const jnode *e, int64_t *out, int *given)
{
    *given = 0;
    if (!e)
        return 0;
    sl_jv *v = sl_jeval(c, e);
    if (!v)
        return -1;
    if (v->type == SL_JV_NONE) {
        sl_jv_unref(v);
        return 0;
    }
    if (v->type != SL_JV_INT && v->type != SL_JV_BOOL) {
        sl_jerr(c, e, "slice indices must be integers or None, not %s", sl_jv_type_name(v));
        sl_jv_unref(v);
        return -1;
    }
    *out = sl_jv_int_of(v);
    *given = 1;
    sl_jv_unref(v);
    return 0;
}

static sl_jv *eval_slice(jctx *c, const jnode *e)
{
    sl_jv *obj = sl_jeval(c, e->a);
    if (!obj)
        return NULL;
    int64_t st = 0, sp = 0, step = 1;
    int gst, gsp, gstep;
    if (slice_index(c, e->b, &st, &gst) < 0 || slice_index(c, e->c, &sp, &gsp) < 0 ||
        slice_index(c, e->d, &step, &gstep) < 0) {
        sl_jv_unref(obj);
        return NULL;
    }
    if (step == 0) {
        sl_jv_unref(obj);
        sl_jerr(c, e, "slice step cannot be zero");
        return NULL;
    }
    if (obj->type == SL_JV_UNDEFINED) {
        undef_err(c, e, obj);
        sl_jv_unref(obj);
        return NULL;
    }
    if (obj->type != SL_JV_LIST && obj->type != SL_JV_STRING) {
        sl_jerr(c, e, "'%s' object is not subscriptable", sl_jv_type_name(obj));
        sl_jv_unref(obj);
        return NULL;
    }
    int64_t len = obj->type == SL_JV_LIST ? (int64_t)obj->u.l.n : (int64_t)sl_jv_strlen_cp(obj);
    /* Python's PySlice_AdjustIndices */
    if (!gst)
        st = step < 0 ? len - 1 : 0;
    else {
        if (st < 0) {
            st += len;
            if (st < 0)
                st = step < 0 ? -1 : 0;
        } else if (st >= len)
            st = step < 0 ? len - 1 : len;
    }
    if (!gsp)
        sp = step < 0 ? -1 : len;
    else {
        if (sp < 0) {
            sp += len;
            if (sp < 0)
                sp = step < 0 ? -1 : 0;
        } else if (sp >= len)
            sp = step < 0 ? len - 1 : len;
    }
    sl_jv *r;
    if (obj->type == SL_JV_LIST) {
        r = obj->sub == JV_TUPLE ? sl_jv_tuple() : sl_jv_list();
        for (int64_t i = st; step > 0 ? i < sp : i > sp; i += step)
            sl_jv_list_push(r, sl_jv_ref(obj->u.l.v[i]));
    } else {
        sl_buf b;
        sl_buf_init(&b);
        if (step == 1 && st < sp) {
            size_t o0 = sl_jv_str_cp_off(obj, (size_t)st), o1 = sl_jv_str_cp_off(obj, (size_t)sp);
            sl_buf_add(&b, obj->u.s.p + o0, o1 - o0);
        } else
            for (int64_t i = st; step > 0 ? i < sp : i > sp; i += step) {
                size_t o0 = sl_jv_str_cp_off(obj, (size_t)i), o1 = sl_jv_str_cp_off(obj, (size_t)i + 1);
                sl_buf_add(&b, obj->u.s.p + o0, o1 - o0);
            }
        r = sl_jv_str(b.data ? b.data : "", b.len);
        sl_buf_release(&b);
    }
    sl_jv_unref(obj);
    return r;
}

/* ---- comparisons ---- */

static int contains(jctx *c, const jnode *at, sl_jv *item, sl_jv *seq, int *res)
{
    if (seq->type == SL_JV_UNDEFINED)
        return undef_err(c, at, seq), -1;
    if (item->type == SL_JV_UNDEFINED)
        return undef_err(c, at, item), -1;
    if (seq->type == SL_JV_STRING) {
        if (item->type != SL_JV_STRING)
            return sl_jerr(c, at, "'in <string>' requires string as left operand, not %s", sl_jv_type_name(item));
        *res = item->u.s.n == 0 || (item->u.s.n <= seq->u.s.n && memmem(seq->u.s.p, seq->u.s.n, item->u.s.p, item->u.s.n));
        return 0;
    }
    if (seq->type == SL_JV_LIST) {
        *res = 0;
        for (size_t i = 0; i < seq->u.l.n && !*res; i++)
            *res = sl_jv_equal(seq->u.l.v[i], item);
        return 0;
    }
    if (seq->type == SL_JV_DICT && seq->sub != JV_LOOP) {
        if (item->type == SL_JV_LIST || item->type == SL_JV_DICT)
            return sl_jerr(c, at, "unhashable type: '%s'", sl_jv_type_name(item));
        *res = sl_jv_dict_getv(seq, item) != NULL;
        return 0;
    }
    return sl_jerr(c, at, "argument of type '%s' is not iterable", sl_jv_type_name(seq));
}

static int compare_op(jctx *c, const jnode *at, int op, sl_jv *a, sl_jv *b, int *res)
{
    if (op == 'i' || op == 'n') {
        if (contains(c, at, a, b, res) < 0)
            return -1;
        if (op == 'n')
            *res = !*res;
        return 0;
    }
    if (a->type == SL_JV_UNDEFINED)
        return undef_err(c, at, a), -1;
    if (b->type == SL_JV_UNDEFINED)
        return undef_err(c, at, b), -1;
    if (op == OP_EQ || op == OP_NE) {
        *res = sl_jv_equal(a, b) == (op == OP_EQ);
        return 0;
    }
    int cmp;
    if (sl_jv_compare(a, b, &cmp, sl_jop_text(op), c->err) < 0)
        return sl_jerr(c, at, "%s", c->err->msg);
    if (cmp == 2) {
        *res = 0;
        return 0;
    }
    switch (op) {
    case OP_LT: *res = cmp < 0; break;
    case OP_LE: *res = cmp <= 0; break;
    case OP_GT: *res = cmp > 0; break;
    default: *res = cmp >= 0; break;
    }
    return 0;
}

static int truth(jctx *c, const jnode *at, sl_jv *v, int *res)
{
    if (v->type == SL_JV_UNDEFINED)
        return undef_err(c, at, v), -1;
    *res = sl_jv_truthy(v);
    return 0;
}

/* ---- calls ---- */

typedef struct argv {
    sl_jinja_args a;
    sl_jv *posbuf[8], *kwbuf[8];
    const char *namebuf[8];
} argv;

static void args_release(argv *av)
{
    for (size_t i = 0; i < av->a.npos; i++)
        sl_jv_unref(av->a.pos[i]);
    for (size_t i = 0; i < av->a.nkw; i++)
        sl_jv_unref(av->a.kw[i]);
    if (av->a.pos != av->posbuf)
        sl_free(av->a.pos);
    if (av->a.kw != av->kwbuf) {
        sl_free(av->a.kw);
        sl_free((void *)av->a.kw_names);
    }
}

/* Evaluate the arguments of a call/filter/test node (its kids). */
static int eval_args(jctx *c, const jnode *n, argv *av)
{
    size_t np = 0, nk = 0;
    for (uint32_t i = 0; i < n->nkids; i++)
        if (n->kids[i]->kind == E_KW)
            nk++;
        else
            np++;
    av->a.pos = np <= 8 ? av->posbuf : sl_malloc(np * sizeof(sl_jv *));
    av->a.kw = nk <= 8 ? av->kwbuf : sl_malloc(nk * sizeof(sl_jv *));
    av->a.kw_names = nk <= 8 ? av->namebuf : sl_malloc(nk * sizeof(char *));
    av->a.npos = av->a.nkw = 0;
    for (uint32_t i = 0; i < n->nkids; i++) {
        const jnode *k = n->kids[i];
        sl_jv *v = sl_jeval(c, k->kind == E_KW ? k->a : k);
        if (!v) {
            args_release(av);
            return -1;
        }
        if (k->kind == E_KW) {
            av->a.kw_names[av->a.nkw] = k->name;
            av->a.kw[av->a.nkw++] = v;
        } else
            av->a.pos[av->a.npos++] = v;
    }
    return 0;
}

sl_jv *sl_jcall_value(jctx *c, const jnode *at, sl_jv *fn, const sl_jinja_args *a)
{
    if (fn->type == SL_JV_UNDEFINED)
        return undef_err(c, at, fn);
    if (fn->type != SL_JV_CALLABLE) {
        sl_jerr(c, at, "'%s' object is not callable", sl_jv_type_name(fn));
        return NULL;
    }
    switch (fn->sub) {
    case JV_MACRO:
        return sl_jmacro_invoke(c, at, fn, a, NULL);
    case JV_HOSTFN: {
        sl_jv *ret = NULL;
        sl_error e;
        sl_error_clear(&e);
        if (fn->u.h.fn(fn->u.h.ud, a, &ret, &e) < 0) {
            sl_jv_unref(ret);
            sl_jerr(c, at, "%s", e.msg[0] ? e.msg : "call failed");
            c->err->code = e.code ? e.code : SL_ECONFIG;
            return NULL;
        }
        return ret ? ret : sl_jv_none();
    }
    case JV_BUILTIN:
        return sl_jbuiltin_call(c, at, fn->u.bi.id, a);
    case JV_METHOD:
        return sl_jmethod_call(c, at, fn->u.me.recv, fn->u.me.id, a);
    case JV_LOOPFN: {
        if (a->npos == 0) {
            sl_jerr(c, at, "no items for cycling given");
            return NULL;
        }
        int64_t i = fn->u.me.recv->u.lp.index0;
        return sl_jv_ref(a->pos[(size_t)(i % (int64_t)a->npos)]);
    }
    }
    sl_jerr(c, at, "object is not callable");
    return NULL;
}

/* Evaluate call node e; `caller` (borrowed, may be NULL) is passed as the
 * keyword argument caller (a call block's body). */
sl_jv *sl_jeval_call(jctx *c, const jnode *e, sl_jv *caller)
{
    argv av;
    sl_jv *fn;
    const jnode *callee = e->a;
    if (callee->kind == E_GETATTR) {
        /* receiver.method(...) without a bound method in between */
        sl_jv *recv = sl_jeval(c, callee->a);
        if (!recv)
            return NULL;
        if (recv->type == SL_JV_UNDEFINED) {
            undef_err(c, callee, recv);
            sl_jv_unref(recv);
            return NULL;
        }
        int id = -1;
        if (recv->type == SL_JV_STRING || recv->type == SL_JV_LIST || (recv->type == SL_JV_DICT && recv->sub == JV_PLAIN))
            id = sl_jmethod_find(recv, callee->name, callee->nlen);
        if (id >= 0 && !caller) {
            if (eval_args(c, e, &av) < 0) {
                sl_jv_unref(recv);
                return NULL;
            }
            sl_jv *r = sl_jmethod_call(c, e, recv, id, &av.a);
            args_release(&av);
            sl_jv_unref(recv);
            return r;
        }
        fn = get_attr(callee, recv, callee->name, callee->nlen);
        sl_jv_unref(recv);
    } else
        fn = sl_jeval(c, callee);
    if (!fn)
        return NULL;
    if (fn->type == SL_JV_UNDEFINED) {
        undef_err(c, callee, fn);
        sl_jv_unref(fn);
        return NULL;
    }
    if (eval_args(c, e, &av) < 0) {
        sl_jv_unref(fn);
        return NULL;
    }
    if (caller) {
        if (av.a.nkw == 8 && av.a.kw == av.kwbuf) {
            sl_jv **kw = sl_malloc(9 * sizeof *kw);
            const char **names = sl_malloc(9 * sizeof *names);
            memcpy(kw, av.kwbuf, 8 * sizeof *kw);
            memcpy(names, av.namebuf, 8 * sizeof *names);
            av.a.kw = kw;
            av.a.kw_names = names;
        } else if (av.a.kw != av.kwbuf) {
            av.a.kw = sl_realloc(av.a.kw, (av.a.nkw + 1) * sizeof *av.a.kw);
            av.a.kw_names = sl_realloc((void *)av.a.kw_names, (av.a.nkw + 1) * sizeof *av.a.kw_names);
        }
        av.a.kw_names[av.a.nkw] = "caller";
        av.a.kw[av.a.nkw++] = sl_jv_ref(caller);
    }
    sl_jv *r = sl_jcall_value(c, e, fn, &av.a);
    args_release(&av);
    sl_jv_unref(fn);
    return r;
}

/* Apply filter node f to v (borrowed). */
sl_jv *sl_japply_filter(jctx *c, const jnode *f, sl_jv *v)
{
    const jfilter *jf = f->fn;
    if (v->type == SL_JV_UNDEFINED && !jf->lenient)
        return undef_err(c, f, v);
    argv av;
    if (eval_args(c, f, &av) < 0)
        return NULL;
    sl_jv *r = jf->fn(c, f, v, &av.a);
    args_release(&av);
    return r;
}

static sl_jv *eval_filter(jctx *c, const jnode *e)
{
    sl_jv *v = sl_jeval(c, e->a);
    if (!v)
        return NULL;
    sl_jv *r = sl_japply_filter(c, e, v);
    sl_jv_unref(v);
    return r;
}

static sl_jv *eval_test(jctx *c, const jnode *e)
{
    sl_jv *v = sl_jeval(c, e->a);
    if (!v)
        return NULL;
    const jtest *jt = e->fn;
    if (v->type == SL_JV_UNDEFINED && !jt->lenient) {
        undef_err(c, e, v);
        sl_jv_unref(v);
        return NULL;
    }
    argv av;
    if (eval_args(c, e, &av) < 0) {
        sl_jv_unref(v);
        return NULL;
    }
    int res = 0;
    int rc = jt->fn(c, e, v, &av.a, &res);
    args_release(&av);
    sl_jv_unref(v);
    if (rc < 0)
        return NULL;
    return sl_jv_bool(e->op ? !res : res);
}

/* ---- the evaluator ---- */

static sl_jv *eval_bin(jctx *c, const jnode *e)
{
    sl_jv *a = sl_jeval(c, e->a);
    if (!a)
        return NULL;
    sl_jv *b = sl_jeval(c, e->b);
    if (!b) {
        sl_jv_unref(a);
        return NULL;
    }
    sl_jv *r = NULL;
    if (e->op == OP_TILDE) {
        if (a->type == SL_JV_UNDEFINED)
            undef_err(c, e, a);
        else if (b->type == SL_JV_UNDEFINED)
            undef_err(c, e, b);
        else
            r = sl_jstr_concat(c, e, a, b);
    } else
        sl_jarith(c, e, e->op, a, b, &r);
    sl_jv_unref(a);
    sl_jv_unref(b);
    return r;
}

static sl_jv *eval_cmp(jctx *c, const jnode *e)
{
    sl_jv *left = sl_jeval(c, e->a);
    if (!left)
        return NULL;
    int res = 1;
    for (uint32_t i = 0; i < e->nkids && res; i++) {
        const jnode *o = e->kids[i];
        sl_jv *right = sl_jeval(c, o->a);
        if (!right) {
            sl_jv_unref(left);
            return NULL;
        }
        if (compare_op(c, o, o->op, left, right, &res) < 0) {
            sl_jv_unref(left);
            sl_jv_unref(right);
            return NULL;
        }
        sl_jv_unref(left);
        left = right;
    }
    sl_jv_unref(left);
    return sl_jv_bool(res);
}

sl_jv *sl_jeval(jctx *c, const jnode *e)
{
    if (++c->depth > SL_JINJA_MAX_DEPTH * 4) {
        c->depth--;
        sl_jerr(c, e, "expression nested too deeply (limit %d)", SL_JINJA_MAX_DEPTH);
        return NULL;
    }
    sl_jv *r = NULL, *a = NULL;
    int t;
    switch (e->kind) {
    case E_CONST:
        r = sl_jv_ref(e->val);
        break;
    case E_NAME:
        r = sl_jlookup(c, c->scope, e->name, e->nlen, e->hash);
        if (r && r->type == SL_JV_UNDEFINED && !r->u.u.line) /* e.g. a parameter not given: here is where it is used */
            r = undef_at(e, sl_jv_undefined_hint("%s", sl_jv_undef_msg(r)));
        else
            r = r ? sl_jv_ref(r) : undef_at(e, sl_jv_undefined_hint("'%.*s' is undefined", (int)e->nlen, e->name));
        break;
    case E_GETATTR:
        if (!(a = sl_jeval(c, e->a)))
            break;
        if (a->type == SL_JV_UNDEFINED)
            undef_err(c, e, a);
        else
            r = get_attr(e, a, e->name, e->nlen);
        break;
    case E_GETITEM: {
        if (!(a = sl_jeval(c, e->a)))
            break;
        sl_jv *k = sl_jeval(c, e->b);
        if (!k)
            break;
        if (a->type == SL_JV_UNDEFINED)
            undef_err(c, e, a);
        else if (k->type == SL_JV_UNDEFINED)
            undef_err(c, e, k);
        else
            r = sl_jgetitem(e, a, k);
        sl_jv_unref(k);
        break;
    }
    case E_SLICE:
        r = eval_slice(c, e);
        break;
    case E_CALL:
        r = sl_jeval_call(c, e, NULL);
        break;
    case E_FILTER:
        r = eval_filter(c, e);
        break;
    case E_TEST:
        r = eval_test(c, e);
        break;
    case E_BIN:
        r = eval_bin(c, e);
        break;
    case E_NEG:
    case E_POS:
        if (!(a = sl_jeval(c, e->a)))
            break;
        if (a->type == SL_JV_UNDEFINED)
            undef_err(c, e, a);
        else if (a->type == SL_JV_FLOAT)
            r = sl_jv_float(e->kind == E_NEG ? -a->u.d : a->u.d);
        else if (a->type == SL_JV_INT || a->type == SL_JV_BOOL) {
            int64_t x = sl_jv_int_of(a);
            if (e->kind == E_NEG && x == INT64_MIN)
                sl_jerr(c, e, "integer overflow: -(%lld) does not fit in 64 bits", (long long)x);
            else
                r = sl_jv_int(e->kind == E_NEG ? -x : x);
        } else
            sl_jerr(c, e, "bad operand type for unary %s: '%s'", e->kind == E_NEG ? "-" : "+", sl_jv_type_name(a));
        break;
    case E_NOT:
        if (!(a = sl_jeval(c, e->a)))
            break;
        if (truth(c, e, a, &t) == 0)
            r = sl_jv_bool(!t);
        break;
    case E_AND:
    case E_OR:
        if (!(a = sl_jeval(c, e->a)))
            break;
        if (truth(c, e, a, &t) < 0)
            break;
        if ((e->kind == E_AND) != (t != 0))
            r = sl_jv_ref(a);
        else
            r = sl_jeval(c, e->b);
        break;
    case E_CMP:
        r = eval_cmp(c, e);
        break;
    case E_COND:
        if (!(a = sl_jeval(c, e->b)))
            break;
        if (truth(c, e, a, &t) < 0)
            break;
        if (t)
            r = sl_jeval(c, e->a);
        else if (e->c)
            r = sl_jeval(c, e->c);
        else
            r = sl_jv_str("", 0);
        break;
    case E_LIST:
    case E_TUPLE: {
        sl_jv *l = e->kind == E_LIST ? sl_jv_list() : sl_jv_tuple();
        for (uint32_t i = 0; i < e->nkids; i++) {
            sl_jv *x = sl_jeval(c, e->kids[i]);
            if (!x) {
                sl_jv_unref(l);
                l = NULL;
                break;
            }
            sl_jv_list_push(l, x);
        }
        r = l;
        break;
    }
    case E_DICT: {
        sl_jv *d = sl_jv_dict();
        for (uint32_t i = 0; i < e->nkids; i++) {
            sl_jv *k = sl_jeval(c, e->kids[i]->a);
            sl_jv *v = k ? sl_jeval(c, e->kids[i]->b) : NULL;
            if (!v) {
                sl_jv_unref(k);
                sl_jv_unref(d);
                d = NULL;
                break;
            }
            if (k->type == SL_JV_UNDEFINED || k->type == SL_JV_LIST || k->type == SL_JV_DICT) {
                if (k->type == SL_JV_UNDEFINED)
                    undef_err(c, e->kids[i]->a, k);
                else
                    sl_jerr(c, e->kids[i]->a, "unhashable type: '%s'", sl_jv_type_name(k));
                sl_jv_unref(k);
                sl_jv_unref(v);
                sl_jv_unref(d);
                d = NULL;
                break;
            }
            sl_jv_dict_setv(d, k, v);
            sl_jv_unref(k);
        }
        r = d;
        break;
    }
    default:
        sl_jerr(c, e, "cannot evaluate this expression");
        break;
    }
    sl_jv_unref(a);
    c->depth--;
    return r;
}
