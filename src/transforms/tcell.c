/* tcell.c: batch cells to and from SQLite values (tcell.h). */
#include "transforms/tcell.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

void sl_tcell_bind(sqlite3_stmt *st, int idx, const sl_column *c, size_t row)
{
    if (!c->valid[row]) {
        sqlite3_bind_null(st, idx);
        return;
    }
    if (c->raw) {
        sqlite3_bind_text(st, idx, c->str[row].p, (int)c->str[row].n, SQLITE_STATIC);
        return;
    }
    switch (sl_type_storage(c->type)) {
    case SL_STORE_I64: sqlite3_bind_int64(st, idx, c->i64[row]); break;
    case SL_STORE_F64: sqlite3_bind_double(st, idx, c->f64[row]); break;
    default: sqlite3_bind_text(st, idx, c->str[row].p, (int)c->str[row].n, SQLITE_STATIC); break;
    }
}

int sl_tcell_parse(sl_type t, const char *p, size_t n, int64_t *iv, double *dv)
{
    switch (t) {
    case SL_T_BOOL: return sl_parse_bool(p, n, iv);
    case SL_T_INT: return sl_parse_int(p, n, iv);
    case SL_T_FLOAT: return sl_parse_float(p, n, dv);
    case SL_T_DATE: return sl_parse_date(p, n, iv);
    case SL_T_TIMESTAMP:
        if (sl_parse_timestamp(p, n, iv) == 0)
            return 0;
        if (sl_parse_date(p, n, iv) < 0)
            return -1;
        *iv *= 86400000000LL;
        return 0;
    case SL_T_DECIMAL: return sl_parse_decimal(p, n);
    default: return 0;
    }
}

int sl_tcell_set(sl_batch *b, size_t col, size_t row, sqlite3_stmt *st, int icol)
{
    sl_column *c = &b->cols[col];
    int vt = sqlite3_column_type(st, icol);
    c->valid[row] = 0;
    if (vt == SQLITE_NULL)
        return 0;
    int storage = sl_type_storage(c->type);
    if (storage == SL_STORE_I64 && vt == SQLITE_INTEGER) {
        c->i64[row] = sqlite3_column_int64(st, icol);
    } else if (storage == SL_STORE_F64 && (vt == SQLITE_INTEGER || vt == SQLITE_FLOAT)) {
        c->f64[row] = sqlite3_column_double(st, icol);
    } else if (storage == SL_STORE_STR) {
        char tmp[48];
        const char *p;
        size_t n;
        if (vt == SQLITE_FLOAT) {
            n = sl_format_float(tmp, sqlite3_column_double(st, icol));
            p = tmp;
        } else {
            p = (const char *)sqlite3_column_text(st, icol);
            n = (size_t)sqlite3_column_bytes(st, icol);
        }
        c->str[row] = (sl_str){sl_arena_copy(&b->arena, p ? p : "", n), n};
    } else {
        /* text stored for a typed column: parse it */
        const char *p = (const char *)sqlite3_column_text(st, icol);
        size_t n = (size_t)sqlite3_column_bytes(st, icol);
        int64_t iv = 0;
        double dv = 0;
        if (sl_tcell_parse(c->type, p, n, &iv, &dv) < 0)
            return -1;
        if (storage == SL_STORE_I64)
            c->i64[row] = iv;
        else
            c->f64[row] = dv;
    }
    c->valid[row] = 1;
    return 0;
}

static void frame(sl_buf *out, const char *p, size_t n)
{
    uint32_t len = (uint32_t)n;
    sl_buf_add(out, "\0V", 2);
    sl_buf_add(out, &len, sizeof len);
    sl_buf_add(out, p, n);
}

void sl_tcell_key_text(const char *p, size_t n, sl_buf *out)
{
    if (!p) {
        sl_buf_add(out, "\0N", 2);
        return;
    }
    /* a whole number written with a fraction or an exponent: its integer text */
    if (n > 0 && n < 40 && (memchr(p, '.', n) || memchr(p, 'e', n) || memchr(p, 'E', n))) {
        double d;
        if (sl_parse_float(p, n, &d) == 0 && d == floor(d) && fabs(d) < 9007199254740992.0) {
            char tmp[48];
            frame(out, tmp, (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)d));
            return;
        }
    }
    frame(out, p, n);
}

void sl_tcell_key(const sl_column *c, size_t row, sl_buf *out)
{
    char tmp[64];
    const char *p;
    size_t n;
    if (!sl_cell_text(c, row, tmp, &p, &n)) {
        sl_tcell_key_text(NULL, 0, out);
        return;
    }
    sl_tcell_key_text(p, n, out);
}

void sl_tcell_group_key(const sl_column *c, size_t row, sl_buf *out)
{
    if ((c->raw || c->type == SL_T_TEXT || c->type == SL_T_JSON) && c->valid[row]) {
        frame(out, c->str[row].p, c->str[row].n);
        return;
    }
    sl_tcell_key(c, row, out);
}
