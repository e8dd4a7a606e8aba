/*
 * state.h: the state store: run history, open epochs, dead-letter queue,
 * loaded files, checkpoints of non-transactional sinks, schema history.
 *
 * Default: an SQLite file (.sluice/state.db) in WAL mode; or PostgreSQL
 * (`state: {type: postgres, url: ...}` in sluice.yml), which several
 * machines can share: a pipeline's runs then also take a PostgreSQL
 * advisory lock, so two machines never run it at once. One connection,
 * serialised by a mutex held for each call: the engine calls in from its
 * source thread (bookmarks), sink thread (DLQ, counters, checkpoints) and
 * main thread (run begin/end).
 *
 * Epochs: a run belongs to an epoch. A run that did not finish (crashed,
 * killed or failed) leaves its pipeline's epoch open; the next run resumes
 * that epoch, so sinks skip what they committed and nothing is loaded
 * twice. A successful run closes the epoch.
 */
#ifndef SL_STATE_H
#define SL_STATE_H
#include "core/batch.h"
#include "core/error.h"
#include "core/util.h"
#include <stdint.h>

typedef struct sl_state sl_state;
typedef struct sl_project sl_project;

/* A run's accounting: read + derived = loaded + filtered + rejected
 * (derived: rows a transform added, e.g. milestones; core/batch.h). */
typedef struct sl_run_counts {
    int64_t read, loaded, filtered, rejected, bytes;
    int64_t derived;
    /* how the source read: ranges handed on by its files read in parallel
     * ranges (sources/ranges.h), summed over files, and the most worker
     * threads one of them had; 0 and 0 when one reader read everything */
    int64_t ranges, range_workers;
} sl_run_counts;

int sl_state_open(const char *path, sl_state **out, sl_error *err);
/* The project's state store: its SQLite file or its PostgreSQL URL. */
int sl_state_open_project(const sl_project *p, sl_state **out, sl_error *err);
/* "sqlite" or "postgres" */
const char *sl_state_kind(const sl_state *s);
void sl_state_close(sl_state *s);

/* A new run id: a random UUID (version 4), 36 characters. */
void sl_state_new_run_id(char out[40]);
/* Start a run: resumes the pipeline's open epoch if any (*resumed = 1),
 * else opens a new one. The run is recorded under run_id if it is not
 * empty (an id handed out when the run was queued), else under a new id
 * written there (36 characters). */
int sl_state_run_begin(sl_state *s, const char *pipeline, int restart, char run_id[40],
                       int64_t *epoch, int *resumed, sl_error *err);
/* *epoch = the pipeline's open epoch (a run that did not finish), 0 if none. */
int sl_state_open_epoch(sl_state *s, const char *pipeline, int64_t *epoch, sl_error *err);
int sl_state_run_progress(sl_state *s, const char *run_id, const sl_run_counts *c, sl_error *err);
/* status: "success" (closes the epoch), "failed", "cancelled". */
int sl_state_run_end(sl_state *s, const char *run_id, const char *pipeline, const char *status,
                     const char *error, const sl_run_counts *c, sl_error *err);

/* Dead-letter queue: idempotent on (pipeline, epoch, stage, file, offset). */
int sl_state_dlq_add(sl_state *s, const char *pipeline, const char *run_id, int64_t epoch,
                     const char *file, const sl_reject *r, size_t n, sl_error *err);

/* The epoch's rejected rows: fn once per distinct (file, offset) in the
 * DLQ of (pipeline, epoch). The max_rejected gate of a resumed run counts
 * those its earlier runs committed. */
int sl_state_dlq_epoch_each(sl_state *s, const char *pipeline, int64_t epoch,
                            void (*fn)(void *ctx, const char *file, int64_t offset), void *ctx, sl_error *err);
/* *rows = rows_read summed over the runs of (pipeline, epoch) other than
 * except_run_id. */
int sl_state_epoch_rows_read(sl_state *s, const char *pipeline, int64_t epoch, const char *except_run_id,
                             int64_t *rows, sl_error *err);

/* Files loaded by incremental: new_files sources. */
int sl_state_file_get(sl_state *s, const char *pipeline, const char *path, int64_t *size,
                      int64_t *mtime, char hash[33], int *found, sl_error *err);
int sl_state_file_put(sl_state *s, const char *pipeline, const char *path, int64_t size,
                      int64_t mtime, const char *hash, const char *run_id, sl_error *err);

/* Checkpoints kept here by sinks that cannot keep their own. `value` is
 * sink-defined text; entries of other epochs are ignored. */
int sl_state_checkpoint_put(sl_state *s, const char *pipeline, const char *sink, int64_t epoch,
                            const char *key, const char *value, sl_error *err);
/* Calls fn for each checkpoint of (pipeline, sink, epoch). */
int sl_state_checkpoint_each(sl_state *s, const char *pipeline, const char *sink, int64_t epoch,
                             void (*fn)(void *ctx, const char *key, const char *value), void *ctx,
                             sl_error *err);

/* Forget every checkpoint of (pipeline, sink). */
int sl_state_checkpoint_delete(sl_state *s, const char *pipeline, const char *sink, sl_error *err);

int sl_state_schema_change(sl_state *s, const char *pipeline, const char *run_id,
                           const char *column, const char *change, sl_error *err);

/* Reverse-ETL sync records: per sink and source key, the hash of the last
 * payload sent successfully, the destination's id, the status ("synced",
 * "failed") and the last epoch that saw the key (mirror deletes the rest). */
