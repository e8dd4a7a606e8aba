/*
 * postgres.c: the `postgres` source: a table or a query of a PostgreSQL
 * database, read in full or incrementally by a cursor column.
 *
 * Reads stream through a server-side cursor (DECLARE ... CURSOR, then
 * FETCH of batch_rows rows at a time) inside one REPEATABLE READ READ ONLY
 * transaction: memory is one batch whatever the table's size, and the run
 * sees one snapshot. Column types come from the result's type OIDs
 * (pg_sltype()); values arrive as text in ISO and UTC (the session sets
 * DateStyle and TimeZone) and the typing stage converts them. The cursor
 * logic is shared with the sqlite source (sqlsource.c).
 */
#include "core/mem.h"
#include "db/pg.h"
#include "sources/sqlsource.h"
#include <stdlib.h>
#include <string.h>

typedef struct pgsrc_opts {
    sl_sql_opts sql; /* first */
    sl_pg_conn_opts conn;
} pgsrc_opts;

static const sl_option pgsrc_options[] = {
    SL_PG_CONN_OPTIONS(pgsrc_opts, conn),
    SL_SQL_OPTIONS(pgsrc_opts),
    SL_OPT_END,
};

typedef struct pgsrc {
    sl_sqlsource s; /* first */
    PGconn *c;
    int in_txn;
} pgsrc;

static sl_type pg_sltype(Oid oid)
{
    switch (oid) {
    case 16: return SL_T_BOOL;
    case 20: case 21: case 23: return SL_T_INT;
    case 700: case 701: return SL_T_FLOAT;
    case 1700: return SL_T_DECIMAL;
    case 1082: return SL_T_DATE;
    case 1114: case 1184: return SL_T_TIMESTAMP;
    case 114: case 3802: return SL_T_JSON;
    default: return SL_T_TEXT;
    }
}

static int pgsrc_start(void *db, const char *sql, sl_error *err)
{
    pgsrc *p = db;
    if (sl_pg_exec(p->c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL TimeZone = 'UTC';"
                         " SET LOCAL DateStyle = 'ISO'; SET LOCAL extra_float_digits = 3", err) < 0)
        return -1;
    p->in_txn = 1;
    char *q = sl_printf("DECLARE sluice_read NO SCROLL CURSOR FOR %s", sql);
    int rc = sl_pg_exec(p->c, q, err);
    sl_free(q);
    return rc;
}

static int pgsrc_fetch(void *db, sl_batch *b, size_t max, int *done, sl_error *err)
{
    pgsrc *p = db;
    char q[64];
    snprintf(q, sizeof q, "FETCH FORWARD %zu FROM sluice_read", max);
    PGresult *r;
    if (sl_pg_query(p->c, &r, err, q, 0, NULL) < 0)
        return -1;
    int nf = PQnfields(r), nt = PQntuples(r);
    size_t *col = sl_malloc(((size_t)nf + 1) * sizeof *col);
    sl_names fields;
    sl_names_init(&fields, 0);
    for (int f = 0; f < nf; f++)
        col[f] = sl_sqlsource_field_column(b, &fields, f, PQfname(r, f), pg_sltype(PQftype(r, f)));
    sl_names_release(&fields);
    for (int t = 0; t < nt; t++) {
        size_t row = sl_batch_add_row(b, 0, 0);
        for (int f = 0; f < nf; f++)
            if (!PQgetisnull(r, t, f))
                sl_batch_set_text(b, col[f], row, PQgetvalue(r, t, f), (size_t)PQgetlength(r, t, f));
    }
    sl_free(col);
    PQclear(r);
    *done = (size_t)nt < max;
    return 0;
}

static const sl_sqlsource_ops pgsrc_ops = {SL_SQL_POSTGRES, "postgres", pgsrc_start, pgsrc_fetch};

static int pgsrc_open(sl_instance *in, sl_run *run, sl_resume_fn resume, sl_error *err)
{
    pgsrc_opts *o = in->opts;
    pgsrc *p = sl_calloc(1, sizeof *p);
    in->state = p;
    if (sl_pg_connect_component(&o->conn, run->project, "postgres source", &p->c, err) < 0)
        return -1;
    return sl_sqlsource_open(&p->s, in, run, resume, &pgsrc_ops, p, err);
}

static void pgsrc_close(sl_instance *in)
{
    pgsrc *p = in->state;
    if (!p)
        return;
    if (p->c) {
        if (p->in_txn)
            PQclear(PQexec(p->c, "ROLLBACK"));
        PQfinish(p->c);
    }
    sl_sqlsource_release(&p->s);
    sl_free(p);
    in->state = NULL;
}

const sl_source_plugin sl_source_postgres = {
    .version = SL_PLUGIN_VERSION,
    .name = "postgres",
    .summary = "a PostgreSQL table or query, streamed; incremental by a cursor column",
    .options = pgsrc_options,
    .opts_size = sizeof(pgsrc_opts),
    .check = sl_sqlsource_check,
    .open = pgsrc_open,
    .next = sl_sqlsource_plugin_next,
    .done = sl_sqlsource_plugin_done,
    .close = pgsrc_close,
};
