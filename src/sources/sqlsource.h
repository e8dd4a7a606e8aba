/*
 * sqlsource.h: what the SQL sources (postgres, sqlite) share: building the
 * query, incremental extraction by a cursor column, and resuming.
 *
 * A SQL source reads `table:` or `query:`. Without `cursor:` every run
 * reads everything. With `cursor: updated_at` (and optionally a
 * tie-breaker `cursor_key: id`) rows are read in (cursor, key) order and
 * the bookmark is the pair of the last row read: the next read starts
 * strictly after it. With a unique cursor_key, rows sharing a cursor value
 * are neither skipped nor read twice at batch and run boundaries, provided
 * rows are never written with a cursor value at or below a bookmark
 * already taken (a transaction that commits late with an older updated_at
 * is missed: `lookback:` re-reads that window). Without cursor_key, the
 * next run starts strictly after the last cursor value read: rows that
 * share that value and arrive later are missed unless `lookback:` covers
 * them.
 *
 * Positions: the source's one input is "<dialect>:<source id>"; a row's
 * offset is its ordinal in the epoch, and bookmarks.h keeps the bookmark
 * after each batch (write-ahead) and the final one of a successful run.
 *
 * `lookback: 10m` (date or timestamp cursors) starts the next run that
 * much before the bookmark to catch rows committed late with an older
 * cursor value. Rows of that window already loaded (same content hash)
 * are skipped, so a rerun with no changes loads nothing; new or changed
 * rows in it are loaded again (the sink's upsert key keeps that
 * idempotent). `start:` is where the first run begins.
 *
 * Rows with a NULL cursor cannot be passed by a bookmark, so every read
 * asks for them too (`OR cursor IS NULL`, sorted first) and `null_cursor:`
 * decides: `fail` (the default) fails the run naming how many there are
 * before anything is loaded; `reject` sends them to the DLQ, on every run
 * that sees them; `always_read` loads them on every run (an upsert sink
 * keeps that idempotent). A resumed run that is past them (its bookmark
 * has a cursor value) does not ask again; one that stopped among them
 * reads its epoch again from the start and the sinks skip what they hold.
 *
 * Each backend fills sl_sqlsource_ops and puts sl_sql_opts first in its
 * option struct and sl_sqlsource first in its state struct.
 */
#ifndef SL_SQLSOURCE_H
#define SL_SQLSOURCE_H
#include "core/names.h"
#include "core/sqlident.h"
#include "engine/component.h"
#include "engine/run.h"
#include "sources/bookmarks.h"

typedef struct sl_sql_opts {
    sl_source_common common; /* must be first */
    char *table, *query, *cursor, *cursor_key, *start, *null_cursor;
    int64_t lookback;        /* seconds; 0 = none */
} sl_sql_opts;

#define SL_SQL_OPTIONS(T)                                                                            \
    {"table", SL_OPT_STRING, "", 0, offsetof(T, sql.table), NULL, "table to read (or query:)"},      \
    {"query", SL_OPT_STRING, "", SL_OPT_MULTILINE, offsetof(T, sql.query), NULL,                    \
     "a SELECT to read instead of a table"},                                                         \
    {"cursor", SL_OPT_STRING, "", 0, offsetof(T, sql.cursor), NULL,                                 \
     "incremental: column whose growing values mark new and changed rows (updated_at, id)"},        \
    {"cursor_key", SL_OPT_STRING, "", 0, offsetof(T, sql.cursor_key), NULL,                         \
     "tie-breaker for rows sharing a cursor value (a unique column, e.g. id)"},                     \
    {"lookback", SL_OPT_DURATION, "0", 0, offsetof(T, sql.lookback), NULL,                          \
     "re-read this much before the bookmark for late rows (date/timestamp cursors)"},               \
    {"start", SL_OPT_STRING, "", 0, offsetof(T, sql.start), NULL,                                   \
     "cursor value the first run starts at (default: everything)"},                                 \
    {"null_cursor", SL_OPT_ENUM, "fail", 0, offsetof(T, sql.null_cursor), "fail|reject|always_read", \
     "rows whose cursor is NULL, which no bookmark can pass: fail the run naming how many, "        \
     "send them to the DLQ (every run), or read them on every run"},                               \
    {"columns", SL_OPT_MAP, NULL, 0, offsetof(T, sql.common.columns), NULL,                         \
     "column types that override the database's (name: int|float|decimal|bool|text|date|timestamp|json)"}, \
    {"infer_types", SL_OPT_BOOL, "true", 0, offsetof(T, sql.common.infer_types), NULL,              \
     "false keeps columns of types sluice does not know as text"},                                  \
    SL_NORMALIZE_NAMES_OPTION(T, sql.common.normalize_names),                                       \
    SL_MAX_COLUMNS_OPTION(T, sql.common.max_columns)

