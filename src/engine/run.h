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
    int64_t total_bytes;    /* -1 if unknown */
    _Atomic int cancel;
    struct sl_expr_engine *expr; /* SQL expressions; used by the transform thread only */     /* set on SIGINT/SIGTERM or a stage error */
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

/* The options every source's struct starts with (see component.h). */
typedef struct sl_source_common {
    sl_kvlist columns;  /* declared types: name -> type */
    int infer_types;
    char *normalize_names; /* "none" | "snake_case" (core/names.h) */
} sl_source_common;

#endif
