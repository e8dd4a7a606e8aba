/*
 * sqlite.c: the `sqlite` source: a table or a query of an SQLite file
 * (default: the project warehouse), read in full or incrementally by a
 * cursor column.
 *
 * One read transaction gives the run one snapshot (WAL readers do not
 * block the writers of other pipelines); rows are stepped batch_rows at a
 * time, so memory does not grow with the table. Column types come from the
 * declared column types (sqlite_sltype()); numbers stored as numbers keep
 * that kind, so columns of expressions are still inferred right. The
 * cursor logic is shared with the postgres source (sqlsource.c).
 */
#include "core/mem.h"
#include "db/sqlite.h"
#include "sources/sqlsource.h"
#include <sqlite3.h>
#include <string.h>
#include <strings.h>

typedef struct sqsrc_opts {
    sl_sql_opts sql; /* first */
    char *path;
} sqsrc_opts;

static const sl_option sqsrc_options[] = {
    {"path", SL_OPT_STRING, "", 0, offsetof(sqsrc_opts, path), NULL, "SQLite file to read (default: the project warehouse)"},
    SL_SQL_OPTIONS(sqsrc_opts),
    SL_OPT_END,
};

typedef struct sqsrc {
    sl_sqlsource s; /* first */
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int in_txn;
} sqsrc;

/* A declared column type -> sluice type, SQLite's affinity rules first. */
static sl_type sqlite_sltype(const char *decl)
{
    if (!decl)
        return SL_T_TEXT;
    if (strcasestr(decl, "BOOL"))
        return SL_T_BOOL;
    if (strcasestr(decl, "INT"))
        return SL_T_INT;
    if (strcasestr(decl, "TIMESTAMP") || strcasestr(decl, "DATETIME"))
        return SL_T_TIMESTAMP;
    if (strcasestr(decl, "DATE"))
        return SL_T_DATE;
    if (strcasestr(decl, "JSON"))
        return SL_T_JSON;
    if (strcasestr(decl, "DECIMAL") || strcasestr(decl, "NUMERIC"))
        return SL_T_DECIMAL;
    if (strcasestr(decl, "REAL") || strcasestr(decl, "FLOA") || strcasestr(decl, "DOUB"))
        return SL_T_FLOAT;
    return SL_T_TEXT;
}

static int sqsrc_start(void *db, const char *sql, sl_error *err)
{
    sqsrc *p = db;
    if (sqlite3_exec(p->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(p->db, sql, -1, &p->stmt, NULL) != SQLITE_OK)
        return sl_error_set(err, SL_ESQL, "%s", sqlite3_errmsg(p->db));
    p->in_txn = 1;
    return 0;
}

static int sqsrc_fetch(void *db, sl_batch *b, size_t max, int *done, sl_error *err)
{
    sqsrc *p = db;
    int nf = sqlite3_column_count(p->stmt);
    size_t *col = sl_malloc(((size_t)nf + 1) * sizeof *col);
    sl_names fields;
    sl_names_init(&fields, 0);
    for (int f = 0; f < nf; f++) {
        col[f] = sl_sqlsource_field_column(b, &fields, f, sqlite3_column_name(p->stmt, f),
                                           sqlite_sltype(sqlite3_column_decltype(p->stmt, f)));
        sl_column *c = &b->cols[col[f]];
        if (!c->kind)
            c->kind = sl_calloc(c->cap, 1);
    }
    sl_names_release(&fields);
    size_t n = 0;
    int rc = SQLITE_ROW;
    while (n < max && (rc = sqlite3_step(p->stmt)) == SQLITE_ROW) {
        size_t row = sl_batch_add_row(b, 0, 0);
        for (int f = 0; f < nf; f++) {
            int t = sqlite3_column_type(p->stmt, f);
            if (t == SQLITE_NULL)
                continue;
            if (t == SQLITE_FLOAT) {
                /* SQLite's own text of a REAL keeps 15 digits: write the
                 * shortest text that reads back as the same double */
                char tmp[48];
                sl_batch_set_text(b, col[f], row, tmp, sl_format_float(tmp, sqlite3_column_double(p->stmt, f)));
            } else {
                const char *v = (const char *)sqlite3_column_text(p->stmt, f);
                sl_batch_set_text(b, col[f], row, v, (size_t)sqlite3_column_bytes(p->stmt, f));
            }
            b->cols[col[f]].kind[row] = t == SQLITE_INTEGER || t == SQLITE_FLOAT ? SL_KIND_NUMBER : SL_KIND_STRING;
        }
        n++;
    }
    sl_free(col);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sl_error_set(err, SL_ESQL, "%s", sqlite3_errmsg(p->db));
    *done = rc == SQLITE_DONE;
    return 0;
}

static const sl_sqlsource_ops sqsrc_ops = {SL_SQL_SQLITE, "sqlite", sqsrc_start, sqsrc_fetch};

static int sqsrc_open(sl_instance *in, sl_run *run, sl_resume_fn resume, sl_error *err)
{
    sqsrc_opts *o = in->opts;
    sqsrc *p = sl_calloc(1, sizeof *p);
    in->state = p;
    char *path = *o->path ? sl_project_path(run->project, o->path) : sl_strdup(run->project->warehouse);
    int rc = sl_sqlite_open(path, &p->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
    if (rc != SQLITE_OK) {
        sl_error_set(err, SL_EIO, "%s: %s", path, sqlite3_errmsg(p->db));
        sl_free(path);
        return -1;
    }
    sl_free(path);
    sqlite3_busy_timeout(p->db, 30000);
    return sl_sqlsource_open(&p->s, in, run, resume, &sqsrc_ops, p, err);
}

static void sqsrc_close(sl_instance *in)
{
    sqsrc *p = in->state;
    if (!p)
        return;
    sqlite3_finalize(p->stmt);
    if (p->in_txn)
        sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(p->db);
    sl_sqlsource_release(&p->s);
    sl_free(p);
    in->state = NULL;
}

const sl_source_plugin sl_source_sqlite = {
    .version = SL_PLUGIN_VERSION,
    .name = "sqlite",
    .summary = "an SQLite table or query (default: the warehouse); incremental by a cursor column",
    .options = sqsrc_options,
    .opts_size = sizeof(sqsrc_opts),
    .check = sl_sqlsource_check,
    .open = sqsrc_open,
    .next = sl_sqlsource_plugin_next,
    .done = sl_sqlsource_plugin_done,
    .close = sqsrc_close,
};
