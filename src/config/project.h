/*
 * project.h: a sluice project folder, loaded and validated.
 *
 *   sluice.yml          name, warehouse (default: warehouse.db, SQLite),
 *                       state (default: .sluice/state.db)
 *                       max_concurrent_runs, alerts (sched/alerts.h)
 *                       targets/target (warehouse per --target), the models
 *                       layer's keys (config trees, vars, *-paths: below)
 *   dbt_project.yml     a dbt project's file: read when there is no
 *                       sluice.yml, and for the models layer's keys that
 *                       sluice.yml does not give when both exist
 *                       (project_models.c; docs/MODELS.md "Project layout")
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
#include "quality/check.h"
#include "quality/monitor.h"

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
    sl_check_list checks;      /* checks: on the run's rows (quality/check.h, engine/checks.h) */
    sl_monitor_config monitors; /* monitors: (quality/monitor.h); .set = 0: the project's */
    int profile;               /* profile: false turns column profiles off (default 1) */
    struct sl_project *project;
    /* stream pipelines (sched/stream.h, docs/events/continuous.md) */
    int64_t record_every_s;    /* record_every: one run (history record) per window (default 3600) */
    int64_t max_lag_s;         /* max_lag: a lane behind by more (event time) raises an alert (default 300) */
    char **sink_lanes;         /* per sink: its `lane:` as written, or NULL (the default lane) */
    char *plan_note;           /* the plan rewrites made at load (transforms/reorder.h), or NULL */
} sl_pipeline;

/* One table of monitors/NAME.yml: checks and monitors on any warehouse table. */
typedef struct sl_monitor_table {
    char *table;               /* as written: "schema.table" or "table" */
    char *schema;              /* NULL: the warehouse's default schema */
    char *identifier;
    char *node;                /* "table.<project>.<schema or main/public>.<table>" */
    const char *file;          /* points into p->files */
    sl_loc loc;
    sl_check_list checks;
    sl_monitor_config monitors;
    char *description;
} sl_monitor_table;

/* A config tree (models:, seeds:, snapshots:, tests:/data_tests:,
 * sources:) or vars: as YAML, with the file it is in. The node lives as
 * long as the project (its document is kept). */
typedef struct sl_project_tree {
    struct fy_node *node;      /* NULL when the project has none */
    const char *file;          /* points into p->files */
} sl_project_tree;

enum { SL_TREE_MODELS, SL_TREE_SEEDS, SL_TREE_SNAPSHOTS, SL_TREE_TESTS, SL_TREE_SOURCES, SL_TREE_N };

/* One entry of `targets:`: a warehouse block under a name. */
typedef struct sl_project_target {
    char *name;
    char *warehouse;           /* absolute SQLite path, or NULL */
    char *warehouse_url;       /* or a PostgreSQL URL */
    char *schema;              /* PostgreSQL schema (schema:), or NULL */
    sl_loc loc;
} sl_project_target;

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
    /* the models layer (docs/MODELS.md "Project layout") */
    char *dbt_file;            /* dbt_project.yml when there is one (points into files), else NULL */
    char *version;             /* version: of dbt_project.yml, or NULL */
    char *warehouse_schema;    /* PostgreSQL schema of the warehouse (schema:), or NULL */
    sl_project_tree trees[SL_TREE_N];
    sl_project_tree vars;      /* vars: mapping */
    sl_strlist model_paths, seed_paths, snapshot_paths, macro_paths, test_paths, analysis_paths, docs_paths;
    sl_strlist clean_targets;
    char *target_path;         /* relative as written; default "target" */
    sl_project_target *targets;
    size_t ntargets;
    char *target_name;         /* the target in use: --target, else target:, else the first; NULL without targets: */
    struct fy_document *docs_kept[2]; /* sluice.yml's and dbt_project.yml's documents, for the trees */
    sl_monitor_config monitors; /* monitors: of sluice.yml: the default of every node */
    sl_monitor_table *monitor_tables; /* monitors/NAME.yml, in file order */
    size_t nmonitor_tables;
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
/* Use target `name` of targets: (--target NAME): the project's warehouse
 * becomes that target's. NULL keeps the default target. An unknown name
 * is an error (with a suggestion) in err; returns -1. */
int sl_project_use_target(sl_project *p, const char *name, sl_error *err);
/* Whether the project has a model (NAME.sql under a model path) or a seed
 * (NAME.csv under a seed path) called name: `after:` of a pipeline may
 * name one (sched/dag.c). */
int sl_project_has_node_file(const sl_project *p, const char *name);
sl_pipeline *sl_project_find(const sl_project *p, const char *name);
/* A fresh copy of pl (its own instances: a stream pipeline's lanes,
 * sched/stream.c), loaded again from pl->file under the name `name`
 * (positions, locks and history are kept under it). NULL with d filled
 * when the file no longer loads. Free with sl_pipeline_free. */
sl_pipeline *sl_pipeline_load_as(sl_project *proj, const sl_pipeline *pl, const char *name, sl_diags *d);
void sl_pipeline_free(sl_pipeline *pl);
/* Load monitors/NAME.yml into p->monitor_tables (quality/monitor_tables.c;
 * called by sl_project_load). Returns diagnostics added. */
int sl_monitor_tables_load(sl_project *p, sl_diags *d);
void sl_monitor_tables_free(sl_project *p);
/* Resolve a path relative to the project folder (caller frees). */
char *sl_project_path(const sl_project *p, const char *rel);

/* Build one instance from a YAML mapping with a `type:` key (exposed for tests). */
int sl_instance_load(sl_instance *in, sl_kind kind, struct fy_node *map, const char *file,
                     const char *pipeline, sl_diags *d);
void sl_instance_release(sl_instance *in);

#endif
