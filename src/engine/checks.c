/* checks.c: a pipeline's checks during a run: in the stream, in the
 * warehouse through the sink's audit, judged and stored. See checks.h. */
#include "engine/checks.h"
#include "config/diag.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/types.h"
#include "engine/run.h"
#include "expr/expr.h"
#include "models/adapter.h"
#include "state/quality_history.h"
#include "state/quality_store.h"
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SAMPLE_ROWS 10

typedef struct cstate {
    const sl_check *c;
    int stream;              /* evaluated on the rows (else: in the warehouse) */
    int by_predicate;        /* row-level through sl_check_fail_predicate */
    int blocking;            /* error severity and on_fail: fail */
    int quarantine;
    sl_expr *pred, *where;
    int errored;
    char errmsg[400];
    int64_t rows, failures;  /* rows checked, failing rows */
    int64_t nulls;           /* null_rate */
    int has_max;             /* freshness with a column: the greatest value, us */
    int64_t max_us;
    int key_table;           /* unique, duplicate_rate: k<index> in the key database */
    int64_t quarantined;
    sl_buf sample;           /* JSON objects, comma-separated */
    int nsample;
    double dur;
    int judged;
    sl_check_result res;
} cstate;

typedef struct seen_col {
    char *name;
    sl_type type;
} seen_col;

