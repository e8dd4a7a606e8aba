/*
 * vec.c: see vec.h. Evaluation a node at a time over whole columns: each
 * node's children fill their own results, then one loop over the rows
 * computes the node's. Every operation follows the SQLite 3.40 code it
 * replaces (vdbe.c's arithmetic and comparisons, func.c's functions):
 * the value rules are in vec_value.c, the text functions in vec_text.c.
 * tests/unit/test_vexpr.c and fuzz/fuzz_vexpr.c compare both paths.
 */
#include "expr/vec_int.h"
#include "core/mem.h"
#include "core/types.h"
#include "gtm/country.h"
#include "gtm/gtm.h"
#include <math.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static void text_function(sl_vexpr *x, const sl_vnode *nd, const sl_vresult *a, size_t i, sl_vresult *d,
                          sl_arena *ar)
{
    int fn = nd->fn;
    if (a->type[i] == SQLITE_NULL) {
        set_null(d, i);
        return;
    }
    char tmp[64];
    const char *p;
    size_t len;
    sl_vec_text_of(a, i, tmp, &p, &len);
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
    if (fn == VF_IS_VALID_EMAIL) {
        set_int(d, i, sl_gtm_email_valid(p, len));
        return;
    }
    x->fnbuf.len = 0;
    int ok = fn == VF_LOWER   ? sl_gtm_text_lower(p, len, &x->fnbuf)
             : fn == VF_UPPER ? sl_gtm_text_upper(p, len, &x->fnbuf)
                              : nd->gtm(p, len, &x->fnbuf);
    (void)fn;
    if (!ok) {
        set_null(d, i);
        return;
    }
    set_text(d, i, sl_arena_copy(ar, x->fnbuf.data ? x->fnbuf.data : "", x->fnbuf.len), x->fnbuf.len);
}

/* charFunc: the characters of the code points of row i's arguments
 * (sqlite3_value_int64 of each; outside 0..0x10ffff is U+FFFD), as
 * SQLite writes them. Always 0. */
