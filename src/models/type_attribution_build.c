/*
 * type_attribution_build.c: the build of a `type: attribution` model
 * (docs/gtm/attribution.md): touchpoints, conversions and milestones read
 * in one query ordered by entity (SQLite: streamed; PostgreSQL: through a
 * cursor, a batch at a time), one entity's rows in memory at a time,
 * credited by gtm/attribution.c and written through an sl_mtype_table.
 */
#include "core/mem.h"
#include "core/sqlident.h"
#include "models/type_attribution.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const sl_mtype_col out_cols[] = {
    {"conversion_id", SL_MT_TEXT},   {"entity_id", SL_MT_TEXT},     {"converted_at", SL_MT_TIMESTAMP},
    {"conversion_value", SL_MT_REAL}, {"model", SL_MT_TEXT},         {"touch_index", SL_MT_INTEGER},
    {"touch_count", SL_MT_INTEGER},  {"touched_at", SL_MT_TIMESTAMP}, {"channel", SL_MT_TEXT},
    {"campaign", SL_MT_TEXT},        {"cost", SL_MT_REAL},          {"credit", SL_MT_REAL},
    {"revenue", SL_MT_REAL},
};
#define NOUT (sizeof out_cols / sizeof out_cols[0])

/* the row kinds of the query */
enum { K_TOUCH, K_CONV, K_LEAD, K_OPP };

typedef struct conv {
    char *id;
    double t, value, lead_t, opp_t; /* NaN: none */
} conv;

typedef struct attr_run {
    const sl_mtype_build *b;
    const attr_spec *s;
    sl_mtype_table *out;
    sl_error *err;
    int failed;
    /* the current entity's rows */
    char *entity;
    int have_entity;
    sl_attr_touch *touches;
    size_t ntouches, ctouches;
    conv *convs;
    size_t nconvs, cconvs;
    double *ms[2];
    size_t nms[2], cms[2];
    double *credit;
    size_t ccredit;
    /* counts */
    int64_t touches_read, conversions, unattributed, skipped;
    /* PostgreSQL: a fetched batch, replayed after the FETCH returns */
    char **batch;
    size_t nbatch, cbatch;
} attr_run;

static void group_clear(attr_run *r)
{
    for (size_t i = 0; i < r->ntouches; i++) {
        sl_free((char *)r->touches[i].channel);
        sl_free((char *)r->touches[i].campaign);
    }
    for (size_t i = 0; i < r->nconvs; i++)
        sl_free(r->convs[i].id);
    r->ntouches = r->nconvs = r->nms[0] = r->nms[1] = 0;
}

static const char *input_name(const attr_run *r, int kind)
{
    const attr_spec *s = r->s;
    return kind == K_TOUCH ? s->tp[TP_FROM] : kind == K_CONV ? s->cv[CV_FROM] : s->ms[kind - K_LEAD][MS_FROM];
}

static int bad_value(attr_run *r, int kind, const char *column, const char *v, const char *want)
{
    r->failed = 1;
    return sl_error_set(r->err, SL_EDATA, "model %s: %s (%s): column %s holds '%.80s' (entity '%.80s'), not %s",
                        r->b->n->name, kind == K_TOUCH ? "touchpoints" : kind == K_CONV ? "conversions" : "milestones",
                        input_name(r, kind), column, v, r->entity ? r->entity : "", want);
}

static int read_time(attr_run *r, int kind, const char *column, const char *v, double *out)
{
    if (!v) {
        *out = NAN;
        return 0;
    }
    if (sl_attr_parse_time(v, out) < 0)
        return bad_value(r, kind, column, v, "a time (YYYY-MM-DD[ HH:MM:SS][+HH:MM])");
    return 0;
}

static int read_number(attr_run *r, int kind, const char *column, const char *v, double *out)
{
    *out = NAN;
    if (!v)
        return 0;
    char *end;
    double x = strtod(v, &end);
    while (*end == ' ')
        end++;
    if (end == v || *end || !isfinite(x))
        return bad_value(r, kind, column, v, "a number");
    *out = x;
    return 0;
}

