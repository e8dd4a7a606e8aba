/*
 * vec_value.c: SQLite's values for the native expression path (vec.h):
 * the result columns (sl_vresult), and the value rules every operation
 * of vec.c rests on: a value as text, a text as a number (computeNumericType),
 * truth, comparison (sqlite3MemCompare) and arithmetic (OP_Add ..
 * OP_Remainder), each following the SQLite 3.40 code it replaces.
 */
#include "expr/vec_int.h"
#include "core/mem.h"
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- results ------------------------------------------------------------- */

void sl_vresult_init(sl_vresult *r)
{
    memset(r, 0, sizeof *r);
    sl_arena_init(&r->arena);
}

void sl_vresult_release(sl_vresult *r)
{
    sl_free(r->type);
    sl_free(r->i64);
    sl_free(r->f64);
    sl_free(r->str);
    sl_arena_release(&r->arena);
    memset(r, 0, sizeof *r);
}

void sl_vresult_reserve(sl_vresult *r, size_t n)
{
    if (n > r->cap) {
        size_t cap = r->cap ? r->cap : 64;
        while (cap < n)
            cap *= 2;
        r->type = sl_realloc(r->type, cap * sizeof *r->type);
        r->i64 = sl_realloc(r->i64, cap * sizeof *r->i64);
        r->f64 = sl_realloc(r->f64, cap * sizeof *r->f64);
        r->str = sl_realloc(r->str, cap * sizeof *r->str);
        r->cap = cap;
    }
    r->n = n;
}

int sl_vexpr_enabled(void)
{
    const char *v = getenv("SLUICE_VEXPR");
    return !(v && strcmp(v, "0") == 0);
}

/* ---- values --------------------------------------------------------------- */

/* Row i of r as text, as sqlite3_value_text gives it: integers "%lld",
 * reals "%!.15g" (SQLite's printf). tmp holds at least 64 bytes. Not for
 * NULL. */
void sl_vec_text_of(const sl_vresult *r, size_t i, char *tmp, const char **p, size_t *n)
{
    switch (r->type[i]) {
    case SQLITE_INTEGER:
        *n = (size_t)snprintf(tmp, 64, "%lld", (long long)r->i64[i]);
        *p = tmp;
        break;
    case SQLITE_FLOAT:
        sqlite3_snprintf(64, tmp, "%!.15g", r->f64[i]);
        *n = strlen(tmp);
        *p = tmp;
        break;
    default:
        *p = r->str[i].p;
        *n = r->str[i].n;
    }
}

static int is_space(int c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Where the digits of a number written in text start: past leading
 * spaces and a sign (*neg: it was '-'), as SQLite's conversions read it. */
static size_t number_start(const char *p, size_t n, int *neg)
{
    size_t i = 0;
    while (i < n && is_space((unsigned char)p[i]))
        i++;
    *neg = 0;
    if (i < n && (p[i] == '+' || p[i] == '-'))
        *neg = p[i++] == '-';
    return i;
}

/* sqlite3Atoi64's reading (3.40) of the digits p[0..n) after a sign:
 * leading zeros skipped; 0 with *u when the value fits an int64 (or is
 * 2^63 and neg: *u is then 2^63), 1 past it (more than 19 significant
 * digits, or 19 from 2^63 up). */
static int digits_int(const char *p, size_t n, int neg, uint64_t *u)
{
    size_t k = 0;
    while (k < n && p[k] == '0')
        k++;
    if (n - k > 19)
        return 1;
    uint64_t v = 0;
    for (; k < n; k++)
        v = v * 10 + (uint64_t)(p[k] - '0');
    *u = v;
    return v > (uint64_t)INT64_MAX + (neg ? 1u : 0u);
}

/* A text as SQLite's numeric conversion takes it (vdbe.c's
 * computeNumericType, 3.40): spaces, a sign, then digits with neither
 * '.' nor an exponent is the integer of those digits whatever follows
 * ('12abc' -> 12, '0x10' -> 0) when it fits an int64 (leading zeros do
 * not count), else the real sqlite3AtoF reads; with '.' or an exponent
 * it is the real sqlite3AtoF reads ('1.0' -> 1.0, '1e3' -> 1000.0,
 * '1e400' -> Inf, any number of digits: sl_vnum_decimal); no digit at
 * all is the integer 0 ('abc', '', '.'). 0 with *isint and *iv or *fv;
 * 1 when only SQLite knows ('e' without exponent digits, a NUL before
 * any digit). *fv is always the real sqlite3AtoF reads (what arithmetic
 * on reals takes). */
int sl_vec_text_number(const char *p, size_t n, int *isint, int64_t *iv, double *fv)
{
    int neg;
    size_t i = number_start(p, n, &neg);
    size_t d0 = i;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++;
    size_t nd = i - d0, frac = 0;
    int real = 0;
    if (i < n && p[i] == '.') {
        size_t f0 = ++i;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
        frac = i - f0;
        real = nd + frac > 0;
    }
    if (nd + frac == 0) {
        if (d0 < n && p[d0] == 0)
            return 1;
        *isint = 1;
        *iv = 0;
        *fv = neg ? -0.0 : 0.0;
        return 0;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (p[j] == '+' || p[j] == '-'))
            j++;
        if (!(j < n && p[j] >= '0' && p[j] <= '9'))
            return 1;
        while (j < n && p[j] >= '0' && p[j] <= '9')
            j++;
        i = j;
        real = 1;
    }
    double v;
    if (!real) {
        uint64_t u = 0;
        if (nd <= 18) {
            for (size_t k = d0; k < d0 + nd; k++)
                u = u * 10 + (uint64_t)(p[k] - '0');
            v = (double)u; /* sqlite3AtoF's, exactly */
        } else {
            (void)sl_vnum_decimal(p + d0, nd, &v);
            if (digits_int(p + d0, nd, neg, &u)) {
                /* past int64: a real (sqlite3Atoi64 reports the overflow) */
                *isint = 0;
                *fv = neg ? -v : v;
                return 0;
            }
        }
        *isint = 1;
        *iv = neg ? (int64_t)(0 - u) : (int64_t)u;
        /* its real (sqlite3AtoF): '-0' is -0.0 */
        *fv = neg ? -v : v;
        return 0;
    }
    if (sl_vnum_decimal(p + d0, i - d0, &v) < 0)
        return 1;
    *isint = 0;
    *fv = neg ? -v : v;
    return 0;
}

