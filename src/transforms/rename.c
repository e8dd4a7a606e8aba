/*
 * rename.c: the `rename` transform: {old name: new name, ...}.
 */
#include "engine/colcheck.h"
#include "engine/project.h"
#include "transforms/columns.h"
#include <stdio.h>
#include <string.h>

typedef struct rename_opts {
    sl_kvlist columns;
} rename_opts;

static const sl_option rename_options[] = {
    {"columns", SL_OPT_MAP, NULL, SL_OPT_REQUIRED, offsetof(rename_opts, columns), NULL, "old name: new name"},
    SL_OPT_END,
};

static int rename_process(sl_instance *in, sl_batch *b, sl_error *err)
{
    rename_opts *o = in->opts;
    for (size_t i = 0; i < o->columns.n; i++) {
        int at = sl_transform_column(in, b, o->columns.v[i].key, err);
        if (at < 0)
            return -1;
        int clash = sl_transform_name_clash(b, o->columns.v[i].value, at);
        if (clash >= 0)
            return sl_error_set(err, SL_ECONFIG, "transform %s: renaming '%s' to '%s' would collide with column '%s'",
                                in->id, o->columns.v[i].key, o->columns.v[i].value, b->cols[clash].name);
        sl_batch_rename_column(b, (size_t)at, o->columns.v[i].value);
    }
    return 0;
}

/* validate: each old name is there; it becomes the new one. */
static int rename_columns(sl_instance *in, sl_colset *c, sl_diags *d)
{
    rename_opts *o = in->opts;
    char what[128];
    snprintf(what, sizeof what, "transform %s", in->id);
    int n = 0;
    for (size_t i = 0; i < o->columns.n; i++) {
        n += sl_colset_require(c, o->columns.v[i].key, sl_colcheck_loc(o->columns.loc, in), what, d);
        sl_colset_rename(c, o->columns.v[i].key, o->columns.v[i].value);
    }
    return n;
}

/* pushdown: each old name (it must exist), and each new one too, as a
 * name it writes: a source column of that name makes the rename collide,
 * as it must. */
static int rename_needs(sl_instance *in, sl_projection *need)
{
    rename_opts *o = in->opts;
    for (size_t i = 0; i < o->columns.n; i++)
        sl_projection_add_written(need, o->columns.v[i].value);
    for (size_t i = 0; i < o->columns.n; i++)
        sl_projection_add(need, o->columns.v[i].key);
    return 0;
}

const sl_transform_plugin sl_transform_rename = {
    .version = SL_PLUGIN_VERSION,
    .name = "rename",
    .summary = "rename columns: {old: new}",
    .options = rename_options,
    .opts_size = sizeof(rename_opts),
    .process = rename_process,
    .columns = rename_columns,
    .needs = rename_needs,
};
