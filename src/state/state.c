/* state.c: the SQLite state store. See state.h. */
#include "state/state.h"
#include "core/mem.h"
#include <errno.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

struct sl_state {
    sqlite3 *db;
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS runs ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT UNIQUE NOT NULL, pipeline TEXT NOT NULL,"
    "  epoch INTEGER NOT NULL, status TEXT NOT NULL, resumed INTEGER NOT NULL DEFAULT 0,"
    "  started_at TEXT NOT NULL, finished_at TEXT, duration_s REAL,"
    "  rows_read INTEGER DEFAULT 0, rows_loaded INTEGER DEFAULT 0, rows_filtered INTEGER DEFAULT 0,"
    "  rows_rejected INTEGER DEFAULT 0, bytes_read INTEGER DEFAULT 0, error TEXT);"
    "CREATE INDEX IF NOT EXISTS runs_pipeline ON runs(pipeline, seq);"
    "CREATE TABLE IF NOT EXISTS epochs (pipeline TEXT PRIMARY KEY, open_epoch INTEGER);"
    "CREATE TABLE IF NOT EXISTS dlq ("
    "  id INTEGER PRIMARY KEY, pipeline TEXT NOT NULL, run_id TEXT NOT NULL, epoch INTEGER NOT NULL,"
    "  stage TEXT NOT NULL, file TEXT NOT NULL DEFAULT '', offset INTEGER NOT NULL, line INTEGER,"
    "  reason TEXT NOT NULL, raw TEXT, created_at TEXT NOT NULL,"
    "  UNIQUE(pipeline, epoch, stage, file, offset));"
    "CREATE TABLE IF NOT EXISTS files ("
    "  pipeline TEXT NOT NULL, path TEXT NOT NULL, size INTEGER, mtime INTEGER, hash TEXT,"
    "  run_id TEXT, loaded_at TEXT, PRIMARY KEY(pipeline, path));"
    "CREATE TABLE IF NOT EXISTS checkpoints ("
    "  pipeline TEXT NOT NULL, sink TEXT NOT NULL, epoch INTEGER NOT NULL, key TEXT NOT NULL,"
    "  value TEXT, updated_at TEXT, PRIMARY KEY(pipeline, sink, key));"
    "CREATE TABLE IF NOT EXISTS schema_changes ("
    "  id INTEGER PRIMARY KEY, pipeline TEXT NOT NULL, run_id TEXT, column_name TEXT,"
    "  change TEXT, changed_at TEXT);";

#define NOW "strftime('%Y-%m-%dT%H:%M:%fZ','now')"

static int db_error(sl_state *s, sl_error *err, const char *what)
{
    return sl_error_set(err, SL_ESQL, "state store: %s: %s", what, sqlite3_errmsg(s->db));
}

static int mkdir_p(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int sl_state_open(const char *path, sl_state **out, sl_error *err)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    if (mkdir_p(dirname(dir)) < 0)
        return sl_error_set(err, SL_EIO, "state store: cannot create %s: %s", dir, strerror(errno));
    sl_state *s = sl_calloc(1, sizeof *s);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        sl_error_set(err, SL_EIO, "state store %s: %s", path, sqlite3_errmsg(s->db));
        sl_state_close(s);
        return -1;
    }
    sqlite3_busy_timeout(s->db, 10000);
    if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
        db_error(s, err, path);
        sl_state_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void sl_state_close(sl_state *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    sl_free(s);
}

/* Prepare, bind from a format ('s' text, 'i' int64, 'd' double), step once. */
static int exec(sl_state *s, sl_error *err, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "prepare");
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt && fmt[i]; i++) {
        if (fmt[i] == 's') {
            const char *v = va_arg(ap, const char *);
            if (v)
                sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i + 1);
        } else if (fmt[i] == 'i') {
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        } else {
            sqlite3_bind_double(st, i + 1, va_arg(ap, double));
        }
    }
    va_end(ap);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_error(s, err, "write");
    return 0;
}

