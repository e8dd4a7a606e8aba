/*
 * vec.c: see vec.h. Evaluation a node at a time over whole columns: each
 * node's children fill their own results, then one loop over the rows
 * computes the node's. Every operation follows the SQLite 3.40 code it
 * replaces (vdbe.c's arithmetic and comparisons, func.c's functions);
 * tests/unit/test_vexpr.c and fuzz/fuzz_vexpr.c compare both paths.
 */
#include "expr/vec.h"
#include "expr/vec_node.h"
#include "core/mem.h"
#include "core/types.h"
#include "gtm/gtm.h"
#include <math.h>
#include <openssl/evp.h>
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

static inline void set_null(sl_vresult *r, size_t i)
{
    r->type[i] = SQLITE_NULL;
}

static inline void set_int(sl_vresult *r, size_t i, int64_t v)
{
    r->type[i] = SQLITE_INTEGER;
    r->i64[i] = v;
}

/* A REAL; NaN is NULL in SQLite. */
static inline void set_real(sl_vresult *r, size_t i, double v)
{
    if (isnan(v)) {
        r->type[i] = SQLITE_NULL;
        return;
    }
    r->type[i] = SQLITE_FLOAT;
    r->f64[i] = v;
}

static inline void set_text(sl_vresult *r, size_t i, const char *p, size_t n)
{
    r->type[i] = SQLITE_TEXT;
    r->str[i] = (sl_str){p, n};
}

static inline void copy_value(sl_vresult *d, size_t i, const sl_vresult *s, size_t j)
{
    d->type[i] = s->type[j];
    d->i64[i] = s->i64[j];
    d->f64[i] = s->f64[j];
    d->str[i] = s->str[j];
}

/* Row i of r as text, as sqlite3_value_text gives it: integers "%lld",
 * reals "%!.15g" (SQLite's printf). tmp holds at least 64 bytes. Not for
 * NULL. */
static void text_of(const sl_vresult *r, size_t i, char *tmp, const char **p, size_t *n)
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

/* A text as SQLite's numeric conversion takes it (vdbe.c's
 * computeNumericType, 3.40): spaces, a sign, then digits with neither
 * '.' nor an exponent is the integer of those digits whatever follows
 * ('12abc' -> 12, '0x10' -> 0); with '.' or an exponent it is the real
 * sqlite3AtoF reads ('1.0' -> 1.0, '1e3' -> 1000.0); no digit at all is
 * the integer 0 ('abc', '', '.'). 0 with *isint and *iv or *fv; 1 when
 * only SQLite knows (more than 18 digits, 'e' without exponent digits,
 * beyond sl_vnum_decimal, a NUL before any digit). *fv is always the
 * real sqlite3AtoF reads (what arithmetic on reals takes). */
static int text_number(const char *p, size_t n, int *isint, int64_t *iv, double *fv)
{
    size_t i = 0;
    while (i < n && is_space((unsigned char)p[i]))
        i++;
    int neg = 0;
    if (i < n && (p[i] == '+' || p[i] == '-'))
        neg = p[i++] == '-';
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
    if (!real) {
        if (nd > 18)
            return 1;
        int64_t v = 0;
        for (size_t k = d0; k < d0 + nd; k++)
            v = v * 10 + (p[k] - '0');
        *isint = 1;
        *iv = neg ? -v : v;
        /* its real (sqlite3AtoF): '-0' is -0.0 */
        *fv = neg ? -(double)v : (double)v;
        return 0;
    }
    double v;
    if (sl_vnum_decimal(p + d0, i - d0, &v) < 0)
        return 1;
    *isint = 0;
    *fv = neg ? -v : v;
    return 0;
}

/* sqlite3VdbeIntValue of a text (sqlite3Atoi64): its leading integer,
 * '1e3' -> 1, '7.9' -> 7, none -> 0. 0, or 1 past 18 digits. */
