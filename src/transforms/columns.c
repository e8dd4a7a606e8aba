/* columns.c: see columns.h. */
#include "transforms/columns.h"
#include <stdio.h>
#include <strings.h>

int sl_transform_name_clash(const sl_batch *b, const char *name, int except)
{
    for (size_t i = 0; i < b->ncols; i++)
        if ((int)i != except && strcasecmp(b->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

int sl_transform_column(const sl_instance *in, const sl_batch *b, const char *name, sl_error *err)
{
    int i = sl_batch_find(b, name);
    if (i < 0) {
        char have[512] = "";
        size_t n = 0;
        for (size_t c = 0; c < b->ncols && n < sizeof have - 64; c++)
            n += (size_t)snprintf(have + n, sizeof have - n, "%s%s", c ? ", " : "", b->cols[c].name);
        return sl_error_set(err, SL_ECONFIG, "%s:%d:%d: transform %s: no column '%s' (columns: %s)",
                            in->loc.file ? in->loc.file : "?", in->loc.line, in->loc.col, in->id, name, have);
    }
    return i;
}
