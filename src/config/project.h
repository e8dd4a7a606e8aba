/*
 * project.h: a sluice project folder, loaded and validated.
 *
 *   sluice.yml          name, warehouse (default: warehouse.db, SQLite),
 *                       state (default: .sluice/state.db)
 *                       max_concurrent_runs, alerts (sched/alerts.h)
 *   pipelines/NAME.yml  one pipeline per file; NAME is the pipeline name;
 *                       schedule keys in sched/schedule.h
 *
 * sl_project_load() reads everything and validates it against the option
 * tables, collecting every problem as a file:line:col diagnostic; nothing
 * runs until the whole project is valid. The project owns all pipelines,
 * instances and strings below it; sl_project_free() releases them.
 */
#ifndef SL_PROJECT_H
#define SL_PROJECT_H
#include "config/diag.h"
#include "engine/component.h"

typedef struct sl_pipeline {
    char *name;
    char *file;                /* path of its YAML file */
    char *description;
    sl_instance source;
    sl_instance *transforms;
    size_t ntransforms;
    sl_instance *sinks;
    size_t nsinks;
    int on_error_fail;         /* on_error: fail */
    int64_t batch_rows;        /* rows per batch (default 8192) */
    int64_t max_rejected;      /* max_rejected: N rows; -1: no limit */
    double max_rejected_pct;   /* max_rejected: P% of the rows read; -1: no limit */
    struct sl_schedule *schedule; /* schedule, after, timeout, retries (sched/schedule.h) */
    struct sl_project *project;
} sl_pipeline;

typedef struct sl_project {
    char *dir;                 /* absolute */
    char *file;                /* sluice.yml path */
    char *name;
    char *warehouse;           /* absolute path of the SQLite warehouse */
    char *warehouse_url;       /* or, with {type: postgres, url: ...}, its URL */
    char *state_path;          /* absolute path of the SQLite state store */
    char *state_url;           /* or, with {type: postgres, url: ...}, its URL */
    int max_concurrent_runs;   /* sluice serve: runs at once (default 4) */
    struct sl_alerts *alerts;  /* alerts: channels and rules (sched/alerts.h) */
    sl_pipeline **pipelines;   /* sorted by name */
    size_t npipelines;
    char **files;              /* every loaded file name; diagnostics point here */
    size_t nfiles;
    char **skipped;            /* SL_LOAD_SKIP_BROKEN: "file:line:col: message" of each
                                * problem that made a pipeline (or the DAG check) be skipped */
    size_t nskipped;
} sl_project;

/* Load and validate the project in dir. On problems, returns -1 with d
 * filled (the partially loaded project is freed). */
int sl_project_load(const char *dir, sl_project **out, sl_diags *d);

/* Flags of sl_project_load_flags. SL_LOAD_SKIP_BROKEN is for the commands an
 * operator needs during an incident (history, dlq, state, schema, list): a
 * pipeline file with problems (a ${VAR} unset in this shell, a syntax error)
 * is left out instead of failing the load, and its problems are kept in
 * p->skipped; `after:` problems become notes there too. sluice.yml itself
 * must still be valid: without it the state store cannot be found. */
enum { SL_LOAD_SKIP_BROKEN = 1 };
int sl_project_load_flags(const char *dir, int flags, sl_project **out, sl_diags *d);
void sl_project_free(sl_project *p);
/* Every pipeline-level key with a help line, schedule keys included (`sluice help pipeline`). */
void sl_pipeline_help(sl_buf *out);
sl_pipeline *sl_project_find(const sl_project *p, const char *name);
/* Resolve a path relative to the project folder (caller frees). */
char *sl_project_path(const sl_project *p, const char *rel);

/* Build one instance from a YAML mapping with a `type:` key (exposed for tests). */
int sl_instance_load(sl_instance *in, sl_kind kind, struct fy_node *map, const char *file,
                     const char *pipeline, sl_diags *d);
void sl_instance_release(sl_instance *in);

#endif