static int conv_cmp(const void *pa, const void *pb)
{
    const conv *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    if (!a->id || !b->id)
        return (a->id != NULL) - (b->id != NULL);
    return strcmp(a->id, b->id);
}

static void fmt_num(char *buf, size_t cap, double x)
{
    snprintf(buf, cap, "%.17g", x);
}

/* The rows of one conversion and model. */
static int emit(attr_run *r, const conv *c, int model, const sl_attr_touch *w, size_t n)
{
    char conv_at[32], value[40], idx[24], cnt[24], at[32], cost[40], credit[40], revenue[40];
    sl_attr_format_time(c->t, conv_at, sizeof conv_at);
    if (!isnan(c->value))
        fmt_num(value, sizeof value, c->value);
    snprintf(cnt, sizeof cnt, "%zu", n);
    const char *cells[NOUT] = {c->id, r->entity, conv_at, isnan(c->value) ? NULL : value, sl_attr_model_name(model),
                               idx, cnt, NULL, NULL, NULL, NULL, credit, NULL};
    if (n == 0) {
        snprintf(idx, sizeof idx, "0");
        cells[8] = "(none)";
        snprintf(credit, sizeof credit, "1");
        cells[12] = cells[3];
        return sl_mtype_table_row(r->out, cells, r->err);
    }
    if (sl_attr_credit(model, &r->s->params, w, n, c->t, c->lead_t, c->opp_t, r->credit) < 0)
        return sl_error_set(r->err, SL_EINTERNAL, "model %s: no credits for model %d", r->b->n->name, model);
    for (size_t i = 0; i < n; i++) {
        if (!(r->credit[i] > 0))
            continue;
        snprintf(idx, sizeof idx, "%zu", i + 1);
        sl_attr_format_time(w[i].t, at, sizeof at);
        cells[7] = at;
        cells[8] = w[i].channel;
        cells[9] = w[i].campaign;
        cells[10] = NULL;
        if (!isnan(w[i].cost)) {
            fmt_num(cost, sizeof cost, w[i].cost);
            cells[10] = cost;
        }
        fmt_num(credit, sizeof credit, r->credit[i]);
        cells[12] = NULL;
        if (!isnan(c->value)) {
            fmt_num(revenue, sizeof revenue, r->credit[i] * c->value);
            cells[12] = revenue;
        }
        if (sl_mtype_table_row(r->out, cells, r->err) < 0)
            return -1;
    }
    return 0;
}

/* earliest (first = 1) or latest milestone at or before t; NaN if none */
static double milestone(const double *v, size_t n, double t, int first)
{
    double best = NAN;
    for (size_t i = 0; i < n; i++)
        if (v[i] <= t && (isnan(best) || (first ? v[i] < best : v[i] > best)))
            best = v[i];
    return best;
}

/* Credit every conversion of the current entity. */
static int group_flush(attr_run *r)
{
    const attr_spec *s = r->s;
    sl_attr_sort(r->touches, r->ntouches);
    if (r->nconvs > 1)
        qsort(r->convs, r->nconvs, sizeof *r->convs, conv_cmp);
    SL_GROW(r->credit, r->ccredit, r->ntouches + 1);
    for (size_t k = 0; k < r->nconvs; k++) {
        conv *c = &r->convs[k];
        size_t lo, hi;
        sl_attr_window(r->touches, r->ntouches, c->t, s->lookback_s, &lo, &hi);
        if (!s->ms[0][MS_COLUMN])
            c->lead_t = milestone(r->ms[0], r->nms[0], c->t, 1);
        if (!s->ms[1][MS_COLUMN])
            c->opp_t = milestone(r->ms[1], r->nms[1], c->t, 0);
        r->conversions++;
        r->unattributed += hi == lo;
        for (size_t m = 0; m < s->nmodels; m++)
            if (emit(r, c, s->models[m], r->touches + lo, hi - lo) < 0) {
                r->failed = 1;
                return -1;
            }
    }
    group_clear(r);
    return 0;
}

