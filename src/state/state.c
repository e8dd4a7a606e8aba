/* state.c: the state store, on SQLite or PostgreSQL (statedb.h). See
 * state.h. Every public function holds the store's mutex for its whole
 * duration, so a transaction of one thread never takes in a statement of
 * another (the engine calls in from its source, sink and main threads). */
#include "state/state.h"
#include "config/project.h"
#include "core/mem.h"
#include "core/redact.h"
#include "core/types.h"
#include "state/statedb.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <xxhash.h>

#include "state/state_int.h"

static sl_state *wrap(void *conn, const sl_statedb_ops *ops)
{
    sl_state *s = sl_calloc(1, sizeof *s);
    s->conn = conn;
    s->ops = ops;
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

int sl_state_open(const char *path, sl_state **out, sl_error *err)
{
    void *c;
    const sl_statedb_ops *ops;
    if (sl_statedb_sqlite_open(path, &c, &ops, err) < 0)
        return -1;
    *out = wrap(c, ops);
    return 0;
}

int sl_state_open_project(const sl_project *p, sl_state **out, sl_error *err)
{
    if (!p->state_url)
        return sl_state_open(p->state_path, out, err);
    void *c;
    const sl_statedb_ops *ops;
    if (sl_statedb_pg_open(p->state_url, &c, &ops, err) < 0)
        return -1;
    *out = wrap(c, ops);
    return 0;
}

void sl_state_close(sl_state *s)
{
    if (!s)
        return;
    s->ops->close(s->conn);
    pthread_mutex_destroy(&s->lock);
    sl_free(s);
}

const char *sl_state_kind(const sl_state *s)
{
    return s->ops->name;
}

/* ---- running SQL: parameters from a format ('s' text or NULL, 'i' int64,
 * 'd' double, 'u' text shown to people, 'b' bytes), all sent as text but
 * 'b'. 'u' is for what only people read (reasons, errors, logs, names in
 * history): a byte that is not UTF-8 is kept as the text \xE9, so that a
 * PostgreSQL store (UTF-8 only) takes it and both stores hold the same.
 * 's' is for keys and paths that must come back unchanged. 'b' goes to a
 * raw column byte for byte (TEXT in SQLite, bytea in PostgreSQL; statedb.h).
 * 'u' and 'b' values (what people read: reasons, errors, logs, a DLQ raw
 * record such as an API's answer that echoed the request) are stored with
 * every registered secret redacted (core/redact.h); 's' keys and positions
 * are stored as they are, since they must come back unchanged.
 * --------------------------------------------------------------------------- */

#define MAXP 16 /* the most parameters of one statement (run_end has 13) */

typedef struct params {
    const char *v[MAXP];
    char num[MAXP][32];
    sl_buf shown[MAXP];
    unsigned bytes; /* bit i: v[i] is bytes */
    int n;
} params;

/* Parameter i with the secrets taken out (in its shown buffer). */
static void redacted(params *p, int i)
{
    const char *v = p->v[i];
    if (!v || !*v || !sl_redact_count())
        return;
    if (v != p->shown[i].data) {
        sl_buf_reset(&p->shown[i]);
        sl_buf_adds(&p->shown[i], v);
    }
    p->shown[i].len = sl_redact_span(p->shown[i].data, p->shown[i].len);
    p->shown[i].data[p->shown[i].len] = 0;
    p->v[i] = p->shown[i].data;
}

static void vfill(params *p, const char *fmt, va_list ap)
{
    p->n = 0;
    p->bytes = 0;
    for (int i = 0; fmt && fmt[i] && i < MAXP; i++, p->n++) {
        sl_buf_init(&p->shown[i]);
        if (fmt[i] == 's' || fmt[i] == 'b') {
            p->v[i] = va_arg(ap, const char *);
            if (fmt[i] == 'b') {
                p->bytes |= 1u << i;
                redacted(p, i);
            }
        } else if (fmt[i] == 'u') {
            const char *t = va_arg(ap, const char *);
            p->v[i] = t;
            if (t && *t) {
                size_t n = strlen(t);
                if (sl_utf8_valid_prefix(t, n) != n) {
                    sl_buf_add_utf8_shown(&p->shown[i], t, n);
                    p->v[i] = p->shown[i].data;
                }
            }
            redacted(p, i);
        } else if (fmt[i] == 'i') {
            snprintf(p->num[i], sizeof p->num[i], "%lld", (long long)va_arg(ap, int64_t));
            p->v[i] = p->num[i];
        } else {
            snprintf(p->num[i], sizeof p->num[i], "%.17g", va_arg(ap, double));
            p->v[i] = p->num[i];
        }
    }
}

int sl_state_sql(sl_state *s, sl_error *err, sl_statedb_row_fn fn, void *ctx, const char *sql, const char *fmt, ...)
{
    params p;
    va_list ap;
    va_start(ap, fmt);
    vfill(&p, fmt, ap);
    va_end(ap);
    int rc = s->ops->run(s->conn, sql, p.n, p.v, p.bytes, fn, ctx, err);
    for (int i = 0; i < p.n; i++)
        sl_buf_release(&p.shown[i]);
    return rc;
}

#define run sl_state_sql

#define EXEC(s, err, sql, ...) run((s), (err), NULL, NULL, (sql), __VA_ARGS__)

static int begin(sl_state *s, sl_error *err)
{
    return run(s, err, NULL, NULL, s->ops->begin_sql, NULL);
}

static int commit(sl_state *s, sl_error *err)
{
    return run(s, err, NULL, NULL, "COMMIT", NULL);
}

static void rollback(sl_state *s)
{
    sl_error ignored;
    run(s, &ignored, NULL, NULL, "ROLLBACK", NULL);
}

static void now_text(char out[40])
{
    sl_time_format_now(out, 40);
}

/* Row collectors */
typedef struct first_row {
    int found;
    char *v[4];
} first_row;

static void first_fn(void *ctx, int n, const char *const *vals)
{
    first_row *f = ctx;
    if (f->found++)
        return;
    for (int i = 0; i < n && i < 4; i++)
        f->v[i] = vals[i] ? sl_strdup(vals[i]) : NULL;
}

static void first_free(first_row *f)
{
    for (int i = 0; i < 4; i++)
        sl_free(f->v[i]);
}

/* ---- runs and epochs ----------------------------------------------------- */

void sl_state_new_run_id(char out[40])
{
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        for (int i = 0; i < 16; i++)
            r[i] = (unsigned char)(rand() & 0xff);
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

int sl_state_run_begin(sl_state *s, const char *pipeline, int restart, char run_id[40],
                       int64_t *epoch, int *resumed, sl_error *err)
{
    if (!run_id[0])
        sl_state_new_run_id(run_id);
    char now[40];
    now_text(now);
    pthread_mutex_lock(&s->lock);
    int got = s->ops->lock(s->conn, pipeline, 1, err);
    if (got <= 0) {
        pthread_mutex_unlock(&s->lock);
        if (got == 0)
            sl_error_set(err, SL_EBUSY, "pipeline %s is already running (on another machine sharing the state store)",
                         pipeline);
        return -1;
    }
    *resumed = 0;
    *epoch = 0;
    first_row open = {0}, last = {0};
    if (begin(s, err) < 0)
        goto fail;
    if (run(s, err, first_fn, &open, "SELECT open_epoch FROM epochs WHERE pipeline = $1 AND open_epoch IS NOT NULL",
            "s", pipeline) < 0)
        goto fail;
    if (open.found && open.v[0] && !restart) {
        *epoch = strtoll(open.v[0], NULL, 10);
        *resumed = 1;
    }
    /* runs left 'running' by a process that died are marked so */
    if (EXEC(s, err, "UPDATE runs SET status = 'interrupted', finished_at = $1 WHERE pipeline = $2 AND status = 'running'",
             "ss", now, pipeline) < 0)
        goto fail;
    if (run(s, err, NULL, NULL,
            "INSERT INTO runs (run_id, pipeline, epoch, status, resumed, started_at) "
            "VALUES ($1, $2, 0, 'running', $3, $4)",
            "ssis", run_id, pipeline, (int64_t)*resumed, now) < 0)
        goto fail;
    if (!*resumed) {
        /* An epoch id must never come back, even when the state store is
         * deleted while destinations keep positions tagged with old epochs:
         * the start time in microseconds, made larger than any id seen. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        *epoch = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
        if (run(s, err, first_fn, &last, "SELECT max(epoch) FROM runs WHERE pipeline = $1", "s", pipeline) < 0)
            goto fail;
        if (last.v[0] && strtoll(last.v[0], NULL, 10) >= *epoch)
            *epoch = strtoll(last.v[0], NULL, 10) + 1;
        if (EXEC(s, err, "INSERT INTO epochs (pipeline, open_epoch) VALUES ($1, $2) "
                         "ON CONFLICT (pipeline) DO UPDATE SET open_epoch = excluded.open_epoch",
                 "si", pipeline, *epoch) < 0)
            goto fail;
    }
    if (EXEC(s, err, "UPDATE runs SET epoch = $1 WHERE run_id = $2", "is", *epoch, run_id) < 0 || commit(s, err) < 0)
        goto fail;
    first_free(&open);
    first_free(&last);
    pthread_mutex_unlock(&s->lock);
    return 0;
fail:
    first_free(&open);
    first_free(&last);
    rollback(s);
    sl_error ignored;
    s->ops->lock(s->conn, pipeline, 0, &ignored);
    pthread_mutex_unlock(&s->lock);
    return -1;
}

int sl_state_run_progress(sl_state *s, const char *run_id, const sl_run_counts *c, sl_error *err)
{
    pthread_mutex_lock(&s->lock);
    int rc = EXEC(s, err, "UPDATE runs SET rows_read = $1, rows_loaded = $2, rows_filtered = $3, "
                          "rows_rejected = $4, bytes_read = $5, rows_derived = $6 WHERE run_id = $7",
                  "iiiiiis", c->read, c->loaded, c->filtered, c->rejected, c->bytes, c->derived, run_id);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Unix seconds of an ISO timestamp of ours ("2026-01-02T03:04:05.678Z"); 0 if none. */
static double iso_unix(const char *iso)
{
    int64_t us;
    return iso && sl_parse_timestamp(iso, strlen(iso), &us) == 0 ? (double)us / 1e6 : 0;
}

/* Seconds between an ISO timestamp of ours and now. */
static double since(const char *iso)
{
    return iso_unix(iso) ? (double)sl_now_us() / 1e6 - iso_unix(iso) : 0;
}

int sl_state_run_end(sl_state *s, const char *run_id, const char *pipeline, const char *status,
                     const char *error, const sl_run_counts *c, sl_error *err)
{
    char now[40];
    now_text(now);
    pthread_mutex_lock(&s->lock);
    first_row started = {0};
    int rc = run(s, err, first_fn, &started, "SELECT started_at FROM runs WHERE run_id = $1", "s", run_id);
    double dur = rc == 0 ? since(started.v[0]) : 0;
    first_free(&started);
    if (rc == 0)
        rc = begin(s, err);
    if (rc == 0)
        rc = EXEC(s, err, "UPDATE runs SET status = $1, error = $2, finished_at = $3, duration_s = $4, "
                          "rows_read = $5, rows_loaded = $6, rows_filtered = $7, rows_rejected = $8, "
                          "bytes_read = $9, rows_derived = $10, ranges = $11, range_workers = $12 WHERE run_id = $13",
                  "susdiiiiiiiis", status, error, now, dur, c->read, c->loaded, c->filtered, c->rejected, c->bytes,
                  c->derived, c->ranges, c->range_workers, run_id);
    if (rc == 0 && strcmp(status, "success") == 0)
        rc = EXEC(s, err, "UPDATE epochs SET open_epoch = NULL WHERE pipeline = $1", "s", pipeline);
    if (rc == 0)
        rc = commit(s, err);
    if (rc < 0)
        rollback(s);
    sl_error ignored;
    s->ops->lock(s->conn, pipeline, 0, &ignored);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sl_state_open_epoch(sl_state *s, const char *pipeline, int64_t *epoch, sl_error *err)
{
    pthread_mutex_lock(&s->lock);
    first_row open = {0};
    int rc = run(s, err, first_fn, &open, "SELECT open_epoch FROM epochs WHERE pipeline = $1 AND open_epoch IS NOT NULL",
                 "s", pipeline);
    *epoch = rc == 0 && open.found && open.v[0] ? strtoll(open.v[0], NULL, 10) : 0;
    first_free(&open);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- dead-letter queue ---------------------------------------------------- */

/* What makes a rejected row the same one when a rerun (a new epoch: a full
 * refresh, --restart, a file read again) meets it again: its stage, input,
 * position, reason and raw bytes. 32 hex digits of XXH3-128 into key. */
static void row_key(char key[33], const char *stage, const char *file, int64_t offset, const char *reason,
                    const char *raw)
{
    XXH3_state_t *h = XXH3_createState();
    XXH3_128bits_reset(h);
    const char *parts[] = {stage ? stage : "", file, reason ? reason : "", raw ? raw : ""};
    for (size_t i = 0; i < 4; i++)
        XXH3_128bits_update(h, parts[i], strlen(parts[i]) + 1); /* with the NUL: parts stay apart */
    char off[24];
    XXH3_128bits_update(h, off, (size_t)snprintf(off, sizeof off, "%lld", (long long)offset));
    XXH128_hash_t d = XXH3_128bits_digest(h);
    XXH3_freeState(h);
    snprintf(key, 33, "%016llx%016llx", (unsigned long long)d.high64, (unsigned long long)d.low64);
}

int sl_state_dlq_add(sl_state *s, const char *pipeline, const char *run_id, int64_t epoch,
                     const char *file, const sl_reject *r, size_t n, sl_error *err)
{
    if (n == 0)
        return 0;
    char now[40];
    now_text(now);
    pthread_mutex_lock(&s->lock);
    int rc = begin(s, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char key[33];
        row_key(key, r[i].stage, file ? file : "", r[i].offset, r[i].reason, r[i].raw);
        rc = EXEC(s, err,
                  "INSERT INTO dlq (pipeline, run_id, epoch, stage, file, \"offset\", line, reason, raw, created_at, "
                  "row_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
                  "ssisuiiubss", pipeline, run_id, epoch, r[i].stage, file ? file : "", r[i].offset, r[i].line,
                  r[i].reason, r[i].raw, now, key);
    }
    if (rc == 0)
        rc = commit(s, err);
    if (rc < 0)
        rollback(s);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

typedef struct epoch_rejects {
    void (*fn)(void *ctx, const char *file, int64_t offset);
    void *ctx;
} epoch_rejects;

static void epoch_rejects_fn(void *ctx, int n, const char *const *vals)
{
    epoch_rejects *er = ctx;
    if (n == 2)
        er->fn(er->ctx, vals[0] ? vals[0] : "", vals[1] ? strtoll(vals[1], NULL, 10) : 0);
}

int sl_state_dlq_epoch_each(sl_state *s, const char *pipeline, int64_t epoch,
                            void (*fn)(void *ctx, const char *file, int64_t offset), void *ctx, sl_error *err)
{
    epoch_rejects er = {fn, ctx};
    pthread_mutex_lock(&s->lock);
    int rc = run(s, err, epoch_rejects_fn, &er,
                 "SELECT DISTINCT file, \"offset\" FROM dlq WHERE pipeline = $1 AND epoch = $2", "si", pipeline, epoch);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sl_state_epoch_rows_read(sl_state *s, const char *pipeline, int64_t epoch, const char *except_run_id,
                             int64_t *rows, sl_error *err)
{
    first_row f = {0};
    pthread_mutex_lock(&s->lock);
    int rc = run(s, err, first_fn, &f,
                 "SELECT CAST(COALESCE(SUM(rows_read), 0) AS BIGINT) FROM runs WHERE pipeline = $1 AND epoch = $2 "
                 "AND run_id <> $3", "sis", pipeline, epoch, except_run_id);
    pthread_mutex_unlock(&s->lock);
    *rows = rc == 0 && f.found && f.v[0] ? strtoll(f.v[0], NULL, 10) : 0;
    first_free(&f);
    return rc;
}

/* ---- files, checkpoints, schema history ---------------------------------- */

int sl_state_file_get(sl_state *s, const char *pipeline, const char *path, int64_t *size,
                      int64_t *mtime, char hash[33], int *found, sl_error *err)
{
    first_row f = {0};
    pthread_mutex_lock(&s->lock);
    int rc = run(s, err, first_fn, &f, "SELECT size, mtime, hash FROM files WHERE pipeline = $1 AND path = $2", "ss",
                 pipeline, path);
    pthread_mutex_unlock(&s->lock);
    *found = rc == 0 && f.found;
    if (*found) {
        *size = f.v[0] ? strtoll(f.v[0], NULL, 10) : 0;
        *mtime = f.v[1] ? strtoll(f.v[1], NULL, 10) : 0;
        snprintf(hash, 33, "%s", f.v[2] ? f.v[2] : "");
    }
    first_free(&f);
    return rc;
}

int sl_state_file_put(sl_state *s, const char *pipeline, const char *path, int64_t size,
                      int64_t mtime, const char *hash, const char *run_id, sl_error *err)
{
    char now[40];
    now_text(now);
    pthread_mutex_lock(&s->lock);
    int rc = EXEC(s, err, "INSERT INTO files (pipeline, path, size, mtime, hash, run_id, loaded_at) "
                          "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (pipeline, path) DO UPDATE SET "
                          "size = excluded.size, mtime = excluded.mtime, hash = excluded.hash, "
                          "run_id = excluded.run_id, loaded_at = excluded.loaded_at",
                  "ssiisss", pipeline, path, size, mtime, hash, run_id, now);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sl_state_checkpoint_put(sl_state *s, const char *pipeline, const char *sink, int64_t epoch,
                            const char *key, const char *value, sl_error *err)
{
    char now[40];
    now_text(now);
    pthread_mutex_lock(&s->lock);
    int rc = EXEC(s, err, "INSERT INTO checkpoints (pipeline, sink, epoch, key, value, updated_at) "
                          "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pipeline, sink, key) DO UPDATE SET "
                          "epoch = excluded.epoch, value = excluded.value, updated_at = excluded.updated_at",
                  "ssisss", pipeline, sink, epoch, key, value, now);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

typedef struct each_ctx {
    void (*fn)(void *ctx, const char *key, const char *value);
    void *ctx;
} each_ctx;

static void each_fn(void *ctx, int n, const char *const *vals)
{
    each_ctx *e = ctx;
    if (n >= 2)
        e->fn(e->ctx, vals[0] ? vals[0] : "", vals[1]);
}

int sl_state_checkpoint_each(sl_state *s, const char *pipeline, const char *sink, int64_t epoch,
                             void (*fn)(void *ctx, const char *key, const char *value), void *ctx,
                             sl_error *err)
{
    each_ctx e = {fn, ctx};
    pthread_mutex_lock(&s->lock);
    int rc = run(s, err, each_fn, &e, "SELECT key, value FROM checkpoints WHERE pipeline = $1 AND sink = $2 AND epoch = $3",
                 "ssi", pipeline, sink, epoch);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sl_state_checkpoint_delete(sl_state *s, const char *pipeline, const char *sink, sl_error *err)
{
    pthread_mutex_lock(&s->lock);
    int rc = EXEC(s, err, "DELETE FROM checkpoints WHERE pipeline = $1 AND sink = $2", "ss", pipeline, sink);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sl_state_schema_change(sl_state *s, const char *pipeline, const char *run_id,
                           const char *column, const char *change, sl_error *err)
{
    char now[40];
    now_text(now);
    pthread_mutex_lock(&s->lock);
    int rc = EXEC(s, err, "INSERT INTO schema_changes (pipeline, run_id, column_name, change, changed_at) "
                          "VALUES ($1, $2, $3, $4, $5)", "ssuus", pipeline, run_id, column, change, now);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

typedef struct sync_ctx {
    void (*fn)(void *ctx, const sl_sync_record *r);
    void *ctx;
} sync_ctx;

static void sync_fn(void *ctx, int n, const char *const *v)
{
    sync_ctx *c = ctx;
    if (n < 5)
        return;
    sl_sync_record r = {v[0] ? v[0] : "", v[1], v[2], v[3] ? v[3] : "", v[4] ? strtoll(v[4], NULL, 10) : 0};
    c->fn(c->ctx, &r);
}

int sl_state_sync_load(sl_state *s, const char *pipeline, const char *sink,
                       void (*fn)(void *ctx, const sl_sync_record *r), void *ctx, sl_error *err)
{
    sync_ctx c = {fn, ctx};
    pthread_mutex_lock(&s->lock);
    int rc = run(s, err, sync_fn, &c,
                 "SELECT key, hash, dest_id, status, seen_epoch FROM sync_records WHERE pipeline = $1 AND sink = $2",
                 "ss", pipeline, sink);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sl_state_sync_commit(sl_state *s, const char *pipeline, const char *sink, int64_t epoch,
                         const sl_sync_record *recs, size_t n, const char *const *deleted, size_t ndeleted,
                         const char *ckpt_key, const char *ckpt_value, sl_error *err)
{
    char now[40];
    now_text(now);
    pthread_mutex_lock(&s->lock);
    int rc = begin(s, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = EXEC(s, err,
                  "INSERT INTO sync_records (pipeline, sink, key, hash, dest_id, status, seen_epoch, synced_at) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (pipeline, sink, key) DO UPDATE SET "
                  "hash = excluded.hash, dest_id = excluded.dest_id, status = excluded.status, "
                  "seen_epoch = excluded.seen_epoch, synced_at = excluded.synced_at",
                  "ssssssis", pipeline, sink, recs[i].key, recs[i].hash, recs[i].dest_id, recs[i].status,
                  recs[i].seen_epoch, now);
    for (size_t i = 0; rc == 0 && i < ndeleted; i++)
        rc = EXEC(s, err, "DELETE FROM sync_records WHERE pipeline = $1 AND sink = $2 AND key = $3", "sss", pipeline,
                  sink, deleted[i]);
    if (rc == 0 && ckpt_key)
        rc = EXEC(s, err, "INSERT INTO checkpoints (pipeline, sink, epoch, key, value, updated_at) "
                          "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pipeline, sink, key) DO UPDATE SET "
                          "epoch = excluded.epoch, value = excluded.value, updated_at = excluded.updated_at",
                  "ssisss", pipeline, sink, epoch, ckpt_key, ckpt_value, now);
    if (rc == 0)
        rc = commit(s, err);
    if (rc < 0)
        rollback(s);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sl_state_reset(sl_state *s, const char *pipeline, sl_error *err)
{
    pthread_mutex_lock(&s->lock);
    int rc = begin(s, err);
    if (rc == 0)
        rc = EXEC(s, err, "DELETE FROM checkpoints WHERE pipeline = $1", "s", pipeline);
    if (rc == 0)
        rc = EXEC(s, err, "DELETE FROM files WHERE pipeline = $1", "s", pipeline);
    if (rc == 0)
        rc = EXEC(s, err, "UPDATE epochs SET open_epoch = NULL WHERE pipeline = $1", "s", pipeline);
    if (rc == 0)
        rc = commit(s, err);
    if (rc < 0)
        rollback(s);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- JSON for the CLI ----------------------------------------------------- */

/* Rows to JSON objects (state_int.h). */
void sl_state_json_row(void *ctx, int n, const char *const *vals)
{
    sl_state_json_ctx *j = ctx;
    sl_buf_adds(j->out, j->rows++ ? ",{" : "{");
    const char *p = j->spec;
    for (int i = 0; i < n && *p; i++) {
        const char *colon = strchr(p, ':');
        const char *next = strchr(p, ',');
        if (i)
            sl_buf_addc(j->out, ',');
        sl_buf_add_json_str(j->out, p, (size_t)(colon - p));
        sl_buf_addc(j->out, ':');
        char kind = colon[1];
        if (!vals[i])
            sl_buf_adds(j->out, "null");
        else if (kind == 'n')
            sl_buf_adds(j->out, vals[i]);
        else if (kind == 'b')
            sl_buf_adds(j->out, strcmp(vals[i], "0") == 0 || strcmp(vals[i], "f") == 0 ? "false" : "true");
        else if (kind == 'j')
            sl_buf_adds(j->out, vals[i]);
        else
            sl_buf_add_json_str(j->out, vals[i], strlen(vals[i]));
        p = next ? next + 1 : p + strlen(p);
    }
    sl_buf_addc(j->out, '}');
}

static int query_json(sl_state *s, const char *sql, const char *spec, const char *pipeline, sl_buf *out,
                      sl_error *err)
{
    sl_state_json_ctx j = {out, spec, 0};
    sl_buf_addc(out, '[');
    pthread_mutex_lock(&s->lock);
    int rc = run(s, err, sl_state_json_row, &j, sql, "s", pipeline);
    pthread_mutex_unlock(&s->lock);
    sl_buf_addc(out, ']');
    return rc;
}

static char *limited(const char *sql, int limit)
{
    return limit > 0 ? sl_printf("%s LIMIT %d", sql, limit) : sl_strdup(sql);
}

int sl_state_dlq_json(sl_state *s, const char *pipeline, int limit, sl_buf *out, sl_error *err)
{
    char *sql = limited("SELECT id, pipeline, run_id, stage, file, line, \"offset\", reason, raw, created_at FROM dlq"
                        " WHERE CAST($1 AS TEXT) IS NULL OR pipeline = $1 ORDER BY id DESC", limit);
    int rc = query_json(s, sql, "id:n,pipeline:s,run_id:s,stage:s,file:s,line:n,offset:n,reason:s,raw:s,created_at:s",
                        pipeline, out, err);
    sl_free(sql);
    return rc;
}

int sl_state_schema_json(sl_state *s, const char *pipeline, int limit, sl_buf *out, sl_error *err)
{
    char *sql = limited("SELECT id, pipeline, run_id, column_name, change, changed_at FROM schema_changes"
                        " WHERE CAST($1 AS TEXT) IS NULL OR pipeline = $1 ORDER BY id DESC", limit);
    int rc = query_json(s, sql, "id:n,pipeline:s,run_id:s,column:s,change:s,changed_at:s", pipeline, out, err);
    sl_free(sql);
    return rc;
}

int sl_state_checkpoints_json(sl_state *s, const char *pipeline, int limit, sl_buf *out, sl_error *err)
{
    /* what sources and file sinks keep here; sinks into databases keep
     * theirs beside the data (_sluice_state) */
    char *sql = limited("SELECT pipeline, 'checkpoint' AS kind, sink, epoch, key, value, updated_at FROM checkpoints"
                        " WHERE CAST($1 AS TEXT) IS NULL OR pipeline = $1"
                        " UNION ALL SELECT pipeline, 'file', 'source', NULL, path, hash, loaded_at FROM files"
                        " WHERE CAST($1 AS TEXT) IS NULL OR pipeline = $1"
                        " UNION ALL SELECT pipeline, 'open_epoch', '', open_epoch, '', NULL, NULL FROM epochs"
                        " WHERE open_epoch IS NOT NULL AND (CAST($1 AS TEXT) IS NULL OR pipeline = $1)"
                        " ORDER BY 1, 2, 3, 5", limit);
    int rc = query_json(s, sql, "pipeline:s,kind:s,owner:s,epoch:n,key:s,value:s,updated_at:s", pipeline, out, err);
    sl_free(sql);
    return rc;
}

/* ---- for the scheduler and `sluice serve` --------------------------------- */

int sl_state_last_status(sl_state *s, const char *pipeline, const char *except, char status[16], sl_error *err)
{
    first_row f = {0};
    pthread_mutex_lock(&s->lock);
    int rc = run(s, err, first_fn, &f,
                 "SELECT status FROM runs WHERE pipeline = $1 AND status <> 'running'"
                 " AND (CAST($2 AS TEXT) IS NULL OR run_id <> $2) ORDER BY seq DESC LIMIT 1",
                 "ss", pipeline, except);
    pthread_mutex_unlock(&s->lock);
    snprintf(status, 16, "%s", f.found && f.v[0] ? f.v[0] : "");
    first_free(&f);
    return rc;
}

int sl_state_last_success(sl_state *s, const char *pipeline, double *at, sl_error *err)
{
    first_row f = {0};
    pthread_mutex_lock(&s->lock);
    int rc = run(s, err, first_fn, &f,
                 "SELECT finished_at FROM runs WHERE pipeline = $1 AND status = 'success' ORDER BY seq DESC LIMIT 1",
                 "s", pipeline);
    pthread_mutex_unlock(&s->lock);
    *at = f.found ? iso_unix(f.v[0]) : 0;
    first_free(&f);
    return rc;
}

int sl_state_run_log(sl_state *s, const char *run_id, const char *trigger, const char *log, sl_error *err)
{
    pthread_mutex_lock(&s->lock);
    int rc = EXEC(s, err,
                  "INSERT INTO run_logs (run_id, started_by, log) VALUES ($1, $2, $3)"
                  " ON CONFLICT (run_id) DO UPDATE SET started_by = $2, log = $3",
                  "ssu", run_id, trigger, log);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

#define RUN_COLUMNS                                                                                    \
    "r.run_id, r.pipeline, r.status, r.resumed, r.started_at, r.finished_at, r.duration_s, r.rows_read,"  \
    " r.rows_loaded, r.rows_filtered, r.rows_rejected, r.bytes_read, r.error, r.rows_derived, r.ranges,"            \
    " r.range_workers"
#define RUN_SPEC                                                                                       \
    "run_id:s,pipeline:s,status:s,resumed:b,started_at:s,finished_at:s,duration_s:n,rows_read:n,"        \
    "rows_loaded:n,rows_filtered:n,rows_rejected:n,bytes_read:n,error:s,rows_derived:n,ranges:n,range_workers:n"

int sl_state_run_json(sl_state *s, const char *run_id, sl_buf *out, int *found, sl_error *err)
{
    sl_buf tmp;
    sl_buf_init(&tmp);
    sl_state_json_ctx j = {&tmp, RUN_SPEC ",started_by:s,log:s", 0};
    pthread_mutex_lock(&s->lock);
    int rc = run(s, err, sl_state_json_row, &j,
                 "SELECT " RUN_COLUMNS ", l.started_by, l.log FROM runs r LEFT JOIN run_logs l ON l.run_id = r.run_id"
                 " WHERE r.run_id = $1",
                 "s", run_id);
    pthread_mutex_unlock(&s->lock);
    *found = j.rows > 0;
    if (rc == 0 && j.rows)
        sl_buf_add(out, tmp.data, tmp.len);
    sl_buf_release(&tmp);
    return rc;
}

int sl_state_runs_query_json(sl_state *s, const char *pipeline, const char *status, int limit, sl_buf *out,
                             sl_error *err)
{
    char *sql = limited("SELECT " RUN_COLUMNS ", l.started_by FROM runs r LEFT JOIN run_logs l ON l.run_id = r.run_id WHERE (CAST($1 AS TEXT) IS NULL OR r.pipeline = $1)"
                        " AND (CAST($2 AS TEXT) IS NULL OR r.status = $2) ORDER BY r.seq DESC",
                        limit);
    sl_state_json_ctx j = {out, RUN_SPEC ",started_by:s", 0};
    sl_buf_addc(out, '[');
    pthread_mutex_lock(&s->lock);
    int rc = run(s, err, sl_state_json_row, &j, sql, "ss", pipeline, status);
    pthread_mutex_unlock(&s->lock);
    sl_buf_addc(out, ']');
    sl_free(sql);
    return rc;
}

/* ---- the models layer ------------------------------------------------------ */

static int node_insert(sl_state *s, const sl_node_run *r, sl_error *err)
{
    return EXEC(s, err,
                "INSERT INTO node_results (run_id, unique_id, resource_type, status, failures, rows_affected,"
                " message, compiled_sql, started_at, duration_s)"
                " VALUES ($1, $2, $3, $4, CAST($5 AS BIGINT), CAST($6 AS BIGINT), $7, $8, $9,"
                " CAST($10 AS DOUBLE PRECISION))",
                "ssssiiuusd", r->run_id, r->unique_id, r->resource_type, r->status, r->failures, r->rows_affected,
                r->message, r->compiled_sql, r->started_at, r->duration_s);
}

int sl_state_node_result(sl_state *s, const sl_node_run *r, sl_error *err)
{
    return sl_state_node_results(s, r, 1, err);
}

int sl_state_node_results(sl_state *s, const sl_node_run *r, size_t n, sl_error *err)
{
    pthread_mutex_lock(&s->lock);
    int rc = begin(s, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = node_insert(s, &r[i], err);
    if (rc == 0)
        rc = commit(s, err);
    else
        rollback(s);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sl_state_node_results_json(sl_state *s, const char *node, const char *run_id, int limit, int with_sql,
                               sl_buf *out, sl_error *err)
{
    /* a node by unique_id or by its name (what follows the last dot) */
    char *sql = limited(with_sql ? "SELECT run_id, unique_id, resource_type, status, NULLIF(failures, -1),"
                                   " NULLIF(rows_affected, -1), message, started_at, ROUND(CAST(duration_s AS NUMERIC), 3), compiled_sql"
                                   " FROM node_results WHERE (CAST($1 AS TEXT) IS NULL OR unique_id = $1"
                                   " OR substr(unique_id, length(unique_id) - length(CAST($1 AS TEXT))) = '.' || $1) AND (CAST($2 AS TEXT) IS NULL OR run_id = $2)"
                                   " ORDER BY seq DESC"
                                 : "SELECT run_id, unique_id, resource_type, status, NULLIF(failures, -1),"
                                   " NULLIF(rows_affected, -1), message, started_at, ROUND(CAST(duration_s AS NUMERIC), 3)"
                                   " FROM node_results WHERE (CAST($1 AS TEXT) IS NULL OR unique_id = $1"
                                   " OR substr(unique_id, length(unique_id) - length(CAST($1 AS TEXT))) = '.' || $1) AND (CAST($2 AS TEXT) IS NULL OR run_id = $2)"
                                   " ORDER BY seq DESC",
                        limit);
    sl_state_json_ctx j = {out, "run_id:s,unique_id:s,resource_type:s,status:s,failures:n,rows_affected:n,message:s,"
                       "started_at:s,duration_s:n,compiled_sql:s", 0};
    sl_buf_addc(out, '[');
    pthread_mutex_lock(&s->lock);
    int rc = run(s, err, sl_state_json_row, &j, sql, "ss", node, run_id);
    pthread_mutex_unlock(&s->lock);
    sl_buf_addc(out, ']');
    sl_free(sql);
    return rc;
}

static double wall_now(void)
{
    return (double)sl_now_us() / 1e6;
}

int sl_state_lease(sl_state *s, const char *name, const char *holder, double ttl_s, int *held, sl_error *err)
{
    double now = wall_now();
    first_row f = {0};
    pthread_mutex_lock(&s->lock);
    /* one statement: insert, or take over from ourselves or an expired holder */
    int rc = run(s, err, first_fn, &f,
                 "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)"
                 " ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at"
                 " WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < $4 RETURNING holder",
                 "ssdd", name, holder, now + ttl_s, now);
    pthread_mutex_unlock(&s->lock);
    *held = rc == 0 && f.found && f.v[0] && strcmp(f.v[0], holder) == 0;
    first_free(&f);
    return rc;
}

void sl_state_lease_release(sl_state *s, const char *name, const char *holder)
{
    sl_error ignored;
    pthread_mutex_lock(&s->lock);
    EXEC(s, &ignored, "DELETE FROM leases WHERE name = $1 AND holder = $2", "ss", name, holder);
    pthread_mutex_unlock(&s->lock);
}

int sl_state_slot_claim(sl_state *s, const char *pipeline, int64_t slot, const char *holder, int *won,
                        sl_error *err)
{
    char now[40];
    now_text(now);
    first_row f = {0};
    pthread_mutex_lock(&s->lock);
    int rc = run(s, err, first_fn, &f,
                 "INSERT INTO slots (pipeline, slot, holder, claimed_at) VALUES ($1, $2, $3, $4)"
                 " ON CONFLICT DO NOTHING RETURNING holder",
                 "siss", pipeline, slot, holder, now);
    pthread_mutex_unlock(&s->lock);
    *won = rc == 0 && f.found;
    first_free(&f);
    return rc;
}

int sl_state_slot_last(sl_state *s, const char *pipeline, int64_t *slot, sl_error *err)
{
    first_row f = {0};
    pthread_mutex_lock(&s->lock);
    int rc = run(s, err, first_fn, &f, "SELECT MAX(slot) FROM slots WHERE pipeline = $1", "s", pipeline);
    pthread_mutex_unlock(&s->lock);
    *slot = f.found && f.v[0] ? strtoll(f.v[0], NULL, 10) : -1;
    first_free(&f);
    return rc;
}

const double sl_stats_buckets[SL_STATS_BUCKETS] = {1, 5, 10, 30, 60, 300, 900, 1800, 3600, 10800};

typedef struct stats_ctx {
    void (*fn)(void *ctx, const sl_run_stats *st);
    void *ctx;
} stats_ctx;

static void stats_fn(void *ctx, int n, const char *const *v)
{
    stats_ctx *c = ctx;
    sl_run_stats st = {0};
    if (n < 13 + SL_STATS_BUCKETS)
        return;
    st.pipeline = v[0];
    st.status = v[1];
    int64_t *ints[] = {&st.runs, &st.rows.read, &st.rows.loaded, &st.rows.filtered, &st.rows.rejected, &st.rows.bytes};
    for (int i = 0; i < 6; i++)
        *ints[i] = v[2 + i] ? strtoll(v[2 + i], NULL, 10) : 0;
    st.duration_sum = v[8] ? strtod(v[8], NULL) : 0;
    st.duration_max = v[9] ? strtod(v[9], NULL) : 0;
    st.last_finished = iso_unix(v[10]);
    st.last_error = v[11];
    for (int i = 0; i < SL_STATS_BUCKETS; i++)
        st.le[i] = v[12 + i] ? strtoll(v[12 + i], NULL, 10) : 0;
    c->fn(c->ctx, &st);
}

int sl_state_run_stats(sl_state *s, const char *since, void (*fn)(void *ctx, const sl_run_stats *st), void *ctx,
                       sl_error *err)
{
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "SELECT r.pipeline, r.status, COUNT(*), SUM(r.rows_read), SUM(r.rows_loaded), SUM(r.rows_filtered),"
                    " SUM(r.rows_rejected), SUM(r.bytes_read), SUM(COALESCE(r.duration_s, 0)), MAX(r.duration_s),"
                    " MAX(r.finished_at), (SELECT e.error FROM runs e WHERE e.pipeline = r.pipeline AND"
                    " e.status = r.status ORDER BY e.seq DESC LIMIT 1)");
    for (int i = 0; i < SL_STATS_BUCKETS; i++)
        sl_buf_addf(&q, ", SUM(CASE WHEN r.duration_s <= %g THEN 1 ELSE 0 END)", sl_stats_buckets[i]);
    sl_buf_adds(&q, ", 0 FROM runs r WHERE CAST($1 AS TEXT) IS NULL OR r.started_at >= $1"
                    " GROUP BY r.pipeline, r.status ORDER BY r.pipeline, r.status");
    stats_ctx c = {fn, ctx};
    pthread_mutex_lock(&s->lock);
    int rc = run(s, err, stats_fn, &c, q.data, "s", since);
    pthread_mutex_unlock(&s->lock);
    sl_buf_release(&q);
    return rc;
}