static void new_run_id(char out[40])
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
    new_run_id(run_id);
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(s, err, "begin");
    sqlite3_stmt *st;
    *resumed = 0;
    *epoch = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT open_epoch FROM epochs WHERE pipeline = ? AND open_epoch IS NOT NULL",
                           -1, &st, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(st, 1, pipeline, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && !restart) {
        *epoch = sqlite3_column_int64(st, 0);
        *resumed = 1;
    }
    sqlite3_finalize(st);
    /* runs left 'running' by a process that died are marked so */
    if (exec(s, err, "UPDATE runs SET status = 'interrupted', finished_at = " NOW
                     " WHERE pipeline = ? AND status = 'running'", "s", pipeline) < 0)
        goto fail;
    if (exec(s, err, "INSERT INTO runs (run_id, pipeline, epoch, status, resumed, started_at) "
                     "VALUES (?, ?, 0, 'running', ?, " NOW ")", "ssi", run_id, pipeline, (int64_t)*resumed) < 0)
        goto fail;
    if (!*resumed) {
        *epoch = sqlite3_last_insert_rowid(s->db);
        if (exec(s, err, "INSERT INTO epochs (pipeline, open_epoch) VALUES (?, ?) "
                         "ON CONFLICT(pipeline) DO UPDATE SET open_epoch = excluded.open_epoch",
                 "si", pipeline, *epoch) < 0)
            goto fail;
    }
    if (exec(s, err, "UPDATE runs SET epoch = ? WHERE run_id = ?", "is", *epoch, run_id) < 0)
        goto fail;
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    return 0;
fail:
    if (err && err->code == SL_OK)
        db_error(s, err, "begin run");
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int sl_state_run_progress(sl_state *s, const char *run_id, const sl_run_counts *c, sl_error *err)
{
    return exec(s, err, "UPDATE runs SET rows_read = ?, rows_loaded = ?, rows_filtered = ?, "
                        "rows_rejected = ?, bytes_read = ? WHERE run_id = ?",
                "iiiiis", c->read, c->loaded, c->filtered, c->rejected, c->bytes, run_id);
}