static int text_int(const char *p, size_t n, int64_t *v)
{
    size_t i = 0;
    while (i < n && is_space((unsigned char)p[i]))
        i++;
    int neg = 0;
    if (i < n && (p[i] == '+' || p[i] == '-'))
        neg = p[i++] == '-';
    int64_t x = 0;
    size_t d0 = i;
    while (i < n && p[i] >= '0' && p[i] <= '9') {
        if (i - d0 >= 18)
            return 1;
        x = x * 10 + (p[i++] - '0');
    }
    *v = neg ? -x : x;
    return 0;
}

/* Row i as a number for arithmetic (vdbe.c's numericType): 0 with *isint
 * and *iv or *fv; 2 NULL; 1 text left to SQLite. */
static int number_of(const sl_vresult *r, size_t i, int *isint, int64_t *iv, double *fv)
{
    switch (r->type[i]) {
    case SQLITE_NULL: return 2;
    case SQLITE_INTEGER: *isint = 1; *iv = r->i64[i]; *fv = (double)*iv; return 0;
    case SQLITE_FLOAT: *isint = 0; *fv = r->f64[i]; return 0;
    default: return text_number(r->str[i].p, r->str[i].n, isint, iv, fv);
    }
}

/* SQLite's truth of row i (sqlite3VdbeBooleanValue): 1, 0, 2 for NULL,
 * -1 for text left to SQLite. Text is its leading number (sqlite3AtoF):
 * no number at all (empty, or a start that is no digit, sign or '.')
 * is 0.0, false. */
static int truth_of(const sl_vresult *r, size_t i)
{
    switch (r->type[i]) {
    case SQLITE_NULL: return 2;
    case SQLITE_INTEGER: return r->i64[i] != 0;
    case SQLITE_FLOAT: return r->f64[i] != 0.0;
    default: {
        int isint = 0;
        int64_t v = 0;
        double f = 0;
        if (text_number(r->str[i].p, r->str[i].n, &isint, &v, &f))
            return -1;
        return isint ? v != 0 : f != 0.0;
    }
    }
}

int sl_vresult_truth(const sl_vresult *r, size_t i)
{
    int t = truth_of(r, i);
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
 * before text, text by bytes then length. */
static int compare(const sl_vresult *a, size_t i, const sl_vresult *b, size_t j)
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
    const sl_str *x = &a->str[i], *y = &b->str[j];
    size_t m = x->n < y->n ? x->n : y->n;
    int c = m ? memcmp(x->p, y->p, m) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return x->n < y->n ? -1 : x->n > y->n;
}

/* A comparison's result from compare(): 1 or 0. */
static int cmp_holds(int op, int c)
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

static int64_t double_to_int64(double r)
{
    if (r <= (double)INT64_MIN)
        return INT64_MIN;
    if (r >= (double)INT64_MAX)
        return INT64_MAX;
    return (int64_t)r;
}

