/*
 * typing.h: the typing stage: raw text cells -> typed columns.
 *
 * Runs on the source thread right after the source fills a batch. Keeps
 * the pipeline's schema across batches: the first batch is the inference
 * sample; declared `columns:` types win, then a type the source took from
 * a database schema (a raw column whose type is not text); `infer_types: false` keeps text.
 * A value that does not fit an *inferred* type widens the column
 * (int -> float -> text), recorded as a schema change; a value that does
 * not fit a *declared* type rejects its row with the reason. Columns keep
 * first-seen order; a column missing from a batch is null there.
 *
 * A rejected row adds nothing to the schema: declared columns are
 * converted first (deciding which rows are rejected), then a new column
 * of JSON records (its cells have kinds) joins only if a row that loads
 * has a value in it (or no row has one: a member that is null), and
 * inferred types are inferred and widened from the rows that load only.
 * A column that does not join is dropped from the batch after the DLQ
 * records (which keep every member) are taken. Rows a filter drops
 * later are valid records: their columns join (docs/ARCHITECTURE.md,
 * decision 35).
 *
 * Width: the schema holds at most the source's `max_columns` (default
 * SL_MAX_COLUMNS_DEFAULT): a batch that would take it beyond fails the run
 * with an error naming the limit (the file sources refuse such a file
 * earlier, or keep the extra JSON members in `_extra`). Columns are found
 * by name through hashes, and the loops over columns and rows stop when
 * the run is cancelled (SIGTERM, `timeout:`): the call then fails with
 * SL_ECANCELLED.
 */
#ifndef SL_TYPING_H
#define SL_TYPING_H
#include "core/batch.h"
#include "core/nameidx.h"
#include "engine/run.h"

typedef struct sl_typing_col {
    char *name;
    sl_type type;
    int declared;
} sl_typing_col;

typedef struct sl_typing {
    sl_typing_col *cols;
    size_t n, cap;
    sl_nameidx by_name;       /* cols by name */
    sl_nameidx declared;      /* common->columns by name */
    const sl_source_common *common;
    int batches;
    /* scratch */
    uint8_t *bad;
    char **why;
    size_t badcap;
} sl_typing;

void sl_typing_init(sl_typing *t, const sl_source_common *common);
void sl_typing_release(sl_typing *t);
/* Type the raw batch in place. */
int sl_typing_apply(sl_typing *t, sl_batch *b, sl_run *run, sl_error *err);

#endif
