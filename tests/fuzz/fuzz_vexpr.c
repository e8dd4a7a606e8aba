/* fuzz_vexpr.c: the native expression path (expr/vec.h) against SQLite
 * on any input. The first line is the expression; each further line is
 * a row: t is the line's bytes (raw r the same, reversed), i its leading
 * integer (strtoll), f its leading real (strtod); a line starting with
 * byte 0x01 is a row of NULLs. When the expression compiles natively and
 * evaluates natively, SQLite must have evaluated it too and every row
 * must hold the same storage class and value (reals bitwise): else
 * abort(). */
#include "core/batch.h"
#include "core/mem.h"
#include "expr/expr.h"
#include "expr/vec.h"
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fill(void *ctx, size_t row, sqlite3_value *v)
{
    sl_vresult *out = ctx;
    int t = sqlite3_value_type(v);
    out->type[row] = (uint8_t)t;
    if (t == SQLITE_INTEGER)
        out->i64[row] = sqlite3_value_int64(v);
    else if (t == SQLITE_FLOAT)
        out->f64[row] = sqlite3_value_double(v);
    else if (t != SQLITE_NULL) {
        const char *p = t == SQLITE_BLOB ? sqlite3_value_blob(v) : (const char *)sqlite3_value_text(v);
        size_t n = (size_t)sqlite3_value_bytes(v);
        out->str[row] = (sl_str){sl_arena_copy(&out->arena, p ? p : "", n), n};
    }
}

static int same(const sl_vresult *a, const sl_vresult *b, size_t i)
{
    if (a->type[i] != b->type[i])
        return 0;
    switch (a->type[i]) {
    case SQLITE_NULL: return 1;
    case SQLITE_INTEGER: return a->i64[i] == b->i64[i];
    case SQLITE_FLOAT: return memcmp(&a->f64[i], &b->f64[i], sizeof(double)) == 0;
    default: return a->str[i].n == b->str[i].n && memcmp(a->str[i].p, b->str[i].p, a->str[i].n) == 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sl_expr_engine *e;
    if (!e) {
        sl_error err;
        e = sl_expr_engine_new(&err);
        if (!e)
            abort();
    }
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t tlen = nl ? (size_t)(nl - s) : size;
    if (memchr(s, 0, tlen))
        return 0; /* configuration text never holds a NUL */
    char *text = sl_malloc(tlen + 1);
    memcpy(text, s, tlen);
    text[tlen] = 0;
    sl_batch *b = sl_batch_new();
    sl_batch_add_column(b, "i", 1, SL_T_INT, 0);
    sl_batch_add_column(b, "f", 1, SL_T_FLOAT, 0);
    sl_batch_add_column(b, "t", 1, SL_T_TEXT, 0);
    sl_batch_add_column(b, "r", 1, SL_T_TEXT, 1);
    size_t at = nl ? tlen + 1 : size;
    while (at < size && b->nrows < 64) {
        const char *line = s + at;
        const char *end = memchr(line, '\n', size - at);
        size_t n = end ? (size_t)(end - line) : size - at;
        size_t r = sl_batch_add_row(b, (int64_t)at, 0);
        if (!(n && line[0] == 1)) {
            char buf[64];
            size_t k = n < sizeof buf - 1 ? n : sizeof buf - 1;
            memcpy(buf, line, k);
            buf[k] = 0;
            b->cols[0].i64[r] = strtoll(buf, NULL, 10);
            b->cols[1].f64[r] = strtod(buf, NULL);
            sl_batch_set_text(b, 2, r, line, n);
            char *rev = sl_malloc(n + 1);
            for (size_t j = 0; j < n; j++)
                rev[j] = line[n - 1 - j];
            sl_batch_set_text(b, 3, r, rev, n);
            sl_free(rev);
            for (size_t c = 0; c < 4; c++)
                b->cols[c].valid[r] = 1;
        }
        at += n + 1;
    }
    sl_vresult want, got;
    sl_vresult_init(&want);
    sl_vresult_init(&got);
    sl_vresult_reserve(&want, b->nrows);
    sl_error err;
    sl_expr *x = sl_expr_new(e, text);
    int src = sl_expr_eval(x, b, fill, &want, &err);
    sl_vexpr *v = sl_vexpr_compile(text, b);
    if (v) {
        int rc = sl_vexpr_eval(v, b, &got, &err);
        if (rc < 0 || (rc == 0 && src < 0))
            abort();
        if (rc == 0)
            for (size_t i = 0; i < b->nrows; i++)
                if (!same(&want, &got, i))
                    abort();
    }
    sl_vexpr_free(v);
    sl_expr_free(x);
    sl_vresult_release(&want);
    sl_vresult_release(&got);
    sl_batch_free(b);
    sl_free(text);
    return 0;
}