typedef struct sl_sqlsource_ops {
    sl_sql_dialect dialect;
    const char *name; /* "postgres" | "sqlite" */
    /* Run the SELECT, ready to fetch. */
    int (*start)(void *db, const char *sql, sl_error *err);
    /* Append up to max rows to b as raw cells. A column's type is the type
     * the database declares (SL_T_TEXT when unknown); a cell's kind is
     * SL_KIND_NUMBER for numbers stored as such (sqlite). *done at the end. */
    int (*fetch)(void *db, sl_batch *b, size_t max, int *done, sl_error *err);
} sl_sqlsource_ops;

/* null_cursor: */
enum { SL_NULL_CURSOR_FAIL, SL_NULL_CURSOR_REJECT, SL_NULL_CURSOR_ALWAYS };

typedef struct sl_sqlwin {
    int64_t at;    /* cursor value, microseconds */
    uint64_t hash; /* of the row's content */
} sl_sqlwin;

typedef struct sl_sqlsource {
    const sl_sql_opts *o;
    const sl_sqlsource_ops *ops;
    void *db;
    sl_run *run;
    const char *id;
    char *key;              /* "<dialect>:<id>": the input key of positions */
    sl_bookmarks marks;
    int64_t batch_rows, ordinal;
    size_t width;           /* columns of the result (0 before the first batch): wide results get shorter batches */
    int started, done;
    char *bookmark;         /* JSON [cursor, key] of the last row read, or NULL */
    int read_any;
    int null_policy;        /* SL_NULL_CURSOR_* */
    int nulls_done;         /* this epoch's query is past its NULL-cursor rows (they come first) */
    /* lookback window */
    int64_t skip_upto;      /* rows with cursor <= this (us) may be skipped... */
    uint64_t *seen;         /* ...if their hash is here (sorted) */
    size_t nseen;
    sl_sqlwin *win;         /* rows read, in cursor order, pruned to the window */
    size_t nwin, capwin, headwin;
    uint8_t *keep;
    size_t keepcap;
    struct XXH3_state_s *hash; /* content hashes of the window's rows */
    sl_names names;         /* normalize_names: snake_case (core/names.h) */
} sl_sqlsource;

/* The batch column of result field f (0-based) called name, added raw with
 * type when the batch lacks it. Names are made unique as core/names.h says
 * (`SELECT a, A` or a join's two `id`s are two columns: `a`, `A_2`);
 * fields is the fetch's map, fresh for each result. */
size_t sl_sqlsource_field_column(sl_batch *b, sl_names *fields, int f, const char *name, sl_type type);

int sl_sqlsource_check(sl_instance *in, sl_diags *d);
int sl_sqlsource_open(sl_sqlsource *s, sl_instance *in, sl_run *run, sl_resume_fn resume,
                      const sl_sqlsource_ops *ops, void *db, sl_error *err);
void sl_sqlsource_release(sl_sqlsource *s);

/* Plugin callbacks for every SQL source (in->state starts with sl_sqlsource). */
int sl_sqlsource_plugin_next(sl_instance *in, sl_batch *b, sl_error *err);
int sl_sqlsource_plugin_done(sl_instance *in, sl_run *run, sl_error *err);

#endif
