/*
 * sqlite.c: the `sqlite` sink, the embedded warehouse.
 *
 * Creates the table from the batch schema (quoted identifiers, declared
 * types: see sqlite_type()), adds columns that appear later, and loads in
 * one of three modes:
 *   append        INSERT
 *   upsert        INSERT ... ON CONFLICT (key) DO UPDATE (a unique index on key);
 *                 a row whose key is NULL goes to the DLQ (sinks/sinkkey.h);
 *                 with only_if_newer: <column> the stored row stays unless
 *                 the new one's column is greater (rows_stale counts the rest)
 *   full_refresh  load into "<table>__sluice_staging", then at the end of the
 *                 run, in one transaction, replace the table's rows with the
 *                 staged ones (the first time: rename the staging table):
 *                 readers never see a half-loaded table, and the views,
 *                 triggers and indexes users add to the table stay.
 * `sluice run --full-refresh` makes every mode a full_refresh for that run
 * (an upsert stages with its key: the last row of a key wins): the table
 * is rebuilt from the source in the finishing transaction.
 *
 * commit: batch (default) commits each batch with its position; commit:
 * run keeps the whole run in one transaction (positions included) that
 * finish commits: readers see the table as it was until the run succeeds,
 * a failed run leaves it exactly as it was, and other writers of the same
 * file wait for the run (busy timeout 30 s).
 *
 * Write-audit-publish (engine/checks.h): a sink that publishes at the end
 * (full_refresh, commit: run) lets the pipeline's warehouse checks read the
 * staged rows (audit, staged = 1: the staging table, or the table inside
 * the open transaction) before finish; discard drops them when a check
 * refuses them.
 *
 * Exactly once: each batch is written and its position (input key, byte
 * offset, line) is upserted into _sluice_state in the same transaction.
 * After a crash the engine resumes the run's epoch, and rows at or after
 * a committed position are the only ones written again.
 */
#include "core/failpoint.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sqlident.h"
#include "db/sqlite.h"
#include "db/walckpt.h"
#include "engine/run.h"
#include "expr/expr.h"
#include "models/adapter.h"
#include "quality/check.h"
#include "sinks/posmap.h"
#include "sinks/sinkkey.h"
#include "sinks/sqlite_retype.h"
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct sqlite_opts {
    char *table, *path, *mode, *only_if_newer, *commit;
    sl_strlist key;
    int64_t page_size, wal_limit;
} sqlite_opts;

static const sl_option sqlite_options[] = {
    {"table", SL_OPT_STRING, NULL, SL_OPT_REQUIRED, offsetof(sqlite_opts, table), NULL, "destination table"},
    {"path", SL_OPT_STRING, "", 0, offsetof(sqlite_opts, path), NULL,
     "SQLite file to write (default: the project warehouse)"},
    {"mode", SL_OPT_ENUM, "append", 0, offsetof(sqlite_opts, mode), "append|upsert|full_refresh",
     "append rows, upsert them on key, or replace the table atomically at the end of the run"},
    {"key", SL_OPT_LIST, NULL, 0, offsetof(sqlite_opts, key), NULL,
     "key columns (required for upsert); a row whose key is NULL goes to the DLQ"},
    {"only_if_newer", SL_OPT_STRING, "", 0, offsetof(sqlite_opts, only_if_newer), NULL,
     "upsert: a row replaces the stored row of its key only if this column's value is greater "
     "(NULL is older than any value); rows not applied count as rows_stale"},
    {"page_size", SL_OPT_INT, "65536", 0, offsetof(sqlite_opts, page_size), NULL,
     "page size in bytes (512-65536, a power of two) of a database file this sink creates; "
     "large pages load and scan faster (an existing file keeps its own)"},
    {"wal_limit", SL_OPT_INT, "67108864", 0, offsetof(sqlite_opts, wal_limit), NULL,
     "bytes of write-ahead log after which a commit completes a checkpoint and the log restarts"},
    {"commit", SL_OPT_ENUM, "batch", 0, offsetof(sqlite_opts, commit), "batch|run",
     "batch: commit each batch with its checkpoint (a failed run keeps what it loaded and the next resumes); "
     "run: one transaction for the whole run (readers see nothing of it until it succeeds; a failed run, or "
     "a failing check, leaves the table as it was; other writers of the file wait)"},
    SL_OPT_END,
};

typedef struct sqlite_state {
    sqlite_opts *o;
    sl_run *run;
    sqlite3 *db;
    const char *id, *pipeline;
    char *target;          /* table written during the run (staging for full_refresh) */
    int full_refresh, upsert, in_txn, table_ready, run_txn;
    char **cols;           /* columns the table has */
    char **decls;          /* their declared types */
    size_t ncols;
    sqlite3_stmt *insert, *state_put;
    char *insert_sig;
    uint8_t *float_text;   /* per batch column: a float into a TEXT column, sent as exact text */
    sl_expr_engine *xe;    /* the batch as a virtual table in this connection */
    sl_expr *bulk;         /* INSERT ... SELECT ... FROM <the batch> (sl_expr_statement_new) */
    sl_posmap positions;
    sl_walckpt *ckpt;      /* checkpoints on another thread (db/walckpt.h) */
    int wal_frames;        /* frames in the log after the last commit (wal hook) */
    int64_t wal_limit_frames;
    int64_t stale;         /* rows of the open transaction only_if_newer did not apply */
    int64_t stale_total;   /* ... of the committed ones */
    sl_sink_counts pend;   /* what the open transaction did (component.h) */
    sl_sink_counts done;   /* ... and the committed ones */
} sqlite_state;

/* SQLite's commit hook in WAL mode: remember the log's size, in frames */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)db; (void)name;
    ((sqlite_state *)arg)->wal_frames = frames;
    return SQLITE_OK;
}

/* What SQLite's own message leaves out: its limit on a table's width. */
static const char *hint_for(const char *msg)
{
    if (msg && strstr(msg, "too many columns"))
        return " (a SQLite table has at most 2000 columns: set the source's max_columns lower, or `select` the "
               "columns to load)";
    return "";
}