static int same(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* One row of the query: k, e, t, a, b, c, d (see the query). */
static int feed(attr_run *r, const char *const *cell)
{
    int kind = cell[0] ? atoi(cell[0]) : -1;
    const char *e = cell[1];
    if (!r->have_entity || !same(r->entity, e)) {
        if (r->have_entity && group_flush(r) < 0)
            return -1;
        sl_free(r->entity);
        r->entity = e ? sl_strdup(e) : NULL;
        r->have_entity = 1;
    }
    const attr_spec *s = r->s;
    if (kind == K_TOUCH) {
        sl_attr_touch t = {0, NULL, NULL, NAN};
        if (read_time(r, kind, s->tp[TP_TIME], cell[2], &t.t) < 0 ||
            read_number(r, kind, s->tp[TP_COST], cell[5], &t.cost) < 0)
            return -1;
        t.channel = cell[3] ? sl_strdup(cell[3]) : NULL;
        t.campaign = cell[4] ? sl_strdup(cell[4]) : NULL;
        SL_GROW(r->touches, r->ctouches, r->ntouches + 1);
        r->touches[r->ntouches++] = t;
        r->touches_read++;
    } else if (kind == K_CONV) {
        conv c = {NULL, NAN, NAN, NAN, NAN};
        if (read_time(r, kind, s->cv[CV_TIME], cell[2], &c.t) < 0 ||
            read_number(r, kind, s->cv[CV_VALUE], cell[4], &c.value) < 0 ||
            read_time(r, kind, s->ms[0][MS_COLUMN], cell[5], &c.lead_t) < 0 ||
            read_time(r, kind, s->ms[1][MS_COLUMN], cell[6], &c.opp_t) < 0)
            return -1;
        if (!e || isnan(c.t)) {
            r->skipped++;
            return 0;
        }
        c.id = cell[3] ? sl_strdup(cell[3]) : NULL;
        SL_GROW(r->convs, r->cconvs, r->nconvs + 1);
        r->convs[r->nconvs++] = c;
    } else if (kind == K_LEAD || kind == K_OPP) {
        int m = kind - K_LEAD;
        double t;
        if (read_time(r, kind, s->ms[m][MS_TIME], cell[2], &t) < 0)
            return -1;
        SL_GROW(r->ms[m], r->cms[m], r->nms[m] + 1);
        r->ms[m][r->nms[m]++] = t;
    }
    return 0;
}

static int on_row(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    attr_run *r = ctx;
    (void)names;
    if (ncols != 7)
        return 1;
    return feed(r, cells) < 0;
}

#define NCELL 7
static int on_batch_row(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    attr_run *r = ctx;
    (void)names;
    if (ncols != NCELL)
        return 1;
    SL_GROW(r->batch, r->cbatch, (r->nbatch + 1) * NCELL);
    for (size_t i = 0; i < NCELL; i++)
        r->batch[r->nbatch * NCELL + i] = cells[i] ? sl_strdup(cells[i]) : NULL;
    r->nbatch++;
    return 0;
}

/* Check that rel has every column of cols[1..] (names[i] the spec key). */
static int check_columns(const sl_mtype_build *b, const char *what, const char *from, sl_relation rel,
                         const char *const *keys, char *const *cols, int n, sl_error *err)
{
    sl_adapter_column *have = NULL;
    size_t nhave = 0;
    if (sl_adapter_columns(b->a, rel, &have, &nhave, err) < 0)
        return -1;
    int pg = sl_adapter_is_pg(b->a), rc = 0;
    if (nhave == 0)
        rc = sl_error_set(err, SL_ECONFIG, "model %s: %s: '%s' does not exist in the warehouse (build it first)",
                          b->n->name, what, from);
    for (int i = 1; rc == 0 && i < n; i++) {
        if (!cols[i])
            continue;
        int found = 0;
        for (size_t j = 0; j < nhave && !found; j++)
            found = pg ? strcmp(have[j].name, cols[i]) == 0 : strcasecmp(have[j].name, cols[i]) == 0;
        if (found)
            continue;
        const char **names = sl_calloc(nhave + 1, sizeof *names);
        sl_buf list;
        sl_buf_init(&list);
        for (size_t j = 0; j < nhave; j++) {
            names[j] = have[j].name;
            sl_buf_addf(&list, "%s%s", j ? ", " : "", have[j].name);
        }
        const char *sug = sl_suggest(cols[i], names, nhave);
        rc = sl_error_set(err, SL_ECONFIG, "model %s: %s.%s: '%s' has no column '%s'%s%s%s (columns: %s)", b->n->name,
                          what, keys[i], from, cols[i], sug ? "; did you mean '" : "", sug ? sug : "",
                          sug ? "'?" : "", list.data ? list.data : "");
        sl_buf_release(&list);
        sl_free(names);
    }
    sl_adapter_columns_free(have, nhave);
    return rc;
}

/* CAST(col AS TEXT), or NULL text when col is NULL */
static void text_col(sl_buf *q, const char *col)
{
    sl_buf_adds(q, "CAST(");
    if (col)
        sl_sql_ident(q, col);
    else
        sl_buf_adds(q, "NULL");
    sl_buf_adds(q, " AS TEXT)");
}

static void select_part(const sl_mtype_build *b, sl_buf *q, int kind, sl_relation rel, const char *const *c7,
                        const char *entity, const char *time)
{
    if (kind != K_TOUCH)
        sl_buf_adds(q, " UNION ALL ");
    sl_buf_addf(q, "SELECT %d AS k", kind);
    static const char *const alias[] = {"e", "t", "a", "b", "c", "d"};
    for (int i = 0; i < 6; i++) {
        sl_buf_adds(q, ", ");
        text_col(q, c7[i]);
        sl_buf_addf(q, " AS %s", alias[i]);
    }
    sl_buf_adds(q, " FROM ");
    sl_mtype_relation_sql(b, rel, q);
    if (kind != K_CONV) {
        sl_buf_adds(q, " WHERE ");
        sl_sql_ident(q, entity);
        sl_buf_adds(q, " IS NOT NULL AND ");
        sl_sql_ident(q, time);
        sl_buf_adds(q, " IS NOT NULL");
    }
}

static int attr_query(const sl_mtype_build *b, const attr_spec *s, sl_buf *q, sl_error *err)
{
    sl_relation rel;
    if (sl_mtype_relation(b, s->tp[TP_FROM], &rel, err) < 0 ||
        check_columns(b, "touchpoints", s->tp[TP_FROM], rel, sl_attr_tp_keys, s->tp, TP_N, err) < 0)
        return -1;
    const char *tc[6] = {s->tp[TP_ENTITY], s->tp[TP_TIME], s->tp[TP_CHANNEL], s->tp[TP_CAMPAIGN], s->tp[TP_COST], NULL};
    sl_buf_adds(q, "SELECT k, e, t, a, b, c, d FROM (");
    select_part(b, q, K_TOUCH, rel, tc, s->tp[TP_ENTITY], s->tp[TP_TIME]);
    if (sl_mtype_relation(b, s->cv[CV_FROM], &rel, err) < 0 ||
        check_columns(b, "conversions", s->cv[CV_FROM], rel, sl_attr_cv_keys, s->cv, CV_N, err) < 0)
        return -1;
    for (int m = 0; m < 2; m++)
        if (s->ms[m][MS_COLUMN]) {
            const char *k[] = {"", m ? "milestones.opportunity_created.column" : "milestones.lead_created.column"};
            char *c[] = {NULL, s->ms[m][MS_COLUMN]};
            if (check_columns(b, "conversions", s->cv[CV_FROM], rel, k, c, 2, err) < 0)
                return -1;
        }
    const char *cc[6] = {s->cv[CV_ENTITY], s->cv[CV_TIME], s->cv[CV_ID], s->cv[CV_VALUE], s->ms[0][MS_COLUMN],
                         s->ms[1][MS_COLUMN]};
    select_part(b, q, K_CONV, rel, cc, NULL, NULL);
    for (int m = 0; m < 2; m++) {
        if (!s->ms[m][MS_FROM])
            continue;
        const char *what = m ? "milestones.opportunity_created" : "milestones.lead_created";
        if (sl_mtype_relation(b, s->ms[m][MS_FROM], &rel, err) < 0 ||
            check_columns(b, what, s->ms[m][MS_FROM], rel, sl_attr_ms_keys, s->ms[m], MS_COLUMN, err) < 0)
            return -1;
        const char *mc[6] = {s->ms[m][MS_ENTITY], s->ms[m][MS_TIME], NULL, NULL, NULL, NULL};
        select_part(b, q, m ? K_OPP : K_LEAD, rel, mc, s->ms[m][MS_ENTITY], s->ms[m][MS_TIME]);
    }
    sl_buf_adds(q, ") AS u ORDER BY e");
    return 0;
}

/* PostgreSQL: through a cursor, a batch at a time (the rows of a batch are
 * replayed after its FETCH, so the output's inserts never run while a
 * result is being read). */
#define FETCH_ROWS 10000
static int read_pg(attr_run *r, const char *sql, sl_error *err)
{
    sl_buf d;
    sl_buf_init(&d);
    sl_buf_addf(&d, "DECLARE sluice_attribution NO SCROLL CURSOR FOR %s", sql);
    int rc = sl_adapter_exec(r->b->a, d.data, err);
    sl_buf_release(&d);
    char fetch[64];
    snprintf(fetch, sizeof fetch, "FETCH FORWARD %d FROM sluice_attribution", FETCH_ROWS);
    while (rc == 0) {
        r->nbatch = 0;
        rc = sl_adapter_query(r->b->a, fetch, 0, on_batch_row, r, err);
        size_t got = r->nbatch;
        for (size_t i = 0; i < got; i++) {
            char **cells = r->batch + i * NCELL;
            if (rc == 0 && !r->failed && feed(r, (const char *const *)cells) < 0)
                rc = -1;
            for (size_t j = 0; j < NCELL; j++)
                sl_free(cells[j]);
        }
        r->nbatch = 0;
        if (got == 0)
            break;
    }
    if (rc == 0)
        rc = sl_adapter_exec(r->b->a, "CLOSE sluice_attribution", err);
    return rc;
}

int sl_mtype_attribution_build(const sl_mtype_build *b, sl_mat_result *res, sl_error *err)
{
    const attr_spec *s = b->spec;
    sl_buf q;
    sl_buf_init(&q);
    attr_run r = {0};
    r.b = b;
    r.s = s;
    r.err = err;
    int rc = attr_query(b, s, &q, err);
    if (rc == 0)
        rc = sl_mtype_table_open(b, sl_mtype_self(b), out_cols, NOUT, &r.out, err);
    if (rc == 0) {
        if (sl_adapter_is_pg(b->a))
            rc = read_pg(&r, q.data, err);
        else
            rc = sl_adapter_query(b->a, q.data, 0, on_row, &r, err);
    }
    if (rc == 0 && r.failed)
        rc = -1;
    if (rc == 0 && r.have_entity)
        rc = group_flush(&r);
    if (rc == 0 && b->audit && b->audit->fn) {
        rc = sl_mtype_table_flush(r.out, err);
        if (rc == 0)
            rc = b->audit->fn(b->audit->ctx, b->a, sl_mtype_table_staged(r.out), err);
    }
    int64_t rows = 0;
    if (rc == 0) {
        rc = sl_mtype_table_publish(r.out, &rows, err);
        r.out = NULL;
    }
    if (rc == 0) {
        res->rows_affected = rows;
        snprintf(res->message, sizeof res->message,
                 "ATTRIBUTION %lld conversions (%lld without a touch, %lld skipped), %lld touchpoints",
                 (long long)r.conversions, (long long)r.unattributed, (long long)r.skipped,
                 (long long)r.touches_read);
    }
    sl_mtype_table_free(r.out);
    group_clear(&r);
    sl_free(r.entity);
    sl_free(r.touches);
    sl_free(r.convs);
    sl_free(r.ms[0]);
    sl_free(r.ms[1]);
    sl_free(r.credit);
    sl_free(r.batch);
    sl_buf_release(&q);
    return rc;
}

