/*
 * node.h: the nodes of a project's one DAG (docs/MODELS.md): pipelines,
 * seeds, models, snapshots, tests, analyses, and the sources models read.
 *
 * Names follow dbt's: a node has a unique_id ("model.gtm.account_health"),
 * an fqn (project, folders, name) that the `models:` config trees of
 * sluice.yml / dbt_project.yml match, and a config resolved in dbt's order
 * (project tree, then properties .yml, then the file's own config()).
 *
 * Ownership: the graph (models/graph.h) owns every node and every string
 * below it; nothing here is freed by its reader.
 */
#ifndef SL_MODELS_NODE_H
#define SL_MODELS_NODE_H
#include <stddef.h>
#include <stdint.h>

typedef enum sl_node_kind {
    SL_NODE_PIPELINE,  /* a pipelines/NAME.yml; its relations are its SQL sinks' tables */
    SL_NODE_SEED,      /* seeds/NAME.csv */
    SL_NODE_MODEL,     /* models/.../NAME.sql (any depth) */
    SL_NODE_SNAPSHOT,  /* a {% snapshot NAME %} block in a snapshots/ .sql file */
    SL_NODE_TEST,      /* a generic test instance (properties .yml) or a singular test (a tests/ .sql file) */
    SL_NODE_ANALYSIS,  /* an analyses/ .sql file: compiled, never run */
    SL_NODE_SOURCE,    /* a `sources:` table of a properties file: read, never built */
} sl_node_kind;

typedef struct sl_strv {
    char **v;
    size_t n;
} sl_strv;

/* A model's, seed's, snapshot's or test's configuration. Strings are NULL
 * when unset (the default applies); ints are -1 when unset. */
typedef struct sl_node_config {
    int enabled;                 /* default 1 */
    char *materialized;          /* view (default) | table | incremental | ephemeral; "seed", "snapshot", "test" */
    char *schema;                /* custom schema: the relation lives in "<target schema>_<schema>" (dbt's rule) */
    char *alias;                 /* relation name instead of the node's name */
    sl_strv tags;
    /* incremental models */
    sl_strv unique_key;          /* one or more columns */
    char *incremental_strategy;  /* append | merge | delete+insert (default: merge with unique_key, else append) */
    char *on_schema_change;      /* ignore (default) | append_new_columns | fail | sync_all_columns */
    int full_refresh;            /* config(full_refresh=false) pins it; -1 unset */
    /* snapshots */
    char *strategy;              /* timestamp | check */
    char *updated_at;            /* timestamp strategy's column */
    sl_strv check_cols;          /* check strategy's columns; one "all" means every column */
    char *hard_deletes;          /* ignore (default) | invalidate | new_record */
    char *target_schema;         /* dbt's older snapshot key, same meaning as schema */
    /* tests */
    char *severity;              /* error (default) | warn */
    char *error_if, *warn_if;    /* dbt's "!= 0" style conditions on the failure count */
    char *where;                 /* filter on the tested model */
    int64_t limit;               /* -1 unset */
    int store_failures;          /* -1 unset */
    /* data quality (docs/quality/models.md) */
    int profile;                 /* profile: true profiles a view too, false nothing; -1 unset (tables,
                                  * incremental models, seeds and snapshots are profiled) */
    /* seeds */
    sl_strv column_types_names;  /* column_types: name -> type, two parallel arrays */
    sl_strv column_types_types;
    char *delimiter;
    /* hooks (SQL run before/after the node, in its transaction where it has one) */
    sl_strv pre_hook, post_hook;
    /* sluice scheduling under `sluice serve` (sched/schedule.h keys) */
    char *schedule;              /* cron or "every 15m" */
    sl_strv after;               /* runs after these nodes succeed (pipelines or models) */
} sl_node_config;

typedef struct sl_column_prop {
    char *name;
    char *description;
    char *data_type;
} sl_column_prop;

typedef struct sl_node {
    sl_node_kind kind;
    char *name;          /* file stem, seed/snapshot/test name, pipeline name */
    char *unique_id;     /* dbt's: "model.<project>.<name>", "test.<project>.<test_name>", "source.<p>.<src>.<table>" */
    char *file;          /* path relative to the project folder ("models/staging/stg_contacts.sql") */
    sl_strv fqn;         /* [project, folder..., name] */
    char *raw;           /* the file's text (models, snapshot body, singular tests, analyses); NULL otherwise */
    int raw_line, raw_col; /* where raw begins in file (1, 1 for whole files; a snapshot body's start) */
    char *description;
    sl_column_prop *columns;
    size_t ncolumns;
    sl_node_config config;
    /* where it lives in the warehouse (models, seeds, snapshots, sources, pipelines' first SQL sink) */
    char *schema;        /* resolved schema name; NULL: the warehouse's default (SQLite "main") */
    char *identifier;    /* resolved table/view name (alias or name; a source's identifier) */
    /* edges: indexes into the graph's nodes, sorted, no duplicates */
    size_t *deps;
    size_t ndeps;
    /* tests */
    size_t attached;     /* the node a generic test tests (index), or (size_t)-1 */
    char *test_name;     /* generic: unique, not_null, accepted_values, relationships, or a custom test's name */
    char *column_name;   /* generic: the tested column, or NULL */
    char *test_kwargs;   /* generic: the test's arguments as a JSON object text ({"values": [...]}) */
    struct sl_monitor_config *monitors; /* models, seeds, snapshots: `monitors:` of the properties file
                                         * (quality/monitor.h), or NULL: the project's */
    struct sl_check *check; /* a sluice check (quality/check.h) from checks: or a column's tests: entry of
                             * a sluice kind dbt has not: run with sl_check_run instead of a test macro */
    /* sources */
    char *source_name;   /* sources: the `sources:` entry's name */
    char *loaded_at_field; /* sources: loaded_at_field (kept, for freshness checks) */
    char *freshness;     /* sources: the freshness block as JSON text ({"warn_after": {...}}), or NULL */
    char *patch_file;    /* the properties file that described the node, or NULL */
    /* pipelines */
    struct sl_pipeline *pipeline;
    /* typed models (models/mtype.h): a models/ .yml with `type:` */
    const struct sl_mtype *mtype; /* its type, or NULL (a SQL model, or an extra output) */
    void *mtype_spec;    /* what the type's parse returned (freed with its free_spec) */
    char *mtype_owner;   /* an extra output of a typed model (materialized "output"): the owner's name */
    /* compile results (models/compile.h) */
    char *compiled;      /* the rendered SQL (ephemeral upstreams inlined as CTEs) */
} sl_node;

#endif
