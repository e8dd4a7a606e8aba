/*
 * vec_int.h: what the native expression path's files share (private to
 * src/expr/vec*.c): the result setters, SQLite's value rules
 * (vec_value.c) and text functions (vec_text.c), each documented where
 * it is defined.
 */
#ifndef SL_EXPR_VEC_INT_H
#define SL_EXPR_VEC_INT_H
#include "expr/vec.h"
#include "expr/vec_node.h"
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>

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

/* A BLOB (CAST(x AS BLOB) and what keeps its class: substr, CASE...). */
static inline void set_blob(sl_vresult *r, size_t i, const char *p, size_t n)
{
    r->type[i] = SQLITE_BLOB;
    r->str[i] = (sl_str){p, n};
}

static inline void copy_value(sl_vresult *d, size_t i, const sl_vresult *s, size_t j)
{
    d->type[i] = s->type[j];
    d->i64[i] = s->i64[j];
    d->f64[i] = s->f64[j];
    d->str[i] = s->str[j];
}

/* vec_value.c */
void sl_vec_text_of(const sl_vresult *r, size_t i, char *tmp, const char **p, size_t *n);
int sl_vec_text_number(const char *p, size_t n, int *isint, int64_t *iv, double *fv);
int sl_vec_text_int(const char *p, size_t n, int64_t *v);
int sl_vec_number_of(const sl_vresult *r, size_t i, int *isint, int64_t *iv, double *fv);
int sl_vec_truth_of(const sl_vresult *r, size_t i);
int sl_vec_compare(const sl_vresult *a, size_t i, const sl_vresult *b, size_t j);
int sl_vec_cmp_holds(int op, int c);
int64_t sl_vec_double_to_int64(double r);
int sl_vec_arith(int op, const sl_vresult *a, const sl_vresult *b, size_t i, sl_vresult *d);

/* vec_text.c */
int64_t sl_vec_char_count(const char *s, size_t n);
void sl_vec_trim(const char *in, size_t nin, const char *set, size_t nset, int flags, const char **out,
                 size_t *nout);
void sl_vec_substr(const char *s, size_t ns, int64_t p1, int64_t p2, int has2, int bytes, const char **out,
                   size_t *nout);
int64_t sl_vec_instr(const char *h, size_t nh, const char *nd, size_t nn, int bytes);

#endif
