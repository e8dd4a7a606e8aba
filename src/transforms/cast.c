/*
 * cast.c: the `cast` transform: convert columns to a type,
 * {column: type, ...}, with `format:` (strptime(3) syntax plus %f) for
 * dates and timestamps written otherwise than ISO 8601. A value that does
 * not convert rejects its row to the DLQ with the reason; never a silent null.
 */
#include "core/mem.h"
#include "engine/colcheck.h"
#include "engine/project.h"
#include "formats/json.h"
#include "transforms/columns.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct cast_opts {
    sl_kvlist columns;
    char *format;
} cast_opts;

static const sl_option cast_options[] = {
    {"columns", SL_OPT_MAP, NULL, SL_OPT_REQUIRED, offsetof(cast_opts, columns), NULL,
     "column: type (int, float, decimal, bool, text, date, timestamp, json)"},
    {"format", SL_OPT_STRING, "", 0, offsetof(cast_opts, format), NULL,
     "strptime format for date/timestamp text (e.g. %d/%m/%Y %H:%M); empty: ISO 8601"},
    SL_OPT_END,
};

static int cast_check(sl_instance *in, sl_diags *d)
{
    cast_opts *o = in->opts;
    size_t before = d->n;
    for (size_t i = 0; i < o->columns.n; i++) {
        sl_type t;
        if (sl_type_parse(o->columns.v[i].value, &t) < 0)
            sl_diags_add(d, o->columns.v[i].loc, "cast: unknown type '%s' (int, float, decimal, bool, text, date, "
                                                 "timestamp, json)", o->columns.v[i].value);
    }
    return (int)(d->n - before);
}

/* validate: each column to convert is there. */
static int cast_columns(sl_instance *in, sl_colset *c, sl_diags *d)
{
    cast_opts *o = in->opts;
    char what[128];
    snprintf(what, sizeof what, "transform %s", in->id);
    int n = 0;
    for (size_t i = 0; i < o->columns.n; i++)
        n += sl_colset_require(c, o->columns.v[i].key, sl_colcheck_loc(o->columns.loc, in), what, d);
    return n;
}

/* Convert one cell of c (type from) to `to` into the out arrays; 0 ok. */
static int cast_cell(const sl_column *c, size_t r, sl_type to, const char *fmt, int64_t *oi, double *of,
                     sl_str *os, sl_arena *arena)
{
    char tmp[64];
    const char *p;
    size_t n;
    sl_type from = c->type;
    if (from == to) {
        if (sl_type_storage(to) == SL_STORE_I64) *oi = c->i64[r];
        else if (sl_type_storage(to) == SL_STORE_F64) *of = c->f64[r];
        else *os = c->str[r];
        return 0;
    }
    if (from == SL_T_INT && to == SL_T_FLOAT) { *of = (double)c->i64[r]; return 0; }
    if (from == SL_T_FLOAT && to == SL_T_INT) {
        double v = c->f64[r];
        if (v != floor(v) || v < -9.2e18 || v > 9.2e18)
            return -1;
        *oi = (int64_t)v;
        return 0;
    }
    if (from == SL_T_INT && to == SL_T_BOOL) {
        if (c->i64[r] != 0 && c->i64[r] != 1)
            return -1;
        *oi = c->i64[r];
        return 0;
    }
    if (from == SL_T_BOOL && to == SL_T_INT) { *oi = c->i64[r]; return 0; }
    if (from == SL_T_TIMESTAMP && to == SL_T_DATE) {
        int64_t us = c->i64[r];
        *oi = us >= 0 ? us / 86400000000LL : -((-us + 86400000000LL - 1) / 86400000000LL);
        return 0;
    }
    if (from == SL_T_DATE && to == SL_T_TIMESTAMP) { *oi = c->i64[r] * 86400000000LL; return 0; }
    /* everything else goes through text */
    sl_cell_text(c, r, tmp, &p, &n);
    switch (to) {
    case SL_T_BOOL: return sl_parse_bool(p, n, oi);
    case SL_T_INT: return sl_parse_int(p, n, oi);
    case SL_T_FLOAT: return sl_parse_float(p, n, of);
    case SL_T_DECIMAL:
        if (sl_parse_decimal(p, n) < 0)
            return -1;
        break;
    case SL_T_DATE:
        return *fmt ? sl_parse_time_format(p, n, fmt, 1, oi) : sl_parse_date(p, n, oi);
    case SL_T_TIMESTAMP:
        if (*fmt)
            return sl_parse_time_format(p, n, fmt, 0, oi);
        if (sl_parse_timestamp(p, n, oi) == 0)
            return 0;
        return -1;
    case SL_T_JSON: {
        char e[8];
        if (from == SL_T_TEXT && sl_json_validate(p, n, e, sizeof e) < 0) {
            sl_buf q;
            sl_buf_init(&q);
            sl_buf_add_json_str(&q, p, n);
            os->p = sl_arena_copy(arena, q.data, q.len);
            os->n = q.len;
            sl_buf_release(&q);
            return 0;
        }
        break;
    }
    default:
        break;
    }
    os->p = p == tmp ? sl_arena_copy(arena, p, n) : p;
    os->n = n;
    return 0;
}