/* left op right into d[i]; 1 when a text operand is left to SQLite. */
static int arith(int op, const sl_vresult *a, const sl_vresult *b, size_t i, sl_vresult *d)
{
    int ia = 0, ib = 0;
    int64_t xa = 0, xb = 0;
    double fa = 0, fb = 0;
    int ra = number_of(a, i, &ia, &xa, &fa), rb = number_of(b, i, &ib, &xb, &fb);
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
         * a text's is its leading integer, not its real ('1e3' -> 1) */
        int64_t il = ia ? xa : double_to_int64(fa), ir = ib ? xb : double_to_int64(fb);
        if ((a->type[i] == SQLITE_TEXT && text_int(a->str[i].p, a->str[i].n, &il)) ||
            (b->type[i] == SQLITE_TEXT && text_int(b->str[i].p, b->str[i].n, &ir)))
            return 1;
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

/* ---- functions (func.c) ---------------------------------------------------- */

/* Characters as SQLite counts them (lengthFunc): up to the first NUL, a
 * byte >= 0xc0 and the 0x80-0xbf bytes after it are one. */
static int64_t char_count(const char *s, size_t n)
{
    const unsigned char *z = (const unsigned char *)s, *end = z + n;
    int64_t len = 0;
    while (z < end && *z) {
        unsigned char c = *z++;
        if (c >= 0xc0)
            while (z < end && (*z & 0xc0) == 0x80)
                z++;
        len++;
    }
    return len;
}

/* SQLITE_SKIP_UTF8 over text that ends at end or at a NUL. */
static const unsigned char *skip_char(const unsigned char *z, const unsigned char *end)
{
    if (*z++ >= 0xc0)
        while (z < end && (*z & 0xc0) == 0x80)
            z++;
    return z;
}

/* trimFunc: flags 1 left, 2 right; set NULL means the one space. */
static void trim_text(const char *in, size_t nin, const char *set, size_t nset, int flags, const char **out,
                      size_t *nout)
{
    const unsigned char *z = (const unsigned char *)in;
    size_t n = nin;
    const unsigned char *chars[256];
    unsigned lens[256];
    size_t nchar = 0;
    unsigned char one = ' ';
    if (!set) {
        chars[0] = &one;
        lens[0] = 1;
        nchar = 1;
    } else {
        const unsigned char *s = (const unsigned char *)set, *end = s + nset;
        while (s < end && *s && nchar < 256) {
            const unsigned char *c = s;
            s = skip_char(s, end);
            chars[nchar] = c;
            lens[nchar++] = (unsigned)(s - c);
        }
    }
    if (nchar > 0) {
        if (flags & 1)
            while (n > 0) {
                size_t i, len = 0;
                for (i = 0; i < nchar; i++) {
                    len = lens[i];
                    if (len <= n && memcmp(z, chars[i], len) == 0)
                        break;
                }
                if (i >= nchar)
                    break;
                z += len;
                n -= len;
            }
        if (flags & 2)
            while (n > 0) {
                size_t i, len = 0;
                for (i = 0; i < nchar; i++) {
                    len = lens[i];
                    if (len <= n && memcmp(z + n - len, chars[i], len) == 0)
                        break;
                }
                if (i >= nchar)
                    break;
                n -= len;
            }
    }
    *out = (const char *)z;
    *nout = n;
}

/* substrFunc on text, p1 and p2 from sqlite3_value_int; has2: the length
 * was given. */
static void substr_text(const char *s, size_t ns, int64_t p1, int64_t p2, int has2, const char **out, size_t *nout)
{
    const unsigned char *z = (const unsigned char *)s, *end = z + ns, *z2;
    int64_t len = 0;
    int neg2 = 0;
    if (p1 < 0)
        for (z2 = z; z2 < end && *z2; len++)
            z2 = skip_char(z2, end);
    if (has2) {
        if (p2 < 0) {
            p2 = -p2;
            neg2 = 1;
        }
    } else {
        p2 = 1000000000; /* SQLITE_LIMIT_LENGTH */
    }
    if (p1 < 0) {
        p1 += len;
        if (p1 < 0) {
            p2 += p1;
            if (p2 < 0)
                p2 = 0;
            p1 = 0;
        }
    } else if (p1 > 0) {
        p1--;
    } else if (p2 > 0) {
        p2--;
    }
    if (neg2) {
        p1 -= p2;
        if (p1 < 0) {
            p2 += p1;
            p1 = 0;
        }
    }
    while (z < end && *z && p1) {
        z = skip_char(z, end);
        p1--;
    }
    for (z2 = z; z2 < end && *z2 && p2; p2--)
        z2 = skip_char(z2, end);
    *out = (const char *)z;
    *nout = (size_t)(z2 - z);
}

/* instrFunc on texts: 1-based character position of needle, 0 if none. */
static int64_t instr_text(const char *h, size_t nh, const char *nd, size_t nn)
{
    int64_t at = 1;
    if (nn == 0)
        return 1;
    const unsigned char *z = (const unsigned char *)h;
    while (nn <= nh && (z[0] != (unsigned char)nd[0] || memcmp(z, nd, nn) != 0)) {
        at++;
        do {
            nh--;
            z++;
        } while (nh > 0 && (z[0] & 0xc0) == 0x80);
    }
    return nn > nh ? 0 : at;
}

/* ---- evaluation ------------------------------------------------------------- */

static int eval(sl_vexpr *x, sl_vnode *nd, const sl_batch *b, size_t n, sl_vresult *d, sl_arena *ar);

static int eval_kids(sl_vexpr *x, sl_vnode *nd, const sl_batch *b, size_t n, sl_arena *ar)
{
    for (size_t k = 0; k < nd->nkids; k++) {
        int rc = eval(x, nd->kids[k], b, n, &nd->kids[k]->res, ar);
        if (rc)
            return rc;
    }
    return 0;
}

static void eval_column(const sl_vnode *nd, const sl_batch *b, size_t n, sl_vresult *d, sl_arena *ar)
{
    const sl_column *c = &b->cols[nd->col];
    int t = sl_column_is_text(c) ? SL_T_TEXT : (int)c->type;
    for (size_t i = 0; i < n; i++) {
        if (!c->valid[i]) {
            set_null(d, i);
            continue;
        }
        char tmp[64];
        size_t len;
        switch (t) {
        case SL_T_BOOL:
        case SL_T_INT: set_int(d, i, c->i64[i]); break;
        case SL_T_FLOAT: set_real(d, i, c->f64[i]); break;
        case SL_T_DATE:
            len = sl_format_date(tmp, c->i64[i]);
            set_text(d, i, sl_arena_copy(ar, tmp, len), len);
            break;
        case SL_T_TIMESTAMP:
            len = sl_format_timestamp(tmp, c->i64[i]);
            set_text(d, i, sl_arena_copy(ar, tmp, len), len);
            break;
        default: set_text(d, i, c->str[i].p ? c->str[i].p : "", c->str[i].n); break;
        }
    }
}

static void eval_literal(const sl_vnode *nd, size_t n, sl_vresult *d)
{
    for (size_t i = 0; i < n; i++) {
        d->type[i] = (uint8_t)nd->ltype;
        d->i64[i] = nd->li;
        d->f64[i] = nd->lf;
        d->str[i] = (sl_str){nd->ls, nd->lsn};
    }
}

/* A gtm normaliser or sha256 over row i's text into d (NULL stays NULL). */
static void text_function(sl_vexpr *x, int fn, const sl_vresult *a, size_t i, sl_vresult *d, sl_arena *ar)
{
    if (a->type[i] == SQLITE_NULL) {
        set_null(d, i);
        return;
    }
    char tmp[64];
    const char *p;
    size_t len;
    text_of(a, i, tmp, &p, &len);
    if (fn == VF_SHA256) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mlen = 0;
        char *hex = sl_arena_alloc(ar, 2 * EVP_MAX_MD_SIZE + 1);
        static const char digits[] = "0123456789abcdef";
        EVP_Digest(p, len, md, &mlen, EVP_sha256(), NULL);
        for (unsigned k = 0; k < mlen; k++) {
            hex[2 * k] = digits[md[k] >> 4];
            hex[2 * k + 1] = digits[md[k] & 15];
        }
        set_text(d, i, hex, 2 * mlen);
        return;
    }
    x->fnbuf.len = 0;
    int ok = fn == VF_LOWER   ? sl_gtm_text_lower(p, len, &x->fnbuf)
             : fn == VF_UPPER ? sl_gtm_text_upper(p, len, &x->fnbuf)
                              : sl_gtm_email_normalize(p, len, &x->fnbuf);
    if (!ok) {
        set_null(d, i);
        return;
    }
    set_text(d, i, sl_arena_copy(ar, x->fnbuf.data ? x->fnbuf.data : "", x->fnbuf.len), x->fnbuf.len);
}

