/*
 * component.h: what a source, a transform and a sink are.
 *
 * A component type ("plugin") is one static struct of callbacks plus one
 * option table (config/options.h), defined at the end of one file in
 * src/sources, src/transforms or src/sinks and listed in registry.c.
 * Each YAML block of a pipeline is an *instance*: the plugin, its filled
 * option struct, its private state and its id (used in logs and the DLQ).
 *
 * Versioning: `version` comes first and is SL_PLUGIN_VERSION; callbacks
 * are only ever appended, and optional ones may be NULL.
 *
 * Errors: callbacks return 0 (or 1 for "got a batch") and -1 with err set.
 * Bad *records* are not errors: they are rejected into the batch
 * (sl_batch_reject_*) and end up in the dead-letter queue.
 */
#ifndef SL_COMPONENT_H
#define SL_COMPONENT_H
#include "config/diag.h"
#include "config/options.h"
#include "core/batch.h"
#include "core/error.h"
#include <stdint.h>

#define SL_PLUGIN_VERSION 1

typedef struct sl_run sl_run;           /* engine/run.h */
typedef struct sl_instance sl_instance;

/* Where reading of one input (a file) resumes. */
typedef struct sl_resume {
    int64_t offset, line; /* 0, 0 = from the start */
} sl_resume;

/* Given by the engine to a source at open: where to resume each input. */
typedef int (*sl_resume_fn)(sl_run *run, const char *key, int64_t size, int64_t mtime,
                            sl_resume *out);

/* One committed position, as `sluice state show` lists them. */
typedef void (*sl_position_fn)(void *ctx, const char *key, int64_t epoch, int64_t offset, int64_t line,
                               const char *updated_at);
struct sl_project;
struct sl_adapter; /* models/adapter.h */
struct sl_colset; /* engine/colcheck.h */
struct sl_projection; /* engine/project.h */

typedef struct sl_source_plugin {
    int version;
    const char *name, *summary;
    const sl_option *options;
    size_t opts_size;
    /* Semantic checks beyond the option table; add diagnostics, return count. */
    int (*check)(sl_instance *in, sl_diags *d);
    int (*open)(sl_instance *in, sl_run *run, sl_resume_fn resume, sl_error *err);
    /* Fill the cleared batch b: 1 = a batch, 0 = end of input, -1 = error. */
    int (*next)(sl_instance *in, sl_batch *b, sl_error *err);
    /* The run committed everything: remember what was loaded (incremental). */
    int (*done)(sl_instance *in, sl_run *run, sl_error *err);
    void (*close)(sl_instance *in);
    /* Total input bytes if known (progress bars), else -1. Optional. */
    int64_t (*total_bytes)(sl_instance *in);
    /* A stream source (webhook, segment): what `sluice serve` does with
     * the HTTP requests that feed its spool (stream/ingest.h); the source
     * then reads the spool (sources/stream.h). NULL for batch sources. */
    const struct sl_ingest_kind *ingest;
} sl_source_plugin;

typedef struct sl_transform_plugin {
    int version;
    const char *name, *summary;
    const sl_option *options;
    size_t opts_size;
    int (*check)(sl_instance *in, sl_diags *d);
    int (*open)(sl_instance *in, sl_run *run, sl_error *err);
    /* Change b in place: drop rows (count them in b->nfiltered), reject rows. */
    int (*process)(sl_instance *in, sl_batch *b, sl_error *err);
    /* Blocking transforms only (NULL otherwise): at end of input, emit held
     * rows batch by batch: fill b and return 1, or 0 when done. */
    int (*flush)(sl_instance *in, sl_batch *b, sl_error *err);
    void (*close)(sl_instance *in);
    /* 1 when the transform's output depends on rows before the resume point
     * (dedupe): the engine then re-reads a resumed run from its start. */
    int stateful;
    /* Optional, for `sluice validate` (engine/colcheck.h): require the
     * columns it names in cols (the columns before it; maybe not known),
     * adding diagnostics at their file:line:col, then change cols to the
     * columns after it. A transform without it makes them unknown. */
    int (*columns)(sl_instance *in, struct sl_colset *cols, sl_diags *d);
    /* Optional: the run succeeded (every sink finished: what the run read
     * is committed everywhere); called before the source's done. A
     * stateful transform saves the state it keeps across runs here
     * (transforms/milestones.c), tagged with b->end_offset of the last
     * batch it saw, so a run that resumes the epoch knows which rows its
     * state already holds. Failing fails the run. */
    int (*done)(sl_instance *in, sl_run *run, sl_error *err);
    /* Optional, for projection pushdown (engine/project.h): need holds
     * the columns needed after this transform (or need->all); change it
     * to the columns needed before it: every column it reads (also one
     * whose value it then drops: its expressions must still compile), and
     * every column whose presence changes what it does (a name it would
     * collide with, a replaced column whose type it keeps). Return -1 (or
     * set need->all) when that cannot be known. A transform without it
     * needs every column. */
    int (*needs)(sl_instance *in, struct sl_projection *need);
} sl_transform_plugin;

/* What one sink did with the rows of a run (committed work only), or in a
 * dry run would do. Per sink kind:
 *   created    rows inserted (warehouses: new rows, new keys of an upsert,
 *              the rows of a rebuilt table; files: lines written; http:
 *              records created)
 *   updated    rows that changed a stored row of their key (upsert; http:
 *              records updated)
 *   deleted    rows removed (a rebuilt table: the rows it held before;
 *              http mirror: records deleted)
 *   unchanged  rows that changed nothing (upsert: a stored row with equal
 *              values, or a newer one under only_if_newer; http: payload
 *              unchanged since it was last synced, not sent)
 *   failed     rows the destination refused (they are in the DLQ) */