static int char_function(const sl_vnode *nd, size_t i, sl_vresult *d, sl_arena *ar)
{
    unsigned char *o = sl_arena_alloc(ar, nd->nkids * 4 + 1), *z = o;
    for (size_t k = 0; k < nd->nkids; k++) {
        const sl_vresult *a = &nd->kids[k]->res;
        int64_t x = 0;
        switch (a->type[i]) {
        case SQLITE_INTEGER: x = a->i64[i]; break;
        case SQLITE_FLOAT: x = sl_vec_double_to_int64(a->f64[i]); break;
        case SQLITE_TEXT:
        case SQLITE_BLOB: sl_vec_text_int(a->str[i].p, a->str[i].n, &x); break;
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

/* gtm/register_reference.c's phone functions of row i (nd->op: 0
 * normalize_phone, 1 phone_is_valid, 2 phone_region, 3 phone_type): NULL
 * gives NULL, a NULL region is no region, the region is read up to a NUL
 * (as sqlite3_value_text hands it over). */
static void phone_function(sl_vexpr *x, const sl_vnode *nd, size_t i, sl_vresult *d, sl_arena *ar)
{
    const sl_vresult *a = &nd->kids[0]->res, *b = nd->nkids > 1 ? &nd->kids[1]->res : NULL;
    if (a->type[i] == SQLITE_NULL) {
        set_null(d, i);
        return;
    }
    char t1[64], t2[64];
    const char *p, *r = NULL;
    size_t len, rlen;
    sl_vec_text_of(a, i, t1, &p, &len);
    if (b && b->type[i] != SQLITE_NULL) {
        sl_vec_text_of(b, i, t2, &r, &rlen);
        x->tmp.len = 0;
        sl_buf_add(&x->tmp, r, rlen);
        sl_buf_addc(&x->tmp, 0);
        r = x->tmp.data;
    }
    if (nd->op == 1) {
        set_int(d, i, sl_gtm_phone_valid(p, len, r));
        return;
    }
    x->fnbuf.len = 0;
    int ok = nd->op == 0   ? sl_gtm_phone_normalize(p, len, r, &x->fnbuf)
             : nd->op == 2 ? sl_gtm_phone_region(p, len, r, &x->fnbuf)
                           : sl_gtm_phone_type(p, len, r, &x->fnbuf);
    if (!ok) {
        set_null(d, i);
        return;
    }
    set_text(d, i, sl_arena_copy(ar, x->fnbuf.data ? x->fnbuf.data : "", x->fnbuf.len), x->fnbuf.len);
}

/* replaceFunc (func.c, 3.40) of row i: an empty pattern (or one that
 * starts with a NUL byte) gives the first argument unchanged, its type
 * kept (but a blob, which replaceFunc has read as text, comes back as
 * that text); else every non-overlapping match from the left is
 * replaced. */
static void replace_function(const sl_vnode *nd, size_t i, sl_vresult *d, sl_arena *ar)
{
    const sl_vresult *a = &nd->kids[0]->res, *b = &nd->kids[1]->res, *c = &nd->kids[2]->res;
    if (a->type[i] == SQLITE_NULL || b->type[i] == SQLITE_NULL) {
        set_null(d, i);
        return;
    }
    char t1[64], t2[64], t3[64];
    const char *s, *pat, *rep;
    size_t ns, np, nr;
    sl_vec_text_of(b, i, t2, &pat, &np);
    if (np == 0 || pat[0] == 0) {
        copy_value(d, i, a, i);
        if (a->type[i] == SQLITE_BLOB)
            d->type[i] = SQLITE_TEXT;
        return;
    }
    if (c->type[i] == SQLITE_NULL) {
        set_null(d, i);
        return;
    }
    sl_vec_text_of(a, i, t1, &s, &ns);
    sl_vec_text_of(c, i, t3, &rep, &nr);
    /* at most ns / np matches */
    size_t cap = ns + (nr > np ? (ns / np) * (nr - np) : 0) + 1;
    char *o = sl_arena_alloc(ar, cap);
    size_t j = 0, k = 0;
    for (; k + np <= ns; k++) {
        if (s[k] != pat[0] || memcmp(s + k, pat, np) != 0) {
            o[j++] = s[k];
        } else {
            memcpy(o + j, rep, nr);
            j += nr;
            k += np - 1;
        }
    }
    memcpy(o + j, s + k, ns - k);
    j += ns - k;
    o[j] = 0;
    set_text(d, i, o, j);
}

/* CAST(row i of a AS nd->aff) (sqlite3VdbeMemCast, 3.40): 0, or 1 for a
 * text only SQLite's conversion reads. NULL stays NULL; BLOB: the value's
 * text as bytes (a number's text, a text's bytes), typeof() 'blob' for
 * every class but NULL; TEXT: a number's text, a blob's bytes as text;
 * a blob is taken as a number as a text is; INTEGER: a real truncated
 * (clamped), a text's leading integer
 * (sqlite3Atoi64: '1e3' is 1); REAL: a text's leading number
 * (sqlite3AtoF); NUMERIC: numbers unchanged, a text as arithmetic reads
 * it, then a real that is an integer of at most 51 bits as that integer
 * (sqlite3VdbeMemNumerify: '1.0' is 1, 'abc' is 0). */
static int cast_value(const sl_vnode *nd, const sl_vresult *a, size_t i, sl_vresult *d, sl_arena *ar)
{
    int t = a->type[i];
    if (t == SQLITE_NULL) {
        set_null(d, i);
        return 0;
    }
    if (nd->aff == VA_BLOB) {
        if (t == SQLITE_TEXT || t == SQLITE_BLOB) {
            set_blob(d, i, a->str[i].p, a->str[i].n);
        } else {
            char tmp[64];
            const char *p;
            size_t n;
            sl_vec_text_of(a, i, tmp, &p, &n);
            set_blob(d, i, sl_arena_copy(ar, p, n), n);
        }
        return 0;
    }
    if (nd->aff == VA_TEXT) {
        if (t == SQLITE_TEXT) {
            copy_value(d, i, a, i);
        } else {
            char tmp[64];
            const char *p;
            size_t n;
            sl_vec_text_of(a, i, tmp, &p, &n);
            set_text(d, i, sl_arena_copy(ar, p, n), n);
        }
        return 0;
    }
    if (t == SQLITE_INTEGER) {
        if (nd->aff == VA_REAL)
            set_real(d, i, (double)a->i64[i]);
        else
            set_int(d, i, a->i64[i]);
        return 0;
    }
    if (t == SQLITE_FLOAT) {
        if (nd->aff == VA_INTEGER)
            set_int(d, i, sl_vec_double_to_int64(a->f64[i]));
        else
            set_real(d, i, a->f64[i]);
        return 0;
    }
    const char *p = a->str[i].p;
    size_t n = a->str[i].n;
    if (nd->aff == VA_INTEGER) {
        int64_t v = 0;
        sl_vec_text_int(p, n, &v);
        set_int(d, i, v);
        return 0;
    }
    int isint = 0;
    int64_t iv = 0;
    double fv = 0;
    if (sl_vec_text_number(p, n, &isint, &iv, &fv))
        return 1;
    if (nd->aff == VA_REAL)
        set_real(d, i, fv);
    else if (isint)
        set_int(d, i, iv);
    else if (fv == 0.0)
        set_int(d, i, 0);
    else if (fv > -2251799813685248.0 && fv < 2251799813685248.0 && (double)(int64_t)fv == fv)
        set_int(d, i, (int64_t)fv);
    else
        set_real(d, i, fv);
    return 0;
}

/* The JSON operators of row i: 0, or 1 when only SQLite may answer. */
static int json_value(const sl_vnode *nd, const sl_vresult *a, size_t i, sl_vresult *d, sl_arena *ar)
{
    if (a->type[i] == SQLITE_NULL) {
        set_null(d, i);
        return 0;
    }
    char tmp[64];
    const char *p;
    size_t n;
    sl_vec_text_of(a, i, tmp, &p, &n);
    if (a->type[i] != SQLITE_TEXT)
        p = sl_arena_copy(ar, p, n);
    return sl_vjson_eval(nd, p, n, d, i, ar);
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
        case VF_GTM:
        case VF_IS_VALID_EMAIL: text_function(x, nd, a, i, d, ar); break;
        case VF_REPLACE: replace_function(nd, i, d, ar); break;
        case VF_PHONE: phone_function(x, nd, i, d, ar); break;
        case VF_COUNTRY:
            /* iso-codes unreadable: SQLite's error (the batch goes there) */
            if (a->type[i] != SQLITE_NULL && sl_gtm_ref_error(nd->op))
                return 1;
            text_function(x, nd, a, i, d, ar);
            break;
        case VF_LENGTH:
            /* a blob's: its bytes */
            if (a->type[i] == SQLITE_NULL) {
                set_null(d, i);
            } else if (a->type[i] == SQLITE_TEXT) {
                set_int(d, i, sl_vec_char_count(a->str[i].p, a->str[i].n));
            } else {
                sl_vec_text_of(a, i, tmp, &p, &len);
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
            if (a->type[i] != SQLITE_NULL && (b->type[i] == SQLITE_NULL || sl_vec_compare(a, i, b, i) != 0))
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
            sl_vec_text_of(a, i, tmp, &p, &len);
            q = NULL;
            qlen = 0;
            if (b)
                sl_vec_text_of(b, i, tmp2, &q, &qlen);
            const char *o;
            size_t olen;
            sl_vec_trim(p, len, q, qlen, nd->fn == VF_TRIM ? 3 : nd->fn == VF_LTRIM ? 1 : 2, &o, &olen);
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
            int blob = a->type[i] == SQLITE_BLOB;
            if (blob && a->str[i].n == 0) {
                set_null(d, i); /* sqlite3_value_blob of an empty blob is NULL */
                break;
            }
            sl_vec_text_of(a, i, tmp, &p, &len);
            const char *o;
            size_t olen;
            sl_vec_substr(p, len, (int)b->i64[i], c ? (int)c->i64[i] : 0, c != NULL, blob, &o, &olen);
            o = o >= tmp && o <= tmp + sizeof tmp ? sl_arena_copy(ar, o, olen) : o;
            if (blob)
                set_blob(d, i, o, olen);
            else
                set_text(d, i, o, olen);
            break;
        }
        case VF_INSTR:
            if (a->type[i] == SQLITE_NULL || b->type[i] == SQLITE_NULL) {
                set_null(d, i);
                break;
            }
            sl_vec_text_of(a, i, tmp, &p, &len);
            sl_vec_text_of(b, i, tmp2, &q, &qlen);
            set_int(d, i, sl_vec_instr(p, len, q, qlen, a->type[i] == SQLITE_BLOB && b->type[i] == SQLITE_BLOB));
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
                    if (sl_vec_text_number(a->str[i].p, a->str[i].n, &isint, &iv, &v))
                        return 1;
                }
                set_real(d, i, v < 0 ? -v : v);
            }
            break;
        }
    }
    return 0;
}

