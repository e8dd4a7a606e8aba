/*
 * select.c: the `select` and `drop` transforms: keep only the listed
 * columns (in the listed order), or remove the listed columns.
 */
#include "core/mem.h"
#include "engine/colcheck.h"
#include "engine/project.h"
#include "transforms/columns.h"
#include <stdio.h>
#include <string.h>

typedef struct select_opts {
    sl_strlist columns;
} select_opts;

static const sl_option select_options[] = {
    {"columns", SL_OPT_LIST, NULL, SL_OPT_REQUIRED, offsetof(select_opts, columns), NULL, "the columns"},
    SL_OPT_END,
};

static int select_process(sl_instance *in, sl_batch *b, sl_error *err)
{
    select_opts *o = in->opts;
    for (size_t i = 0; i < o->columns.n; i++) {
        int at = sl_transform_column(in, b, o->columns.v[i], err);
        if (at < 0)
            return -1;
        sl_batch_swap_columns(b, i, (size_t)at);
    }
    while (b->ncols > o->columns.n)
        sl_batch_drop_column(b, b->ncols - 1);
    return 0;
}

/* validate: every listed column is there; after it, exactly those are
 * (known from here on, whatever was known before). */
static int select_columns(sl_instance *in, sl_colset *c, sl_diags *d)
{
    select_opts *o = in->opts;
    char what[128];
    snprintf(what, sizeof what, "transform %s", in->id);
    int n = 0;
    for (size_t i = 0; i < o->columns.n; i++)
        n += sl_colset_require(c, o->columns.v[i], sl_colcheck_loc(o->columns.loc, in), what, d);
    sl_colset_set(c, o->columns.v, o->columns.n);
    return n;
}

/* validate: absent columns are ignored, by design; the others go. */
static int drop_columns(sl_instance *in, sl_colset *c, sl_diags *d)
{
    select_opts *o = in->opts;
    for (size_t i = 0; i < o->columns.n; i++)
        sl_colset_remove(c, o->columns.v[i]);
    return 0;
}

/* pushdown: select needs exactly its columns (each must exist), whatever
 * comes after it. */
static int select_needs(sl_instance *in, sl_projection *need)
{
    select_opts *o = in->opts;
    sl_projection_clear(need);
    for (size_t i = 0; i < o->columns.n; i++)
        sl_projection_add(need, o->columns.v[i]);
    return 0;
}

/* pushdown: what is needed after a drop is needed before it (a dropped
 * column is not needed: absent ones are ignored). */
static int drop_needs(sl_instance *in, sl_projection *need)
{
    (void)in;
    (void)need;
    return 0;
}

static int drop_process(sl_instance *in, sl_batch *b, sl_error *err)
{
    select_opts *o = in->opts;
    for (size_t i = 0; i < o->columns.n; i++) {
        int at = sl_batch_find(b, o->columns.v[i]);
        if (at >= 0)
            sl_batch_drop_column(b, (size_t)at);
    }
    return 0;
}

const sl_transform_plugin sl_transform_select = {
    .version = SL_PLUGIN_VERSION,
    .name = "select",
    .summary = "keep only the listed columns, in that order",
    .options = select_options,
    .opts_size = sizeof(select_opts),
    .process = select_process,
    .columns = select_columns,
    .needs = select_needs,
};

const sl_transform_plugin sl_transform_drop = {
    .version = SL_PLUGIN_VERSION,
    .name = "drop",
    .summary = "remove the listed columns (absent ones are ignored)",
    .options = select_options,
    .opts_size = sizeof(select_opts),
    .process = drop_process,
    .columns = drop_columns,
    .needs = drop_needs,
};
