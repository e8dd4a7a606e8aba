/*
 * tests.c: the `is` tests (x is defined, n is divisibleby 3, ...) with
 * jinja2 3.1's meaning. A test marked lenient may look at an undefined
 * value (defined, undefined, none, string...); the others fail on one with
 * "'x' is undefined", as jinja2's StrictUndefined does.
 */
#include "jinja/jinja_int.h"
#include "config/diag.h"
#include <ctype.h>
#include <math.h>
#include <string.h>

#define T(name) static int name(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a, int *r)
#define UNUSED (void)c, (void)at, (void)a

static int need_arg(jctx *c, const jnode *at, const sl_jinja_args *a)
{
    if (a->npos < 1)
        return sl_jerr(c, at, "test '%.*s' needs an argument", (int)at->nlen, at->name);
    if (a->pos[0]->type == SL_JV_UNDEFINED)
        return sl_jerr(c, at, "%s", sl_jv_undef_msg(a->pos[0]));
    return 0;
}

T(t_defined) { UNUSED; *r = v->type != SL_JV_UNDEFINED; return 0; }
T(t_undefined) { UNUSED; *r = v->type == SL_JV_UNDEFINED; return 0; }
T(t_none) { UNUSED; *r = v->type == SL_JV_NONE; return 0; }
T(t_boolean) { UNUSED; *r = v->type == SL_JV_BOOL; return 0; }
T(t_true) { UNUSED; *r = v->type == SL_JV_BOOL && v->u.b; return 0; }
T(t_false) { UNUSED; *r = v->type == SL_JV_BOOL && !v->u.b; return 0; }
T(t_integer) { UNUSED; *r = v->type == SL_JV_INT; return 0; }
T(t_float) { UNUSED; *r = v->type == SL_JV_FLOAT; return 0; }
T(t_number) { UNUSED; *r = v->type == SL_JV_INT || v->type == SL_JV_FLOAT || v->type == SL_JV_BOOL; return 0; }
T(t_string) { UNUSED; *r = v->type == SL_JV_STRING; return 0; }
T(t_mapping) { UNUSED; *r = v->type == SL_JV_DICT && v->sub != JV_LOOP; return 0; }
T(t_callable) { UNUSED; *r = v->type == SL_JV_CALLABLE; return 0; }
T(t_escaped) { UNUSED; (void)v; *r = 0; return 0; }
T(t_iterable)
{
    UNUSED;
    *r = v->type == SL_JV_STRING || v->type == SL_JV_LIST || (v->type == SL_JV_DICT && v->sub != JV_LOOP);
    return 0;
}
T(t_sequence) { return t_iterable(c, at, v, a, r); }

T(t_sameas)
{
    if (a->npos < 1)
        return sl_jerr(c, at, "test 'sameas' needs an argument");
    sl_jv *o = a->pos[0];
    if (v == o)
        *r = 1;
    else if (v->type == SL_JV_NONE || v->type == SL_JV_BOOL || o->type == SL_JV_NONE || o->type == SL_JV_BOOL)
        *r = v->type == o->type && (v->type == SL_JV_NONE || v->u.b == o->u.b);
    else
        *r = 0;
    return 0;
}

static int num_mod(jctx *c, const jnode *at, sl_jv *v, sl_jv *m, int *zero)
{
    sl_jv *res = NULL;
    if (sl_jarith(c, at, OP_MOD, v, m, &res) < 0)
        return -1;
    *zero = !sl_jv_truthy(res);
    sl_jv_unref(res);
    return 0;
}

T(t_odd)
{
    UNUSED;
    sl_jv *two = sl_jv_int(2);
    int zero = 0, rc = num_mod(c, at, v, two, &zero);
    sl_jv_unref(two);
    *r = !zero;
    return rc;
}

T(t_even)
{
    UNUSED;
    sl_jv *two = sl_jv_int(2);
    int zero = 0, rc = num_mod(c, at, v, two, &zero);
    sl_jv_unref(two);
    *r = zero;
    return rc;
}

T(t_divisibleby)
{
    if (need_arg(c, at, a) < 0)
        return -1;
    int zero = 0;
    if (num_mod(c, at, v, a->pos[0], &zero) < 0)
        return -1;
    *r = zero;
    return 0;
}

static int cmp_test(jctx *c, const jnode *at, sl_jv *v, const sl_jinja_args *a, int *r, int op)
{
    if (need_arg(c, at, a) < 0)
        return -1;
    sl_jv *o = a->pos[0];
    if (op == OP_EQ || op == OP_NE) {
        *r = sl_jv_equal(v, o) == (op == OP_EQ);
        return 0;
    }
    int cmp;
    if (sl_jv_compare(v, o, &cmp, sl_jop_text(op), c->err) < 0)
        return sl_jerr(c, at, "%s", c->err->msg);
    if (cmp == 2)
        *r = 0;
    else
        *r = op == OP_LT ? cmp < 0 : op == OP_LE ? cmp <= 0 : op == OP_GT ? cmp > 0 : cmp >= 0;
    return 0;
}