/* sqlite3VdbeIntValue of a text (sqlite3Atoi64): its leading integer,
 * '1e3' -> 1, '7.9' -> 7, none -> 0; past int64 the nearest end
 * (INT64_MAX or INT64_MIN). Always 0 (every text is read here). */
int sl_vec_text_int(const char *p, size_t n, int64_t *v)
{
    int neg;
    size_t i = number_start(p, n, &neg);
    size_t d0 = i;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++;
    uint64_t u = 0;
    if (digits_int(p + d0, i - d0, neg, &u))
        *v = neg ? INT64_MIN : INT64_MAX;
    else
        *v = neg ? (int64_t)(0 - u) : (int64_t)u;
    return 0;
}

/* Row i as a number for arithmetic (vdbe.c's numericType): 0 with *isint
 * and *iv or *fv; 2 NULL; 1 text left to SQLite. */
int sl_vec_number_of(const sl_vresult *r, size_t i, int *isint, int64_t *iv, double *fv)
{
    switch (r->type[i]) {
    case SQLITE_NULL: return 2;
    case SQLITE_INTEGER: *isint = 1; *iv = r->i64[i]; *fv = (double)*iv; return 0;
    case SQLITE_FLOAT: *isint = 0; *fv = r->f64[i]; return 0;
    default: return sl_vec_text_number(r->str[i].p, r->str[i].n, isint, iv, fv);
    }
}

/* SQLite's truth of row i (sqlite3VdbeBooleanValue): 1, 0, 2 for NULL,
 * -1 for text left to SQLite. Text is its leading number (sqlite3AtoF):
 * no number at all (empty, or a start that is no digit, sign or '.')
 * is 0.0, false. */
int sl_vec_truth_of(const sl_vresult *r, size_t i)
{
    switch (r->type[i]) {
    case SQLITE_NULL: return 2;
    case SQLITE_INTEGER: return r->i64[i] != 0;
    case SQLITE_FLOAT: return r->f64[i] != 0.0;
    default: {
        int isint = 0;
        int64_t v = 0;
        double f = 0;
        if (sl_vec_text_number(r->str[i].p, r->str[i].n, &isint, &v, &f))
            return -1;
        return isint ? v != 0 : f != 0.0;
    }
    }
}

int sl_vresult_truth(const sl_vresult *r, size_t i)
{
    int t = sl_vec_truth_of(r, i);
    return t == 2 ? 0 : t;
}

/* sqlite3IntFloatCompare. */
static int int_float_cmp(int64_t i, double r)
{
    if (r < -9223372036854775808.0)
        return 1;
    if (r >= 9223372036854775808.0)
        return -1;
    int64_t y = (int64_t)r;
    if (i < y)
        return -1;
    if (i > y)
        return 1;
    double s = (double)i;
    return s < r ? -1 : s > r ? 1 : 0;
}

/* sqlite3MemCompare with BINARY collation, neither value NULL: numbers
 * before text, text before blobs; texts (and blobs) by bytes then
 * length. */
