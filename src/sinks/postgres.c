/*
 * postgres.c: the `postgres` sink, PostgreSQL as the warehouse. This file
 * is the plugin (connection, transactions, checkpoints, the modes);
 * pgsink_plan.c plans the table and the columns, pgsink_copy.c sends them
 * (see pgsink.h).
 *
 * Creates the schema and the table (types: pg_type_of() in pgsink_plan.c, the table in
 * docs/TYPES.md), then loads each batch with COPY in one transaction that
 * also upserts the batch's position into "<schema>"._sluice_state: data and
 * checkpoint commit together, so a resumed run never loads a row twice.
 *   append        COPY straight into the table
 *   upsert        COPY into a temporary staging table, then INSERT ... SELECT
 *                 DISTINCT ON (key) ... ON CONFLICT (key) DO UPDATE (the last
 *                 row of a key in a batch wins) WHERE the values differ, so
 *                 unchanged rows are not rewritten. A row whose key is NULL
 *                 goes to the DLQ (sinks/sinkkey.h). only_if_newer: <column>
 *                 updates only when the row's column is greater (rows_stale
 *                 counts the rows not applied)
 *   full_refresh  COPY into "<table>__sluice_staging" (made LIKE the table
 *                 when it exists); at the end of the run, in one transaction,
 *                 TRUNCATE the table and INSERT the staged rows (the first
 *                 time: rename the staging table). The table keeps its
 *                 grants, dependent views, triggers and indexes.
 * `sluice run --full-refresh` makes every mode a full_refresh for that run
 * (an upsert stages with its key, upserting into the staging table): the
 * table is rebuilt from the source in the finishing transaction.
 *
 * COPY format: binary when every column's value can be encoded for its
 * table column type exactly (the common case: the table was created from
 * the batch), which spares the server its text parsing; text otherwise,
 * and the server converts.
 *
 * Bad rows: when COPY fails, the transaction is rolled back and the batch
 * is redone under savepoints: the row the server names (COPY's "line N") is
 * rejected with the server's message and the rest is sent again; failures
 * without a line (upsert's INSERT) are found by halving the row range.
 * Nothing of a failed attempt stays applied.
 *
 * Schema changes (`schema_change:`): evolve adds new columns and widens
 * column types (int -> bigint -> numeric, anything -> text); freeze fails
 * the run on a new column; discard_columns drops new columns from the
 * load. Values that do not fit a column then go to the DLQ with the
 * server's message. Every change is recorded (sluice schema history).
 *
 * Durability: batches commit with synchronous_commit off (data and
 * checkpoint are lost or kept together, and a resumed run redoes them);
 * finish() commits synchronously, which flushes all of them, before the
 * run is marked successful. `commit: run` keeps the whole run in one
 * transaction instead (each batch under a savepoint): a failed run, with
 * `on_error: fail` for instance, leaves the table exactly as it was.
 *
 * Write-audit-publish (engine/checks.h): with full_refresh or commit: run
 * the pipeline's warehouse checks read the staged rows (audit, staged = 1:
 * the staging table, or the table inside the run's open transaction,
 * under a savepoint) before finish; discard rolls back and drops them
 * when a check refuses them.
 */
#include "core/failpoint.h"
#include "core/log.h"
#include "core/mem.h"
#include "models/adapter.h"
#include "sinks/pgsink.h"
#include "sinks/sinkkey.h"
#include <stdlib.h>
#include <string.h>