/* charFunc: the characters of the code points of row i's arguments
 * (sqlite3_value_int64 of each; outside 0..0x10ffff is U+FFFD), as
 * SQLite writes them. 1 when an argument is a text only SQLite reads. */
static int char_function(const sl_vnode *nd, size_t i, sl_vresult *d, sl_arena *ar)
{
    unsigned char *o = sl_arena_alloc(ar, nd->nkids * 4 + 1), *z = o;
    for (size_t k = 0; k < nd->nkids; k++) {
        const sl_vresult *a = &nd->kids[k]->res;
        int64_t x = 0;
        switch (a->type[i]) {
        case SQLITE_INTEGER: x = a->i64[i]; break;
        case SQLITE_FLOAT: x = double_to_int64(a->f64[i]); break;
        case SQLITE_TEXT:
            if (text_int(a->str[i].p, a->str[i].n, &x))
                return 1;
            break;
        default: x = 0;
        }
        if (x < 0 || x > 0x10ffff)
            x = 0xfffd;
        unsigned c = (unsigned)(x & 0x1fffff);
        if (c < 0x80) {
            *z++ = (unsigned char)(c & 0xff);
        } else if (c < 0x800) {
            *z++ = (unsigned char)(0xc0 + ((c >> 6) & 0x1f));
            *z++ = (unsigned char)(0x80 + (c & 0x3f));
        } else if (c < 0x10000) {
            *z++ = (unsigned char)(0xe0 + ((c >> 12) & 0x0f));
            *z++ = (unsigned char)(0x80 + ((c >> 6) & 0x3f));
            *z++ = (unsigned char)(0x80 + (c & 0x3f));
        } else {
            *z++ = (unsigned char)(0xf0 + ((c >> 18) & 0x07));
            *z++ = (unsigned char)(0x80 + ((c >> 12) & 0x3f));
            *z++ = (unsigned char)(0x80 + ((c >> 6) & 0x3f));
            *z++ = (unsigned char)(0x80 + (c & 0x3f));
        }
    }
    *z = 0;
    set_text(d, i, (const char *)o, (size_t)(z - o));
    return 0;
}

