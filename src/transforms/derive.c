/*
 * derive.c: the `derive` transform: new or replaced columns from SQL
 * expressions, {column: expression, ...}, evaluated in order with SQLite's
 * semantics, each seeing the columns derived before it. Each is a row
 * expression: one value per row (no aggregate or window function at the
 * row's level), checked at validate.
 *
 * A derived column's type comes from its results (INTEGER -> int, REAL ->
 * float, TEXT -> text; a replaced date, timestamp, bool, decimal or json
 * column keeps its type when the text still parses as it) and stays stable
 * across batches: a later value that does not fit widens it.
 */
#include "core/mem.h"
#include "engine/colcheck.h"
#include "engine/project.h"
#include "engine/run.h"
#include "expr/expr.h"
#include "expr/vec.h"
#include "transforms/columns.h"
#include <string.h>

typedef struct derive_opts {
    sl_kvlist columns;
} derive_opts;

static const sl_option derive_options[] = {
    {"columns", SL_OPT_MAP, NULL, SL_OPT_REQUIRED | SL_OPT_MULTILINE, offsetof(derive_opts, columns), NULL,
     "column: SQL expression (SQLite syntax), e.g. email: lower(trim(email)); one value per row: no aggregate "
     "or window function (a subquery of its own may aggregate)"},
    SL_OPT_END,
};

typedef struct derive_state {
    sl_expr **exprs;
    sl_type *types;     /* per derived column; SL_T_NULL until known */
    uint8_t *wide_int;  /* per derived column: an integer beyond 2^53 was seen (a double would round it) */
    sl_run *run;
    sl_vresult res;     /* results of the current expression (expr.h's sl_expr_eval_vec) */
} derive_state;

/* Every expression compiles, and is a row expression (expr.h), before any
 * data is read: at validate and at the start of every run. */
static int derive_check(sl_instance *in, sl_diags *d)
{
    derive_opts *o = in->opts;
    int n = 0;
    for (size_t i = 0; i < o->columns.n; i++) {
        sl_error err;
        if (sl_expr_validate(o->columns.v[i].value, &err) < 0) {
            sl_diags_add(d, o->columns.v[i].loc, "column '%s': %s", o->columns.v[i].key, err.msg);
            n++;
        }
    }
    return n;
}

/* validate: each expression names columns that are there (the input's
 * and the ones derived before it); its column is there after it. */
static int derive_columns(sl_instance *in, sl_colset *c, sl_diags *d)
{
    derive_opts *o = in->opts;
    int n = 0;
    for (size_t i = 0; i < o->columns.n; i++) {
        char what[300];
        snprintf(what, sizeof what, "transform %s, column '%s'", in->id, o->columns.v[i].key);
        n += sl_colset_require_expr(c, o->columns.v[i].value, sl_colcheck_loc(o->columns.v[i].loc, in), what, d);
        sl_colset_add(c, o->columns.v[i].key);
    }
    return n;
}

static int derive_open(sl_instance *in, sl_run *run, sl_error *err)
{
    derive_opts *o = in->opts;
    derive_state *st = sl_calloc(1, sizeof *st);
    st->run = run;
    st->exprs = sl_calloc(o->columns.n, sizeof *st->exprs);
    st->types = sl_calloc(o->columns.n, sizeof *st->types);
    st->wide_int = sl_calloc(o->columns.n, sizeof *st->wide_int);
    for (size_t i = 0; i < o->columns.n; i++)
        st->exprs[i] = sl_expr_new(run->expr, o->columns.v[i].value);
    sl_vresult_init(&st->res);
    in->state = st;
    return 0;
}

