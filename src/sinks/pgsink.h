/*
 * pgsink.h: the postgres sink's parts, shared by its three files (internal
 * to src/sinks):
 *   postgres.c       the plugin: connection, transactions, checkpoints,
 *                    modes, the swap of full_refresh
 *   pgsink_plan.c    type mapping, the table's catalog, schema changes, and
 *                    the plan of how each batch column is sent
 *   pgsink_copy.c    COPY (binary and text encoders) and the isolation of
 *                    bad rows under savepoints
 */
#ifndef SL_PGSINK_H
#define SL_PGSINK_H
#include "core/sqlident.h"
#include "db/pg.h"
#include "engine/run.h"
#include "sinks/posmap.h"

typedef struct pg_opts {
    sl_pg_conn_opts conn;
    char *schema, *table, *mode, *schema_change, *format, *commit, *only_if_newer;
    sl_strlist key;
} pg_opts;



/* PostgreSQL type OIDs (pg_type.dat); stable across versions. */
enum {
    OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_TEXT = 25, OID_JSON = 114,
    OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_BPCHAR = 1042, OID_VARCHAR = 1043, OID_DATE = 1082,
    OID_TIMESTAMP = 1114, OID_TIMESTAMPTZ = 1184, OID_NUMERIC = 1700, OID_JSONB = 3802,
};

/* How one batch column is sent. */
typedef enum {
    ENC_TEXT,       /* text rendering (binary: as text/varchar bytes) */
    ENC_SKIP,       /* discarded column: not sent */
    ENC_BOOL, ENC_INT8, ENC_INT4, ENC_INT2, ENC_FLOAT8, ENC_FLOAT4, ENC_INT_AS_FLOAT8,
    ENC_DATE, ENC_DATE_AS_TS, ENC_TS, ENC_JSONB,
} pg_enc;

typedef struct pg_tcol {
    char *name;       /* destination name */
    unsigned oid;
    char *typname;    /* format_type() */
} pg_tcol;

typedef struct pg_state {
    pg_opts *o;
    sl_run *run;
    PGconn *c;
    const char *id, *pipeline;
    char *qtable;         /* "schema"."table" written during the run */
    char *qfinal;         /* "schema"."table" */
    char *qstate;         /* "schema"._sluice_state */
    char *target;         /* unquoted name of the table written */
    int full_refresh, upsert, evolve, freeze, in_txn, table_ready, run_txn;
    pg_tcol *tcols;
    size_t ntcols;
    sl_sql_names names;
    /* the plan for the current batch schema */
    char *plan_sig;
    pg_enc *enc;          /* per batch column */
    int binary;
    char *copy_sql, *upsert_sql;
    char *stale_sql;      /* only_if_newer: counts the staged rows lo..hi the upsert will not apply */
    int64_t stale;        /* rows of the open transaction only_if_newer did not apply */
    int64_t stale_total;  /* ... of the committed ones */
    int64_t up_created, up_applied; /* the last upsert_range: rows it inserted, and inserted or changed */
    sl_sink_counts pend;  /* what the open transaction did (component.h) */
    sl_sink_counts done;  /* ... and the committed ones */
    sl_posmap positions;
    sl_buf buf;
} pg_state;

static inline int sink_err(pg_state *st, sl_error *err)
{
    return sl_error_prefix(err, "table %s", st->qfinal);
}

static inline int exec_sql(pg_state *st, const char *sql, sl_error *err)
{
    return sl_pg_exec_step(st->c, sql, "postgres", err);
}

/* pgsink_plan.c: make the table ready for batch b (create it, add and widen
 * columns per schema_change) and choose how each column is sent; the plan
 * is kept while batches keep their columns and types. */
int sl_pgsink_prepare(pg_state *st, const sl_batch *b, sl_error *err);
/* The table's columns; *exists = 0 when there is no such table. */
int sl_pgsink_load_columns(pg_state *st, int *exists, sl_error *err);
void sl_pgsink_free_columns(pg_state *st);

/* pgsink_copy.c */
typedef struct pg_copy_fail {
    int64_t line;        /* 1-based row of the attempt the server named, 0 if none */
    char msg[700];
} pg_copy_fail;
/* COPY rows[0..n): 0 done, 1 the server refused (f filled), -1 error. */
int sl_pgsink_copy_rows(pg_state *st, sl_batch *b, const size_t *rows, size_t n, pg_copy_fail *f, sl_error *err);
/* upsert: INSERT the staged rows lo..hi; 0, 1 refused (f), -1 error. With
 * only_if_newer, the rows it did not apply are added to st->stale. On
 * success st->up_created and st->up_applied say what it did. */
int sl_pgsink_upsert_range(pg_state *st, size_t lo, size_t hi, pg_copy_fail *f, sl_error *err);
/* Load rows under savepoints, rejecting the rows the server refuses. */
int sl_pgsink_load_isolating(pg_state *st, sl_batch *b, size_t *rows, size_t n, uint8_t *rejected, sl_error *err);

#endif