typedef struct sl_sync_record {
    const char *key, *hash, *dest_id, *status;
    int64_t seen_epoch;
} sl_sync_record;
int sl_state_sync_load(sl_state *s, const char *pipeline, const char *sink,
                       void (*fn)(void *ctx, const sl_sync_record *r), void *ctx, sl_error *err);
/* In one transaction: upsert the records, delete `deleted` keys, and set
 * the sink's checkpoint (ckpt_key -> ckpt_value in `epoch`, if ckpt_key). */
int sl_state_sync_commit(sl_state *s, const char *pipeline, const char *sink, int64_t epoch,
                         const sl_sync_record *recs, size_t n, const char *const *deleted, size_t ndeleted,
                         const char *ckpt_key, const char *ckpt_value, sl_error *err);

/* Forget what a pipeline remembers: checkpoints and bookmarks, loaded
 * files, its open epoch. The next run starts from scratch. History, DLQ
 * and schema history are kept. */
int sl_state_reset(sl_state *s, const char *pipeline, sl_error *err);

/* Query helpers for the CLI: rows as a JSON array in out (pipeline NULL =
 * all; limit <= 0 = no limit). */
int sl_state_dlq_json(sl_state *s, const char *pipeline, int limit, sl_buf *out, sl_error *err);
int sl_state_schema_json(sl_state *s, const char *pipeline, int limit, sl_buf *out, sl_error *err);
int sl_state_checkpoints_json(sl_state *s, const char *pipeline, int limit, sl_buf *out, sl_error *err);

/* ---- for the scheduler and `sluice serve` (sched/) ---- */

/* Status of the pipeline's last finished run before run `except` (NULL:
 * any); "" when there is none. */
int sl_state_last_status(sl_state *s, const char *pipeline, const char *except, char status[16], sl_error *err);
/* Finish time (Unix seconds) of the pipeline's last successful run; 0 if none. */
int sl_state_last_success(sl_state *s, const char *pipeline, double *at, sl_error *err);
/* Keep what started a run ("schedule 2026-...Z", "api", ...) and the tail
 * of its log beside the run. */
int sl_state_run_log(sl_state *s, const char *run_id, const char *trigger, const char *log, sl_error *err);
/* One run as a JSON object, with its log; *found = 0 if no such run. */
int sl_state_run_json(sl_state *s, const char *run_id, sl_buf *out, int *found, sl_error *err);
/* Runs, newest first, filtered by pipeline and/or status (NULL = any),
 * with what started each (started_by). */
int sl_state_runs_query_json(sl_state *s, const char *pipeline, const char *status, int limit, sl_buf *out,
                             sl_error *err);

/* ---- the models layer (models/build.h): one row per node run ---------- */

/* A node's result in one invocation (run_id: the invocation's id, shared by
 * every node of one `sluice build`). resource_type: "model", "seed",
 * "snapshot", "test", "pipeline"; status: dbt's (success, error, skipped,
 * pass, warn, fail, cancelled); failures and rows_affected -1 when they
 * do not apply; compiled_sql (tests) may be NULL. started_at ISO text. */
typedef struct sl_node_run {
    const char *run_id, *unique_id, *resource_type, *status, *message, *compiled_sql, *started_at;
    int64_t failures, rows_affected;
    double duration_s;
} sl_node_run;
int sl_state_node_result(sl_state *s, const sl_node_run *r, sl_error *err);
/* n results in one transaction (a build's, all or none). */
int sl_state_node_results(sl_state *s, const sl_node_run *r, size_t n, sl_error *err);
/* Node results, newest first, as a JSON array of objects (the fields of
 * sl_node_run; compiled_sql only when with_sql): node NULL = all, else a
 * unique_id or the name after its last dot; run_id NULL = any. */
int sl_state_node_results_json(sl_state *s, const char *node, const char *run_id, int limit, int with_sql,
                               sl_buf *out, sl_error *err);

/* A lease: holder keeps `name` for ttl_s seconds from now, if nobody else
 * holds it unexpired. *held = 1 when holder has it after the call. */
int sl_state_lease(sl_state *s, const char *name, const char *holder, double ttl_s, int *held, sl_error *err);
void sl_state_lease_release(sl_state *s, const char *name, const char *holder);
/* Claim one schedule slot (Unix seconds) of a pipeline: *won = 1 for the
 * one caller that gets it, 0 for every other. */
int sl_state_slot_claim(sl_state *s, const char *pipeline, int64_t slot, const char *holder, int *won,
                        sl_error *err);
/* The latest claimed slot of a pipeline; -1 if none. */
int sl_state_slot_last(sl_state *s, const char *pipeline, int64_t *slot, sl_error *err);

/* Per pipeline and run status, over the runs started since `since` (ISO
 * text; NULL = all time): for /metrics and the daily summary. */
#define SL_STATS_BUCKETS 10
extern const double sl_stats_buckets[SL_STATS_BUCKETS]; /* seconds: 1 5 10 30 60 300 900 1800 3600 10800 */
typedef struct sl_run_stats {
    const char *pipeline, *status;
    int64_t runs;
    sl_run_counts rows;
    double duration_sum, duration_max;
    int64_t le[SL_STATS_BUCKETS];  /* runs with duration <= sl_stats_buckets[i] */
    double last_finished;          /* Unix seconds */
    const char *last_error;        /* of the latest run of this group */
} sl_run_stats;
int sl_state_run_stats(sl_state *s, const char *since, void (*fn)(void *ctx, const sl_run_stats *st), void *ctx,
                       sl_error *err);

#endif
