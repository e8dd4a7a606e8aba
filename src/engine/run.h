/*
 * run.h: one run of one pipeline, as components see it.
 *
 * The engine (pipeline.c) creates an sl_run, opens every instance with it,
 * and tears it down at the end. Components read the project, the epoch and
 * the state store from it, and resolve relative paths with
 * sl_project_path(run->project, ...).
 */
#ifndef SL_RUN_H
#define SL_RUN_H
#include "config/project.h"
#include "state/state.h"
#include <pthread.h>
#include <stdatomic.h>

struct sl_run {
    sl_project *project;
    sl_pipeline *pipeline;
    sl_state *state;
    char run_id[40];
    int64_t epoch;
    int resumed;
    int full_refresh;       /* --full-refresh: ignore incremental state */
    int full_resync;        /* --full-resync: reverse-ETL sinks send every row */
    int allow_deletes;      /* --allow-deletes: mirror deletes beyond max_deletes, this run only */
    int dry_run;            /* --dry-run: nothing is sent or written (see pipeline.h) */
    sl_buf report;          /* --dry-run: sinks append what they would have done */
    /* live counters, read by the progress bar */
    _Atomic int64_t rows_read, rows_loaded, rows_filtered, rows_rejected, bytes_read;
    /* rows upsert sinks with only_if_newer did not apply (the stored row of
     * their key was as new or newer), summed over sinks; part of rows_loaded */
    _Atomic int64_t rows_stale;
    /* files read in parallel ranges (sources/ranges.h): ranges handed on,
     * summed, and the most worker threads one file had (sl_run_counts) */
    _Atomic int64_t ranges, range_workers;
    int64_t total_bytes;    /* -1 if unknown */
    _Atomic int cancel;
    struct sl_expr_engine *expr; /* SQL expressions; used by the transform thread only */     /* set on SIGINT/SIGTERM or a stage error */
    /* a stream pipeline's run (sources/stream.h, sched/stream.c): zero for batch runs */
    struct sl_run_stream {
        int continuous;       /* 1 under serve: wait for events; 0: read what the spool holds and end */
        int64_t until_us;     /* continuous: end the run (successfully) at this wall time; 0: never */
        _Atomic int *stop;    /* continuous: set to end the run (successfully) soon; NULL: none */
    } stream;
    /* schema changes noticed while running, written to the state store at the end */
    pthread_mutex_t lock;
    char **schema_changes;  /* "column\tchange" */
    size_t nschema_changes;
};

/* Record a schema change (thread-safe); logged now, stored at run end. */
void sl_run_schema_change(sl_run *run, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The option that names columns in snake_case (core/names.h), in every
 * source's table; F is the path of its sl_source_common.normalize_names. */
#define SL_NORMALIZE_NAMES_OPTION(T, F)                                                             \
    {"normalize_names", SL_OPT_ENUM, "none", 0, offsetof(T, F), "none|snake_case",                  \
     "column names as the source spells them, or snake_case (Record ID -> record_id); names that "  \
     "collide (also without case, or once normalized) get _2, _3, ..."}

/* The most columns a source's rows may have unless its `max_columns:`
 * says otherwise: below PostgreSQL's 1600 columns per table and SQLite's
 * default 2000, with room for what sinks add. */
#define SL_MAX_COLUMNS_DEFAULT 1000

/* The option that bounds a source's width (engine/typing.h; the file
 * sources check it first, see sources/files.h); F is the path of its
 * sl_source_common.max_columns. A source whose table lacks it gets the
 * default (0 in the struct reads as SL_MAX_COLUMNS_DEFAULT). */
#define SL_MAX_COLUMNS_OPTION(T, F)                                                                 \
    {"max_columns", SL_OPT_INT, "1000", 0, offsetof(T, F), NULL,                                    \
     "most columns the rows may have (1-100000; PostgreSQL allows 1600 per table, SQLite 2000): a "  \
     "CSV header or SQL result wider fails the run; JSON members beyond it go into one json column, " \
     "_extra"}

/* The options every source's struct starts with (see component.h). */
typedef struct sl_source_common {
    sl_kvlist columns;  /* declared types: name -> type */
    int infer_types;
    char *normalize_names; /* "none" | "snake_case" (core/names.h) */
    int64_t max_columns;   /* 0: SL_MAX_COLUMNS_DEFAULT */
} sl_source_common;

/* The max_columns in effect for a source's common options (NULL: none). */
static inline size_t sl_source_max_columns(const sl_source_common *c)
{
    return c && c->max_columns > 0 ? (size_t)c->max_columns : SL_MAX_COLUMNS_DEFAULT;
}

/* Whether the run is being cancelled (SIGTERM, SIGINT, `timeout:`, a
 * failed stage): long loops of a stage check it and stop. */
static inline int sl_run_cancelled(const struct sl_run *run)
{
    return run && atomic_load_explicit(&((struct sl_run *)run)->cancel, memory_order_relaxed);
}

#endif