static int eval_function(sl_vexpr *x, sl_vnode *nd, size_t n, sl_vresult *d, sl_arena *ar)
{
    if (nd->fn == VF_CHAR) {
        for (size_t i = 0; i < n; i++)
            if (char_function(nd, i, d, ar))
                return 1;
        return 0;
    }
    sl_vresult *a = &nd->kids[0]->res, *b = nd->nkids > 1 ? &nd->kids[1]->res : NULL;
    for (size_t i = 0; i < n; i++) {
        char tmp[64], tmp2[64];
        const char *p, *q;
        size_t len, qlen;
        switch (nd->fn) {
        case VF_LOWER:
        case VF_UPPER:
        case VF_SHA256:
        case VF_NORMALIZE_EMAIL: text_function(x, nd->fn, a, i, d, ar); break;
        case VF_LENGTH:
            if (a->type[i] == SQLITE_NULL) {
                set_null(d, i);
            } else if (a->type[i] == SQLITE_TEXT) {
                set_int(d, i, char_count(a->str[i].p, a->str[i].n));
            } else {
                text_of(a, i, tmp, &p, &len);
                set_int(d, i, (int64_t)len);
            }
            break;
        case VF_COALESCE: {
            size_t k = 0;
            while (k + 1 < nd->nkids && nd->kids[k]->res.type[i] == SQLITE_NULL)
                k++;
            copy_value(d, i, &nd->kids[k]->res, i);
            break;
        }
        case VF_NULLIF:
            if (a->type[i] != SQLITE_NULL && (b->type[i] == SQLITE_NULL || compare(a, i, b, i) != 0))
                copy_value(d, i, a, i);
            else
                set_null(d, i);
            break;
        case VF_TRIM:
        case VF_LTRIM:
        case VF_RTRIM: {
            if (a->type[i] == SQLITE_NULL || (b && b->type[i] == SQLITE_NULL)) {
                set_null(d, i);
                break;
            }
            text_of(a, i, tmp, &p, &len);
            q = NULL;
            qlen = 0;
            if (b)
                text_of(b, i, tmp2, &q, &qlen);
            const char *o;
            size_t olen;
            trim_text(p, len, q, qlen, nd->fn == VF_TRIM ? 3 : nd->fn == VF_LTRIM ? 1 : 2, &o, &olen);
            set_text(d, i, o >= tmp && o <= tmp + sizeof tmp ? sl_arena_copy(ar, o, olen) : o, olen);
            break;
        }
        case VF_SUBSTR: {
            const sl_vresult *c = nd->nkids > 2 ? &nd->kids[2]->res : NULL;
            if (b->type[i] == SQLITE_NULL || (c && c->type[i] == SQLITE_NULL) || a->type[i] == SQLITE_NULL) {
                set_null(d, i);
                break;
            }
            if (b->type[i] != SQLITE_INTEGER || (c && c->type[i] != SQLITE_INTEGER))
                return 1;
            text_of(a, i, tmp, &p, &len);
            const char *o;
            size_t olen;
            substr_text(p, len, (int)b->i64[i], c ? (int)c->i64[i] : 0, c != NULL, &o, &olen);
            set_text(d, i, o >= tmp && o <= tmp + sizeof tmp ? sl_arena_copy(ar, o, olen) : o, olen);
            break;
        }
        case VF_INSTR:
            if (a->type[i] == SQLITE_NULL || b->type[i] == SQLITE_NULL) {
                set_null(d, i);
                break;
            }
            text_of(a, i, tmp, &p, &len);
            text_of(b, i, tmp2, &q, &qlen);
            set_int(d, i, instr_text(p, len, q, qlen));
            break;
        case VF_ABS:
            if (a->type[i] == SQLITE_NULL) {
                set_null(d, i);
            } else if (a->type[i] == SQLITE_INTEGER) {
                if (a->i64[i] == INT64_MIN)
                    return 1; /* SQLite: "integer overflow" */
                set_int(d, i, a->i64[i] < 0 ? -a->i64[i] : a->i64[i]);
            } else {
                double v;
                if (a->type[i] == SQLITE_FLOAT) {
                    v = a->f64[i];
                } else {
                    int isint = 0;
                    int64_t iv = 0;
                    if (text_number(a->str[i].p, a->str[i].n, &isint, &iv, &v))
                        return 1;
                }
                set_real(d, i, v < 0 ? -v : v);
            }
            break;
        }
    }
    return 0;
}