static int cast_process(sl_instance *in, sl_batch *b, sl_error *err)
{
    cast_opts *o = in->opts;
    uint8_t *keep = NULL;
    for (size_t k = 0; k < o->columns.n; k++) {
        int at = sl_transform_column(in, b, o->columns.v[k].key, err);
        if (at < 0) {
            sl_free(keep);
            return -1;
        }
        sl_type to;
        sl_type_parse(o->columns.v[k].value, &to);
        sl_column *c = &b->cols[at];
        if (c->type == to)
            continue;
        int64_t *oi = sl_malloc(c->cap * sizeof *oi);
        double *of = sl_malloc(c->cap * sizeof *of);
        sl_str *os = sl_malloc(c->cap * sizeof *os);
        for (size_t r = 0; r < b->nrows; r++) {
            if (!c->valid[r] || (keep && !keep[r]))
                continue;
            if (cast_cell(c, r, to, o->format, &oi[r], &of[r], &os[r], &b->arena) < 0) {
                char tmp[64], why[300];
                const char *p;
                size_t n;
                sl_cell_text(c, r, tmp, &p, &n);
                snprintf(why, sizeof why, "column '%s': cannot cast '%.*s' (%s) to %s%s%s%s", c->name,
                         (int)(n > 80 ? 80 : n), p, sl_type_name(c->type), sl_type_name(to),
                         *o->format ? " with format '" : "", o->format, *o->format ? "'" : "");
                sl_batch_reject_row(b, r, in->id, why);
                if (!keep) {
                    keep = sl_malloc(b->nrows);
                    memset(keep, 1, b->nrows);
                }
                keep[r] = 0;
            }
        }
        /* swap the converted arrays in */
        sl_free(c->i64);
        sl_free(c->f64);
        sl_free(c->str);
        c->i64 = oi;
        c->f64 = of;
        c->str = os;
        c->type = to;
    }
    if (keep) {
        sl_batch_keep(b, keep);
        sl_free(keep);
    }
    return 0;
}

/* pushdown (engine/project.h): each cast column (it must exist; a
 * replaced column keeps its place). A cast that can reject needs every
 * column: its DLQ record is the whole row. Only a cast to text, or of a
 * column already of the type, cannot fail; the column's type is not
 * known here, so any other target counts as one that can. */
static int cast_needs(sl_instance *in, sl_projection *need)
{
    cast_opts *o = in->opts;
    for (size_t i = 0; i < o->columns.n; i++) {
        sl_type t;
        if (sl_type_parse(o->columns.v[i].value, &t) < 0 || t != SL_T_TEXT) {
            sl_projection_set_all(need);
            return 0;
        }
        sl_projection_add(need, o->columns.v[i].key);
    }
    return 0;
}

const sl_transform_plugin sl_transform_cast = {
    .version = SL_PLUGIN_VERSION,
    .name = "cast",
    .summary = "convert columns to a type; values that do not convert go to the DLQ",
    .options = cast_options,
    .opts_size = sizeof(cast_opts),
    .check = cast_check,
    .process = cast_process,
    .columns = cast_columns,
    .needs = cast_needs,
};
