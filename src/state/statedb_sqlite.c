/* statedb_sqlite.c: the state store in an SQLite file (the default,
 * .sluice/state.db), WAL mode. See statedb.h. */
#include "state/statedb.h"
#include "core/mem.h"
#include "core/util.h"
#include "db/sqlite.h"
#include <errno.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS runs ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT UNIQUE NOT NULL, pipeline TEXT NOT NULL,"
    "  epoch INTEGER NOT NULL, status TEXT NOT NULL, resumed INTEGER NOT NULL DEFAULT 0,"
    "  started_at TEXT NOT NULL, finished_at TEXT, duration_s REAL,"
    "  rows_read INTEGER DEFAULT 0, rows_loaded INTEGER DEFAULT 0, rows_filtered INTEGER DEFAULT 0,"
    "  rows_rejected INTEGER DEFAULT 0, bytes_read INTEGER DEFAULT 0, error TEXT, rows_derived INTEGER DEFAULT 0,"
    "  ranges INTEGER DEFAULT 0, range_workers INTEGER DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS runs_pipeline ON runs(pipeline, seq);"
    "CREATE TABLE IF NOT EXISTS epochs (pipeline TEXT PRIMARY KEY, open_epoch INTEGER);"
    "CREATE TABLE IF NOT EXISTS dlq ("
    "  id INTEGER PRIMARY KEY, pipeline TEXT NOT NULL, run_id TEXT NOT NULL, epoch INTEGER NOT NULL,"
    "  stage TEXT NOT NULL, file TEXT NOT NULL DEFAULT '', offset INTEGER NOT NULL, line INTEGER,"
    "  reason TEXT NOT NULL, raw TEXT, created_at TEXT NOT NULL, row_key TEXT);"
    "CREATE TABLE IF NOT EXISTS files ("
    "  pipeline TEXT NOT NULL, path TEXT NOT NULL, size INTEGER, mtime INTEGER, hash TEXT,"
    "  run_id TEXT, loaded_at TEXT, PRIMARY KEY(pipeline, path));"
    "CREATE TABLE IF NOT EXISTS checkpoints ("
    "  pipeline TEXT NOT NULL, sink TEXT NOT NULL, epoch INTEGER NOT NULL, key TEXT NOT NULL,"
    "  value TEXT, updated_at TEXT, PRIMARY KEY(pipeline, sink, key));"
    "CREATE TABLE IF NOT EXISTS schema_changes ("
    "  id INTEGER PRIMARY KEY, pipeline TEXT NOT NULL, run_id TEXT, column_name TEXT,"
    "  change TEXT, changed_at TEXT);"
    "CREATE TABLE IF NOT EXISTS sync_records ("
    "  pipeline TEXT NOT NULL, sink TEXT NOT NULL, key TEXT NOT NULL, hash TEXT, dest_id TEXT,"
    "  status TEXT NOT NULL, seen_epoch INTEGER, synced_at TEXT, PRIMARY KEY(pipeline, sink, key));"
    "CREATE TABLE IF NOT EXISTS run_logs (run_id TEXT PRIMARY KEY, started_by TEXT, log TEXT);"
    "CREATE TABLE IF NOT EXISTS slots ("
    "  pipeline TEXT NOT NULL, slot INTEGER NOT NULL, holder TEXT, claimed_at TEXT, PRIMARY KEY(pipeline, slot));"
    "CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at REAL NOT NULL);"
    /* models layer: one row per node a `sluice build/run/test/seed/snapshot` ran (state.h) */
    "CREATE TABLE IF NOT EXISTS node_results ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, unique_id TEXT NOT NULL,"
    "  resource_type TEXT NOT NULL, status TEXT NOT NULL, failures INTEGER, rows_affected INTEGER,"
    "  message TEXT, compiled_sql TEXT, started_at TEXT NOT NULL, duration_s REAL);"
    "CREATE INDEX IF NOT EXISTS node_results_node ON node_results(unique_id, seq);"
    /* data quality (state/quality_store.h): check results, column profiles, monitor points, incidents */
    "CREATE TABLE IF NOT EXISTS check_results ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, node TEXT NOT NULL, check_name TEXT NOT NULL, kind TEXT NOT NULL,"
    "  column_name TEXT, status TEXT NOT NULL, severity TEXT NOT NULL, observed REAL, threshold TEXT,"
    "  failures INTEGER, rows_checked INTEGER, message TEXT, sample TEXT, checked_at TEXT NOT NULL, duration_s REAL);"
    "CREATE INDEX IF NOT EXISTS check_results_node ON check_results(node, check_name, seq);"
    "CREATE INDEX IF NOT EXISTS check_results_run ON check_results(run_id);"
    "CREATE TABLE IF NOT EXISTS profiles ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, node TEXT NOT NULL, column_name TEXT NOT NULL, type TEXT,"
    "  row_count INTEGER, null_count INTEGER, distinct_count INTEGER, min_value REAL, max_value REAL, mean REAL,"
    "  stddev REAL, min_length INTEGER, max_length INTEGER, min_text TEXT, max_text TEXT, format TEXT,"
    "  format_fail_rate REAL, profiled_at TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS profiles_node ON profiles(node, column_name, seq);"
    "CREATE TABLE IF NOT EXISTS monitor_points ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, monitor TEXT NOT NULL, node TEXT NOT NULL, metric TEXT NOT NULL, column_name TEXT,"
    "  run_id TEXT, at INTEGER NOT NULL, value REAL, expected REAL, lower_bound REAL, upper_bound REAL,"
    "  status TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS monitor_points_monitor ON monitor_points(monitor, seq);"
    "CREATE TABLE IF NOT EXISTS keyed_state (pipeline TEXT NOT NULL, transform TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT, updated_at TEXT, PRIMARY KEY(pipeline, transform, scope, key));"
    "CREATE TABLE IF NOT EXISTS incidents ("
    "  incident_key TEXT PRIMARY KEY, kind TEXT NOT NULL, node TEXT NOT NULL, status TEXT NOT NULL,"
    "  message TEXT, opened_at TEXT NOT NULL, updated_at TEXT NOT NULL, closed_at TEXT, occurrences INTEGER NOT NULL);";