static int eval(sl_vexpr *x, sl_vnode *nd, const sl_batch *b, size_t n, sl_vresult *d, sl_arena *ar)
{
    sl_vresult_reserve(d, n);
    if (nd->kind == VN_COL) {
        eval_column(nd, b, n, d, ar);
        return 0;
    }
    if (nd->kind == VN_LIT) {
        eval_literal(nd, n, d);
        return 0;
    }
    if (nd->kind == VN_NEG && nd->kids[0]->kind == VN_LIT && nd->kids[0]->numlit) {
        const sl_vnode *l = nd->kids[0];
        for (size_t i = 0; i < n; i++) {
            if (l->ltype == SQLITE_INTEGER)
                set_int(d, i, -l->li);
            else
                set_real(d, i, -l->lf);
        }
        return 0;
    }
    int rc = eval_kids(x, nd, b, n, ar);
    if (rc)
        return rc;
    sl_vresult *a = nd->nkids ? &nd->kids[0]->res : NULL;
    sl_vresult *c = nd->nkids > 1 ? &nd->kids[1]->res : NULL;
    switch (nd->kind) {
    case VN_NEG:
        /* 0 - x, as SQLite codes it: -(-0.0) is 0.0, -INT64_MIN a real */
        for (size_t i = 0; i < n; i++) {
            int isint = 0;
            int64_t iv = 0;
            double fv = 0;
            int r = number_of(a, i, &isint, &iv, &fv);
            if (r == 1)
                return 1;
            if (r == 2)
                set_null(d, i);
            else if (isint && iv != INT64_MIN)
                set_int(d, i, -iv);
            else
                set_real(d, i, 0.0 - fv);
        }
        return 0;
    case VN_NOT:
        for (size_t i = 0; i < n; i++) {
            int t = truth_of(a, i);
            if (t < 0)
                return 1;
            if (t == 2)
                set_null(d, i);
            else
                set_int(d, i, !t);
        }
        return 0;
    case VN_AND:
    case VN_OR:
        for (size_t i = 0; i < n; i++) {
            int l = truth_of(a, i), r = truth_of(c, i);
            if (l < 0 || r < 0)
                return 1;
            if (nd->kind == VN_AND) {
                if (l == 0 || r == 0)
                    set_int(d, i, 0);
                else if (l == 2 || r == 2)
                    set_null(d, i);
                else
                    set_int(d, i, 1);
            } else {
                if (l == 1 || r == 1)
                    set_int(d, i, 1);
                else if (l == 2 || r == 2)
                    set_null(d, i);
                else
                    set_int(d, i, 0);
            }
        }
        return 0;
    case VN_CMP:
        for (size_t i = 0; i < n; i++) {
            int na = a->type[i] == SQLITE_NULL, nc = c->type[i] == SQLITE_NULL;
            if (nd->op == VO_IS || nd->op == VO_ISNOT) {
                int same = na && nc ? 1 : na || nc ? 0 : compare(a, i, c, i) == 0;
                set_int(d, i, nd->op == VO_IS ? same : !same);
            } else if (na || nc) {
                set_null(d, i);
            } else {
                set_int(d, i, cmp_holds(nd->op, compare(a, i, c, i)));
            }
        }
        return 0;
    case VN_ARITH:
        for (size_t i = 0; i < n; i++)
            if (arith(nd->op, a, c, i, d))
                return 1;
        return 0;
    case VN_CONCAT:
        for (size_t i = 0; i < n; i++) {
            if (a->type[i] == SQLITE_NULL || c->type[i] == SQLITE_NULL) {
                set_null(d, i);
                continue;
            }
            char t1[64], t2[64];
            const char *p, *q;
            size_t lp, lq;
            text_of(a, i, t1, &p, &lp);
            text_of(c, i, t2, &q, &lq);
            char *o = sl_arena_alloc(ar, lp + lq + 1);
            if (lp)
                memcpy(o, p, lp);
            if (lq)
                memcpy(o + lp, q, lq);
            o[lp + lq] = 0;
            set_text(d, i, o, lp + lq);
        }
        return 0;
    case VN_ISNULL:
        for (size_t i = 0; i < n; i++)
            set_int(d, i, (a->type[i] == SQLITE_NULL) != nd->negate);
        return 0;
    case VN_IN:
        for (size_t i = 0; i < n; i++) {
            if (nd->nkids == 1) {
                set_int(d, i, nd->negate);
                continue;
            }
            if (a->type[i] == SQLITE_NULL) {
                set_null(d, i);
                continue;
            }
            int found = 0, null = 0;
            for (size_t k = 1; k < nd->nkids && !found; k++) {
                const sl_vresult *v = &nd->kids[k]->res;
                if (v->type[i] == SQLITE_NULL)
                    null = 1;
                else
                    found = compare(a, i, v, i) == 0;
            }
            if (found)
                set_int(d, i, !nd->negate);
            else if (null)
                set_null(d, i);
            else
                set_int(d, i, nd->negate);
        }
        return 0;
    case VN_BETWEEN: {
        const sl_vresult *hi = &nd->kids[2]->res;
        for (size_t i = 0; i < n; i++) {
            int ge = a->type[i] == SQLITE_NULL || c->type[i] == SQLITE_NULL ? 2 : compare(a, i, c, i) >= 0;
            int le = a->type[i] == SQLITE_NULL || hi->type[i] == SQLITE_NULL ? 2 : compare(a, i, hi, i) <= 0;
            int v = ge == 0 || le == 0 ? 0 : ge == 2 || le == 2 ? 2 : 1;
            if (v == 2)
                set_null(d, i);
            else
                set_int(d, i, nd->negate ? !v : v);
        }
        return 0;
    }
    case VN_LIKE:
        for (size_t i = 0; i < n; i++) {
            if (a->type[i] == SQLITE_NULL) {
                set_null(d, i);
                continue;
            }
            char tmp[64];
            const char *p;
            size_t len;
            text_of(a, i, tmp, &p, &len);
            /* LIKE reads the text up to a NUL: a NUL-terminated copy */
            x->tmp.len = 0;
            sl_buf_add(&x->tmp, p, len);
            sl_buf_addc(&x->tmp, 0);
            int match = sqlite3_strlike(nd->ls, x->tmp.data, nd->esc) == 0;
            set_int(d, i, nd->negate ? !match : match);
        }
        return 0;
    case VN_CASE: {
        size_t k0 = nd->has_base ? 1 : 0, end = nd->nkids - (nd->has_else ? 1 : 0);
        for (size_t i = 0; i < n; i++) {
            size_t pick = SIZE_MAX;
            for (size_t k = k0; k + 1 < end; k += 2) {
                const sl_vresult *w = &nd->kids[k]->res;
                int hit;
                if (nd->has_base) {
                    hit = a->type[i] != SQLITE_NULL && w->type[i] != SQLITE_NULL && compare(a, i, w, i) == 0;
                } else {
                    int t = truth_of(w, i);
                    if (t < 0)
                        return 1;
                    hit = t == 1;
                }
                if (hit) {
                    pick = k + 1;
                    break;
                }
            }
            if (pick == SIZE_MAX && nd->has_else)
                pick = nd->nkids - 1;
            if (pick == SIZE_MAX)
                set_null(d, i);
            else
                copy_value(d, i, &nd->kids[pick]->res, i);
        }
        return 0;
    }
    case VN_FN: return eval_function(x, nd, n, d, ar);
    default: return 1;
    }
}