/* Type of one result, given the type we would like to keep. */
static sl_type result_type(derive_state *st, size_t r, sl_type want, int64_t *iv)
{
    switch (st->res.type[r]) {
    case SQLITE_INTEGER:
        return (want == SL_T_BOOL && (st->res.i64[r] == 0 || st->res.i64[r] == 1)) ? SL_T_BOOL : SL_T_INT;
    case SQLITE_FLOAT: return SL_T_FLOAT;
    case SQLITE_NULL: return SL_T_NULL;
    default: {
        const sl_str *s = &st->res.str[r];
        if (want == SL_T_DATE && sl_parse_date(s->p, s->n, iv) == 0) return SL_T_DATE;
        if (want == SL_T_TIMESTAMP && sl_parse_timestamp(s->p, s->n, iv) == 0) return SL_T_TIMESTAMP;
        if (want == SL_T_DECIMAL && sl_parse_decimal(s->p, s->n) == 0) return SL_T_DECIMAL;
        if (want == SL_T_JSON) return SL_T_JSON;
        return SL_T_TEXT;
    }
    }
}

static int derive_process(sl_instance *in, sl_batch *b, sl_error *err)
{
    derive_opts *o = in->opts;
    derive_state *st = in->state;
    size_t n = b->nrows;
    if (n == 0) {
        /* a batch a filter emptied still has the columns: a later select
         * or sink names them (their type is decided by rows, later) */
        for (size_t k = 0; k < o->columns.n; k++) {
            const char *name = o->columns.v[k].key;
            if (sl_batch_find(b, name) >= 0)
                continue;
            int clash = sl_transform_name_clash(b, name, -1);
            if (clash >= 0) /* as with rows (below): a filter ahead must not hide it */
                return sl_error_set(err, SL_ECONFIG, "%s:%d:%d: transform %s: new column '%s' would collide with "
                                    "column '%s' (names compare without case)", o->columns.v[k].loc.file,
                                    o->columns.v[k].loc.line, o->columns.v[k].loc.col, in->id, name,
                                    b->cols[clash].name);
            sl_batch_add_column(b, name, strlen(name), st->types[k] != SL_T_NULL ? st->types[k] : SL_T_TEXT, 0);
        }
        return 0;
    }
    const uint8_t *rtype;
    const int64_t *ri;
    const double *rf;
    const sl_str *rs;
    for (size_t k = 0; k < o->columns.n; k++) {
        const char *name = o->columns.v[k].key;
        int at = sl_batch_find(b, name);
        sl_type want = st->types[k] != SL_T_NULL ? st->types[k] : at >= 0 ? b->cols[at].type : SL_T_NULL;
        if (sl_expr_eval_vec(st->exprs[k], b, &st->res, err) < 0)
            return sl_error_prefix(err, "%s:%d:%d: transform %s, column '%s'", o->columns.v[k].loc.file,
                                   o->columns.v[k].loc.line, o->columns.v[k].loc.col, in->id, name);
        rtype = st->res.type, ri = st->res.i64, rf = st->res.f64, rs = st->res.str;
        /* the column's type: stable across batches, widened when needed */
        sl_type t = st->types[k];
        int64_t iv;
        for (size_t r = 0; r < n; r++) {
            sl_type rt = result_type(st, r, want, &iv);
            sl_type w = sl_type_widen(t, rt);
            if (rtype[r] == SQLITE_INTEGER && (ri[r] > (INT64_C(1) << 53) || ri[r] < -(INT64_C(1) << 53)))
                st->wide_int[k] = 1;
            /* an int a double would round keeps its digits: decimal, not
             * float, whichever of the int and the float came first */
            if (w == SL_T_FLOAT && st->wide_int[k])
                w = SL_T_DECIMAL;
            if (t != SL_T_NULL && w != t)
                sl_run_schema_change(st->run, name, "widened from %s to %s by derive", sl_type_name(t),
                                     sl_type_name(w));
            t = w;
        }
        if (t == SL_T_NULL)
            t = want != SL_T_NULL ? want : SL_T_TEXT;
        st->types[k] = t;
        if (at < 0) {
            int clash = sl_transform_name_clash(b, name, -1);
            if (clash >= 0)
                return sl_error_set(err, SL_ECONFIG, "%s:%d:%d: transform %s: new column '%s' would collide with "
                                    "column '%s' (names compare without case)", o->columns.v[k].loc.file,
                                    o->columns.v[k].loc.line, o->columns.v[k].loc.col, in->id, name,
                                    b->cols[clash].name);
            at = (int)sl_batch_add_column(b, name, strlen(name), t, 0);
        }
        sl_column *c = &b->cols[at];
        sl_column_set_type(c, t, b->rowcap);
        for (size_t r = 0; r < n; r++) {
            int rt = rtype[r];
            c->valid[r] = rt != SQLITE_NULL;
            if (rt == SQLITE_NULL)
                continue;
            char tmp[64];
            switch (t) {
            case SL_T_BOOL:
            case SL_T_INT: c->i64[r] = ri[r]; break;
            case SL_T_FLOAT: c->f64[r] = rt == SQLITE_INTEGER ? (double)ri[r] : rf[r]; break;
            case SL_T_DATE: sl_parse_date(rs[r].p, rs[r].n, &c->i64[r]); break;
            case SL_T_TIMESTAMP:
                if (sl_parse_timestamp(rs[r].p, rs[r].n, &c->i64[r]) < 0)
                    sl_parse_date(rs[r].p, rs[r].n, &c->i64[r]), c->i64[r] *= 86400000000LL;
                break;
            default:
                if (rt == SQLITE_INTEGER) {
                    size_t len = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)ri[r]);
                    c->str[r] = (sl_str){sl_arena_copy(&b->arena, tmp, len), len};
                } else if (rt == SQLITE_FLOAT) {
                    size_t len = sl_format_float(tmp, rf[r]);
                    c->str[r] = (sl_str){sl_arena_copy(&b->arena, tmp, len), len};
                } else {
                    /* the result's text lives until the next evaluation */
                    c->str[r] = (sl_str){sl_arena_copy(&b->arena, rs[r].p, rs[r].n), rs[r].n};
                }
            }
        }
    }
    return 0;
}

