/* quality_checks.c: check results in the state store (quality_store.h),
 * one row per check per run in check_results. The SQL is written once, in
 * the subset SQLite and PostgreSQL share (statedb.h), like state.c. The
 * failing-row sample is kept as JSON text and handed back as JSON (an
 * array), never as a string holding JSON. */
#include "core/mem.h"
#include "state/quality_store.h"
#include "state/state_int.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUN sl_state_sql

/* The node filter of every query here: a unique id, or the name after its
 * last dot (the way `sluice history --node` and node_results match). */
#define NODE_MATCH(col, p)                                                                                  \
    "(CAST(" p " AS TEXT) IS NULL OR " col " = " p " OR substr(" col ", length(" col ") - length(CAST(" p  \
    " AS TEXT))) = '.' || " p ")"

static void got_seq(void *ctx, int n, const char *const *vals)
{
    if (n >= 1 && vals[0])
        *(int64_t *)ctx = strtoll(vals[0], NULL, 10);
}

/* A number as the text both stores take, or NULL (none, NaN, infinite). */
static const char *num_text(char buf[40], int has, double v)
{
    if (!has || !isfinite(v))
        return NULL;
    snprintf(buf, 40, "%.17g", v);
    return buf;
}

static const char *int_text(char buf[24], int64_t v)
{
    if (v < 0)
        return NULL;
    snprintf(buf, 24, "%lld", (long long)v);
    return buf;
}

/* A sample is kept only when it is a JSON array (what the checks make). */
static const char *sample_text(const char *s)
{
    if (!s)
        return NULL;
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
        s++;
    return *s == '[' ? s : NULL;
}

static int add_one(sl_state *s, const char *run_id, const sl_check_result *r, const char *now, sl_error *err)
{
    char obs[40], fail[24], rows[24], dur[40], seqt[24];
    int64_t seq = -1;
    /* 12 parameters at most per statement (state.c): the row, then its text */
    int rc = RUN(s, err, got_seq, &seq,
                 "INSERT INTO check_results (run_id, node, check_name, kind, column_name, status, severity, observed,"
                 " threshold, failures, rows_checked, checked_at) VALUES ($1, $2, $3, $4, $5, $6, $7,"
                 " CAST($8 AS DOUBLE PRECISION), $9, CAST($10 AS BIGINT), CAST($11 AS BIGINT), $12) RETURNING seq",
                 "sssssssssss" "s", run_id, r->node, r->check, r->kind ? r->kind : "?",
                 r->column[0] ? r->column : NULL, r->status[0] ? r->status : "error",
                 r->severity[0] ? r->severity : "error", num_text(obs, r->has_observed, r->observed),
                 r->threshold[0] ? r->threshold : NULL, int_text(fail, r->failures), int_text(rows, r->rows), now);
    if (rc == 0 && seq < 0) {
        sl_error_set(err, SL_EIO, "check result of %s/%s: the store gave no row id", r->node, r->check);
        return -1;
    }
    if (rc == 0)
        rc = RUN(s, err, NULL, NULL,
                 "UPDATE check_results SET message = $1, sample = $2, duration_s = CAST($3 AS DOUBLE PRECISION)"
                 " WHERE seq = CAST($4 AS BIGINT)",
                 "uuss", r->message[0] ? r->message : NULL, sample_text(r->sample_json),
                 num_text(dur, 1, r->duration_s), int_text(seqt, seq));
    return rc;
}