/* ---- plans -------------------------------------------------------------------- */

sl_vexpr *sl_vexpr_compile(const char *text, const sl_batch *b)
{
    sl_vnode *root = sl_vnode_parse(text, b);
    if (!root)
        return NULL;
    sl_vexpr *x = sl_calloc(1, sizeof *x);
    x->text = sl_strdup(text);
    x->root = root;
    x->ncols = b->ncols;
    x->types = sl_calloc(b->ncols + 1, sizeof *x->types);
    for (size_t i = 0; i < b->ncols; i++)
        x->types[i] = b->cols[i].type;
    sl_buf_init(&x->fnbuf);
    sl_buf_init(&x->tmp);
    return x;
}

void sl_vexpr_free(sl_vexpr *x)
{
    if (!x)
        return;
    sl_vnode_free(x->root);
    sl_free(x->text);
    sl_free(x->types);
    sl_buf_release(&x->fnbuf);
    sl_buf_release(&x->tmp);
    sl_free(x);
}

int sl_vexpr_eval(sl_vexpr *x, const sl_batch *b, sl_vresult *out, sl_error *err)
{
    if (b->ncols != x->ncols)
        return sl_error_set(err, SL_EINTERNAL, "expression '%s': the batch's columns changed since it was compiled",
                            x->text);
    sl_arena_reset(&out->arena);
    sl_vresult_reserve(out, b->nrows);
    if (b->nrows == 0)
        return 0;
    return eval(x, x->root, b, b->nrows, out, &out->arena);
}