static int db_fail(sqlite_state *st, sl_error *err, const char *what)
{
    const char *m = sqlite3_errmsg(st->db);
    return sl_error_set(err, SL_ESQL, "sink %s: %s: %s%s", st->id, what, m, hint_for(m));
}

static int exec_sql(sqlite_state *st, const char *sql, sl_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        sl_log_debug("sink %s: failed: %s", st->id, sql);
        sl_error_set(err, SL_ESQL, "sink %s: %s%s", st->id, msg ? msg : "?", hint_for(msg));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static const char *sqlite_type(sl_type t)
{
    switch (t) {
    case SL_T_BOOL: return "BOOLEAN";
    case SL_T_INT: return "INTEGER";
    case SL_T_FLOAT: return "REAL";
    case SL_T_DECIMAL: return "DECIMAL TEXT"; /* TEXT affinity: keeps exact digits */
    /* ISO text; TEXT affinity, or SQLite tries each value as a number first */
    case SL_T_DATE: return "DATE TEXT";
    case SL_T_TIMESTAMP: return "TIMESTAMP TEXT";
    case SL_T_JSON: return "JSON TEXT";
    default: return "TEXT";
    }
}

static int table_exists(sqlite_state *st, const char *name)
{
    sqlite3_stmt *s;
    int found = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1, &s, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        found = sqlite3_step(s) == SQLITE_ROW;
        sqlite3_finalize(s);
    }
    return found;
}

