/*
 * select.c: the `select` and `drop` transforms: keep only the listed
 * columns (in the listed order), or remove the listed columns.
 */
#include "core/mem.h"
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
};

const sl_transform_plugin sl_transform_drop = {
    .version = SL_PLUGIN_VERSION,
    .name = "drop",
    .summary = "remove the listed columns (absent ones are ignored)",
    .options = select_options,
    .opts_size = sizeof(select_opts),
    .process = drop_process,
};