T(t_eq) { return cmp_test(c, at, v, a, r, OP_EQ); }
T(t_ne) { return cmp_test(c, at, v, a, r, OP_NE); }
T(t_lt) { return cmp_test(c, at, v, a, r, OP_LT); }
T(t_le) { return cmp_test(c, at, v, a, r, OP_LE); }
T(t_gt) { return cmp_test(c, at, v, a, r, OP_GT); }
T(t_ge) { return cmp_test(c, at, v, a, r, OP_GE); }

T(t_in)
{
    if (need_arg(c, at, a) < 0)
        return -1;
    sl_jv *seq = a->pos[0];
    if (seq->type == SL_JV_STRING) {
        if (v->type != SL_JV_STRING)
            return sl_jerr(c, at, "'in <string>' requires string as left operand, not %s", sl_jv_type_name(v));
        *r = v->u.s.n == 0 || memmem(seq->u.s.p, seq->u.s.n, v->u.s.p, v->u.s.n) != NULL;
        return 0;
    }
    if (seq->type == SL_JV_LIST) {
        *r = 0;
        for (size_t i = 0; i < seq->u.l.n && !*r; i++)
            *r = sl_jv_equal(seq->u.l.v[i], v);
        return 0;
    }
    if (seq->type == SL_JV_DICT && seq->sub != JV_LOOP) {
        if (v->type == SL_JV_LIST || v->type == SL_JV_DICT)
            return sl_jerr(c, at, "unhashable type: '%s'", sl_jv_type_name(v));
        *r = sl_jv_dict_getv(seq, v) != NULL;
        return 0;
    }
    return sl_jerr(c, at, "argument of type '%s' is not iterable", sl_jv_type_name(seq));
}

static int case_test(jctx *c, const jnode *at, sl_jv *v, int *r, int upper)
{
    sl_jv *s = sl_jv_to_str(v, c->err);
    if (!s)
        return sl_jerr(c, at, "%s", c->err->msg);
    int any = 0, ok = 1;
    for (size_t i = 0; i < s->u.s.n; i++) {
        unsigned char ch = (unsigned char)s->u.s.p[i];
        if (upper ? islower(ch) : isupper(ch))
            ok = 0;
        any |= upper ? isupper(ch) != 0 : islower(ch) != 0;
    }
    sl_jv_unref(s);
    *r = ok && any;
    return 0;
}

T(t_lower) { (void)a; return case_test(c, at, v, r, 0); }
T(t_upper) { (void)a; return case_test(c, at, v, r, 1); }

/* sorted by name for the binary search */
static const jtest tests[] = {
    {"!=", t_ne, 0},
    {"<", t_lt, 0},
    {"<=", t_le, 0},
    {"==", t_eq, 0},
    {">", t_gt, 0},
    {">=", t_ge, 0},
    {"boolean", t_boolean, 1},
    {"callable", t_callable, 1},
    {"defined", t_defined, 1},
    {"divisibleby", t_divisibleby, 0},
    {"eq", t_eq, 0},
    {"equalto", t_eq, 0},
    {"escaped", t_escaped, 1},
    {"even", t_even, 0},
    {"false", t_false, 1},
    {"float", t_float, 1},
    {"ge", t_ge, 0},
    {"greaterthan", t_gt, 0},
    {"gt", t_gt, 0},
    {"in", t_in, 0},
    {"integer", t_integer, 1},
    {"iterable", t_iterable, 0},
    {"le", t_le, 0},
    {"lessthan", t_lt, 0},
    {"lower", t_lower, 0},
    {"lt", t_lt, 0},
    {"mapping", t_mapping, 1},
    {"ne", t_ne, 0},
    {"none", t_none, 1},
    {"number", t_number, 1},
    {"odd", t_odd, 0},
    {"sameas", t_sameas, 1},
    {"sequence", t_sequence, 0},
    {"string", t_string, 1},
    {"true", t_true, 1},
    {"undefined", t_undefined, 1},
    {"upper", t_upper, 0},
};

const jtest *sl_jtest_find(const char *name, size_t n)
{
    size_t lo = 0, hi = sizeof tests / sizeof tests[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strncmp(tests[mid].name, name, n);
        if (cmp == 0 && tests[mid].name[n] != 0)
            cmp = 1;
        if (cmp == 0)
            return &tests[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *sl_jtest_suggest(const char *name)
{
    const char *names[sizeof tests / sizeof tests[0]];
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        names[i] = tests[i].name;
    return sl_suggest(name, names, sizeof tests / sizeof tests[0]);
}