static void load_columns(sqlite_state *st)
{
    for (size_t i = 0; i < st->ncols; i++) {
        sl_free(st->cols[i]);
        sl_free(st->decls[i]);
    }
    st->ncols = 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT name, type FROM pragma_table_info(?)", -1, &s, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(s, 1, st->target, -1, SQLITE_STATIC);
    while (sqlite3_step(s) == SQLITE_ROW) {
        st->cols = sl_realloc(st->cols, (st->ncols + 1) * sizeof *st->cols);
        st->decls = sl_realloc(st->decls, (st->ncols + 1) * sizeof *st->decls);
        st->decls[st->ncols] = sl_strdup((const char *)sqlite3_column_text(s, 1));
        st->cols[st->ncols++] = sl_strdup((const char *)sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
}

/* The table's column called name (SQLite compares names without ASCII case), or -1. */
static int find_column(const sqlite_state *st, const char *name)
{
    for (size_t i = 0; i < st->ncols; i++)
        if (strcasecmp(st->cols[i], name) == 0)
            return (int)i;
    return -1;
}

/* Rebuild table so that columns names[k] (k < n) are declared decls[k]
 * instead of olds[k] (sinks/sqlite_retype.h: SQLite cannot alter a type),
 * and say so as a schema change of the run. */
static int retype_table(sqlite_state *st, const char *table, const char **names, const char **decls,
                        const char **olds, size_t n, sl_error *err)
{
    char *msg = NULL;
    if (sl_sqlite_retype(st->db, table, names, decls, n, &msg) < 0) {
        sl_error_set(err, SL_ESQL, "sink %s: changing column types of table %s: %s", st->id, st->o->table, msg);
        sl_free(msg);
        return -1;
    }
    for (size_t k = 0; k < n; k++)
        sl_run_schema_change(st->run, names[k], "retyped in table %s from %s to %s (table rebuilt)", st->o->table,
                             olds[k], decls[k]);
    return 0;
}

/* Give columns[k] (k < n) the batch's type at[k]: their declared type would
 * change the batch's values (a column that widened after its table was
 * created: "02100" into INTEGER). */
static int retype_columns(sqlite_state *st, const char **names, const char **decls, size_t n, sl_error *err)
{
    const char **olds = sl_malloc((n ? n : 1) * sizeof *olds);
    for (size_t k = 0; k < n; k++)
        olds[k] = st->decls[find_column(st, names[k])];
    int rc = retype_table(st, st->target, names, decls, olds, n, err);
    sl_free(olds);
    if (rc == 0)
        load_columns(st);
    return rc;
}

/* Create the table, or add the batch's new columns to it. */
static int ensure_table(sqlite_state *st, const sl_batch *b, sl_error *err)
{
    sl_buf sql;
    sl_buf_init(&sql);
    int rc = 0;
    if (!st->table_ready) {
        if (!table_exists(st, st->target)) {
            sl_buf_adds(&sql, "CREATE TABLE ");
            sl_sql_ident(&sql, st->target);
            sl_buf_adds(&sql, " (");
            for (size_t i = 0; i < b->ncols; i++) {
                if (i)
                    sl_buf_adds(&sql, ", ");
                sl_sql_ident(&sql, b->cols[i].name);
                sl_buf_addf(&sql, " %s", sqlite_type(b->cols[i].type));
            }
            sl_buf_addc(&sql, ')');
            rc = exec_sql(st, sql.data, err);
        }
        if (rc == 0 && st->upsert) {
            sl_buf_reset(&sql);
            char *idx = sl_printf("%s__sluice_key", st->target);
            sl_buf_adds(&sql, "CREATE UNIQUE INDEX IF NOT EXISTS ");
            sl_sql_ident(&sql, idx);
            sl_free(idx);
            sl_buf_adds(&sql, " ON ");
            sl_sql_ident(&sql, st->target);
            sl_buf_adds(&sql, " (");
            for (size_t i = 0; i < st->o->key.n; i++) {
                if (i)
                    sl_buf_adds(&sql, ", ");
                sl_sql_ident(&sql, st->o->key.v[i]);
            }
            sl_buf_addc(&sql, ')');
            rc = exec_sql(st, sql.data, err);
        }
        load_columns(st);
        st->table_ready = rc == 0;
    }
    const char **retype = NULL, **decls = NULL;
    size_t nretype = 0;
    for (size_t i = 0; rc == 0 && i < b->ncols; i++) {
        int at = find_column(st, b->cols[i].name);
        if (at >= 0 && sl_sqlite_affinity_alters(st->decls[at], b->cols[i].type)) {
            if (!retype) {
                retype = sl_calloc(b->ncols, sizeof *retype);
                decls = sl_calloc(b->ncols, sizeof *decls);
            }
            retype[nretype] = st->cols[at];
            decls[nretype++] = sqlite_type(b->cols[i].type);
        }
        if (at >= 0)
            continue;
        sl_buf_reset(&sql);
        sl_buf_adds(&sql, "ALTER TABLE ");
        sl_sql_ident(&sql, st->target);
        sl_buf_adds(&sql, " ADD COLUMN ");
        sl_sql_ident(&sql, b->cols[i].name);
        sl_buf_addf(&sql, " %s", sqlite_type(b->cols[i].type));
        rc = exec_sql(st, sql.data, err);
        if (rc == 0) {
            sl_run_schema_change(st->run, b->cols[i].name, "added to table %s (%s)", st->o->table,
                                 sqlite_type(b->cols[i].type));
            st->cols = sl_realloc(st->cols, (st->ncols + 1) * sizeof *st->cols);
            st->decls = sl_realloc(st->decls, (st->ncols + 1) * sizeof *st->decls);
            st->decls[st->ncols] = sl_strdup(sqlite_type(b->cols[i].type));
            st->cols[st->ncols++] = sl_strdup(b->cols[i].name);
        }
    }
    if (rc == 0 && nretype)
        rc = retype_columns(st, retype, decls, nretype, err);
    sl_free(retype);
    sl_free(decls);
    sl_buf_release(&sql);
    return rc;
}

/* The batch's columns that are not key columns, as `table`."col", ... */
static void add_value_columns(const sqlite_state *st, sl_buf *sql, const sl_batch *b, const char *table)
{
    for (size_t i = 0, n = 0; i < b->ncols; i++) {
        int is_key = 0;
        for (size_t k = 0; k < st->o->key.n; k++)
            is_key |= strcmp(st->o->key.v[k], b->cols[i].name) == 0;
        if (is_key)
            continue;
        if (n++)
            sl_buf_addc(sql, ',');
        sl_sql_ident(sql, table);
        sl_buf_addc(sql, '.');
        sl_sql_ident(sql, b->cols[i].name);
    }
}

static int prepare_insert(sqlite_state *st, const sl_batch *b, sl_error *err)
{
    sl_buf sig;
    sl_buf_init(&sig);
    for (size_t i = 0; i < b->ncols; i++) {
        sl_buf_adds(&sig, b->cols[i].name);
        sl_buf_addc(&sig, b->cols[i].type == SL_T_FLOAT ? '\x1e' : '\x1f');
    }
    if (st->insert && st->insert_sig && strcmp(st->insert_sig, sig.data ? sig.data : "") == 0) {
        sl_buf_release(&sig);
        return 0;
    }
    st->float_text = sl_realloc(st->float_text, b->ncols + 1);
    for (size_t i = 0; i < b->ncols; i++) {
        /* a table column of TEXT affinity (made by an earlier run) would
         * turn a double into text with 15 digits: send its exact text */
        int at = b->cols[i].type == SL_T_FLOAT ? find_column(st, b->cols[i].name) : -1;
        st->float_text[i] = at >= 0 && sl_sqlite_affinity(st->decls[at]) == 't';
    }
    sqlite3_finalize(st->insert);
    st->insert = NULL;
    sl_free(st->insert_sig);
    st->insert_sig = sl_buf_detach(&sig);
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_adds(&sql, "INSERT INTO ");
    sl_sql_ident(&sql, st->target);
    sl_buf_adds(&sql, " (");
    for (size_t i = 0; i < b->ncols; i++) {
        if (i)
            sl_buf_addc(&sql, ',');
        sl_sql_ident(&sql, b->cols[i].name);
    }
    /* where the parts start, for the bulk form below (a column's name may
     * hold any text, ") VALUES (" too: never search the statement for them) */
    size_t values_at = sql.len, conflict_at = 0;
    sl_buf_adds(&sql, ") VALUES (");
    for (size_t i = 0; i < b->ncols; i++)
        sl_buf_adds(&sql, i ? ",?" : "?");
    sl_buf_addc(&sql, ')');
    if (st->upsert) {
        conflict_at = sql.len;
        sl_buf_adds(&sql, " ON CONFLICT (");
        for (size_t i = 0; i < st->o->key.n; i++) {
            if (i)
                sl_buf_addc(&sql, ',');
            sl_sql_ident(&sql, st->o->key.v[i]);
        }
        sl_buf_adds(&sql, ") DO UPDATE SET ");
        int any = 0;
        for (size_t i = 0; i < b->ncols; i++) {
            int is_key = 0;
            for (size_t k = 0; k < st->o->key.n; k++)
                is_key |= strcmp(st->o->key.v[k], b->cols[i].name) == 0;
            if (is_key)
                continue;
            if (any++)
                sl_buf_addc(&sql, ',');
            sl_sql_ident(&sql, b->cols[i].name);
            sl_buf_adds(&sql, " = excluded.");
            sl_sql_ident(&sql, b->cols[i].name);
        }
        if (!any) {
            /* only key columns: nothing to update */
            sql.len -= strlen(" DO UPDATE SET ");
            sl_buf_adds(&sql, " DO NOTHING");
        } else if (!*st->o->only_if_newer) {
            /* a row equal to the stored one changes nothing: not rewritten
             * (and counted unchanged, not updated) */
            sl_buf_adds(&sql, " WHERE (");
            add_value_columns(st, &sql, b, st->target);
            sl_buf_adds(&sql, ") IS NOT (");
            add_value_columns(st, &sql, b, "excluded");
            sl_buf_addc(&sql, ')');
        } else {
            /* the stored row stays unless this one is newer (NULL: oldest) */
            const char *c = st->o->only_if_newer;
            sl_buf_adds(&sql, " WHERE excluded.");
            sl_sql_ident(&sql, c);
            sl_buf_adds(&sql, " > ");
            sl_sql_ident(&sql, st->target);
            sl_buf_addc(&sql, '.');
            sl_sql_ident(&sql, c);
            sl_buf_adds(&sql, " OR (");
            sl_sql_ident(&sql, st->target);
            sl_buf_addc(&sql, '.');
            sl_sql_ident(&sql, c);
            sl_buf_adds(&sql, " IS NULL AND excluded.");
            sl_sql_ident(&sql, c);
            sl_buf_adds(&sql, " IS NOT NULL)");
        }
    }
    int rc = sqlite3_prepare_v2(st->db, sql.data, -1, &st->insert, NULL);
    /* the same insert as one statement per batch: INSERT ... SELECT FROM <the batch> */
    const char *conflict = conflict_at ? sql.data + conflict_at : NULL;
    sl_buf bulk;
    sl_buf_init(&bulk);
    sl_buf_add(&bulk, sql.data, values_at + 2);
    sl_buf_adds(&bulk, "SELECT ");
    for (size_t i = 0; i < b->ncols; i++) {
        if (i)
            sl_buf_addc(&bulk, ',');
        if (st->float_text[i])
            sl_buf_adds(&bulk, "sluice_exact_text(");
        sl_sql_ident(&bulk, b->cols[i].name);
        if (st->float_text[i])
            sl_buf_adds(&bulk, ", '')");
    }
    sl_buf_adds(&bulk, " FROM ");
    /* WHERE true: without it SQLite would read ON CONFLICT as a join clause */
    sl_buf tail;
    sl_buf_init(&tail);
    sl_buf_adds(&tail, " WHERE true");
    /* upsert: rows with a NULL key went to the DLQ (sinks/sinkkey.h) */
    for (size_t k = 0; st->upsert && k < st->o->key.n; k++) {
        sl_buf_adds(&tail, " AND ");
        sl_sql_ident(&tail, st->o->key.v[k]);
        sl_buf_adds(&tail, " IS NOT NULL");
    }
    if (conflict)
        sl_buf_adds(&tail, conflict);
    sl_expr_free(st->bulk);
    st->bulk = sl_expr_statement_new(st->xe, bulk.data, tail.data);
    sl_buf_release(&bulk);
    sl_buf_release(&tail);
    sl_buf_release(&sql);
    return rc == SQLITE_OK ? 0 : db_fail(st, err, "prepare insert");
}

static void no_rows(void *ctx, size_t row, sqlite3_value *v)
{
    (void)ctx; (void)row; (void)v;
}

static int sqlite_check(sl_instance *in, sl_diags *d)
{
    sqlite_opts *o = in->opts;
    int n = 0;
    if (strcmp(o->mode, "upsert") == 0 && o->key.n == 0) {
        sl_diags_add(d, sl_options_loc(sqlite_options, o, "mode"), "mode: upsert needs key: [columns]");
        n++;
    }
    n += sl_sinkkey_check_newer(o->mode, &o->key, o->only_if_newer, sl_options_loc(sqlite_options, o, "only_if_newer"),
                                d);
    if (o->wal_limit < 65536) {
        sl_diags_add(d, sl_options_loc(sqlite_options, o, "wal_limit"), "wal_limit must be at least 65536 bytes");
        n++;
    }
    if (o->page_size < 512 || o->page_size > 65536 || (o->page_size & (o->page_size - 1))) {
        sl_diags_add(d, sl_options_loc(sqlite_options, o, "page_size"),
                     "page_size must be a power of two from 512 to 65536");
        n++;
    }
    return n;
}

static int sqlite_open(sl_instance *in, sl_run *run, sl_error *err)
{
    sqlite_opts *o = in->opts;
    sqlite_state *st = sl_calloc(1, sizeof *st);
    in->state = st;
    st->o = o;
    st->run = run;
    st->id = in->id;
    st->pipeline = run->pipeline->name;
    /* --full-refresh: every mode rebuilds the table this run */
    st->full_refresh = strcmp(o->mode, "full_refresh") == 0 || run->full_refresh;
    st->upsert = strcmp(o->mode, "upsert") == 0;
    st->run_txn = o->commit && strcmp(o->commit, "run") == 0;
    st->target = st->full_refresh ? sl_printf("%s__sluice_staging", o->table) : sl_strdup(o->table);
    char *path = *o->path ? sl_project_path(run->project, o->path) : sl_strdup(run->project->warehouse);
    int rc = sl_sqlite_open(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
    sl_free(path);
    if (rc != SQLITE_OK)
        return db_fail(st, err, "open");
    sqlite3_busy_timeout(st->db, 30000);
    st->xe = sl_expr_engine_wrap(st->db, err);
    if (!st->xe)
        return -1;
    sl_sqlite_exact_text_register(st->db);
    /* regexp() and sl_format_valid() for the checks that audit the table */
    if (sl_quality_register_sqlite(st->db, err) < 0)
        return -1;
    /* a new file gets large pages (fewer, larger writes); this is a no-op on
     * a database that has any content */
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA page_size=%lld", (long long)o->page_size);
    if (exec_sql(st, pragma, err) < 0)
        return -1;
    /* WAL, commits not fsynced (a power cut may undo the last commits, data
     * and checkpoint together: a resumed run redoes them). A thread copies the
     * log back into the file as it grows (db/walckpt.h), so the load seldom
     * waits on the disk; a commit past wal_limit completes that copy (little
     * is left by then) so that the log restarts and stays small. */
    if (exec_sql(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", err) < 0)
        return -1;
    int page = 4096;
    sqlite3_stmt *ps;
    if (sqlite3_prepare_v2(st->db, "PRAGMA page_size", -1, &ps, NULL) == SQLITE_OK) {
        if (sqlite3_step(ps) == SQLITE_ROW)
            page = sqlite3_column_int(ps, 0);
        sqlite3_finalize(ps);
    }
    /* at least one frame: sqlite_check keeps wal_limit >= 65536 >= a page.
     * Not wal_autocheckpoint: its checkpoint gives up when the thread's pass
     * runs, so commit completes it (sl_walckpt_complete) */
    st->wal_limit_frames = o->wal_limit / page;
    /* a pass after every commit: larger passes (an eighth, a sixteenth of
     * the limit) fsynced the log less often but made the load wait longer,
     * at wal_limit for the pass in progress and at the end for the copy
     * left (docs/BENCHMARKS.md "CSV -> SQLite, second pass") */
    st->ckpt = sl_walckpt_start(sqlite3_db_filename(st->db, "main"), 1);
    sqlite3_wal_hook(st->db, wal_hook, st);
    if (exec_sql(st, "CREATE TABLE IF NOT EXISTS _sluice_state (pipeline TEXT NOT NULL, sink TEXT NOT NULL,"
                     " key TEXT NOT NULL, epoch INTEGER NOT NULL, offset INTEGER NOT NULL, line INTEGER,"
                     " updated_at TEXT, PRIMARY KEY (pipeline, sink, key))", err) < 0)
        return -1;
    /* committed positions of this epoch */
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT key, offset, line FROM _sluice_state WHERE pipeline = ? AND sink = ? "
                                   "AND epoch = ?", -1, &s, NULL) != SQLITE_OK)
        return db_fail(st, err, "read positions");
    sqlite3_bind_text(s, 1, st->pipeline, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, st->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, run->epoch);
    while (sqlite3_step(s) == SQLITE_ROW)
        sl_posmap_put(&st->positions, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1),
                      sqlite3_column_int64(s, 2));
    sqlite3_finalize(s);
    if (st->full_refresh && st->positions.n == 0) {
        /* a new epoch: any staging table is left over from an abandoned run */
        sl_buf sql;
        sl_buf_init(&sql);
        sl_buf_adds(&sql, "DROP TABLE IF EXISTS ");
        sl_sql_ident(&sql, st->target);
        rc = exec_sql(st, sql.data, err);
        sl_buf_release(&sql);
        if (rc < 0)
            return -1;
    }
    if (sqlite3_prepare_v2(st->db, "INSERT INTO _sluice_state (pipeline, sink, key, epoch, offset, line, updated_at)"
                                   " VALUES (?,?,?,?,?,?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
                                   " ON CONFLICT (pipeline, sink, key) DO UPDATE SET epoch = excluded.epoch,"
                                   " offset = excluded.offset, line = excluded.line, updated_at = excluded.updated_at",
                           -1, &st->state_put, NULL) != SQLITE_OK)
        return db_fail(st, err, "prepare state");
    return 0;
}

static int sqlite_position(sl_instance *in, const char *key, sl_resume *pos, int *found, sl_error *err)
{
    *found = sl_posmap_get(&((sqlite_state *)in->state)->positions, key, pos);
    return 0;
}

/* The one integer of `SELECT <what> FROM <table>`, or fallback when the
 * query cannot run (a WITHOUT ROWID table a user made has no rowid). */
static int64_t table_scalar(sqlite_state *st, const char *what, const char *table, int64_t fallback)
{
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_addf(&sql, "SELECT %s FROM ", what);
    sl_sql_ident(&sql, table);
    sqlite3_stmt *s;
    int64_t v = fallback;
    if (sqlite3_prepare_v2(st->db, sql.data, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            v = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    sl_buf_release(&sql);
    return v;
}

/* The table's largest rowid (rows inserted after get larger ones), or -1
 * when it has none to ask. */
static int64_t last_rowid(sqlite_state *st)
{
    return table_scalar(st, "coalesce(max(rowid), 0)", st->target, -1);
}

/* Count what a write did: `offered` rows went to the table, `applied` of
 * them inserted or changed a row. Upsert tells inserts from updates by
 * rowid: the rows after lastrow are new (an update keeps its rowid). */
static void count_rows(sqlite_state *st, size_t offered, int64_t applied, int64_t lastrow)
{
    int64_t created = applied;
    if (st->upsert && lastrow >= 0) {
        sl_buf sql;
        sl_buf_init(&sql);
        sl_buf_adds(&sql, "SELECT count(*) FROM ");
        sl_sql_ident(&sql, st->target);
        sl_buf_adds(&sql, " WHERE rowid > ?");
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(st->db, sql.data, -1, &s, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(s, 1, lastrow);
            if (sqlite3_step(s) == SQLITE_ROW)
                created = sqlite3_column_int64(s, 0);
            sqlite3_finalize(s);
        }
        sl_buf_release(&sql);
    }
    st->pend.created += created;
    st->pend.updated += applied - created;
    st->pend.unchanged += (int64_t)offered - applied;
}

static int sqlite_write(sl_instance *in, sl_batch *b, size_t from, uint8_t *rejected, sl_error *err)
{
    sqlite_state *st = in->state;
    if (!st->in_txn) {
        if (exec_sql(st, "BEGIN IMMEDIATE", err) < 0)
            return -1;
        st->in_txn = 1;
    }
    if (sl_failpoint("sink.before_data"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_data", st->id);
    if (from >= b->nrows || b->ncols == 0)
        return 0;
    size_t nullkeys = 0, refused = 0;
    int64_t changes0 = sqlite3_total_changes64(st->db), lastrow = -1;
    if (st->upsert) {
        if (*st->o->only_if_newer && sl_batch_find(b, st->o->only_if_newer) < 0)
            return sl_error_set(err, SL_EDATA, "sink %s: only_if_newer column %s is not among the rows' columns",
                                st->id, st->o->only_if_newer);
        nullkeys = sl_sinkkey_reject_nulls(b, from, rejected, &st->o->key, st->id);
        if (nullkeys == b->nrows - from)
            goto written; /* nothing left to write */
    }
    if (ensure_table(st, b, err) < 0 || prepare_insert(st, b, err) < 0)
        return -1;
    if (st->upsert)
        lastrow = last_rowid(st);
    changes0 = sqlite3_total_changes64(st->db); /* not the rows a retype copied */
    int count_stale = st->upsert && *st->o->only_if_newer;
    if (from == 0) {
        /* the fast path: the whole batch in one statement. If the table
         * refuses a row, the statement undoes itself and the row-by-row
         * path below finds which rows to reject. */
        sl_error bulk_err;
        if (sl_expr_eval(st->bulk, b, no_rows, NULL, &bulk_err) == 0) {
            /* rows inserted or updated; the rest the stored row outranked */
            if (count_stale)
                st->stale += (int64_t)(b->nrows - nullkeys) - sqlite3_changes64(st->db);
            goto written;
        }
        if (bulk_err.code != SL_ESQL)
            return sl_error_set(err, SL_ESQL, "sink %s: %s", st->id, bulk_err.msg);
        changes0 = sqlite3_total_changes64(st->db); /* the failed statement undid itself */
    }
    for (size_t r = from; r < b->nrows; r++) {
        if (st->upsert && sl_sinkkey_is_null(b, r, &st->o->key, NULL))
            continue; /* rejected above */
        for (size_t i = 0; i < b->ncols; i++)
            if (st->float_text[i] && b->cols[i].valid[r]) {
                char tmp[48];
                sqlite3_bind_text(st->insert, (int)i + 1, tmp, (int)sl_format_float(tmp, b->cols[i].f64[r]),
                                  SQLITE_TRANSIENT);
            } else {
                sl_expr_bind_cell(st->insert, (int)i + 1, &b->cols[i], r);
            }
        int rc = sqlite3_step(st->insert);
        if (rc == SQLITE_DONE && count_stale && sqlite3_changes64(st->db) == 0)
            st->stale++;
        if (rc != SQLITE_DONE) {
            int ext = sqlite3_extended_errcode(st->db);
            if ((ext & 0xff) != SQLITE_CONSTRAINT && rc != SQLITE_MISMATCH) {
                sqlite3_reset(st->insert);
                return db_fail(st, err, "insert");
            }
            rejected[r] = 1;
            refused++;
            char why[300];
            snprintf(why, sizeof why, "table %s refused the row: %s", st->o->table, sqlite3_errmsg(st->db));
            sl_batch_reject_row(b, r, st->id, why);
        }
        sqlite3_reset(st->insert);
    }
written:
    count_rows(st, b->nrows - from - nullkeys - refused, sqlite3_total_changes64(st->db) - changes0, lastrow);
    st->pend.failed += (int64_t)(nullkeys + refused);
    if (sl_failpoint("sink.after_data"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.after_data", st->id);
    return 0;
}

static void add_counts(sl_sink_counts *to, sl_sink_counts *from)
{
    to->created += from->created;
    to->updated += from->updated;
    to->deleted += from->deleted;
    to->unchanged += from->unchanged;
    to->failed += from->failed;
    *from = (sl_sink_counts){0};
}

static int sqlite_commit(sl_instance *in, const sl_batch *b, sl_error *err)
{
    sqlite_state *st = in->state;
    if (!st->in_txn)
        return 0;
    if (sl_failpoint("sink.before_checkpoint"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_checkpoint", st->id);
    if (b->file && !b->no_position) {
        sqlite3_bind_text(st->state_put, 1, st->pipeline, -1, SQLITE_STATIC);
        sqlite3_bind_text(st->state_put, 2, st->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st->state_put, 3, b->file, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st->state_put, 4, st->run->epoch);
        sqlite3_bind_int64(st->state_put, 5, b->end_offset);
        sqlite3_bind_int64(st->state_put, 6, b->end_line);
        int rc = sqlite3_step(st->state_put);
        sqlite3_reset(st->state_put);
        if (rc != SQLITE_DONE)
            return db_fail(st, err, "write checkpoint");
    }
    if (st->run_txn) {
        /* commit: run: finish commits; the run's counts so far */
        atomic_fetch_add(&st->run->rows_stale, st->stale);
        st->stale_total += st->stale;
        st->stale = 0;
        add_counts(&st->done, &st->pend);
        return 0;
    }
    if (exec_sql(st, "COMMIT", err) < 0)
        return -1;
    st->in_txn = 0;
    int frames = st->wal_frames;
    if (st->wal_frames >= st->wal_limit_frames) {
        st->wal_frames = 0;
        sl_walckpt_complete(st->ckpt, st->db);
    }
    atomic_fetch_add(&st->run->rows_stale, st->stale);
    st->stale_total += st->stale;
    st->stale = 0;
    add_counts(&st->done, &st->pend);
    sl_walckpt_kick(st->ckpt, frames);
    if (sl_failpoint("sink.after_commit"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.after_commit", st->id);
    return 0;
}

static void sqlite_rollback(sl_instance *in)
{
    sqlite_state *st = in->state;
    if (st && st->in_txn) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        st->in_txn = 0;
        if (st->run_txn) /* the whole run's rows were in it */
            st->done = (sl_sink_counts){0};
        st->stale = 0;
        st->pend = (sl_sink_counts){0};
        st->table_ready = 0; /* a CREATE or ALTER may have been rolled back */
        sqlite3_finalize(st->insert);
        st->insert = NULL;
        sl_expr_free(st->bulk);
        st->bulk = NULL;
    }
}

/* full_refresh over an existing table, inside the finishing transaction:
 * the table stays (and with it the views, triggers and indexes users gave
 * it); it gains the staging table's new columns, its rows are replaced by
 * the staged ones, and the staging table is dropped. Columns the load no
 * longer has stay, NULL. */
static int refill(sqlite_state *st, sl_error *err)
{
    sl_buf sql, cols;
    sl_buf_init(&sql);
    sl_buf_init(&cols);
    sqlite3_stmt *s;
    int rc = 0;
    char **rnames = NULL, **rdecls = NULL, **rold = NULL; /* columns to retype */
    size_t nr = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT s.name, s.type, f.name IS NOT NULL, f.type FROM pragma_table_info(?1) s "
                                   "LEFT JOIN pragma_table_info(?2) f ON f.name = s.name ORDER BY s.cid",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(st, err, "read columns");
    sqlite3_bind_text(s, 1, st->target, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, st->o->table, -1, SQLITE_STATIC);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        if (!sqlite3_column_int(s, 2)) {
            sl_buf_adds(&sql, "ALTER TABLE ");
            sl_sql_ident(&sql, st->o->table);
            sl_buf_adds(&sql, " ADD COLUMN ");
            sl_sql_ident(&sql, name);
            sl_buf_addf(&sql, " %s; ", (const char *)sqlite3_column_text(s, 1));
            sl_run_schema_change(st->run, name, "added to table %s (%s)", st->o->table,
                                 (const char *)sqlite3_column_text(s, 1));
        }
        else if (sl_sqlite_affinity((const char *)sqlite3_column_text(s, 1)) !=
                 sl_sqlite_affinity((const char *)sqlite3_column_text(s, 3))) {
            /* the old declared type would change the new values ('007' into
             * INTEGER is 7): the column takes the staged type, as append does */
            rnames = sl_realloc(rnames, (nr + 1) * sizeof *rnames);
            rdecls = sl_realloc(rdecls, (nr + 1) * sizeof *rdecls);
            rold = sl_realloc(rold, (nr + 1) * sizeof *rold);
            rnames[nr] = sl_strdup(name);
            rdecls[nr] = sl_strdup((const char *)sqlite3_column_text(s, 1));
            rold[nr++] = sl_strdup((const char *)sqlite3_column_text(s, 3));
        }
        if (cols.len)
            sl_buf_addc(&cols, ',');
        sl_sql_ident(&cols, name);
    }
    sqlite3_finalize(s);
    if (nr) {
        rc = retype_table(st, st->o->table, (const char **)rnames, (const char **)rdecls, (const char **)rold, nr, err);
        for (size_t k = 0; k < nr; k++) {
            sl_free(rnames[k]);
            sl_free(rdecls[k]);
            sl_free(rold[k]);
        }
        sl_free(rnames);
        sl_free(rdecls);
        sl_free(rold);
        if (rc < 0) {
            sl_buf_release(&sql);
            sl_buf_release(&cols);
            return rc;
        }
    }
    sl_buf_adds(&sql, "DELETE FROM ");
    sl_sql_ident(&sql, st->o->table);
    sl_buf_adds(&sql, "; INSERT INTO ");
    sl_sql_ident(&sql, st->o->table);
    sl_buf_addf(&sql, " (%s) SELECT %s FROM ", cols.data, cols.data);
    sl_sql_ident(&sql, st->target);
    sl_buf_adds(&sql, "; DROP TABLE ");
    sl_sql_ident(&sql, st->target);
    if (exec_sql(st, sql.data, err) < 0)
        rc = sl_error_prefix(err, "full_refresh: replacing the rows of %s", st->o->table);
    sl_buf_release(&sql);
    sl_buf_release(&cols);
    return rc;
}

/* Rows of table name (the ones a rebuild replaces). */
static int64_t count_table(sqlite_state *st, const char *name)
{
    return table_scalar(st, "count(*)", name, 0);
}

static int sqlite_finish(sl_instance *in, sl_error *err)
{
    sqlite_state *st = in->state;
    if (st->stale_total)
        sl_log_info("%s: %s: %lld row%s not applied: table %s holds a row of their key with an equal or greater %s "
                    "(only_if_newer)", st->pipeline, st->id, (long long)st->stale_total, st->stale_total == 1 ? "" : "s",
                    st->o->table, st->o->only_if_newer);
    if (!st->full_refresh) {
        if (!st->in_txn) {
            sl_walckpt_flush(st->ckpt); /* the run's last commit is done */
            return 0;
        }
        /* commit: run: the run's one transaction */
        if (sl_failpoint("sink.before_swap_commit"))
            return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_swap_commit", st->id);
        if (exec_sql(st, "COMMIT", err) < 0)
            return -1;
        st->in_txn = 0;
        sl_walckpt_flush(st->ckpt);
        return 0;
    }
    sl_buf sql;
    sl_buf_init(&sql);
    int64_t replaced = 0;
    /* commit: run: the swap joins the run's open transaction */
    int rc = st->in_txn ? 0 : exec_sql(st, "BEGIN IMMEDIATE", err);
    st->in_txn = 0;
    if (rc == 0 && table_exists(st, st->target) && table_exists(st, st->o->table)) {
        replaced = count_table(st, st->o->table);
        rc = refill(st, err);
    } else if (rc == 0 && table_exists(st, st->target)) {
        /* the first refresh: the staging table becomes the table */
        sl_buf_adds(&sql, "ALTER TABLE ");
        sl_sql_ident(&sql, st->target);
        sl_buf_adds(&sql, " RENAME TO ");
        sl_sql_ident(&sql, st->o->table);
        if (st->upsert) {
            /* its key index keeps the staging name: give it the table's,
             * so that the next refresh's staging table can have its own */
            char *from = sl_printf("%s__sluice_key", st->target), *to = sl_printf("%s__sluice_key", st->o->table);
            sl_buf_adds(&sql, "; DROP INDEX IF EXISTS ");
            sl_sql_ident(&sql, from);
            sl_buf_adds(&sql, "; CREATE UNIQUE INDEX IF NOT EXISTS ");
            sl_sql_ident(&sql, to);
            sl_buf_adds(&sql, " ON ");
            sl_sql_ident(&sql, st->o->table);
            sl_buf_adds(&sql, " (");
            for (size_t i = 0; i < st->o->key.n; i++) {
                if (i)
                    sl_buf_adds(&sql, ", ");
                sl_sql_ident(&sql, st->o->key.v[i]);
            }
            sl_buf_addc(&sql, ')');
            sl_free(from);
            sl_free(to);
        }
        rc = exec_sql(st, sql.data, err);
    } else if (rc == 0 && st->positions.n == 0 && table_exists(st, st->o->table)) {
        /* a refresh with no rows at all leaves the table empty */
        replaced = count_table(st, st->o->table);
        sl_buf_adds(&sql, "DELETE FROM ");
        sl_sql_ident(&sql, st->o->table);
        rc = exec_sql(st, sql.data, err);
    }
    /* after the swap, this epoch's positions are spent */
    if (rc == 0) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(st->db, "DELETE FROM _sluice_state WHERE pipeline = ? AND sink = ?", -1, &s, NULL) ==
            SQLITE_OK) {
            sqlite3_bind_text(s, 1, st->pipeline, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, st->id, -1, SQLITE_STATIC);
            sqlite3_step(s);
            sqlite3_finalize(s);
        }
        if (sl_failpoint("sink.before_swap_commit"))
            rc = sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_swap_commit", st->id);
        if (rc == 0)
            rc = exec_sql(st, "COMMIT", err);
        if (rc == 0)
            sl_walckpt_flush(st->ckpt);
    }
    if (rc == 0)
        st->done.deleted += replaced;
    if (rc < 0)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    sl_buf_release(&sql);
    return rc;
}

static int sqlite_publishes_at_end(sl_instance *in)
{
    sqlite_state *st = in->state;
    return st && (st->full_refresh || st->run_txn);
}

/* The run's rows for the checks that read the warehouse: before finish
 * (staged) the staging table, or the table inside the run's open
 * transaction (the same connection sees it); after finish the table. */
static int sqlite_audit(sl_instance *in, int staged,
                        int (*fn)(void *ctx, sl_adapter *a, const char *schema, const char *identifier, sl_error *err),
                        void *ctx, sl_error *err)
{
    sqlite_state *st = in->state;
    sl_adapter *a = NULL;
    if (sl_adapter_wrap_sqlite(st->db, &a) < 0 || !a)
        return sl_error_set(err, SL_ESQL, "sink %s: cannot audit the table", st->id);
    int rc = fn(ctx, a, NULL, staged ? st->target : st->o->table, err);
    sl_adapter_close(a);
    return rc;
}

/* Write-audit-publish refused the staged rows: the run's transaction is
 * rolled back; a staging table and this epoch's positions go, so the next
 * run loads the epoch from its start. The table is untouched. */
static int sqlite_discard(sl_instance *in, sl_error *err)
{
    sqlite_state *st = in->state;
    sqlite_rollback(in);
    st->done = (sl_sink_counts){0};
    if (!st->full_refresh)
        return 0;
    sl_buf sql;
    sl_buf_init(&sql);
    sl_buf_adds(&sql, "BEGIN IMMEDIATE; DROP TABLE IF EXISTS ");
    sl_sql_ident(&sql, st->target);
    sl_buf_adds(&sql, "; DELETE FROM _sluice_state WHERE pipeline = ");
    sl_sql_literal(&sql, st->pipeline);
    sl_buf_adds(&sql, " AND sink = ");
    sl_sql_literal(&sql, st->id);
    sl_buf_adds(&sql, "; COMMIT");
    int rc = exec_sql(st, sql.data, err);
    if (rc < 0)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    sl_buf_release(&sql);
    return rc;
}

static void sqlite_counts(sl_instance *in, sl_sink_counts *out, sl_buf *requests)
{
    (void)requests;
    *out = ((sqlite_state *)in->state)->done;
}

static void sqlite_close(sl_instance *in)
{
    sqlite_state *st = in->state;
    if (!st)
        return;
    sqlite_rollback(in);
    sqlite3_finalize(st->insert);
    sqlite3_finalize(st->state_put);
    sl_expr_free(st->bulk);
    sl_expr_engine_free(st->xe);
    sqlite3_close(st->db);
    sl_walckpt_stop(st->ckpt);
    for (size_t i = 0; i < st->ncols; i++) {
        sl_free(st->cols[i]);
        sl_free(st->decls[i]);
    }
    sl_free(st->cols);
    sl_free(st->decls);
    sl_free(st->insert_sig);
    sl_free(st->float_text);
    sl_free(st->target);
    sl_posmap_release(&st->positions);
    sl_free(st);
    in->state = NULL;
}

static int sqlite_positions(sl_instance *in, sl_project *project, sl_position_fn fn, void *ctx, sl_error *err)
{
    sqlite_opts *o = in->opts;
    char *path = *o->path ? sl_project_path(project, o->path) : sl_strdup(project->warehouse);
    sqlite3 *db = NULL;
    int rc = sl_sqlite_open(path, &db, SQLITE_OPEN_READONLY);
    sl_free(path);
    sqlite3_stmt *s = NULL;
    if (rc == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT key, epoch, offset, line, updated_at FROM _sluice_state WHERE pipeline = ? "
                               "AND sink = ? ORDER BY key", -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, in->pipeline, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, in->id, -1, SQLITE_STATIC);
        while (sqlite3_step(s) == SQLITE_ROW)
            fn(ctx, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2),
               sqlite3_column_int64(s, 3), (const char *)sqlite3_column_text(s, 4));
    }
    /* no warehouse or no _sluice_state yet: nothing committed */
    sqlite3_finalize(s);
    sqlite3_close(db);
    (void)err;
    return 0;
}

const sl_sink_plugin sl_sink_sqlite = {
    .version = SL_PLUGIN_VERSION,
    .name = "sqlite",
    .summary = "the embedded warehouse (or another SQLite file): append, upsert or full_refresh, exactly once",
    .options = sqlite_options,
    .opts_size = sizeof(sqlite_opts),
    .check = sqlite_check,
    .open = sqlite_open,
    .position = sqlite_position,
    .write = sqlite_write,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .finish = sqlite_finish,
    .close = sqlite_close,
    .positions = sqlite_positions,
    .counts = sqlite_counts,
    .audit = sqlite_audit,
    .publishes_at_end = sqlite_publishes_at_end,
    .discard = sqlite_discard,
};
