/*
 * profile.h: column profiles of what a run loaded (docs/QUALITY.md
 * "Profiles"). Every pipeline run and model build records, per column:
 * rows, nulls, a distinct estimate (HyperLogLog, 2^12 registers, ~1.6 %
 * standard error), min and max, mean and standard deviation for numbers
 * (Welford's online algorithm), min/max length for text (characters),
 * min/max for dates and timestamps, and the share of non-null values that
 * fail the column's inferred format (email, e164, url, uuid, date,
 * iso_country: the first of quality/check.h's formats that most of the
 * first batch's values pass; none for other columns).
 *
 * Two ways in:
 *   - a pipeline: sl_profiler_add_async(p, batch, skip, done, ctx) (in
 *     place) or sl_profiler_add (a copy) on each batch a sink loaded (rows
 *     flagged in skip are not counted: rejected or already committed),
 *     then sl_profiler_result. Costs must stay under 10 % of a run
 *     (bench/quality/profile.sh, docs/BENCHMARKS.md "Column profiles").
 *   - a model or any table: sl_profile_relation asks the warehouse (one
 *     aggregate query; distinct counted exactly with count(DISTINCT)).
 * Profiles are stored with sl_state_profile_add (state/quality_store.h).
 */
#ifndef SL_QUALITY_PROFILE_H
#define SL_QUALITY_PROFILE_H
#include "core/batch.h"
#include "core/error.h"
#include <stdint.h>

struct sl_adapter;

/* The most columns a profile covers: the first ones of a wider input
 * (a source's default max_columns), so that memory and the state store's
 * rows per run stay bounded whatever the input's width. */
#define SL_PROFILE_MAX_COLUMNS 1000

typedef struct sl_column_profile {
    char name[128];
    char type[16];            /* sluice type name (core/types.h) or the warehouse's declared type */
    int64_t rows, nulls;
    int64_t distinct;         /* estimate; -1 unknown */
    int has_num;              /* numbers: */
    double min, max, mean, stddev;
    int has_len;              /* text: */
    int64_t min_len, max_len;
    char min_text[64], max_text[64]; /* dates/timestamps (ISO) and text min/max, cut to 63 bytes; "" when none */
    char format[16];          /* inferred format, "" when none */
    double format_fail_rate;  /* share of non-null values failing it; 0 when no format */
} sl_column_profile;

typedef struct sl_profile {
    int64_t rows;
    sl_column_profile *cols;
    size_t ncols;
} sl_profile;

typedef struct sl_profiler sl_profiler;
sl_profiler *sl_profiler_new(void);
/* Count rows [0, b->nrows) of b except those with skip[row] != 0 (skip may
 * be NULL). Columns are matched by name; a column appearing in a later
 * batch joins with its earlier rows counted as nulls. b is only read
 * during the call (its values are copied and profiled on the profiler's
 * own worker thread, off the caller's path): for a batch the caller
 * reuses at once. sl_profiler_result waits for that work. Not
 * thread-safe: one calling thread per profiler. */
void sl_profiler_add(sl_profiler *p, const sl_batch *b, const uint8_t *skip);
/* The same without a copy: the worker profiles b in place and then calls
 * done(ctx, b) on its own thread (the caller must neither change nor free
 * b until then). skip is copied (b->nrows bytes) during the call. Batches
 * are profiled, and handed back, in the order given; the call blocks
 * while 4 wait. Without a worker thread, b is profiled and handed back
 * during the call. */
typedef void (*sl_profiler_done_fn)(void *ctx, sl_batch *b);
void sl_profiler_add_async(sl_profiler *p, sl_batch *b, const uint8_t *skip, sl_profiler_done_fn done, void *ctx);
/* Wait until every batch handed over was profiled (and handed back). */
void sl_profiler_wait(sl_profiler *p);
/* The profile so far (owned by the caller; sl_profile_release). */
void sl_profiler_result(const sl_profiler *p, sl_profile *out);
void sl_profiler_free(sl_profiler *p);

/* Profile a warehouse relation with SQL. */
int sl_profile_relation(struct sl_adapter *a, const char *schema, const char *identifier, sl_profile *out,
                        sl_error *err);
void sl_profile_release(sl_profile *p);

/* HyperLogLog on its own (tests, other estimators). */
typedef struct sl_hll sl_hll;
sl_hll *sl_hll_new(void);
void sl_hll_add_hash(sl_hll *h, uint64_t hash);
double sl_hll_estimate(const sl_hll *h);
void sl_hll_free(sl_hll *h);

#endif
