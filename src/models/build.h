/*
 * build.h: the executor of the models layer: runs a selection of a
 * project's DAG (models/graph.h) in dependency order, as `sluice build`,
 * `sluice run` (with models), `seed`, `snapshot` and `test` do:
 *
 *   pipeline  through the caller's hook (the CLI passes the runner job,
 *             sched/runner.h, so a pipeline runs exactly as `sluice run`
 *             runs it)
 *   seed      sl_materialize_seed
 *   model     sl_materialize_is_incremental -> sl_graph_compile ->
 *             sl_materialize_model (ephemeral models are inlined by their
 *             readers and never run)
 *   snapshot  sl_graph_compile -> sl_materialize_snapshot
 *   test      sl_graph_compile_test -> sl_test_run (models/test.h); a test
 *             node carrying a sluice check (node->check) -> sl_check_run
 *             on its model's relation (quality/check.h)
 *
 * Data quality (docs/quality/models.md): table and incremental models run
 * their error-severity checks on the staged data inside the build's
 * transaction (write-audit-publish, sl_materialize_model_audited): a
 * failing one rolls the build back and the model's status is error.
 * With o->state, each built table, incremental model, seed and snapshot is
 * profiled (sl_profile_relation -> sl_state_profile_add) and its monitors
 * fed (sl_monitor_after_run, rows = rows in the table).
 *
 * A node that fails (status error, or fail: a test of severity error)
 * skips every node that depends on it, transitively (status skipped, the
 * message names the failed upstream). Under `build`, a node waits for the
 * tests of its upstreams as dbt's build does, so a failing test stops what
 * reads the tested model (unless that would make a cycle: a relationships
 * test between two models one of which reads the other).
 *
 * Threads: a pool of o->threads workers (default 4 on PostgreSQL, 1 on
 * SQLite, which has one writer; more are reduced to 1 there), each with
 * its own adapter connection, takes the ready node that comes first in
 * the DAG order. Results are reported in DAG order whatever the finishing
 * order, so output is deterministic. Cancellation (*o->cancel, Ctrl-C)
 * and --fail-fast stop starting nodes; running ones finish; the rest are
 * reported skipped.
 */
#ifndef SL_MODELS_BUILD_H
#define SL_MODELS_BUILD_H
#include "core/error.h"
#include "models/adapter.h"
#include "models/graph.h"
#include <stdatomic.h>
#include <stdint.h>

typedef struct sl_project sl_project;

typedef struct sl_node_result {
    size_t node;           /* index into g->nodes */
    char status[12];       /* success | error | skipped (seeds, pipelines, models, snapshots);
                              pass | warn | fail | error | skipped (tests) */
    int64_t failures;      /* tests: failing rows; -1 otherwise */
    int64_t rows_affected; /* -1 when unknown (views) */
    char message[512];     /* "CREATE TABLE", "INSERT 120", the error, why it was skipped */
    char *compiled;        /* the SQL that ran (models, snapshots, tests), or NULL; owned */
    char *sample_json;     /* tests: up to 10 failing rows as a JSON array, or NULL; owned */
    char run_id[40];       /* pipelines: their run's id in the state store */
    char started_at[40];   /* ISO 8601 UTC; "" when the node never started */
    double duration_s;     /* whole node */
    double sql_s;          /* of which in the warehouse (or the pipeline run); the rest is sluice's overhead */
    int thread;            /* worker number, 0-based */
    struct sl_check_result *checks; /* data-quality results of this node (quality/check.h), owned: a test's
                             * or check's one result (dbt tests mapped: kind = the test's name), a
                             * model's write-audit-publish results that no test node of the run reports */
    size_t nchecks;
    char *notes;           /* lines to print under the node's line (a pipeline's checks that did not pass), or NULL; owned */
} sl_node_result;

/* Hooks; every one may be NULL. */
typedef struct sl_build_ops {
    /* Run pipeline node i; fill r (status success/error, rows_affected,
     * message, run_id); 0 on success. NULL: pipelines fail with a message. */
    int (*pipeline)(void *ctx, sl_graph *g, size_t i, sl_node_result *r);
    /* Open a worker's warehouse connection (NULL: sl_adapter_open). */
    int (*open)(void *ctx, sl_graph *g, sl_adapter **a, sl_error *err);
    /* Run node i instead of the warehouse path (for tests of the scheduler). */
    int (*node)(void *ctx, sl_graph *g, size_t i, sl_adapter *a, sl_node_result *r);
    /* Node k (0-based) of total finished; called in DAG order, from one thread at a time. */
    void (*report)(void *ctx, const sl_graph *g, const sl_node_result *r, size_t k, size_t total);
    void *ctx;
} sl_build_ops;

/* Node kinds as bits of sl_build_opts.kinds */
#define SL_BUILD_KIND(k) (1u << (k))
#define SL_BUILD_ALL                                                                                            \
    (SL_BUILD_KIND(SL_NODE_PIPELINE) | SL_BUILD_KIND(SL_NODE_SEED) | SL_BUILD_KIND(SL_NODE_MODEL) |             \
     SL_BUILD_KIND(SL_NODE_SNAPSHOT) | SL_BUILD_KIND(SL_NODE_TEST))

typedef struct sl_build_opts {
    const uint8_t *sel;  /* g->n flags (sl_graph_select); NULL: every node */
    unsigned kinds;      /* which kinds run (SL_BUILD_KIND bits); 0: SL_BUILD_ALL */
    int threads;         /* <= 0: the warehouse's default */
    int fail_fast;       /* stop starting nodes after the first failure */
    int full_refresh;    /* rebuild incremental models and seeds from scratch */
    _Atomic int *cancel; /* non-zero: stop starting nodes (Ctrl-C, SIGTERM); may be NULL */
    sl_build_ops ops;
    /* data quality (docs/quality/models.md); all may be NULL */
    struct sl_state *state;     /* check history (row_count_change, freshness), profiles, monitor points */
    const char *run_id;         /* the invocation's id: profiles and monitor points are kept under it */
    struct sl_alerter *alerter; /* monitors' incidents */
    int no_audit;               /* 1: no write-audit-publish (checks run after the build, as tests) */
} sl_build_opts;

typedef struct sl_build {
    sl_node_result *results; /* the nodes that were to run, in DAG order */
    size_t n;
    int threads;             /* workers used */
    double elapsed_s;
    size_t nsuccess, nwarn, nerror, nskipped; /* pass counts as success, fail as error */
} sl_build;

/* Run the selection. Returns 0 when every node succeeded (pass and warn
 * count as success), -1 when any failed or was skipped, with err set only
 * when the build could not start (no warehouse connection). */
int sl_build_run(sl_graph *g, const sl_build_opts *o, sl_build *out, sl_error *err);
void sl_build_free(sl_build *b);

/* Whether the project has a models layer (a dbt_project.yml, or a
 * model-paths folder that exists): `sluice run` and `sluice serve` then
 * load its graph; without one they stay the pipelines' own. */
int sl_build_has_models(const sl_project *p);
/* A warehouse connection whose default schema is the graph's target
 * schema (created on PostgreSQL when missing). */
int sl_build_open_adapter(const sl_graph *g, sl_adapter **a, sl_error *err);
/* "pipeline", "seed", "model", "snapshot", "test", "analysis", "source" */
const char *sl_build_kind_name(sl_node_kind k);
/* Whether the node is one the executor runs (not a source, an analysis,
 * an ephemeral or disabled model). */
int sl_build_runnable(const sl_node *n);
/* Whether a result is a failure for its dependents (error, fail, skipped). */
int sl_build_failed(const sl_node_result *r);

#endif