int sl_vec_compare(const sl_vresult *a, size_t i, const sl_vresult *b, size_t j)
{
    int ta = a->type[i], tb = b->type[j];
    int na = ta == SQLITE_INTEGER || ta == SQLITE_FLOAT, nb = tb == SQLITE_INTEGER || tb == SQLITE_FLOAT;
    if (na && nb) {
        if (ta == SQLITE_INTEGER && tb == SQLITE_INTEGER)
            return a->i64[i] < b->i64[j] ? -1 : a->i64[i] > b->i64[j];
        if (ta == SQLITE_FLOAT && tb == SQLITE_FLOAT)
            return a->f64[i] < b->f64[j] ? -1 : a->f64[i] > b->f64[j];
        if (ta == SQLITE_INTEGER)
            return int_float_cmp(a->i64[i], b->f64[j]);
        return -int_float_cmp(b->i64[j], a->f64[i]);
    }
    if (na)
        return -1;
    if (nb)
        return 1;
    if (ta != tb)
        return ta == SQLITE_TEXT ? -1 : 1;
    const sl_str *x = &a->str[i], *y = &b->str[j];
    size_t m = x->n < y->n ? x->n : y->n;
    int c = m ? memcmp(x->p, y->p, m) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return x->n < y->n ? -1 : x->n > y->n;
}

/* A comparison's result from sl_vec_compare(): 1 or 0. */
int sl_vec_cmp_holds(int op, int c)
{
    switch (op) {
    case VO_EQ: case VO_IS: return c == 0;
    case VO_NE: case VO_ISNOT: return c != 0;
    case VO_LT: return c < 0;
    case VO_LE: return c <= 0;
    case VO_GT: return c > 0;
    default: return c >= 0;
    }
}

/* ---- arithmetic (vdbe.c OP_Add .. OP_Remainder) --------------------------- */

int64_t sl_vec_double_to_int64(double r)
{
    if (r <= (double)INT64_MIN)
        return INT64_MIN;
    if (r >= (double)INT64_MAX)
        return INT64_MAX;
    return (int64_t)r;
}

/* left op right into d[i]; 1 when a text operand is left to SQLite. */
int sl_vec_arith(int op, const sl_vresult *a, const sl_vresult *b, size_t i, sl_vresult *d)
{
    int ia = 0, ib = 0;
    int64_t xa = 0, xb = 0;
    double fa = 0, fb = 0;
    int ra = sl_vec_number_of(a, i, &ia, &xa, &fa), rb = sl_vec_number_of(b, i, &ib, &xb, &fb);
    if (ra == 2 || rb == 2) {
        set_null(d, i);
        return 0;
    }
    if (ra || rb)
        return 1;
    if (ia && ib) {
        int64_t v;
        switch (op) {
        case VO_ADD: if (!__builtin_add_overflow(xa, xb, &v)) { set_int(d, i, v); return 0; } break;
        case VO_SUB: if (!__builtin_sub_overflow(xa, xb, &v)) { set_int(d, i, v); return 0; } break;
        case VO_MUL: if (!__builtin_mul_overflow(xa, xb, &v)) { set_int(d, i, v); return 0; } break;
        case VO_DIV:
            if (xb == 0) {
                set_null(d, i);
                return 0;
            }
            if (!(xb == -1 && xa == INT64_MIN)) {
                set_int(d, i, xa / xb);
                return 0;
            }
            break;
        default:
            if (xb == 0) {
                set_null(d, i);
                return 0;
            }
            set_int(d, i, xb == -1 ? 0 : xa % xb);
            return 0;
        }
    }
    /* reals: each operand's real value (sqlite3VdbeRealValue) */
    double l = fa, r = fb, v;
    switch (op) {
    case VO_ADD: v = l + r; break;
    case VO_SUB: v = l - r; break;
    case VO_MUL: v = l * r; break;
    case VO_DIV:
        if (r == 0.0) {
            set_null(d, i);
            return 0;
        }
        v = l / r;
        break;
    default: {
        /* the remainder of reals takes each operand's integer value:
         * a text's (or blob's) is its leading integer, not its real
         * ('1e3' -> 1) */
        int64_t il = ia ? xa : sl_vec_double_to_int64(fa), ir = ib ? xb : sl_vec_double_to_int64(fb);
        if (a->type[i] == SQLITE_TEXT || a->type[i] == SQLITE_BLOB)
            sl_vec_text_int(a->str[i].p, a->str[i].n, &il);
        if (b->type[i] == SQLITE_TEXT || b->type[i] == SQLITE_BLOB)
            sl_vec_text_int(b->str[i].p, b->str[i].n, &ir);
        if (ir == 0) {
            set_null(d, i);
            return 0;
        }
        if (ir == -1)
            ir = 1;
        v = (double)(il % ir);
    }
    }
    set_real(d, i, v);
    return 0;
}