struct sl_run_checks {
    sl_run *run;
    char node[256];
    cstate *v;
    size_t n;
    int has_warehouse, ended;
    int64_t skipped;         /* rows of a resumed epoch every sink had committed: not this run's */
    sqlite3 *keys;           /* temporary database of keys (unique, duplicate_rate) */
    seen_col *cols;          /* every column the rows had, with its last type */
    size_t ncols;
    /* per batch scratch */
    uint8_t *fail, *sel, *quar;
    size_t cap;
    int64_t *qby;            /* the check that quarantined a row first */
    size_t qcap;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int keys_open(sl_run_checks *rc, sl_error *err)
{
    if (rc->keys)
        return 0;
    /* "": a private temporary database on disk, deleted when closed; its
     * page cache is bounded, so the keys do not live in memory */
    if (sqlite3_open_v2("", &rc->keys, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        return sl_error_set(err, SL_ESQL, "checks: temporary key database: %s", sqlite3_errmsg(rc->keys));
    sqlite3_exec(rc->keys, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-8192", NULL, NULL,
                 NULL);
    return 0;
}

int sl_run_checks_open(sl_run *run, const char *node, sl_run_checks **out, sl_error *err)
{
    *out = NULL;
    const sl_check_list *l = &run->pipeline->checks;
    if (l->n == 0)
        return 0;
    sl_run_checks *rc = sl_calloc(1, sizeof *rc);
    rc->run = run;
    snprintf(rc->node, sizeof rc->node, "%s", node);
    rc->v = sl_calloc(l->n, sizeof *rc->v);
    rc->n = l->n;
    for (size_t i = 0; i < l->n; i++) {
        cstate *s = &rc->v[i];
        const sl_check *c = &l->v[i];
        s->c = c;
        sl_buf_init(&s->sample);
        s->stream = sl_check_kind_in_stream(c->kind);
        /* row_count_match against the source is the engine's own count;
         * against a table, the warehouse's */
        if (c->kind == SL_CHECK_ROW_COUNT_MATCH)
            s->stream = c->compare_to && strcmp(c->compare_to, "source") == 0;
        if (c->kind == SL_CHECK_FRESHNESS && !c->ncolumns)
            s->stream = 0;
        if (!s->stream) {
            rc->has_warehouse = 1;
            continue;
        }
        s->blocking = c->severity == SL_SEVERITY_ERROR && sl_check_effective_on_fail(c) == SL_ON_FAIL_FAIL;
        s->quarantine = sl_check_effective_on_fail(c) == SL_ON_FAIL_QUARANTINE;
        if (c->where && *c->where)
            s->where = sl_expr_new(run->expr, c->where);
        if (c->kind == SL_CHECK_UNIQUE || c->kind == SL_CHECK_DUPLICATE_RATE) {
            if (keys_open(rc, err) < 0) {
                sl_run_checks_free(rc);
                return -1;
            }
            char sql[96];
            snprintf(sql, sizeof sql, "CREATE TABLE k%zu (key BLOB PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID", i);
            if (sqlite3_exec(rc->keys, sql, NULL, NULL, NULL) != SQLITE_OK) {
                sl_error_set(err, SL_ESQL, "checks: temporary key table: %s", sqlite3_errmsg(rc->keys));
                sl_run_checks_free(rc);
                return -1;
            }
            s->key_table = 1;
            continue;
        }
        if (sl_check_kind_is_row(c->kind)) {
            sl_buf p;
            sl_buf_init(&p);
            sl_error perr = {0};
            if (sl_check_fail_predicate(c, SL_SQL_SQLITE, &p, &perr) < 0) {
                s->errored = 1;
                snprintf(s->errmsg, sizeof s->errmsg, "cannot check in the stream: %s",
                         perr.msg[0] ? perr.msg : "no row predicate for this kind");
            } else {
                s->by_predicate = 1;
                s->pred = sl_expr_new(run->expr, p.data ? p.data : "NULL");
            }
            sl_buf_release(&p);
        }
    }
    *out = rc;
    return 0;
}

void sl_run_checks_free(sl_run_checks *rc)
{
    if (!rc)
        return;
    for (size_t i = 0; i < rc->n; i++) {
        sl_expr_free(rc->v[i].pred);
        sl_expr_free(rc->v[i].where);
        sl_buf_release(&rc->v[i].sample);
        sl_check_result_release(&rc->v[i].res);
    }
    for (size_t i = 0; i < rc->ncols; i++)
        sl_free(rc->cols[i].name);
    sl_free(rc->cols);
    if (rc->keys)
        sqlite3_close(rc->keys);
    sl_free(rc->v);
    sl_free(rc->fail);
    sl_free(rc->sel);
    sl_free(rc->quar);
    sl_free(rc->qby);
    sl_free(rc);
}

static void note_columns(sl_run_checks *rc, const sl_batch *b)
{
    for (size_t i = 0; i < b->ncols; i++) {
        size_t k = 0;
        while (k < rc->ncols && strcmp(rc->cols[k].name, b->cols[i].name) != 0)
            k++;
        if (k == rc->ncols) {
            rc->cols = sl_realloc(rc->cols, (rc->ncols + 1) * sizeof *rc->cols);
            rc->cols[k].name = sl_strdup(b->cols[i].name);
            rc->ncols++;
        }
        rc->cols[k].type = b->cols[i].raw ? SL_T_TEXT : b->cols[i].type;
    }
}

static void add_sample(cstate *s, const sl_batch *b, size_t row)
{
    if (s->nsample >= SAMPLE_ROWS)
        return;
    if (s->nsample++)
        sl_buf_addc(&s->sample, ',');
    sl_batch_row_json_capped(b, row, SL_CHECK_SAMPLE_CELL_MAX, SL_CHECK_SAMPLE_ROW_MAX, &s->sample);
}

/* A cell as microseconds since the epoch (timestamps, dates, ISO text). */
static int cell_time(const sl_column *col, size_t r, int64_t *us)
{
    if (!col->valid[r])
        return 0;
    if (!col->raw && col->type == SL_T_TIMESTAMP) {
        *us = col->i64[r];
        return 1;
    }
    if (!col->raw && col->type == SL_T_DATE) {
        *us = col->i64[r] * 86400LL * 1000000LL;
        return 1;
    }
    if (sl_type_storage(col->raw ? SL_T_TEXT : col->type) == SL_STORE_STR) {
        int64_t v;
        if (sl_parse_timestamp(col->str[r].p, col->str[r].n, &v) == 0) {
            *us = v;
            return 1;
        }
        if (sl_parse_date(col->str[r].p, col->str[r].n, &v) == 0) {
            *us = v * 86400LL * 1000000LL;
            return 1;
        }
    }
    return 0;
}

/* The key of row r over the check's columns (JSON of each cell), or 0 when
 * one of them is NULL (such rows are neither unique nor duplicates). */
static int row_key(const sl_check *c, const sl_batch *b, size_t r, sl_buf *key)
{
    sl_buf_reset(key);
    for (size_t k = 0; k < c->ncolumns; k++) {
        int at = sl_batch_find(b, c->columns[k]);
        if (at < 0 || !b->cols[at].valid[r])
            return 0;
        if (k)
            sl_buf_addc(key, '\x1f');
        sl_cell_json(&b->cols[at], r, key);
    }
    return 1;
}

static int fail_check(cstate *s, const char *what)
{
    s->errored = 1;
    snprintf(s->errmsg, sizeof s->errmsg, "%s", what);
    return 0;
}

/* A check naming a column the rows lack is an error naming it, never a
 * judgement of something else (in SQLite a double-quoted name that is no
 * column would be read as the text of the name). 1 when one is missing. */
static int missing_column(cstate *s, const sl_batch *b)
{
    const sl_check *c = s->c;
    for (size_t k = 0; k < c->ncolumns; k++) {
        if (sl_batch_find(b, c->columns[k]) >= 0)
            continue;
        const char *names[256];
        size_t n = 0;
        for (size_t i = 0; i < b->ncols && n < 256; i++)
            names[n++] = b->cols[i].name;
        const char *sug = sl_suggest(c->columns[k], names, n);
        char msg[400];
        snprintf(msg, sizeof msg, "column %s is not in the rows%s%s%s", c->columns[k], sug ? " (did you mean " : "",
                 sug ? sug : "", sug ? "?)" : "");
        fail_check(s, msg);
        return 1;
    }
    return 0;
}

/* unique / duplicate_rate: count the kept rows' keys; unique with
 * quarantine marks rows whose key is already there. */
static int count_keys(sl_run_checks *rc, size_t i, sl_batch *b, size_t from, sl_error *err)
{
    cstate *s = &rc->v[i];
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT INTO k%zu (key, n) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1 "
                              "RETURNING n", i);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(rc->keys, sql, -1, &st, NULL) != SQLITE_OK)
        return sl_error_set(err, SL_ESQL, "checks: %s", sqlite3_errmsg(rc->keys));
    sqlite3_exec(rc->keys, "BEGIN", NULL, NULL, NULL);
    sl_buf key;
    sl_buf_init(&key);
    int rcode = 0;
    for (size_t r = from; r < b->nrows; r++) {
        if (rc->quar[r] || (s->where && !rc->sel[r]))
            continue;
        s->rows++;
        if (!row_key(s->c, b, r, &key))
            continue;
        sqlite3_bind_blob(st, 1, key.data, (int)key.len, SQLITE_STATIC);
        int64_t n = 0;
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        else
            rcode = sl_error_set(err, SL_ESQL, "checks: %s", sqlite3_errmsg(rc->keys));
        sqlite3_reset(st);
        if (rcode < 0)
            break;
        if (n > 1) {
            add_sample(s, b, r);
            if (s->quarantine && s->c->kind == SL_CHECK_UNIQUE) {
                rc->quar[r] = 1;
                rc->qby[r] = (int64_t)i;
                s->quarantined++;
            }
        }
    }
    sqlite3_exec(rc->keys, "COMMIT", NULL, NULL, NULL);
    sqlite3_finalize(st);
    sl_buf_release(&key);
    return rcode;
}

static char *reason_for(const cstate *s)
{
    const sl_check *c = s->c;
    if (c->ncolumns)
        return sl_printf("check %s failed: %s on column %s", c->name, sl_check_kind_name(c->kind), c->columns[0]);
    return sl_printf("check %s failed: %s", c->name, sl_check_kind_name(c->kind));
}

int sl_run_checks_batch(sl_run_checks *rc, sl_batch *b, size_t from, sl_error *err)
{
    if (!rc || b->nrows == 0)
        return 0;
    note_columns(rc, b);
    rc->skipped += (int64_t)(from < b->nrows ? from : b->nrows);
    if (from >= b->nrows)
        return 0;
    if (rc->cap < b->nrows + 1) {
        rc->cap = b->nrows + 1;
        rc->fail = sl_realloc(rc->fail, rc->cap);
        rc->sel = sl_realloc(rc->sel, rc->cap);
        rc->quar = sl_realloc(rc->quar, rc->cap);
    }
    SL_GROW(rc->qby, rc->qcap, b->nrows + 1);
    memset(rc->quar, 0, b->nrows);
    int any_quar = 0;
    /* 1. the row-level checks, on every row this run loads */
    for (size_t i = 0; i < rc->n; i++) {
        cstate *s = &rc->v[i];
        if (!s->stream || s->errored || !s->by_predicate || missing_column(s, b))
            continue;
        double t0 = now_s();
        sl_error xerr = {0};
        memset(rc->fail, 0, b->nrows);
        if (sl_expr_eval_flags(s->pred, b, rc->fail, &xerr) < 0) {
            fail_check(s, xerr.msg);
            continue;
        }
        if (s->where) {
            memset(rc->sel, 0, b->nrows);
            if (sl_expr_eval_flags(s->where, b, rc->sel, &xerr) < 0) {
                fail_check(s, xerr.msg);
                continue;
            }
        }
        for (size_t r = from; r < b->nrows; r++) {
            if (s->where && !rc->sel[r])
                continue;
            s->rows++;
            if (!rc->fail[r])
                continue;
            s->failures++;
            add_sample(s, b, r);
            if (s->quarantine) {
                if (!rc->quar[r])
                    rc->qby[r] = (int64_t)i;
                rc->quar[r] = 1;
                s->quarantined++;
                any_quar = 1;
            }
        }
        s->dur += now_s() - t0;
        int64_t allowed = s->c->has_max_failures ? s->c->max_failures : 0;
        if (s->blocking && !s->c->has_max_failure_rate && s->failures > allowed) {
            return sl_error_set(err, SL_EDATA,
                                "check %s failed: %s: %lld failing row%s (at most %lld allowed); the run stopped "
                                "before writing the batch (first failing rows: sluice history --json)",
                                s->c->name, sl_check_kind_name(s->c->kind), (long long)s->failures,
                                s->failures == 1 ? "" : "s", (long long)allowed);
        }
    }
    /* 2. keys, aggregates: on the rows that stay */
    for (size_t i = 0; i < rc->n; i++) {
        cstate *s = &rc->v[i];
        const sl_check *c = s->c;
        if (!s->stream || s->errored || s->by_predicate)
            continue;
        double t0 = now_s();
        sl_error xerr = {0};
        if (s->where) {
            memset(rc->sel, 0, b->nrows);
            if (sl_expr_eval_flags(s->where, b, rc->sel, &xerr) < 0) {
                fail_check(s, xerr.msg);
                continue;
            }
        }
        if (s->key_table) {
            if (count_keys(rc, i, b, from, err) < 0)
                return -1;
            any_quar |= s->quarantined > 0;
        } else if (c->kind == SL_CHECK_NULL_RATE || (c->kind == SL_CHECK_FRESHNESS && c->ncolumns)) {
            int at = c->ncolumns ? sl_batch_find(b, c->columns[0]) : -1;
            for (size_t r = from; r < b->nrows; r++) {
                if (rc->quar[r] || (s->where && !rc->sel[r]))
                    continue;
                s->rows++;
                if (c->kind == SL_CHECK_NULL_RATE) {
                    s->nulls += at < 0 || !b->cols[at].valid[r];
                    continue;
                }
                int64_t us;
                if (at >= 0 && cell_time(&b->cols[at], r, &us) && (!s->has_max || us > s->max_us)) {
                    s->max_us = us;
                    s->has_max = 1;
                }
            }
        }
        s->dur += now_s() - t0;
    }
    /* 3. quarantine: into the DLQ, out of the batch */
    if (any_quar) {
        for (size_t r = from; r < b->nrows; r++) {
            if (!rc->quar[r])
                continue;
            char *why = reason_for(&rc->v[rc->qby[r]]);
            sl_batch_reject_row(b, r, "check", why);
            sl_free(why);
        }
        for (size_t r = 0; r < b->nrows; r++)
            rc->quar[r] = !rc->quar[r];
        sl_batch_keep(b, rc->quar);
    }
    return 0;
}

/* rows_loaded of the pipeline's last `runs` successful runs, newest first. */
static size_t history(sl_run_checks *rc, const sl_check *c, int64_t *out, size_t runs)
{
    double v[64];
    int got = 0;
    sl_error err = {0};
    if (sl_state_rows_history(rc->run->state, rc->run->pipeline->name, rc->node, c->name, (int)runs, v, &got, &err) < 0)
        return 0;
    for (int i = 0; i < got; i++)
        out[i] = (int64_t)v[i];
    return (size_t)got;
}

static void set_error(cstate *s, const char *node, const char *msg)
{
    sl_check_result *r = &s->res;
    sl_check_judge(s->c, node, 0, -1, -1, r);
    snprintf(r->node, sizeof r->node, "%s", node);
    snprintf(r->check, sizeof r->check, "%s", s->c->name);
    r->kind = sl_check_kind_name(s->c->kind);
    snprintf(r->status, sizeof r->status, "error");
    snprintf(r->severity, sizeof r->severity, "%s", s->c->severity == SL_SEVERITY_WARN ? "warn" : "error");
    r->has_observed = 0;
    snprintf(r->message, sizeof r->message, "%s", msg);
    s->judged = 1;
}

static int type_matches(const char *want, sl_type have)
{
    sl_type t;
    if (sl_type_parse(want, &t) == 0)
        return t == have;
    return strcasecmp(want, sl_type_name(have)) == 0;
}

void sl_run_checks_end(sl_run_checks *rc, const sl_run_counts *counts, int64_t sink_rows, int partial)
{
    if (!rc || rc->ended)
        return;
    rc->ended = 1;
    const char *note = partial ? " (the run stopped early: partial rows)"
                       : rc->skipped ? " (resumed run: only the rows this run loaded)" : "";
    for (size_t i = 0; i < rc->n; i++) {
        cstate *s = &rc->v[i];
        const sl_check *c = s->c;
        if (!s->stream)
            continue;
        sl_check_result *r = &s->res;
        if (s->errored) {
            set_error(s, rc->node, s->errmsg);
            continue;
        }
        double t0 = now_s();
        char detail[400] = "";
        double observed = 0;
        int64_t failures = -1, rows = s->rows;
        int aggregate = 1;
        switch (c->kind) {
        case SL_CHECK_UNIQUE:
        case SL_CHECK_DUPLICATE_RATE: {
            char sql[128];
            snprintf(sql, sizeof sql, "SELECT coalesce(sum(n), 0), count(*) FROM k%zu WHERE n > 1", i);
            int64_t dup_rows = 0, dup_keys = 0, keyed = 0, distinct = 0;
            sqlite3_stmt *st;
            if (sqlite3_prepare_v2(rc->keys, sql, -1, &st, NULL) == SQLITE_OK) {
                if (sqlite3_step(st) == SQLITE_ROW) {
                    dup_rows = sqlite3_column_int64(st, 0);
                    dup_keys = sqlite3_column_int64(st, 1);
                }
                sqlite3_finalize(st);
            }
            snprintf(sql, sizeof sql, "SELECT coalesce(sum(n), 0), count(*) FROM k%zu", i);
            if (sqlite3_prepare_v2(rc->keys, sql, -1, &st, NULL) == SQLITE_OK) {
                if (sqlite3_step(st) == SQLITE_ROW) {
                    keyed = sqlite3_column_int64(st, 0);
                    distinct = sqlite3_column_int64(st, 1);
                }
                sqlite3_finalize(st);
            }
            if (c->kind == SL_CHECK_UNIQUE) {
                /* quarantined duplicates never loaded: the failing rows are them */
                failures = s->quarantine ? s->quarantined : dup_rows;
                observed = (double)failures;
                aggregate = 0;
                snprintf(detail, sizeof detail, "%lld key%s occur more than once", (long long)dup_keys,
                         dup_keys == 1 ? "" : "s");
            } else {
                observed = rows ? (double)(keyed - distinct) / (double)rows : 0;
                snprintf(detail, sizeof detail, "%lld duplicate row%s of %lld", (long long)(keyed - distinct),
                         keyed - distinct == 1 ? "" : "s", (long long)rows);
            }
            break;
        }
        case SL_CHECK_NULL_RATE:
            observed = rows ? (double)s->nulls / (double)rows : 0;
            snprintf(detail, sizeof detail, "%lld null%s in %lld rows", (long long)s->nulls, s->nulls == 1 ? "" : "s",
                     (long long)rows);
            break;
        case SL_CHECK_REQUIRED_COLUMNS:
        case SL_CHECK_SCHEMA: {
            if (rc->ncols == 0) { /* no batch reached the sinks (no new file): no columns to judge */
                observed = NAN;
                rows = -1;
                snprintf(detail, sizeof detail, "no rows reached the sinks in this run: nothing to compare");
                break;
            }
            size_t want = c->kind == SL_CHECK_SCHEMA ? c->nschema : c->ncolumns;
            int bad = 0;
            size_t dl = 0;
            for (size_t k = 0; k < want; k++) {
                const char *name = c->kind == SL_CHECK_SCHEMA ? c->schema_names[k] : c->columns[k];
                size_t at = 0;
                while (at < rc->ncols && strcasecmp(rc->cols[at].name, name) != 0)
                    at++;
                if (at == rc->ncols) {
                    bad++;
                    dl += (size_t)snprintf(detail + dl, dl < sizeof detail ? sizeof detail - dl : 0, "%s%s missing",
                                           dl ? "; " : "", name);
                } else if (c->kind == SL_CHECK_SCHEMA && !type_matches(c->schema_types[k], rc->cols[at].type)) {
                    bad++;
                    dl += (size_t)snprintf(detail + dl, dl < sizeof detail ? sizeof detail - dl : 0,
                                           "%s%s is %s, expected %s", dl ? "; " : "", name,
                                           sl_type_name(rc->cols[at].type), c->schema_types[k]);
                }
                if (dl >= sizeof detail)
                    dl = sizeof detail - 1;
            }
            if (c->kind == SL_CHECK_SCHEMA && c->exact)
                for (size_t at = 0; at < rc->ncols; at++) {
                    size_t k = 0;
                    while (k < c->nschema && strcasecmp(rc->cols[at].name, c->schema_names[k]) != 0)
                        k++;
                    if (k < c->nschema)
                        continue;
                    bad++;
                    dl += (size_t)snprintf(detail + dl, dl < sizeof detail ? sizeof detail - dl : 0,
                                           "%s%s not expected", dl ? "; " : "", rc->cols[at].name);
                    if (dl >= sizeof detail)
                        dl = sizeof detail - 1;
                }
            observed = bad;
            rows = -1;
            break;
        }
        case SL_CHECK_ROW_COUNT:
            observed = (double)counts->loaded;
            rows = counts->loaded;
            break;
        case SL_CHECK_ROW_COUNT_CHANGE: {
            int64_t past[64];
            size_t want = c->against && strcmp(c->against, "mean") == 0 ? (size_t)(c->runs > 0 ? c->runs : 7) : 1;
            if (want > 64)
                want = 64;
            size_t n = history(rc, c, past, want);
            rows = counts->loaded;
            if (n == 0) {
                sl_check_judge(c, rc->node, 0, -1, rows, r);
                snprintf(r->message, sizeof r->message, "no earlier successful run to compare with (%lld rows)%s",
                         (long long)rows, note);
                r->duration_s = now_s() - t0;
                s->judged = 1;
                continue;
            }
            double base = 0;
            for (size_t k = 0; k < n; k++)
                base += (double)past[k];
            base /= (double)n;
            observed = base > 0 ? fabs((double)rows - base) / base : rows > 0 ? 1.0 : 0.0;
            snprintf(detail, sizeof detail, "%lld rows against %s%.0f", (long long)rows,
                     n > 1 ? "a mean of " : "", base);
            break;
        }
        case SL_CHECK_ROW_COUNT_MATCH: {
            int64_t want = counts->read - counts->filtered - counts->rejected;
            int64_t got = sink_rows >= 0 ? sink_rows : counts->loaded;
            observed = want ? fabs((double)(got - want)) / (double)want : got ? 1.0 : 0.0;
            snprintf(detail, sizeof detail, "the sink took %lld rows; read - filtered - rejected = %lld",
                     (long long)got, (long long)want);
            rows = want;
            break;
        }
        case SL_CHECK_FRESHNESS:
            if (!s->has_max) {
                char m[300];
                snprintf(m, sizeof m, "no %s value in the rows of this run%s", c->columns[0], note);
                set_error(s, rc->node, m);
                continue;
            }
            observed = (double)time(NULL) - (double)s->max_us / 1e6;
            break;
        default:
            /* row-level with a predicate */
            failures = s->failures;
            observed = (double)failures;
            aggregate = 0;
            break;
        }
        sl_check_judge(c, rc->node, observed, failures, rows, r);
        if (detail[0] && strcmp(r->status, "pass") != 0) {
            size_t l = strlen(r->message);
            snprintf(r->message + l, sizeof r->message - l, "%s%s", l ? ": " : "", detail);
        }
        if (aggregate && note[0]) {
            size_t l = strlen(r->message);
            snprintf(r->message + l, sizeof r->message - l, "%s", note);
        }
        if (s->nsample) {
            sl_free(r->sample_json);
            r->sample_json = sl_printf("[%s]", s->sample.data);
        }
        if (s->quarantined) {
            size_t l = strlen(r->message);
            snprintf(r->message + l, sizeof r->message - l, " (%lld row%s quarantined into the DLQ)",
                     (long long)s->quarantined, s->quarantined == 1 ? "" : "s");
        }
        r->duration_s = s->dur + now_s() - t0;
        s->judged = 1;
    }
}

int sl_run_checks_has_warehouse(const sl_run_checks *rc)
{
    return rc && rc->has_warehouse;
}

typedef struct audit_ctx {
    sl_run_checks *rc;
    int staged;
} audit_ctx;

/* text with every "{{ this }}" (spaces optional) replaced by the quoted
 * relation schema.identifier (caller frees). */
static char *with_this(sl_adapter *a, const char *text, const char *schema, const char *identifier)
{
    sl_buf rel, out;
    sl_buf_init(&rel);
    sl_buf_init(&out);
    sl_adapter_relation_sql(a, (sl_relation){schema, identifier}, &rel);
    const char *p = text;
    while (*p) {
        const char *q = p;
        if (q[0] == '{' && q[1] == '{') {
            q += 2;
            while (*q == ' ')
                q++;
            if (strncmp(q, "this", 4) == 0) {
                q += 4;
                while (*q == ' ')
                    q++;
                if (q[0] == '}' && q[1] == '}') {
                    sl_buf_add(&out, rel.data, rel.len);
                    p = q + 2;
                    continue;
                }
            }
        }
        sl_buf_addc(&out, *p++);
    }
    sl_buf_release(&rel);
    if (!out.data)
        sl_buf_adds(&out, "");
    return sl_buf_detach(&out);
}

static int audit_fn(void *ctx, sl_adapter *a, const char *schema, const char *identifier, sl_error *err)
{
    audit_ctx *ac = ctx;
    sl_run_checks *rc = ac->rc;
    (void)err;
    int pg = sl_adapter_is_pg(a);
    for (size_t i = 0; i < rc->n; i++) {
        cstate *s = &rc->v[i];
        if (s->stream || s->judged)
            continue;
        sl_check_target t = {rc->node, schema, identifier, rc->run->state, rc->run->pipeline->name};
        sl_error serr = {0};
        /* PostgreSQL: a check that fails must not abort the sink's transaction */
        if (pg)
            sl_adapter_exec(a, "SAVEPOINT sl_check", &serr);
        double t0 = now_s();
        /* sql: {{ this }} is the relation holding the run's rows (the
         * staging table before publish), quoted as a name */
        sl_check copy = *s->c;
        char *sql = NULL;
        if (copy.kind == SL_CHECK_SQL && copy.sql)
            copy.sql = sql = with_this(a, copy.sql, schema, identifier);
        sl_check_run(a, &copy, &t, &s->res);
        sl_free(sql);
        s->res.duration_s = now_s() - t0;
        if (pg)
            sl_adapter_exec(a, "ROLLBACK TO SAVEPOINT sl_check; RELEASE SAVEPOINT sl_check", &serr);
        if (ac->staged && strcmp(s->res.status, "pass") != 0) {
            size_t l = strlen(s->res.message);
            snprintf(s->res.message + l, sizeof s->res.message - l, " (on the staged rows, before publish)");
        }
        s->judged = 1;
    }
    return 0;
}

int sl_run_checks_audit(sl_run_checks *rc, sl_instance *sink, int staged, sl_error *err)
{
    if (!rc || !rc->has_warehouse)
        return 0;
    audit_ctx ac = {rc, staged};
    int r = -1;
    if (sink && SL_SINK(sink)->audit)
        r = SL_SINK(sink)->audit(sink, staged, audit_fn, &ac, err);
    char msg[400];
    if (!sink || !SL_SINK(sink)->audit)
        snprintf(msg, sizeof msg, "this check reads the warehouse, and the pipeline has no SQL sink (sqlite, postgres)");
    else
        snprintf(msg, sizeof msg, "sink %s: %s", sink->id, r < 0 ? err->msg : "not run");
    for (size_t i = 0; i < rc->n; i++)
        if (!rc->v[i].stream && !rc->v[i].judged)
            set_error(&rc->v[i], rc->node, msg);
    return 0;
}

int sl_run_checks_blocking(const sl_run_checks *rc, sl_error *err)
{
    if (!rc)
        return 0;
    const cstate *first = NULL;
    size_t more = 0;
    for (size_t i = 0; i < rc->n; i++) {
        const cstate *s = &rc->v[i];
        if (!s->judged || s->c->severity != SL_SEVERITY_ERROR ||
            sl_check_effective_on_fail(s->c) != SL_ON_FAIL_FAIL)
            continue;
        if (strcmp(s->res.status, "fail") != 0 && strcmp(s->res.status, "error") != 0)
            continue;
        if (!first)
            first = s;
        else
            more++;
    }
    if (!first)
        return 0;
    char extra[64] = "";
    if (more)
        snprintf(extra, sizeof extra, " (and %zu more failing check%s)", more, more == 1 ? "" : "s");
    sl_error_set(err, SL_EDATA, "check %s failed: %s%s", first->c->name, first->res.message, extra);
    return 1;
}

/* The judged results, in the pipeline's order (heap array of copies that
 * share the samples: do not release them). */
static sl_check_result *judged(const sl_run_checks *rc, size_t *n)
{
    sl_check_result *out = sl_calloc(rc->n + 1, sizeof *out);
    *n = 0;
    for (size_t i = 0; i < rc->n; i++)
        if (rc->v[i].judged)
            out[(*n)++] = rc->v[i].res;
    return out;
}

int sl_run_checks_store(const sl_run_checks *rc, sl_state *s, const char *run_id, sl_error *err)
{
    if (!rc)
        return 0;
    size_t n;
    sl_check_result *v = judged(rc, &n);
    int r = n ? sl_state_check_results_add(s, run_id, v, n, err) : 0;
    sl_free(v);
    return r;
}

void sl_run_checks_summary(const sl_run_checks *rc, char *json, size_t jcap, char *text, size_t tcap)
{
    if (jcap)
        snprintf(json, jcap, "[]");
    if (tcap)
        text[0] = 0;
    if (!rc)
        return;
    sl_buf j, t;
    sl_buf_init(&j);
    sl_buf_init(&t);
    sl_buf_addc(&j, '[');
    int first = 1;
    for (size_t i = 0; i < rc->n; i++) {
        const cstate *s = &rc->v[i];
        if (!s->judged)
            continue;
        const sl_check_result *r = &s->res;
        sl_buf_adds(&j, first ? "{\"check\":" : ",{\"check\":");
        first = 0;
        sl_buf_add_json_str(&j, r->check, strlen(r->check));
        sl_buf_adds(&j, ",\"kind\":");
        sl_buf_add_json_str(&j, r->kind ? r->kind : "", r->kind ? strlen(r->kind) : 0);
        sl_buf_adds(&j, ",\"column\":");
        sl_buf_add_json_str(&j, r->column, strlen(r->column));
        sl_buf_addf(&j, ",\"status\":\"%s\",\"severity\":\"%s\",\"observed\":", r->status, r->severity);
        if (r->has_observed && isfinite(r->observed))
            sl_buf_addf(&j, "%.17g", r->observed);
        else
            sl_buf_adds(&j, "null");
        sl_buf_adds(&j, ",\"threshold\":");
        sl_buf_add_json_str(&j, r->threshold, strlen(r->threshold));
        sl_buf_addf(&j, ",\"failures\":%lld,\"rows\":%lld,\"message\":", (long long)r->failures, (long long)r->rows);
        sl_buf_add_json_str(&j, r->message, strlen(r->message));
        sl_buf_addc(&j, '}');
        if (strcmp(r->status, "pass") != 0) {
            char obs[48] = "none";
            if (r->has_observed)
                snprintf(obs, sizeof obs, "%.6g", r->observed);
            sl_buf_addf(&t, "check %s (%s): %s: %s (observed %s, threshold %s)\n", r->check, r->kind ? r->kind : "?",
                        r->status, r->message, obs, r->threshold[0] ? r->threshold : "-");
        }
    }
    sl_buf_addc(&j, ']');
    if (j.len < jcap)
        memcpy(json, j.data, j.len + 1);
    if (tcap && t.len) {
        size_t n = t.len < tcap ? t.len : tcap - 1;
        memcpy(text, t.data, n);
        text[n] = 0;
    }
    sl_buf_release(&j);
    sl_buf_release(&t);
}