int sl_state_run_end(sl_state *s, const char *run_id, const char *pipeline, const char *status,
                     const char *error, const sl_run_counts *c, sl_error *err)
{
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(s, err, "begin");
    int rc = exec(s, err, "UPDATE runs SET status = ?, error = ?, finished_at = " NOW ", "
                          "duration_s = (julianday('now') - julianday(started_at)) * 86400.0, "
                          "rows_read = ?, rows_loaded = ?, rows_filtered = ?, rows_rejected = ?, "
                          "bytes_read = ? WHERE run_id = ?",
                  "ssiiiiis", status, error, c->read, c->loaded, c->filtered, c->rejected, c->bytes, run_id);
    if (rc == 0 && strcmp(status, "success") == 0)
        rc = exec(s, err, "UPDATE epochs SET open_epoch = NULL WHERE pipeline = ?", "s", pipeline);
    if (rc == 0 && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = db_error(s, err, "commit");
    if (rc < 0)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int sl_state_dlq_add(sl_state *s, const char *pipeline, const char *run_id, int64_t epoch,
                     const char *file, const sl_reject *r, size_t n, sl_error *err)
{
    if (n == 0)
        return 0;
    sqlite3_stmt *st;
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(s, err, "begin");
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR IGNORE INTO dlq (pipeline, run_id, epoch, stage, file, offset, line, "
                           "reason, raw, created_at) VALUES (?,?,?,?,?,?,?,?,?," NOW ")",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return db_error(s, err, "prepare");
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_text(st, 1, pipeline, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, run_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, epoch);
        sqlite3_bind_text(st, 4, r[i].stage, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, file ? file : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, r[i].offset);
        sqlite3_bind_int64(st, 7, r[i].line);
        sqlite3_bind_text(st, 8, r[i].reason, -1, SQLITE_STATIC);
        if (r[i].raw)
            sqlite3_bind_text(st, 9, r[i].raw, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 9);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_finalize(st);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return db_error(s, err, "dlq insert");
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return db_error(s, err, "commit");
    return 0;
}

int sl_state_file_get(sl_state *s, const char *pipeline, const char *path, int64_t *size,
                      int64_t *mtime, char hash[33], int *found, sl_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT size, mtime, hash FROM files WHERE pipeline = ? AND path = ?", -1,
                           &st, NULL) != SQLITE_OK)
        return db_error(s, err, "prepare");
    sqlite3_bind_text(st, 1, pipeline, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
    *found = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *found = 1;
        *size = sqlite3_column_int64(st, 0);
        *mtime = sqlite3_column_int64(st, 1);
        const unsigned char *h = sqlite3_column_text(st, 2);
        snprintf(hash, 33, "%s", h ? (const char *)h : "");
    }
    sqlite3_finalize(st);
    return 0;
}

int sl_state_file_put(sl_state *s, const char *pipeline, const char *path, int64_t size,
                      int64_t mtime, const char *hash, const char *run_id, sl_error *err)
{
    return exec(s, err, "INSERT INTO files (pipeline, path, size, mtime, hash, run_id, loaded_at) "
                        "VALUES (?,?,?,?,?,?," NOW ") ON CONFLICT(pipeline, path) DO UPDATE SET "
                        "size = excluded.size, mtime = excluded.mtime, hash = excluded.hash, "
                        "run_id = excluded.run_id, loaded_at = excluded.loaded_at",
                "ssiiss", pipeline, path, size, mtime, hash, run_id);
}

int sl_state_checkpoint_put(sl_state *s, const char *pipeline, const char *sink, int64_t epoch,
                            const char *key, const char *value, sl_error *err)
{
    return exec(s, err, "INSERT INTO checkpoints (pipeline, sink, epoch, key, value, updated_at) "
                        "VALUES (?,?,?,?,?," NOW ") ON CONFLICT(pipeline, sink, key) DO UPDATE SET "
                        "epoch = excluded.epoch, value = excluded.value, updated_at = excluded.updated_at",
                "ssiss", pipeline, sink, epoch, key, value);
}

int sl_state_checkpoint_each(sl_state *s, const char *pipeline, const char *sink, int64_t epoch,
                             void (*fn)(void *ctx, const char *key, const char *value), void *ctx,
                             sl_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT key, value FROM checkpoints WHERE pipeline = ? AND sink = ? AND epoch = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "prepare");
    sqlite3_bind_text(st, 1, pipeline, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sink, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, epoch);
    while (sqlite3_step(st) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    return 0;
}

int sl_state_checkpoint_delete(sl_state *s, const char *pipeline, const char *sink, sl_error *err)
{
    return exec(s, err, "DELETE FROM checkpoints WHERE pipeline = ? AND sink = ?", "ss", pipeline, sink);
}

int sl_state_schema_change(sl_state *s, const char *pipeline, const char *run_id,
                           const char *column, const char *change, sl_error *err)
{
    return exec(s, err, "INSERT INTO schema_changes (pipeline, run_id, column_name, change, changed_at) "
                        "VALUES (?,?,?,?," NOW ")", "ssss", pipeline, run_id, column, change);
}

static int query_json(sl_state *s, const char *sql, const char *pipeline, int limit, sl_buf *out,
                      sl_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, err, "prepare");
    if (pipeline)
        sqlite3_bind_text(st, 1, pipeline, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        sl_buf_adds(out, (const char *)sqlite3_column_text(st, 0));
    else
        sl_buf_adds(out, "[]");
    sqlite3_finalize(st);
    return 0;
}

int sl_state_runs_json(sl_state *s, const char *pipeline, int limit, sl_buf *out, sl_error *err)
{
    return query_json(s,
                      "SELECT json_group_array(json_object('run_id', run_id, 'pipeline', pipeline, "
                      "'status', status, 'resumed', json(CASE resumed WHEN 1 THEN 'true' ELSE 'false' END), "
                      "'started_at', started_at, 'finished_at', finished_at, 'duration_s', duration_s, "
                      "'rows_read', rows_read, 'rows_loaded', rows_loaded, 'rows_filtered', rows_filtered, "
                      "'rows_rejected', rows_rejected, 'bytes_read', bytes_read, 'error', error)) FROM "
                      "(SELECT * FROM runs WHERE ?1 IS NULL OR pipeline = ?1 ORDER BY seq DESC LIMIT ?2)",
                      pipeline, limit, out, err);
}

int sl_state_dlq_json(sl_state *s, const char *pipeline, int limit, sl_buf *out, sl_error *err)
{
    return query_json(s,
                      "SELECT json_group_array(json_object('id', id, 'pipeline', pipeline, 'run_id', run_id, "
                      "'stage', stage, 'file', file, 'line', line, 'offset', offset, 'reason', reason, "
                      "'raw', raw, 'created_at', created_at)) FROM "
                      "(SELECT * FROM dlq WHERE ?1 IS NULL OR pipeline = ?1 ORDER BY id DESC LIMIT ?2)",
                      pipeline, limit, out, err);
}