static const sl_option pg_options[] = {
    SL_PG_CONN_OPTIONS(pg_opts, conn),
    {"schema", SL_OPT_STRING, "public", 0, offsetof(pg_opts, schema), NULL, "destination schema (created if missing)"},
    {"table", SL_OPT_STRING, NULL, SL_OPT_REQUIRED, offsetof(pg_opts, table), NULL, "destination table"},
    {"mode", SL_OPT_ENUM, "append", 0, offsetof(pg_opts, mode), "append|upsert|full_refresh",
     "append rows, upsert them on key, or replace the table atomically at the end of the run"},
    {"key", SL_OPT_LIST, NULL, 0, offsetof(pg_opts, key), NULL,
     "key columns (required for upsert); a row whose key is NULL goes to the DLQ"},
    {"only_if_newer", SL_OPT_STRING, "", 0, offsetof(pg_opts, only_if_newer), NULL,
     "upsert: a row replaces the stored row of its key only if this column's value is greater "
     "(NULL is older than any value); rows not applied count as rows_stale"},
    {"schema_change", SL_OPT_ENUM, "evolve", 0, offsetof(pg_opts, schema_change), "evolve|freeze|discard_columns",
     "new columns and wider types: alter the table, fail the run, or drop the new columns"},
    {"format", SL_OPT_ENUM, "auto", 0, offsetof(pg_opts, format), "auto|binary|text",
     "COPY format; auto = binary whenever every column encodes exactly"},
    {"commit", SL_OPT_ENUM, "batch", 0, offsetof(pg_opts, commit), "batch|run",
     "batch: commit each batch with its checkpoint (a failed run keeps what it loaded and the next resumes); "
     "run: one transaction for the whole run (a failed run leaves the table as it was)"},
    SL_OPT_END,
};

/* ---- the plugin -------------------------------------------------------- */

static int pg_check(sl_instance *in, sl_diags *d)
{
    pg_opts *o = in->opts;
    int n = 0;
    if (strcmp(o->mode, "upsert") == 0 && o->key.n == 0) {
        sl_diags_add(d, sl_options_loc(pg_options, o, "mode"), "mode: upsert needs key: [columns]");
        n++;
    }
    n += sl_sinkkey_check_newer(o->mode, &o->key, o->only_if_newer, sl_options_loc(pg_options, o, "only_if_newer"), d);
    return n;
}

static char *qualified(const char *schema, const char *table)
{
    sl_buf q;
    sl_buf_init(&q);
    char s[SL_SQL_NAME_MAX + 1], t[SL_SQL_NAME_MAX + 1];
    sl_sql_name_fit(SL_SQL_POSTGRES, schema, s, sizeof s);
    sl_sql_name_fit(SL_SQL_POSTGRES, table, t, sizeof t);
    sl_sql_ident(&q, s);
    sl_buf_addc(&q, '.');
    sl_sql_ident(&q, t);
    return sl_buf_detach(&q);
}

static int pg_open(sl_instance *in, sl_run *run, sl_error *err)
{
    pg_opts *o = in->opts;
    pg_state *st = sl_calloc(1, sizeof *st);
    in->state = st;
    st->o = o;
    st->run = run;
    st->id = in->id;
    st->pipeline = run->pipeline->name;
    st->names.dialect = SL_SQL_POSTGRES;
    sl_buf_init(&st->buf);
    /* --full-refresh: every mode rebuilds the table this run */
    st->full_refresh = strcmp(o->mode, "full_refresh") == 0 || run->full_refresh;
    st->upsert = strcmp(o->mode, "upsert") == 0;
    st->evolve = strcmp(o->schema_change, "evolve") == 0;
    st->freeze = strcmp(o->schema_change, "freeze") == 0;
    st->run_txn = strcmp(o->commit, "run") == 0;
    char t[SL_SQL_NAME_MAX + 1];
    char *want = st->full_refresh ? sl_printf("%s__sluice_staging", o->table) : sl_strdup(o->table);
    sl_sql_name_fit(SL_SQL_POSTGRES, want, t, sizeof t);
    sl_free(want);
    st->target = sl_strdup(t);
    st->qtable = qualified(o->schema, st->target);
    st->qfinal = qualified(o->schema, o->table);
    st->qstate = qualified(o->schema, "_sluice_state");
    if (sl_pg_connect_component(&o->conn, run->project, "postgres sink", &st->c, err) < 0)
        return -1;
    sl_buf *q = &st->buf;
    sl_buf_reset(q);
    sl_buf_adds(q, "SET synchronous_commit = off; CREATE SCHEMA IF NOT EXISTS ");
    sl_sql_ident(q, o->schema);
    sl_buf_addf(q, "; CREATE TABLE IF NOT EXISTS %s (pipeline text NOT NULL, sink text NOT NULL, key text NOT NULL,"
                   " epoch bigint NOT NULL, \"offset\" bigint NOT NULL, line bigint, updated_at timestamptz,"
                   " PRIMARY KEY (pipeline, sink, key))", st->qstate);
    if (exec_sql(st, q->data, err) < 0)
        return sink_err(st, err);
    /* committed positions of this epoch */
    char epoch[24];
    snprintf(epoch, sizeof epoch, "%lld", (long long)run->epoch);
    const char *p[3] = {st->pipeline, st->id, epoch};
    char *sql = sl_printf("SELECT key, \"offset\", line FROM %s WHERE pipeline = $1 AND sink = $2 AND epoch = $3",
                          st->qstate);
    PGresult *r;
    int rc = sl_pg_query(st->c, &r, err, sql, 3, p);
    sl_free(sql);
    if (rc < 0)
        return sink_err(st, err);
    for (int i = 0; i < PQntuples(r); i++)
        sl_posmap_put(&st->positions, PQgetvalue(r, i, 0), strtoll(PQgetvalue(r, i, 1), NULL, 10),
                      strtoll(PQgetvalue(r, i, 2), NULL, 10));
    PQclear(r);
    if (st->full_refresh && st->positions.n == 0) {
        /* a new epoch: a staging table is left over from an abandoned run */
        sl_buf_reset(q);
        sl_buf_addf(q, "DROP TABLE IF EXISTS %s", st->qtable);
        if (exec_sql(st, q->data, err) < 0)
            return sink_err(st, err);
    }
    return 0;
}

