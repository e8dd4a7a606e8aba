/*
 * json_record.h: one JSON object -> one row of a raw batch.
 *
 * Shared by every source that reads JSON records (jsonl, json, and later
 * HTTP APIs). Each member becomes a column, created on first sight. Values
 * keep their JSON kind (string, number, bool, nested json) so the typing
 * stage can infer types without guessing; numbers keep their exact text.
 * Nested objects are flattened into `parent_child` columns up to max_depth
 * when asked; anything deeper, and every array, stays a json column.
 * Column names follow core/names.h: a member path keeps its column for the
 * whole run, and two paths that read alike (`user_name` and `user` >
 * `name` flattened, `Email` and `email`, `a\u0000b` and `a`) get two
 * columns (`user_name`, `user_name_2`), the first seen keeping the name.
 *
 * Width: a run's records make at most max_columns columns, `_extra`
 * included. Once max_columns - 1 member paths have columns, a member path
 * never seen before does not get one: it goes, with its value as written,
 * into the row's `_extra` cell, one JSON object of the members the row has
 * beyond the limit, under their (flattened) names as the records spell
 * them. A path that had a column keeps it. `_extra` is named like any
 * other column (a member really called `_extra` seen first keeps the
 * name; the spill column is then `_extra_2`).
 *
 * Projection pushdown: with ctx->proj set (sl_json_record_project), a
 * member whose column is not in it is skipped where it lies, validated
 * (a malformed record fails exactly as before, same message and place)
 * but not copied or unescaped; its name still counts (names, suffixes,
 * max_columns and `_extra` are as without it). `_extra` is always made.
 * With a pushed-down filter (engine/project.h), once the filter's column
 * has a value that fails it, the row's other members are validated and
 * named but not materialised (the row stays, for the filter transform to
 * drop); a member repeated later that makes it pass re-reads the row.
 */
#ifndef SL_JSON_RECORD_H
#define SL_JSON_RECORD_H
#include "config/options.h"
#include "core/names.h"
#include "core/batch.h"
#include "formats/json.h"
#include <stddef.h>
#include <stdint.h>

struct sl_projection; /* engine/project.h */

/* Options of sources that read JSON records (jsonl, json, http); the
 * option struct has int flatten, int64_t max_depth, char *separator. */
#define SL_JSON_RECORD_OPTIONS(T)                                                                  \
    {"flatten", SL_OPT_BOOL, "false", 0, offsetof(T, flatten), NULL,                              \
     "flatten nested objects into parent_child columns (else they stay json columns)"},            \
    {"max_depth", SL_OPT_INT, "10", 0, offsetof(T, max_depth), NULL,                              \
     "with flatten: levels of nesting flattened; deeper objects stay json"},                       \
    {"separator", SL_OPT_STRING, "_", 0, offsetof(T, separator), NULL, "with flatten: joins parent and child names"}

typedef struct sl_json_record_opts {
    int flatten;
    int max_depth;       /* levels of nesting flattened (1 = only the top object's children) */
    const char *separator;
    int snake_case;      /* normalize_names: snake_case */
    size_t max_columns;  /* 0: SL_MAX_COLUMNS_DEFAULT (engine/run.h) */
} sl_json_record_opts;

typedef struct sl_json_record_ctx {
    sl_buf key, val, name;
    sl_buf path;         /* the member's identity: each level's name, length first */
    sl_names names;      /* member paths -> unique column names (core/names.h) */
    size_t hint;         /* column expected next: rows usually share key order */
    /* the batch column of each names entry in the batch being filled (-1:
     * not looked up yet), reset at its row 0, when the batch changes or
     * when its columns moved (sl_batch.layout) */
    long *colof;
    size_t ncolof;
    const void *colof_batch;
    unsigned colof_layout;
    size_t first_k;      /* names entry of the last record's first member */
    size_t nmember;      /* members named so far in this record */
    sl_buf extra;        /* the current row's members beyond max_columns, as a JSON object */
    long extra_name;     /* the names entry of `_extra`, -1 before the first spill */
    /* projection pushdown (engine/project.h): the columns to materialise
     * (NULL: all); per names entry 1 = read, 0 = skip, cached */
    const struct sl_projection *proj;
    const struct sl_projection *filt; /* with a pushed-down filter, else NULL */
    uint8_t *want;       /* bit 0: read; bit 1: the filter's column */
    uint8_t last_want;   /* want[] of the member being read */
    size_t nwant;
    int failing;         /* the current row fails the filter: skip its other members */
    int skipped;         /* ... and some were skipped */
    int nofilter;        /* re-reading a row whole */
} sl_json_record_ctx;

void sl_json_record_init(sl_json_record_ctx *c);
void sl_json_record_release(sl_json_record_ctx *c);
/* Materialise only the columns in proj (not owned; it outlives c; NULL:
 * every column). */
void sl_json_record_project(sl_json_record_ctx *c, const struct sl_projection *proj);
/* The column name of top-level member `member` (as the records spell it),
 * or NULL before a record had it. The pointer stays valid for the ctx. */
const char *sl_json_record_column(const sl_json_record_ctx *c, const char *member);
/* Read the object at j's cursor into row `row` of b. 0 ok, -1 invalid JSON
 * (j holds the error), -2 the value is not an object. */
/* Columns the records have made so far in the run (`_extra` included):
 * what every batch will carry after typing. */
/* Make dst (fresh from sl_json_record_init) name every member path as src
 * does, with src's projection: a reader of another part of the same file
 * (sources/ranges.h). dst does not share src's memory. */
void sl_json_record_seed(sl_json_record_ctx *dst, const sl_json_record_ctx *src);
size_t sl_json_record_width(const sl_json_record_ctx *c);
int sl_json_record_read(sl_json_record_ctx *c, sl_json *j, sl_batch *b, size_t row,
                        const sl_json_record_opts *o);

#endif