int sl_state_check_results_add(sl_state *s, const char *run_id, const sl_check_result *r, size_t n, sl_error *err)
{
    if (n == 0)
        return 0;
    char now[40];
    sl_time_format_now(now, sizeof now);
    pthread_mutex_lock(&s->lock);
    int rc = RUN(s, err, NULL, NULL, s->ops->begin_sql, NULL);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = add_one(s, run_id, &r[i], now, err);
    if (rc == 0)
        rc = RUN(s, err, NULL, NULL, "COMMIT", NULL);
    if (rc < 0) {
        sl_error ignored;
        RUN(s, &ignored, NULL, NULL, "ROLLBACK", NULL);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

#define RESULT_COLUMNS                                                                                        \
    "c.run_id, c.node, c.check_name, c.kind, c.column_name, c.status, c.severity, c.observed, c.threshold,"     \
    " c.failures, c.rows_checked, c.message, c.sample, c.checked_at, ROUND(CAST(c.duration_s AS NUMERIC), 3)"
#define RESULT_SPEC                                                                                           \
    "run_id:s,node:s,check:s,kind:s,column:s,status:s,severity:s,observed:n,threshold:s,failures:n,rows:n,"    \
    "message:s,sample:j,checked_at:s,duration_s:n"
/* the latest result of each (node, check) */
#define LATEST_SEQ "SELECT MAX(seq) FROM check_results GROUP BY node, check_name"

/* A row of RESULT_COLUMNS to JSON: a whole observed value shows the same
 * from both stores ("2", where SQLite's REAL says "2.0"). */
static void result_row(void *ctx, int n, const char *const *vals)
{
    char obs[64];
    const char *v[16];
    for (int i = 0; i < n && i < 16; i++)
        v[i] = vals[i];
    if (n > 7 && vals[7]) {
        size_t len = strlen(vals[7]);
        if (len > 2 && len < sizeof obs && strcmp(vals[7] + len - 2, ".0") == 0) {
            memcpy(obs, vals[7], len - 2);
            obs[len - 2] = 0;
            v[7] = obs;
        }
    }
    sl_state_json_row(ctx, n < 16 ? n : 16, v);
}

int sl_state_check_results_json(sl_state *s, const char *run_id, const char *node, const char *status, int latest,
                                int limit, sl_buf *out, sl_error *err)
{
    sl_buf q;
    sl_buf_init(&q);
    sl_buf_adds(&q, "SELECT " RESULT_COLUMNS " FROM check_results c WHERE (CAST($1 AS TEXT) IS NULL OR c.run_id = $1)"
                    " AND " NODE_MATCH("c.node", "$2") " AND (CAST($3 AS TEXT) IS NULL OR c.status = $3)");
    if (latest)
        sl_buf_adds(&q, " AND c.seq IN (" LATEST_SEQ ")");
    sl_buf_adds(&q, " ORDER BY c.seq DESC");
    if (limit > 0)
        sl_buf_addf(&q, " LIMIT %d", limit);
    sl_state_json_ctx j = {out, RESULT_SPEC, 0};
    sl_buf_addc(out, '[');
    pthread_mutex_lock(&s->lock);
    int rc = RUN(s, err, result_row, &j, q.data, "sss", run_id, node, status);
    pthread_mutex_unlock(&s->lock);
    sl_buf_addc(out, ']');
    sl_buf_release(&q);
    return rc;
}

typedef struct latest_ctx {
    void (*fn)(void *ctx, const sl_check_latest *c);
    void *ctx;
} latest_ctx;

static void latest_fn(void *ctx, int n, const char *const *v)
{
    latest_ctx *l = ctx;
    if (n < 8)
        return;
    sl_check_latest c;
    c.node = v[0] ? v[0] : "";
    c.check = v[1] ? v[1] : "";
    c.kind = v[2] ? v[2] : "";
    c.status = v[3] ? v[3] : "";
    c.severity = v[4] ? v[4] : "";
    c.failures = v[5] ? strtoll(v[5], NULL, 10) : -1;
    c.observed = v[6] ? strtod(v[6], NULL) : NAN;
    c.failed_total = v[7] ? strtoll(v[7], NULL, 10) : 0;
    l->fn(l->ctx, &c);
}

int sl_state_check_latest_each(sl_state *s, void (*fn)(void *ctx, const sl_check_latest *c), void *ctx,
                               sl_error *err)
{
    latest_ctx l = {fn, ctx};
    pthread_mutex_lock(&s->lock);
    int rc = RUN(s, err, latest_fn, &l,
                 "SELECT c.node, c.check_name, c.kind, c.status, c.severity, c.failures, c.observed, t.failed"
                 " FROM check_results c JOIN (SELECT node, check_name, MAX(seq) AS last,"
                 " SUM(CASE WHEN status IN ('fail', 'error') THEN 1 ELSE 0 END) AS failed"
                 " FROM check_results GROUP BY node, check_name) t ON t.last = c.seq"
                 " ORDER BY c.node, c.check_name",
                 NULL);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

typedef struct failures_ctx {
    void (*fn)(void *ctx, const char *node, const char *check, int64_t count, const char *message);
    void *ctx;
} failures_ctx;

static void failures_fn(void *ctx, int n, const char *const *v)
{
    failures_ctx *f = ctx;
    if (n >= 4)
        f->fn(f->ctx, v[0] ? v[0] : "", v[1] ? v[1] : "", v[2] ? strtoll(v[2], NULL, 10) : 0, v[3]);
}

int sl_state_check_failures_since(sl_state *s, const char *since,
                                  void (*fn)(void *ctx, const char *node, const char *check, int64_t count,
                                             const char *message),
                                  void *ctx, sl_error *err)
{
    failures_ctx f = {fn, ctx};
    pthread_mutex_lock(&s->lock);
    int rc = RUN(s, err, failures_fn, &f,
                 "SELECT t.node, t.check_name, t.n, c.message FROM (SELECT node, check_name, COUNT(*) AS n,"
                 " MAX(seq) AS last FROM check_results WHERE status IN ('fail', 'error')"
                 " AND (CAST($1 AS TEXT) IS NULL OR checked_at >= $1) GROUP BY node, check_name) t"
                 " JOIN check_results c ON c.seq = t.last ORDER BY t.node, t.check_name",
                 "s", since);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

typedef struct each_ctx {
    void (*fn)(void *ctx, const sl_check_result *r);
    void *ctx;
} each_ctx;

static void each_fn(void *ctx, int n, const char *const *v)
{
    each_ctx *e = ctx;
    if (n < 12)
        return;
    sl_check_result r;
    memset(&r, 0, sizeof r);
    snprintf(r.node, sizeof r.node, "%s", v[0] ? v[0] : "");
    snprintf(r.check, sizeof r.check, "%s", v[1] ? v[1] : "");
    int k = sl_check_kind_find(v[2] ? v[2] : "");
    r.kind = k >= 0 ? sl_check_kind_name((sl_check_kind)k) : "?"; /* static, as the struct says */
    snprintf(r.column, sizeof r.column, "%s", v[3] ? v[3] : "");
    snprintf(r.status, sizeof r.status, "%s", v[4] ? v[4] : "");
    snprintf(r.severity, sizeof r.severity, "%s", v[5] ? v[5] : "");
    r.has_observed = v[6] != NULL;
    r.observed = v[6] ? strtod(v[6], NULL) : NAN;
    snprintf(r.threshold, sizeof r.threshold, "%s", v[7] ? v[7] : "");
    r.failures = v[8] ? strtoll(v[8], NULL, 10) : -1;
    r.rows = v[9] ? strtoll(v[9], NULL, 10) : -1;
    snprintf(r.message, sizeof r.message, "%s", v[10] ? v[10] : "");
    r.sample_json = (char *)v[11];
    r.duration_s = n > 12 && v[12] ? strtod(v[12], NULL) : 0;
    e->fn(e->ctx, &r);
}

int sl_state_check_results_each(sl_state *s, const char *run_id, void (*fn)(void *ctx, const sl_check_result *r),
                                void *ctx, sl_error *err)
{
    each_ctx e = {fn, ctx};
    pthread_mutex_lock(&s->lock);
    int rc = RUN(s, err, each_fn, &e,
                 "SELECT node, check_name, kind, column_name, status, severity, observed, threshold, failures,"
                 " rows_checked, message, sample, duration_s FROM check_results WHERE run_id = $1 ORDER BY seq",
                 "s", run_id);
    pthread_mutex_unlock(&s->lock);
    return rc;
}