static int pg_position(sl_instance *in, const char *key, sl_resume *pos, int *found, sl_error *err)
{
    *found = sl_posmap_get(&((pg_state *)in->state)->positions, key, pos);
    return 0;
}

static int pg_write(sl_instance *in, sl_batch *b, size_t from, uint8_t *rejected, sl_error *err)
{
    pg_state *st = in->state;
    if (!st->in_txn) {
        if (exec_sql(st, "BEGIN", err) < 0)
            return sink_err(st, err);
        st->in_txn = 1;
    }
    /* commit: run keeps one transaction; a batch is undone to here */
    if (st->run_txn && exec_sql(st, "SAVEPOINT sluice_batch", err) < 0)
        return sink_err(st, err);
    if (sl_failpoint("sink.before_data"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_data", st->id);
    if (from >= b->nrows || b->ncols == 0)
        return 0;
    if (st->upsert) {
        if (*st->o->only_if_newer && sl_batch_find(b, st->o->only_if_newer) < 0)
            return sl_error_set(err, SL_EDATA, "sink %s: only_if_newer column %s is not among the rows' columns",
                                st->id, st->o->only_if_newer);
        /* a NULL key matches nothing: to the DLQ (sinks/sinkkey.h) */
        size_t nullkeys = sl_sinkkey_reject_nulls(b, from, rejected, &st->o->key, st->id);
        st->pend.failed += (int64_t)nullkeys;
        if (nullkeys == b->nrows - from)
            return 0;
    }
    if (sl_pgsink_prepare(st, b, err) < 0)
        return sink_err(st, err);
    size_t *rows = sl_malloc((b->nrows - from) * sizeof *rows);
    size_t n = 0;
    for (size_t r = from; r < b->nrows; r++)
        if (!rejected[r])
            rows[n++] = r;
    int rc = 0;
    pg_copy_fail f = {0};
    /* the fast path: one COPY (and one upsert) for the batch */
    rc = sl_pgsink_copy_rows(st, b, rows, n, &f, err);
    if (rc == 0 && st->upsert) {
        rc = n ? sl_pgsink_upsert_range(st, 0, b->nrows, &f, err) : 0;
        if (rc == 0 && n) {
            st->pend.created += st->up_created;
            st->pend.updated += st->up_applied - st->up_created;
            st->pend.unchanged += (int64_t)n - st->up_applied;
        }
        if (rc == 0)
            rc = exec_sql(st, "TRUNCATE pg_temp.sluice_stage", err);
    } else if (rc == 0) {
        st->pend.created += (int64_t)n;
    }
    if (rc == 1) {
        /* a row was refused: undo the batch and redo it row-safe */
        sl_log_debug("%s: %s: batch refused (%s); isolating the bad rows", st->pipeline, st->id, f.msg);
        rc = exec_sql(st, st->run_txn ? "ROLLBACK TO SAVEPOINT sluice_batch" : "ROLLBACK", err);
        st->table_ready = 0;
        if (rc == 0 && !st->run_txn)
            rc = exec_sql(st, "BEGIN", err);
        sl_free(st->plan_sig);
        st->plan_sig = NULL;
        if (rc == 0)
            rc = sl_pgsink_prepare(st, b, err);
        if (rc == 0)
            rc = sl_pgsink_load_isolating(st, b, rows, n, rejected, err);
    }
    sl_free(rows);
    if (rc == 0 && st->run_txn)
        rc = exec_sql(st, "RELEASE SAVEPOINT sluice_batch", err);
    if (rc < 0)
        return sink_err(st, err);
    if (sl_failpoint("sink.after_data"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.after_data", st->id);
    return 0;
}

/* The committed transaction's stale rows join the run's count. */
static void count_stale(pg_state *st)
{
    atomic_fetch_add(&st->run->rows_stale, st->stale);
    st->stale_total += st->stale;
    st->stale = 0;
    st->done.created += st->pend.created;
    st->done.updated += st->pend.updated;
    st->done.unchanged += st->pend.unchanged;
    st->done.failed += st->pend.failed;
    st->pend = (sl_sink_counts){0};
}

static int pg_commit(sl_instance *in, const sl_batch *b, sl_error *err)
{
    pg_state *st = in->state;
    if (!st->in_txn)
        return 0;
    if (sl_failpoint("sink.before_checkpoint"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_checkpoint", st->id);
    if (b->file && !b->no_position) {
        char epoch[24], off[24], line[24];
        snprintf(epoch, sizeof epoch, "%lld", (long long)st->run->epoch);
        snprintf(off, sizeof off, "%lld", (long long)b->end_offset);
        snprintf(line, sizeof line, "%lld", (long long)b->end_line);
        const char *p[6] = {st->pipeline, st->id, b->file, epoch, off, line};
        char *sql = sl_printf("INSERT INTO %s (pipeline, sink, key, epoch, \"offset\", line, updated_at)"
                              " VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT (pipeline, sink, key) DO UPDATE"
                              " SET epoch = EXCLUDED.epoch, \"offset\" = EXCLUDED.\"offset\", line = EXCLUDED.line,"
                              " updated_at = EXCLUDED.updated_at", st->qstate);
        PGresult *r;
        int rc = sl_pg_query(st->c, &r, err, sql, 6, p);
        sl_free(sql);
        PQclear(r);
        if (rc < 0)
            return sink_err(st, err);
    }
    if (st->run_txn)
        return 0; /* finish() commits */
    if (exec_sql(st, "COMMIT", err) < 0)
        return sink_err(st, err);
    st->in_txn = 0;
    count_stale(st);
    if (sl_failpoint("sink.after_commit"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.after_commit", st->id);
    return 0;
}

static void pg_rollback(sl_instance *in)
{
    pg_state *st = in->state;
    if (st && st->in_txn && st->c) {
        PQclear(PQexec(st->c, "ROLLBACK"));
        st->in_txn = 0;
        st->stale = 0;
        st->pend = (sl_sink_counts){0};
        st->table_ready = 0; /* a CREATE or ALTER may have been rolled back */
        sl_free(st->plan_sig);
        st->plan_sig = NULL;
    }
}

/* full_refresh over an existing table: append to q the statements that
 * give the table the staged rows in the finishing transaction. The table
 * itself stays, and with it the grants, views, triggers, indexes and
 * comments users gave it: it gains the columns the staging table has in
 * addition (and their wider types, schema_change: evolve), is truncated
 * and refilled, and the staging table is dropped. Columns the load no
 * longer has stay, NULL. */
static int refill(pg_state *st, sl_buf *q, sl_error *err)
{
    PGresult *r;
    const char *p[2] = {st->qtable, st->qfinal};
    if (sl_pg_query(st->c, &r, err,
                    "SELECT a.attname, format_type(a.atttypid, a.atttypmod), f.attname IS NOT NULL,"
                    " f.atttypid IS DISTINCT FROM a.atttypid OR f.atttypmod IS DISTINCT FROM a.atttypmod,"
                    " a.attgenerated <> '' OR coalesce(f.attgenerated, '') <> ''"
                    " FROM pg_attribute a LEFT JOIN pg_attribute f ON f.attrelid = to_regclass($2)"
                    " AND f.attname = a.attname AND f.attnum > 0 AND NOT f.attisdropped"
                    " WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                    2, p) < 0)
        return -1;
    sl_buf cols;
    sl_buf_init(&cols);
    for (int i = 0; i < PQntuples(r); i++) {
        const char *name = PQgetvalue(r, i, 0), *type = PQgetvalue(r, i, 1);
        int in_final = PQgetvalue(r, i, 2)[0] == 't', retyped = PQgetvalue(r, i, 3)[0] == 't';
        if (!in_final || retyped) {
            sl_buf_addf(q, "ALTER TABLE %s %s COLUMN ", st->qfinal, in_final ? "ALTER" : "ADD");
            sl_sql_ident(q, name);
            sl_buf_addf(q, "%s %s", in_final ? " TYPE" : "", type);
            if (in_final) {
                sl_buf_adds(q, " USING ");
                sl_sql_ident(q, name);
                sl_buf_addf(q, "::%s", type);
            }
            sl_buf_adds(q, "; ");
        }
        if (PQgetvalue(r, i, 4)[0] == 't')
            continue; /* generated: the table computes it */
        if (cols.len)
            sl_buf_adds(&cols, ", ");
        sl_sql_ident(&cols, name);
    }
    PQclear(r);
    sl_buf_addf(q, "TRUNCATE %s; ", st->qfinal);
    if (cols.len)
        sl_buf_addf(q, "INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s; ", st->qfinal, cols.data,
                    cols.data, st->qtable);
    sl_buf_addf(q, "DROP TABLE %s; ", st->qtable);
    sl_buf_release(&cols);
    return 0;
}

static int pg_finish(sl_instance *in, sl_error *err)
{
    pg_state *st = in->state;
    sl_buf *q = &st->buf;
    int64_t replaced = 0;
    sl_buf_reset(q);
    /* one synchronous commit that writes something makes every earlier
     * (asynchronous) commit durable too */
    sl_buf_addf(q, "SET synchronous_commit = on; %sUPDATE %s SET updated_at = now() WHERE pipeline = ",
                st->in_txn ? "" : "BEGIN; ", st->qstate);
    sl_sql_literal(q, st->pipeline);
    sl_buf_adds(q, " AND sink = ");
    sl_sql_literal(q, st->id);
    sl_buf_adds(q, "; ");
    if (st->full_refresh) {
        PGresult *r;
        const char *p[2] = {st->qtable, st->qfinal};
        if (sl_pg_query(st->c, &r, err, "SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL", 2, p) < 0)
            return sink_err(st, err);
        int staged = PQgetvalue(r, 0, 0)[0] == 't', final = PQgetvalue(r, 0, 1)[0] == 't';
        PQclear(r);
        if (final && (staged || st->positions.n == 0)) {
            /* the rows the rebuild replaces (rows_deleted) */
            char *sql = sl_printf("SELECT count(*) FROM %s", st->qfinal);
            int crc = sl_pg_query(st->c, &r, err, sql, 0, NULL);
            sl_free(sql);
            if (crc < 0)
                return sink_err(st, err);
            replaced = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
            PQclear(r);
        }
        if (staged && final) {
            if (refill(st, q, err) < 0)
                return sink_err(st, err);
        } else if (staged) {
            /* the first refresh: the staging table becomes the table */
            char t[SL_SQL_NAME_MAX + 1];
            sl_sql_name_fit(SL_SQL_POSTGRES, st->o->table, t, sizeof t);
            sl_buf_addf(q, "ALTER TABLE %s RENAME TO ", st->qtable);
            sl_sql_ident(q, t);
            sl_buf_adds(q, "; ");
            if (st->upsert) {
                /* its key index keeps the staging name: give it the table's */
                char *from = sl_printf("%s__sluice_key", st->target), *to = sl_printf("%s__sluice_key", st->o->table);
                char *qfrom = qualified(st->o->schema, from);
                char ti[SL_SQL_NAME_MAX + 1];
                sl_sql_name_fit(SL_SQL_POSTGRES, to, ti, sizeof ti);
                sl_buf_addf(q, "ALTER INDEX IF EXISTS %s RENAME TO ", qfrom);
                sl_sql_ident(q, ti);
                sl_buf_adds(q, "; ");
                sl_free(qfrom);
                sl_free(from);
                sl_free(to);
            }
        } else if (final && st->positions.n == 0) {
            /* a refresh with no rows at all leaves the table empty */
            sl_buf_addf(q, "TRUNCATE %s; ", st->qfinal);
        }
        /* after the swap, this epoch's positions are spent */
        sl_buf_addf(q, "DELETE FROM %s WHERE pipeline = ", st->qstate);
        sl_sql_literal(q, st->pipeline);
        sl_buf_adds(q, " AND sink = ");
        sl_sql_literal(q, st->id);
        sl_buf_adds(q, "; ");
    }
    st->in_txn = 0;
    int rc = 0;
    if (st->full_refresh) {
        /* the swap, then its commit: a crash between the two (failpoint
         * sink.before_swap_commit) leaves the old table */
        rc = sl_pg_exec_step(st->c, q->data, "full_refresh: replacing the table's rows", err);
        if (rc == 0 && sl_failpoint("sink.before_swap_commit"))
            rc = sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_swap_commit", st->id);
        sl_buf_reset(q);
    }
    sl_buf_adds(q, "COMMIT; SET synchronous_commit = off");
    if (rc == 0)
        rc = sl_pg_exec_step(st->c, q->data, st->full_refresh ? "full_refresh: committing" : "final commit", err);
    if (rc < 0) {
        PQclear(PQexec(st->c, "ROLLBACK"));
        return sink_err(st, err);
    }
    count_stale(st);
    st->done.deleted += replaced;
    if (st->stale_total)
        sl_log_info("%s: %s: %lld row%s not applied: table %s holds a row of their key with an equal or greater %s "
                    "(only_if_newer)", st->pipeline, st->id, (long long)st->stale_total, st->stale_total == 1 ? "" : "s",
                    st->qfinal, st->o->only_if_newer);
    return 0;
}

static void pg_counts(sl_instance *in, sl_sink_counts *out, sl_buf *requests)
{
    (void)requests;
    pg_state *st = in->state;
    *out = st->done;
    if (st->run_txn && st->in_txn) {
        /* commit: run before finish: the open transaction is the run */
        out->created += st->pend.created;
        out->updated += st->pend.updated;
        out->unchanged += st->pend.unchanged;
        out->failed += st->pend.failed;
    }
}

static int pg_publishes_at_end(sl_instance *in)
{
    pg_state *st = in->state;
    return st && (st->full_refresh || st->run_txn);
}

/* The run's rows for the checks that read the warehouse (staged: the
 * staging table, or the table inside the run's open transaction; else the
 * table), read in a transaction of their own or under a savepoint of the
 * run's, rolled back after: a check never changes what is published. */
static int pg_audit(sl_instance *in, int staged,
                    int (*fn)(void *ctx, sl_adapter *a, const char *schema, const char *identifier, sl_error *err),
                    void *ctx, sl_error *err)
{
    pg_state *st = in->state;
    char t[SL_SQL_NAME_MAX + 1];
    sl_sql_name_fit(SL_SQL_POSTGRES, st->o->table, t, sizeof t);
    if (exec_sql(st, st->in_txn ? "SAVEPOINT sl_audit" : "BEGIN", err) < 0)
        return sink_err(st, err);
    sl_adapter *a = NULL;
    int rc = sl_adapter_wrap_pg(st->c, st->o->schema, &a);
    if (rc < 0 || !a)
        rc = sl_error_set(err, SL_ESQL, "sink %s: cannot audit the table", st->id);
    else
        rc = fn(ctx, a, st->o->schema, staged ? st->target : t, err);
    sl_adapter_close(a);
    sl_error e2 = {0};
    if (exec_sql(st, st->in_txn ? "ROLLBACK TO SAVEPOINT sl_audit; RELEASE SAVEPOINT sl_audit" : "ROLLBACK", &e2) < 0 &&
        rc == 0)
        rc = sl_error_set(err, SL_ESQL, "sink %s: after the audit: %s", st->id, e2.msg);
    return rc;
}

/* Write-audit-publish refused the staged rows: roll the run's transaction
 * back; a staging table and this epoch's positions go, so the next run
 * loads the epoch from its start. The table is untouched. */
static int pg_discard(sl_instance *in, sl_error *err)
{
    pg_state *st = in->state;
    pg_rollback(in);
    st->done = (sl_sink_counts){0};
    if (!st->full_refresh)
        return 0;
    sl_buf *q = &st->buf;
    sl_buf_reset(q);
    sl_buf_addf(q, "BEGIN; DROP TABLE IF EXISTS %s; DELETE FROM %s WHERE pipeline = ", st->qtable, st->qstate);
    sl_sql_literal(q, st->pipeline);
    sl_buf_adds(q, " AND sink = ");
    sl_sql_literal(q, st->id);
    sl_buf_adds(q, "; COMMIT");
    if (exec_sql(st, q->data, err) < 0) {
        PQclear(PQexec(st->c, "ROLLBACK"));
        return sink_err(st, err);
    }
    return 0;
}

static void pg_close(sl_instance *in)
{
    pg_state *st = in->state;
    if (!st)
        return;
    pg_rollback(in);
    if (st->c)
        PQfinish(st->c);
    sl_pgsink_free_columns(st);
    sl_sql_names_release(&st->names);
    sl_free(st->plan_sig);
    sl_free(st->enc);
    sl_free(st->copy_sql);
    sl_free(st->upsert_sql);
    sl_free(st->stale_sql);
    sl_free(st->qtable);
    sl_free(st->qfinal);
    sl_free(st->qstate);
    sl_free(st->target);
    sl_posmap_release(&st->positions);
    sl_buf_release(&st->buf);
    sl_free(st);
    in->state = NULL;
}

static int pg_positions(sl_instance *in, sl_project *project, sl_position_fn fn, void *ctx, sl_error *err)
{
    pg_opts *o = in->opts;
    PGconn *c;
    if (sl_pg_connect_component(&o->conn, project, "postgres sink", &c, err) < 0)
        return -1;
    char *qstate = qualified(o->schema, "_sluice_state");
    char *sql = sl_printf("SELECT key, epoch, \"offset\", line, updated_at FROM %s WHERE pipeline = $1 AND sink = $2 "
                          "AND to_regclass($3) IS NOT NULL ORDER BY key", qstate);
    const char *p[3] = {in->pipeline, in->id, qstate};
    PGresult *r = PQexecParams(c, sql, 3, NULL, p, NULL, NULL, 0);
    /* no _sluice_state yet: nothing committed */
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        for (int i = 0; i < PQntuples(r); i++)
            fn(ctx, PQgetvalue(r, i, 0), strtoll(PQgetvalue(r, i, 1), NULL, 10), strtoll(PQgetvalue(r, i, 2), NULL, 10),
               strtoll(PQgetvalue(r, i, 3), NULL, 10), PQgetvalue(r, i, 4));
    PQclear(r);
    PQfinish(c);
    sl_free(sql);
    sl_free(qstate);
    return 0;
}

const sl_sink_plugin sl_sink_postgres = {
    .version = SL_PLUGIN_VERSION,
    .name = "postgres",
    .summary = "a PostgreSQL table: COPY, append, upsert or full_refresh, exactly once",
    .options = pg_options,
    .opts_size = sizeof(pg_opts),
    .check = pg_check,
    .open = pg_open,
    .position = pg_position,
    .write = pg_write,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .finish = pg_finish,
    .close = pg_close,
    .positions = pg_positions,
    .counts = pg_counts,
    .audit = pg_audit,
    .publishes_at_end = pg_publishes_at_end,
    .discard = pg_discard,
};
