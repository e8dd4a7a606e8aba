/*
 * filter.c: the `filter` transform: keep rows where a SQL boolean
 * expression is true (SQLite semantics: NULL and 0 are false). Rows that
 * fail are counted as filtered. The condition is a row expression (no
 * aggregate or window function at the row's level), checked at validate.
 */
#include "core/mem.h"
#include "engine/colcheck.h"
#include "engine/project.h"
#include "engine/run.h"
#include "expr/expr.h"
#include "transforms/columns.h"

typedef struct filter_opts {
    char *where;
} filter_opts;

static const sl_option filter_options[] = {
    {"where", SL_OPT_STRING, NULL, SL_OPT_REQUIRED | SL_OPT_MULTILINE, offsetof(filter_opts, where), NULL,
     "SQL boolean expression; rows where it is not true are dropped (counted as filtered)"},
    SL_OPT_END,
};

typedef struct filter_state {
    sl_expr *expr;
    uint8_t *keep;
    size_t cap;
} filter_state;

/* The condition compiles, and is a row expression (expr.h), before any
 * data is read: at validate and at the start of every run. */
static int filter_check(sl_instance *in, sl_diags *d)
{
    filter_opts *o = in->opts;
    sl_error err;
    if (sl_expr_validate(o->where, &err) == 0)
        return 0;
    sl_diags_add(d, sl_options_loc(filter_options, o, "where"), "where: %s", err.msg);
    return 1;
}

/* validate: the condition names columns that are there. */
static int filter_columns(sl_instance *in, sl_colset *c, sl_diags *d)
{
    filter_opts *o = in->opts;
    char what[128];
    snprintf(what, sizeof what, "transform %s, where", in->id);
    return sl_colset_require_expr(c, o->where, sl_colcheck_loc(sl_options_loc(filter_options, o, "where"), in),
                                  what, d);
}

static int filter_open(sl_instance *in, sl_run *run, sl_error *err)
{
    filter_state *st = sl_calloc(1, sizeof *st);
    st->expr = sl_expr_new(run->expr, ((filter_opts *)in->opts)->where);
    in->state = st;
    return 0;
}

static int filter_process(sl_instance *in, sl_batch *b, sl_error *err)
{
    filter_state *st = in->state;
    if (b->nrows == 0)
        return 0;
    SL_GROW(st->keep, st->cap, b->nrows);
    /* the selection: rows whose condition is true */
    if (sl_expr_eval_flags(st->expr, b, st->keep, err) < 0) {
        sl_loc l = sl_options_loc(NULL, in->opts, "where");
        return sl_error_prefix(err, "%s:%d:%d: transform %s", l.file ? l.file : in->loc.file,
                               l.file ? l.line : in->loc.line, l.file ? l.col : in->loc.col, in->id);
    }
    size_t before = b->nrows;
    sl_batch_keep(b, st->keep);
    b->nfiltered += (int64_t)(before - b->nrows);
    return 0;
}

static void filter_close(sl_instance *in)
{
    filter_state *st = in->state;
    if (!st)
        return;
    sl_expr_free(st->expr);
    sl_free(st->keep);
    sl_free(st);
    in->state = NULL;
}

/* pushdown (engine/project.h): what is needed after it, and every column
 * the condition reads; the condition, for filter pushdown into the reader
 * when it is the first transform. */
static int filter_needs(sl_instance *in, sl_projection *need)
{
    sl_projection_add_expr(need, ((filter_opts *)in->opts)->where);
    need->fwhere = ((filter_opts *)in->opts)->where;
    return 0;
}

/* The filter's condition (transforms/reorder.c reads it). */
const char *sl_filter_where(const sl_instance *in);
const char *sl_filter_where(const sl_instance *in)
{
    return ((const filter_opts *)in->opts)->where;
}

const sl_transform_plugin sl_transform_filter = {
    .version = SL_PLUGIN_VERSION,
    .name = "filter",
    .summary = "keep rows where a SQL expression is true; the others count as filtered",
    .options = filter_options,
    .opts_size = sizeof(filter_opts),
    .check = filter_check,
    .columns = filter_columns,
    .open = filter_open,
    .process = filter_process,
    .close = filter_close,
    .needs = filter_needs,
};