/* Whether the SQLite linked was built with SQLITE_LIKE_DOESNT_MATCH_BLOBS
 * (Debian's is): then LIKE of a blob is false, else it reads the blob as
 * text. */
static int like_skips_blobs(void)
{
    static int known = -1;
    if (known < 0)
        known = sqlite3_compileoption_used("LIKE_DOESNT_MATCH_BLOBS") != 0;
    return known;
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
    if (nd->kind == VN_IN && nd->set) {
        /* constants hashed: only the left operand is evaluated */
        sl_vnode *l = nd->kids[0];
        int rc = eval(x, l, b, n, &l->res, ar);
        if (rc)
            return rc;
        for (size_t i = 0; i < n; i++) {
            if (l->res.type[i] == SQLITE_NULL) {
                set_null(d, i);
                continue;
            }
            int f = sl_vset_find(nd->set, &l->res, i);
            if (f == 1)
                set_int(d, i, !nd->negate);
            else if (f == 2)
                set_null(d, i);
            else
                set_int(d, i, nd->negate);
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
            int r = sl_vec_number_of(a, i, &isint, &iv, &fv);
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
            int t = sl_vec_truth_of(a, i);
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
            int l = sl_vec_truth_of(a, i), r = sl_vec_truth_of(c, i);
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
                int same = na && nc ? 1 : na || nc ? 0 : sl_vec_compare(a, i, c, i) == 0;
                set_int(d, i, nd->op == VO_IS ? same : !same);
            } else if (na || nc) {
                set_null(d, i);
            } else {
                set_int(d, i, sl_vec_cmp_holds(nd->op, sl_vec_compare(a, i, c, i)));
            }
        }
        return 0;
    case VN_ARITH:
        for (size_t i = 0; i < n; i++)
            if (sl_vec_arith(nd->op, a, c, i, d))
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
            sl_vec_text_of(a, i, t1, &p, &lp);
            sl_vec_text_of(c, i, t2, &q, &lq);
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
                    found = sl_vec_compare(a, i, v, i) == 0;
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
            int ge = a->type[i] == SQLITE_NULL || c->type[i] == SQLITE_NULL ? 2 : sl_vec_compare(a, i, c, i) >= 0;
            int le = a->type[i] == SQLITE_NULL || hi->type[i] == SQLITE_NULL ? 2 : sl_vec_compare(a, i, hi, i) <= 0;
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
            if (a->type[i] == SQLITE_BLOB && like_skips_blobs()) {
                set_int(d, i, nd->negate); /* likeFunc: a blob matches nothing */
                continue;
            }
            char tmp[64];
            const char *p;
            size_t len;
            sl_vec_text_of(a, i, tmp, &p, &len);
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
                    hit = a->type[i] != SQLITE_NULL && w->type[i] != SQLITE_NULL && sl_vec_compare(a, i, w, i) == 0;
                } else {
                    int t = sl_vec_truth_of(w, i);
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
    case VN_CAST:
        for (size_t i = 0; i < n; i++)
            if (cast_value(nd, a, i, d, ar))
                return 1;
        return 0;
    case VN_JSON:
        for (size_t i = 0; i < n; i++)
            if (json_value(nd, a, i, d, ar))
                return 1;
        return 0;
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
