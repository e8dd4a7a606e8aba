/*
 * route.h: routing rows to sinks: the generic sink keys `where:` and
 * `select:` (docs/events/routing.md).
 *
 *   where:  an SQL condition (expr/expr.h, SQLite semantics: NULL and 0
 *           are false); the sink gets only the rows it is true for.
 *   select: the columns the sink gets: names, or globs ending in '*'
 *           (`prefix_*`), in the order listed (a glob: in the batch's
 *           order); a name the batch does not have (yet) is left out.
 *
 * Like `name:`, both are taken out of a sink's mapping before its
 * plugin's option table (config/project.c) and live in the instance
 * (sl_instance.route; NULL: every row and column). The engine
 * (engine/router.h, called by engine/pipeline.c) evaluates the
 * conditions on the transform thread,
 * after the transforms, and hands a sink with a route a copy of the batch
 * holding its rows and columns, with their positions (row offsets,
 * end_offset, file): the sink's write and commit see only that copy, its
 * rejects are mapped back to the batch's rows. A row that no sink's
 * condition takes counts as filtered.
 */
#ifndef SL_ROUTE_H
#define SL_ROUTE_H
#include "config/diag.h"
#include "core/batch.h"
#include "core/util.h"
#include <libfyaml.h>

struct sl_colset;
struct sl_expr_engine;
typedef struct sl_instance sl_instance;

typedef struct sl_sink_route {
    char *where;        /* NULL: every row */
    sl_loc where_loc;
    char **select;      /* NULL (nselect 0): every column */
    sl_loc *select_loc; /* of each item */
    size_t nselect;
    sl_loc select_at;   /* of the key */
} sl_sink_route;

/* Read `where:` and `select:` from a sink's YAML mapping: NULL when it has
 * neither (or they are wrong: diagnostics added at file:line:col, the
 * condition checked with sl_expr_validate). Free with sl_route_free. */
sl_sink_route *sl_route_load(struct fy_node *map, const char *file, sl_diags *d);
void sl_route_free(sl_sink_route *r);
/* The keys route.h takes out of a sink's mapping (NULL-terminated). */
extern const char *const sl_route_keys[];
/* `sluice help <sink>`: one line per key, as sl_options_help prints. */
void sl_route_help(sl_buf *out);
/* `sluice validate` (engine/colcheck.h): the columns the condition and
 * the select list name must be among c when c is known (a name not there:
 * a diagnostic with the closest; a glob that matches none: one too).
 * Returns the diagnostics added. */
int sl_route_columns(const sl_instance *sink, const struct sl_colset *c, sl_diags *d);

/* Whether column name is taken by select item pat ("x" or "prefix_*"). */
int sl_route_match(const char *pat, const char *name);

/* Fill out (cleared here) with the rows of b whose keep[r] is set (keep
 * NULL: all) and the columns sel names (nsel 0: all), sharing b's strings
 * (out is valid while b is unchanged); out keeps b's position: each row's
 * offset and line, file, end_offset, end_line, no_position, file_done,
 * clock_us. rowmap[k] (room for b->nrows) gets the row of b that row k of
 * out is. Accounting fields stay 0. */
void sl_route_copy(const sl_batch *b, const uint8_t *keep, char *const *sel, size_t nsel, sl_batch *out,
                   size_t *rowmap);

#endif
