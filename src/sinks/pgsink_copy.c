/* pgsink_copy.c: the postgres sink's COPY and bad-row isolation. See pgsink.h. */
#include "core/mem.h"
#include "sinks/pgsink.h"
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* ---- COPY -------------------------------------------------------------- */

#define PG_EPOCH_DAYS 10957                 /* 2000-01-01 - 1970-01-01 */
#define PG_EPOCH_US 946684800000000LL

static void put16(sl_buf *o, int v)
{
    uint16_t x = htons((uint16_t)v);
    sl_buf_add(o, &x, 2);
}
static void put32(sl_buf *o, int64_t v)
{
    uint32_t x = htonl((uint32_t)v);
    sl_buf_add(o, &x, 4);
}
static void put64(sl_buf *o, uint64_t v)
{
    put32(o, (int64_t)(v >> 32));
    put32(o, (int64_t)(v & 0xffffffffu));
}

static void text_escape(sl_buf *o, const char *p, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch != '\\' && ch != '\t' && ch != '\n' && ch != '\r')
            continue;
        sl_buf_add(o, p + start, i - start);
        sl_buf_addc(o, '\\');
        sl_buf_addc(o, ch == '\t' ? 't' : ch == '\n' ? 'n' : ch == '\r' ? 'r' : '\\');
        start = i + 1;
    }
    sl_buf_add(o, p + start, n - start);
}

/* One cell in binary format. Returns -1 with why set if it cannot be encoded. */
static int put_binary(sl_buf *o, pg_enc e, const sl_column *c, size_t r, const char **why)
{
    if (!c->valid[r]) {
        put32(o, -1);
        return 0;
    }
    char tmp[64];
    const char *p;
    size_t n;
    union { double d; float f; uint64_t u; uint32_t u32; } v;
    switch (e) {
    case ENC_BOOL: put32(o, 1); sl_buf_addc(o, c->i64[r] ? 1 : 0); return 0;
    case ENC_INT8: put32(o, 8); put64(o, (uint64_t)c->i64[r]); return 0;
    case ENC_INT4:
        if (c->i64[r] < INT32_MIN || c->i64[r] > INT32_MAX)
            return *why = "value out of range for type integer", -1;
        put32(o, 4); put32(o, c->i64[r]); return 0;
    case ENC_INT2:
        if (c->i64[r] < INT16_MIN || c->i64[r] > INT16_MAX)
            return *why = "value out of range for type smallint", -1;
        put32(o, 2); put16(o, (int)c->i64[r]); return 0;
    case ENC_FLOAT8: v.d = c->f64[r]; put32(o, 8); put64(o, v.u); return 0;
    case ENC_INT_AS_FLOAT8: v.d = (double)c->i64[r]; put32(o, 8); put64(o, v.u); return 0;
    case ENC_FLOAT4: v.f = (float)c->f64[r]; put32(o, 4); put32(o, v.u32); return 0;
    case ENC_DATE: put32(o, 4); put32(o, c->i64[r] - PG_EPOCH_DAYS); return 0;
    case ENC_DATE_AS_TS: put32(o, 8); put64(o, (uint64_t)(c->i64[r] * 86400000000LL - PG_EPOCH_US)); return 0;
    case ENC_TS: put32(o, 8); put64(o, (uint64_t)(c->i64[r] - PG_EPOCH_US)); return 0;
    case ENC_JSONB:
        sl_cell_text(c, r, tmp, &p, &n);
        put32(o, (int64_t)n + 1); sl_buf_addc(o, 1); sl_buf_add(o, p, n); return 0;
    default:
        sl_cell_text(c, r, tmp, &p, &n);
        put32(o, (int64_t)n); sl_buf_add(o, p, n); return 0;
    }
}

static void put_text(sl_buf *o, const sl_column *c, size_t r)
{
    char tmp[64];
    const char *p;
    size_t n;
    if (!sl_cell_text(c, r, tmp, &p, &n))
        sl_buf_add(o, "\\N", 2);
    else
        text_escape(o, p, n);
}

static int64_t context_line(const char *ctx)
{
    const char *p = ctx ? strstr(ctx, ", line ") : NULL;
    return p ? strtoll(p + 7, NULL, 10) : 0;
}