static void derive_close(sl_instance *in)
{
    derive_opts *o = in->opts;
    derive_state *st = in->state;
    if (!st)
        return;
    for (size_t i = 0; i < o->columns.n; i++)
        sl_expr_free(st->exprs[i]);
    sl_free(st->exprs);
    sl_free(st->types);
    sl_free(st->wide_int);
    sl_vresult_release(&st->res);
    sl_free(st);
    in->state = NULL;
}

/* pushdown (engine/project.h): every column any expression reads (each is
 * compiled and run even when its result is not used later), and each
 * derived name as a name it writes: a replaced column keeps its place
 * and, when its text still parses as it, its type; a new one may collide
 * with a column that differs only in case. Last to first: an expression
 * reads the columns derived before it, not the source's. */
static int derive_needs(sl_instance *in, sl_projection *need)
{
    derive_opts *o = in->opts;
    for (size_t i = o->columns.n; i-- > 0;) {
        sl_projection_add_written(need, o->columns.v[i].key);
        sl_projection_add_expr(need, o->columns.v[i].value);
    }
    return 0;
}

/* The derive's columns (transforms/reorder.c reads them). */
const sl_kvlist *sl_derive_columns(const sl_instance *in);
const sl_kvlist *sl_derive_columns(const sl_instance *in)
{
    return &((const derive_opts *)in->opts)->columns;
}

const sl_transform_plugin sl_transform_derive = {
    .version = SL_PLUGIN_VERSION,
    .name = "derive",
    .summary = "new or replaced columns from SQL expressions (SQLite semantics), in order",
    .options = derive_options,
    .opts_size = sizeof(derive_opts),
    .check = derive_check,
    .columns = derive_columns,
    .open = derive_open,
    .process = derive_process,
    .close = derive_close,
    .needs = derive_needs,
};