/* After schema_sql: a store made before rejected rows were kept once
 * (row_key) gains the column; its old rows keep a NULL key. */
static const char dlq_key_sql[] = "ALTER TABLE dlq ADD COLUMN row_key TEXT";
/* A store made before runs counted derived rows (rows a transform adds). */
static const char runs_derived_sql[] = "ALTER TABLE runs ADD COLUMN rows_derived INTEGER DEFAULT 0";
/* A store made before runs said how their source read (parallel ranges). */
static const char runs_ranges_sql[] = "ALTER TABLE runs ADD COLUMN ranges INTEGER DEFAULT 0;"
                                      "ALTER TABLE runs ADD COLUMN range_workers INTEGER DEFAULT 0";
static const char dlq_index_sql[] = "CREATE UNIQUE INDEX IF NOT EXISTS dlq_row ON dlq(pipeline, row_key)";

/* bytes (statedb.h) need nothing here: SQLite keeps the bytes of a TEXT
 * value as they are, valid UTF-8 or not, and TEXT keeps raw LIKE '%x%'
 * working for whoever queries the DLQ (LIKE never matches a BLOB). */
static int lite_run(void *conn, const char *sql, int nparams, const char *const *params, unsigned bytes,
                    sl_statedb_row_fn fn, void *ctx, sl_error *err)
{
    (void)bytes;
    sqlite3 *db = conn;
    sqlite3_stmt *st;
    if (nparams == 0 && !fn) {
        char *msg = NULL;
        if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
            sl_error_set(err, SL_ESQL, "state store: %s", msg ? msg : sqlite3_errmsg(db));
            sqlite3_free(msg);
            return -1;
        }
        return 0;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return sl_error_set(err, SL_ESQL, "state store: %s", sqlite3_errmsg(db));
    for (int i = 0; i < nparams; i++) {
        if (params[i])
            sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, i + 1);
    }
    int rc, n = sqlite3_column_count(st);
    const char *vals[64];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < n && i < 64; i++)
            vals[i] = (const char *)sqlite3_column_text(st, i);
        if (fn)
            fn(ctx, n, vals);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sl_error_set(err, SL_ESQL, "state store: %s", sqlite3_errmsg(db));
    return 0;
}

static void count_fn(void *ctx, int n, const char *const *vals)
{
    (void)n; (void)vals;
    ++*(int *)ctx;
}

/* Pipelines of one machine are kept apart by the lock files of the engine;
 * an SQLite state store is not shared between machines. */
static int lite_lock(void *conn, const char *pipeline, int take, sl_error *err)
{
    (void)conn; (void)pipeline; (void)err;
    return take ? 1 : 0;
}

static void lite_close(void *conn)
{
    sqlite3_close(conn);
}

static const sl_statedb_ops lite_ops = {"sqlite", lite_run, "BEGIN IMMEDIATE", lite_lock, lite_close};

int sl_statedb_sqlite_open(const char *path, void **conn, const sl_statedb_ops **ops, sl_error *err)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    if (sl_mkdir_p(dirname(dir)) < 0)
        return sl_error_set(err, SL_EIO, "state store: cannot create %s: %s", dir, strerror(errno));
    sqlite3 *db;
    if (sl_sqlite_open(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX) !=
        SQLITE_OK) {
        sl_error_set(err, SL_EIO, "state store %s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 10000);
    int has_key = 0, has_derived = 0, has_ranges = 0;
    /* the page cache is bounded at 1 MiB (SQLite's default is 2 MB): a
     * daemon's heap grows with it as the store grows, up to that bound,
     * and the soak test (t0052) tells the two apart from a leak */
    if (lite_run(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-1024;", 0, NULL, 0, NULL, NULL, err) < 0 ||
        lite_run(db, schema_sql, 0, NULL, 0, NULL, NULL, err) < 0 ||
        lite_run(db, "SELECT 1 FROM pragma_table_info('dlq') WHERE name = 'row_key'", 0, NULL, 0, count_fn,
                 &has_key, err) < 0 ||
        (!has_key && lite_run(db, dlq_key_sql, 0, NULL, 0, NULL, NULL, err) < 0) ||
        lite_run(db, "SELECT 1 FROM pragma_table_info('runs') WHERE name = 'rows_derived'", 0, NULL, 0, count_fn,
                 &has_derived, err) < 0 ||
        (!has_derived && lite_run(db, runs_derived_sql, 0, NULL, 0, NULL, NULL, err) < 0) ||
        lite_run(db, "SELECT 1 FROM pragma_table_info('runs') WHERE name = 'ranges'", 0, NULL, 0, count_fn,
                 &has_ranges, err) < 0 ||
        (!has_ranges && lite_run(db, runs_ranges_sql, 0, NULL, 0, NULL, NULL, err) < 0) ||
        lite_run(db, dlq_index_sql, 0, NULL, 0, NULL, NULL, err) < 0) {
        sl_error_prefix(err, "%s", path);
        sqlite3_close(db);
        return -1;
    }
    *conn = db;
    *ops = &lite_ops;
    return 0;
}