int sl_pgsink_copy_rows(pg_state *st, sl_batch *b, const size_t *rows, size_t n, pg_copy_fail *f, sl_error *err)
{
    PGresult *r = PQexec(st->c, st->copy_sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        sl_pg_result_error(r, st->c, "COPY", err);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    sl_buf *o = &st->buf;
    sl_buf_reset(o);
    if (st->binary) {
        sl_buf_add(o, "PGCOPY\n\377\r\n\0", 11);
        put32(o, 0);
        put32(o, 0);
    }
    size_t nsent = 0;
    for (size_t i = 0; i < b->ncols; i++)
        nsent += st->enc[i] != ENC_SKIP;
    const char *why = NULL;
    for (size_t k = 0; k < n && !why; k++) {
        size_t row = rows[k];
        if (st->binary) {
            put16(o, (int)(nsent + (st->upsert ? 1 : 0)));
            for (size_t i = 0; i < b->ncols && !why; i++)
                if (st->enc[i] != ENC_SKIP && put_binary(o, st->enc[i], &b->cols[i], row, &why) < 0) {
                    snprintf(f->msg, sizeof f->msg, "column \"%s\": %s", b->cols[i].name, why);
                    f->line = (int64_t)k + 1;
                }
            if (st->upsert) {
                put32(o, 8);
                put64(o, (uint64_t)row);
            }
        } else {
            int first = 1;
            for (size_t i = 0; i < b->ncols; i++) {
                if (st->enc[i] == ENC_SKIP)
                    continue;
                if (!first)
                    sl_buf_addc(o, '\t');
                first = 0;
                put_text(o, &b->cols[i], row);
            }
            if (st->upsert)
                sl_buf_addf(o, "\t%zu", row);
            sl_buf_addc(o, '\n');
        }
        /* stream: the server works on one chunk while we format the next */
        if (o->len >= 256 * 1024) {
            if (PQputCopyData(st->c, o->data, (int)o->len) != 1)
                break;
            sl_buf_reset(o);
        }
    }
    if (st->binary && !why)
        put16(o, -1);
    if (o->len && PQputCopyData(st->c, o->data, (int)o->len) != 1)
        return sl_error_set(err, SL_EIO, "COPY: %s", PQerrorMessage(st->c));
    sl_buf_reset(o);
    /* a value we could not encode: abort the COPY and name its row */
    if (PQputCopyEnd(st->c, why ? "sluice: value cannot be encoded" : NULL) != 1)
        return sl_error_set(err, SL_EIO, "COPY: %s", PQerrorMessage(st->c));
    int rc = 0;
    while ((r = PQgetResult(st->c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0) {
            rc = 1;
            if (!why) {
                sl_error e2;
                sl_pg_result_error(r, st->c, "", &e2);
                snprintf(f->msg, sizeof f->msg, "%s", e2.msg + 2);
                f->line = context_line(PQresultErrorField(r, PG_DIAG_CONTEXT));
            }
            if (PQstatus(st->c) != CONNECTION_OK) {
                PQclear(r);
                return sl_error_set(err, SL_EIO, "COPY: connection lost: %s", f->msg);
            }
        }
        PQclear(r);
    }
    return rc;
}

int sl_pgsink_upsert_range(pg_state *st, size_t lo, size_t hi, pg_copy_fail *f, sl_error *err)
{
    char a[24], z[24];
    snprintf(a, sizeof a, "%zu", lo);
    snprintf(z, sizeof z, "%zu", hi);
    const char *p[2] = {a, z};
    int64_t stale = 0;
    if (st->stale_sql) {
        PGresult *c;
        if (sl_pg_query(st->c, &c, err, st->stale_sql, 2, p) < 0)
            return -1;
        stale = strtoll(PQgetvalue(c, 0, 0), NULL, 10);
        PQclear(c);
    }
    PGresult *r = PQexecParams(st->c, st->upsert_sql, 2, NULL, p, NULL, NULL, 0);
    int rc = 0;
    st->up_created = st->up_applied = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        if (PQstatus(st->c) != CONNECTION_OK) {
            sl_pg_result_error(r, st->c, "upsert", err);
            PQclear(r);
            return -1;
        }
        sl_error e2;
        sl_pg_result_error(r, st->c, "", &e2);
        snprintf(f->msg, sizeof f->msg, "%s", e2.msg + 2);
        f->line = 0;
        rc = 1;
    } else {
        st->stale += stale;
        /* the statement answers (rows it inserted, rows it inserted or changed) */
        st->up_created = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        st->up_applied = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    }
    PQclear(r);
    return rc;
}

static void reject(pg_state *st, sl_batch *b, size_t row, uint8_t *rejected, const char *msg)
{
    char why[900];
    snprintf(why, sizeof why, "table %s refused the row: %s", st->qfinal, msg);
    rejected[row] = 1;
    sl_batch_reject_row(b, row, st->id, why);
}

static int savepoint(pg_state *st, const char *verb, sl_error *err)
{
    char sql[64];
    snprintf(sql, sizeof sql, "%s sluice_try", verb);
    return exec_sql(st, sql, err);
}

/* Load rows[0..n) under savepoints, rejecting the rows the server refuses.
 * Rows go in chunks whose size adapts: it doubles after a success; after
 * a failure at a named row it shrinks to the good rows before it (sent
 * next, so they succeed) and the named row is rejected; after a failure
 * with no row named (upsert's INSERT) it halves until the bad row is
 * alone. Each bad row costs a few chunks, not a resend of the batch. */
int sl_pgsink_load_isolating(pg_state *st, sl_batch *b, size_t *rows, size_t n, uint8_t *rejected, sl_error *err)
{
    size_t chunk = n;
    while (n > 0) {
        size_t m = chunk < n ? chunk : n;
        pg_copy_fail f = {0};
        if (savepoint(st, "SAVEPOINT", err) < 0)
            return -1;
        int rc = sl_pgsink_copy_rows(st, b, rows, m, &f, err);
        if (rc == 0 && st->upsert)
            rc = sl_pgsink_upsert_range(st, rows[0], rows[m - 1], &f, err);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            if (savepoint(st, "RELEASE SAVEPOINT", err) < 0)
                return -1;
            if (st->upsert) {
                st->pend.created += st->up_created;
                st->pend.updated += st->up_applied - st->up_created;
                st->pend.unchanged += (int64_t)m - st->up_applied;
            } else {
                st->pend.created += (int64_t)m;
            }
            rows += m;
            n -= m;
            chunk = m * 2;
            continue;
        }
        if (savepoint(st, "ROLLBACK TO SAVEPOINT", err) < 0 || savepoint(st, "RELEASE SAVEPOINT", err) < 0)
            return -1;
        if (f.line >= 1 && (size_t)f.line <= m) {
            if (f.line > 1) {
                chunk = (size_t)f.line - 1; /* the good prefix goes next */
                continue;
            }
        } else if (m > 1) {
            chunk = m / 2;
            continue;
        }
        reject(st, b, rows[0], rejected, f.msg);
        st->pend.failed++;
        rows++;
        n--;
        chunk = m > 1 ? m - 1 : 1;
    }
    return st->upsert ? exec_sql(st, "TRUNCATE pg_temp.sluice_stage", err) : 0;
}