typedef struct sl_sink_counts {
    int64_t created, updated, deleted, unchanged, failed;
} sl_sink_counts;

typedef struct sl_sink_plugin {
    int version;
    const char *name, *summary;
    const sl_option *options;
    size_t opts_size;
    int (*check)(sl_instance *in, sl_diags *d);
    int (*open)(sl_instance *in, sl_run *run, sl_error *err);
    /* The position this sink has committed for input `key` in this run's
     * epoch (found = 0 when none). Rows before it are skipped for this sink. */
    int (*position)(sl_instance *in, const char *key, sl_resume *pos, int *found, sl_error *err);
    /* Write rows [from, b->nrows) inside the current transaction. A row the
     * destination refuses: set rejected[row] = 1 and add a reject with
     * sl_batch_reject_row(b, row, in->id, reason). */
    int (*write)(sl_instance *in, sl_batch *b, size_t from, uint8_t *rejected, sl_error *err);
    /* Make the write durable together with the position b->end_offset of
     * b->file (exactly once where the destination is transactional). The
     * engine calls write and commit only for batches that end after the
     * sink's committed position, so a position never moves back. */
    int (*commit)(sl_instance *in, const sl_batch *b, sl_error *err);
    void (*rollback)(sl_instance *in);
    /* All input is committed: publish (rename files, swap tables). Must be
     * idempotent within an epoch: it may run again after a crash. */
    int (*finish)(sl_instance *in, sl_error *err);
    void (*close)(sl_instance *in);
    /* Optional, for `sluice state show`: list the positions this sink keeps
     * beside its data, opening and closing its own connection. */
    int (*positions)(sl_instance *in, struct sl_project *project, sl_position_fn fn, void *ctx, sl_error *err);
    /* 1: the sink runs in `--dry-run` (run->dry_run set): it sends and
     * writes nothing and appends what it would do to run->report. Sinks
     * without it are not opened in a dry run. */
    int dry_run;
    /* Optional: what the sink did in this run (sl_sink_counts). In a dry
     * run, `requests` (never NULL then) gets a JSON array of the first
     * requests the sink would send: [{"method","url","body"}]. */
    void (*counts)(sl_instance *in, sl_sink_counts *out, sl_buf *requests);
    /* Optional, for checks that read the warehouse (quality/check.h,
     * engine/checks.h): call fn once with an adapter over the sink's
     * connection (models/adapter.h: sl_adapter_wrap_*) and the relation
     * that holds the run's rows.
     *   staged = 1: after the last commit, before finish, for a sink that
     *     publishes at the end (mode: full_refresh, commit: run): the
     *     relation is the staging table, read inside the sink's open
     *     transaction (write-audit-publish: fn failing makes the engine
     *     roll the sink back instead of finishing it).
     *   staged = 0: after finish: the published table.
     * A sink that is not a SQL table leaves it NULL. */
    int (*audit)(sl_instance *in, int staged,
                 int (*fn)(void *ctx, struct sl_adapter *a, const char *schema, const char *identifier,
                           sl_error *err),
                 void *ctx, sl_error *err);
    /* Optional: 1 when this sink, as configured, publishes its rows only at
     * finish (a full_refresh staging table, one transaction per run). */
    int (*publishes_at_end)(sl_instance *in);
    /* Optional, with publishes_at_end: write-audit-publish refused the
     * run's staged rows (engine/checks.h): undo them (roll back the run's
     * transaction; drop the staging table and the sink's positions of this
     * epoch) so that readers keep the previous data and the next run loads
     * the epoch again from its start. Called instead of finish. */
    int (*discard)(sl_instance *in, sl_error *err);
    /* Optional, for `sluice validate` (engine/colcheck.h): require the
     * columns its own options name (a trigger's {{ column }} templates) in
     * cols, the columns the sink gets (known or not), adding diagnostics
     * at their file:line:col. Returns the number added. */
    int (*columns)(sl_instance *in, const struct sl_colset *cols, sl_diags *d);
} sl_sink_plugin;

typedef enum { SL_KIND_SOURCE, SL_KIND_TRANSFORM, SL_KIND_SINK } sl_kind;

struct sl_instance {
    sl_kind kind;
    const void *plugin;  /* sl_source_plugin / sl_transform_plugin / sl_sink_plugin */
    const char *type;    /* plugin name */
    char *id;            /* `name:` or "<type>" / "<type>_<n>", unique in the pipeline */
    const char *pipeline;
    void *opts;          /* option struct, filled from the table */
    void *state;         /* private, set by open */
    sl_loc loc;
    sl_run *run;
    /* sinks: `where:` and `select:` (engine/route.h); NULL: every row and column */
    struct sl_sink_route *route;
    /* sources: the columns the pipeline can use (engine/project.h), set by
     * the engine before open; NULL: every column. A reader may skip the
     * others (never their syntax checks, names or width accounting). */
    const struct sl_projection *projection;
};

#define SL_SOURCE(in) ((const sl_source_plugin *)(in)->plugin)
#define SL_TRANSFORM(in) ((const sl_transform_plugin *)(in)->plugin)
#define SL_SINK(in) ((const sl_sink_plugin *)(in)->plugin)

/* registry.c */
const sl_source_plugin *sl_registry_source(const char *name);
const sl_transform_plugin *sl_registry_transform(const char *name);
const sl_sink_plugin *sl_registry_sink(const char *name);
/* NULL-terminated name lists, for suggestions and `sluice help`. */
const char *const *sl_registry_names(sl_kind kind);

#endif
