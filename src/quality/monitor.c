/*
 * monitor.c: the automatic monitors of quality/monitor.h
 * (docs/quality/monitors.md). After a run: a volume point (rows loaded),
 * a rejected-rate point (rejected / read), a null-rate point per column of
 * the run's profile and a schema point (changes made by the run, or for a
 * model the columns and types against its previous profile), each judged
 * by quality/anomaly.h against its own series and stored with its band;
 * anomalies and schema changes become incidents (sched/incidents.h).
 * Freshness: the age of every pipeline's and model's last success against
 * warn_after / error_after, or against its schedule.
 */
#include "config/project.h"
#include "core/log.h"
#include "core/mem.h"
#include "quality/check_int.h"
#include "quality/monitor.h"
#include "sched/incidents.h"
#include "sched/schedule.h"
#include "state/quality_store.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_FACTOR 4     /* series read: window x 4 points (weekly seasonality looks further back) */
#define COUNT_FLOOR 1.0      /* volume: bands at least +-1 row per sigma */
#define RATE_FLOOR 0.005     /* rates: at least +-0.5 percentage point per sigma */

/* ---- series and judging ---------------------------------------------------- */

typedef struct series {
    sl_anomaly_point *v;
    size_t n, cap;
    char last_status[16];
    int64_t last_at;
    double last_value;
} series;

static void series_add(void *ctx, const sl_monitor_point *p)
{
    series *s = ctx;
    snprintf(s->last_status, sizeof s->last_status, "%s", p->status ? p->status : "");
    s->last_at = p->at;
    s->last_value = p->value;
    if (!isfinite(p->value))
        return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = sl_realloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = (sl_anomaly_point){p->value, p->at};
}

static char *monitor_key(const char *node, const char *metric, const char *column)
{
    return column ? sl_printf("%s|%s|%s", node, metric, column) : sl_printf("%s|%s", node, metric);
}

/* A value as people read it: rows, or a rate in percent; unit 0: the number alone. */
static void fmt_value(char *out, size_t n, const char *metric, double v, int unit)
{
    if (strcmp(metric, "volume") == 0)
        snprintf(out, n, "%.0f%s", v, unit ? " rows" : "");
    else
        snprintf(out, n, "%.2f%s", v * 100, unit ? " %" : "");
}

/* Judge value against the monitor's series, store it with its band, and
 * open or clear the monitor's anomaly incident. */
static int judge(sl_state *s, sl_alerter *al, const sl_monitor_run *r, const char *metric, const char *column,
                 double value, const sl_anomaly_config *cfg_in, double floor, sl_error *err)
{
    sl_anomaly_config cfg = *cfg_in;
    if (!(cfg.min_abs_band > 0))
        cfg.min_abs_band = floor;
    sl_anomaly_config_defaults(&cfg);
    char *key = monitor_key(r->node, metric, column);
    series h = {0};
    int rc = sl_state_monitor_series(s, key, (int)(cfg.window * HISTORY_FACTOR), series_add, &h, err);
    sl_anomaly_verdict vd;
    /* Volume of a pipeline whose runs often load nothing (incremental
     * sources run more often than data arrives: 1 in 5 of the window or
     * more): an empty run is normal, a non-empty one is judged against
     * the non-empty ones. */
    int intermittent = 0;
    if (rc == 0 && strcmp(metric, "volume") == 0) {
        size_t from = h.n > cfg.window ? h.n - cfg.window : 0, zeros = 0, k = 0;
        for (size_t i = from; i < h.n; i++)
            zeros += h.v[i].value == 0;
        intermittent = h.n - from >= cfg.min_history && zeros * 5 >= h.n - from;
        for (size_t i = 0; intermittent && i < h.n; i++)
            if (h.v[i].value != 0)
                h.v[k++] = h.v[i];
        if (intermittent)
            h.n = k;
    }
    if (rc == 0) {
        sl_anomaly_detect(&cfg, h.v, h.n, (sl_anomaly_point){value, r->at}, &vd);
        if (intermittent && value == 0) {
            vd.anomaly = 0;
            vd.lower = 0;
        }
        sl_monitor_point p = {key, r->node, metric, column, r->run_id, r->at, value, h.n > 0, vd.expected,
                              vd.lower, vd.upper, vd.training ? "training" : vd.anomaly ? "anomaly" : "normal"};
        rc = sl_state_monitor_point_add(s, &p, err);
    }
    if (rc == 0 && !vd.training) {
        char *ik = sl_printf("anomaly|%s", key), *msg = NULL;
        if (vd.anomaly) {
            char got[64], exp[64], lo[64], hi[64];
            fmt_value(got, sizeof got, metric, value, 1);
            fmt_value(exp, sizeof exp, metric, vd.expected, 0);
            fmt_value(lo, sizeof lo, metric, vd.lower, 0);
            fmt_value(hi, sizeof hi, metric, vd.upper, 1);
            msg = sl_printf("%s%s%s of %s: %s, expected %s (band %s to %s), %.1f robust sigmas %s", metric,
                            column ? " of column " : "", column ? column : "", r->node, got, exp, lo, hi,
                            fabs(vd.score), vd.score < 0 ? "below" : "above");
        }
        rc = sl_incident_report(s, al, SL_INCIDENT_ANOMALY, ik, r->node, vd.anomaly, msg, NULL, err);
        sl_free(ik);
        sl_free(msg);
    }
    sl_free(h.v);
    sl_free(key);
    return rc;
}

/* ---- schema ------------------------------------------------------------------ */

typedef struct coltype {
    char *name, *type;
} coltype;

typedef struct coltypes {
    coltype *v;
    size_t n;
} coltypes;

static void coltype_add(void *ctx, const char *name, const char *type)
{
    coltypes *c = ctx;
    c->v = sl_realloc(c->v, (c->n + 1) * sizeof *c->v);
    c->v[c->n].name = sl_strdup(name ? name : "");
    c->v[c->n].type = sl_strdup(type ? type : "");
    c->n++;
}

static void coltypes_free(coltypes *c)
{
    for (size_t i = 0; i < c->n; i++) {
        sl_free(c->v[i].name);
        sl_free(c->v[i].type);
    }
    sl_free(c->v);
}

static const char *coltype_find(const coltypes *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].name, name) == 0)
            return c->v[i].type;
    return NULL;
}

static void change_add(void *ctx, const char *column, const char *change)
{
    sl_buf *b = ctx;
    sl_buf_addf(b, "%s\t%s\n", column ? column : "", change ? change : "");
}

/* The run's schema changes as "column\tchange\n" lines in out; *n of them. */
static int schema_changes(sl_state *s, const sl_monitor_run *r, const sl_profile *prof, sl_buf *out, size_t *n,
                          sl_error *err)
{
    if (r->schema_changes) {
        for (size_t i = 0; i < r->nschema_changes; i++)
            sl_buf_addf(out, "%s\n", r->schema_changes[i]);
        *n = r->nschema_changes;
        return 0;
    }
    if (r->rows_read >= 0) { /* a pipeline: what its sinks and typing recorded */
        if (sl_state_run_schema_changes(s, r->run_id, change_add, out, err) < 0)
            return -1;
    } else if (prof && prof->ncols) { /* a model: its columns against its previous profile */
        coltypes prev = {0};
        if (sl_state_profile_columns_before(s, r->node, r->run_id, coltype_add, &prev, err) < 0)
            return -1;
        if (prev.n) {
            for (size_t i = 0; i < prof->ncols; i++) {
                const char *t = coltype_find(&prev, prof->cols[i].name);
                if (!t)
                    sl_buf_addf(out, "%s\tadded (%s)\n", prof->cols[i].name, prof->cols[i].type);
                else if (strcmp(t, prof->cols[i].type) != 0)
                    sl_buf_addf(out, "%s\ttype changed: %s -> %s\n", prof->cols[i].name, t, prof->cols[i].type);
            }
            for (size_t i = 0; i < prev.n; i++) {
                int found = 0;
                for (size_t j = 0; j < prof->ncols && !found; j++)
                    found = strcmp(prof->cols[j].name, prev.v[i].name) == 0;
                if (!found)
                    sl_buf_addf(out, "%s\tdropped (was %s)\n", prev.v[i].name, prev.v[i].type);
            }
        }
        coltypes_free(&prev);
    }
    *n = 0;
    for (size_t i = 0; i < out->len; i++)
        *n += out->data[i] == '\n';
    return 0;
}

static int schema_monitor(sl_state *s, sl_alerter *al, const sl_monitor_run *r, const sl_profile *prof,
                          sl_error *err)
{
    sl_buf b;
    sl_buf_init(&b);
    size_t n = 0;
    int rc = schema_changes(s, r, prof, &b, &n, err);
    if (rc == 0) {
        char *key = monitor_key(r->node, "schema", NULL);
        sl_monitor_point p = {key, r->node, "schema", NULL, r->run_id, r->at, (double)n, 0, 0, 0, 0,
                              n ? "anomaly" : "normal"};
        rc = sl_state_monitor_point_add(s, &p, err);
        sl_free(key);
    }
    if (rc == 0) {
        char *ik = sl_printf("schema_change|%s", r->node), *msg = NULL, *details = NULL;
        if (n) {
            msg = sl_printf("schema of %s changed: %zu column%s added, widened or dropped", r->node, n,
                            n == 1 ? "" : "s");
            sl_buf d;
            sl_buf_init(&d);
            for (const char *line = b.data; line && *line;) {
                const char *nl = strchr(line, '\n'), *tab = memchr(line, '\t', nl ? (size_t)(nl - line) : strlen(line));
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                if (tab)
                    sl_buf_addf(&d, "%.*s: %.*s\n", (int)(tab - line), line, (int)(len - (size_t)(tab - line) - 1),
                                tab + 1);
                else
                    sl_buf_addf(&d, "%.*s\n", (int)len, line);
                line = nl ? nl + 1 : NULL;
            }
            details = sl_buf_detach(&d);
        }
        rc = sl_incident_report(s, al, SL_INCIDENT_SCHEMA_CHANGE, ik, r->node, n > 0, msg, details, err);
        sl_free(ik);
        sl_free(msg);
        sl_free(details);
    }
    sl_buf_release(&b);
    return rc;
}

/* ---- after a run ---------------------------------------------------------------- */

int sl_monitor_after_run(sl_state *s, struct sl_alerter *al, const sl_monitor_config *c, const sl_monitor_run *r,
                         sl_error *err)
{
    sl_monitor_config def;
    if (!c) {
        sl_monitor_config_defaults(&def);
        c = &def;
    }
    if (!s || !r || !r->node || !r->run_id)
        return 0;
    int success = r->status && strcmp(r->status, "success") == 0;
    int rc = 0;
    sl_profile stored = {0};
    const sl_profile *prof = r->profile;
    if (!prof && (c->enabled[SL_MON_NULL_RATE] || c->enabled[SL_MON_SCHEMA]) && success) {
        if (sl_state_profile_of_run(s, r->node, r->run_id, &stored, err) < 0)
            return -1;
        prof = &stored;
    }
    if (success && c->enabled[SL_MON_FRESHNESS]) { /* a successful load is fresh: an open freshness incident clears */
        char *ik = sl_printf("freshness|%s", r->node);
        rc |= sl_incident_report(s, al, SL_INCIDENT_FRESHNESS, ik, r->node, 0, NULL, NULL, err);
        sl_free(ik);
    }
    if (success && c->enabled[SL_MON_VOLUME] && r->rows_loaded >= 0)
        rc |= judge(s, al, r, "volume", NULL, (double)r->rows_loaded, &c->anomaly[SL_MON_VOLUME], COUNT_FLOOR, err);
    if (success && c->enabled[SL_MON_REJECTED_RATE] && r->rows_read > 0 && r->rows_rejected >= 0)
        rc |= judge(s, al, r, "rejected_rate", NULL, (double)r->rows_rejected / (double)r->rows_read,
                    &c->anomaly[SL_MON_REJECTED_RATE], RATE_FLOOR, err);
    if (success && c->enabled[SL_MON_NULL_RATE] && prof)
        for (size_t i = 0; i < prof->ncols; i++)
            if (prof->cols[i].rows > 0)
                rc |= judge(s, al, r, "null_rate", prof->cols[i].name,
                            (double)prof->cols[i].nulls / (double)prof->cols[i].rows, &c->anomaly[SL_MON_NULL_RATE],
                            RATE_FLOOR, err);
    if (c->enabled[SL_MON_SCHEMA] && (success || r->rows_read >= 0))
        rc |= schema_monitor(s, al, r, prof, err);
    if (stored.cols)
        sl_profile_release(&stored);
    return rc ? -1 : 0;
}

/* ---- freshness -------------------------------------------------------------------- */

/* The error threshold of a pipeline from its schedule: stale once two
 * scheduled runs in a row were missed, plus an hour (for `every: D`: 2 x D
 * + 1 h after the last success). 0: no schedule of its own. */
static int64_t schedule_deadline(const sl_schedule *sc, int64_t last)
{
    if (!sc || !sl_schedule_timed(sc))
        return 0;
    int64_t a = sl_schedule_next(sc, last);
    int64_t b = a >= 0 ? sl_schedule_next(sc, a) : -1;
    return b >= 0 ? b + 3600 : 0;
}

static int freshness_one(sl_state *s, sl_alerter *al, const char *node, int64_t last, int64_t now,
                         const sl_monitor_config *c, const sl_schedule *sc, sl_error *err)
{
    int64_t age = now - last, warn = c->warn_after_s, error = c->error_after_s;
    const char *basis = "freshness";
    if (!warn && !error) {
        int64_t deadline = schedule_deadline(sc, last);
        if (deadline)
            error = deadline - last;
        basis = "its schedule";
    }
    const char *status = !warn && !error ? "manual" : error && age > error ? "stale" : warn && age > warn ? "warn" : "normal";
    char *key = monitor_key(node, "freshness", NULL);
    /* a point when the status changes, else at most one an hour */
    series prev = {0};
    int rc = sl_state_monitor_series(s, key, 1, series_add, &prev, err);
    sl_free(prev.v);
    if (rc == 0 && (strcmp(prev.last_status, status) != 0 || now - prev.last_at >= 3600)) {
        /* band: expected within warn_after (or error_after), anomalous beyond error_after (or warn_after) */
        double limit = (double)(error ? error : warn), expect = (double)(warn ? warn : error);
        sl_monitor_point p = {key, node, "freshness", NULL, NULL, now, (double)age, limit > 0, expect, 0, limit, status};
        rc = sl_state_monitor_point_add(s, &p, err);
    }
    if (rc == 0 && (warn || error)) {
        char *ik = sl_printf("freshness|%s", node), *msg = NULL;
        int failing = strcmp(status, "stale") == 0 || strcmp(status, "warn") == 0;
        if (failing) {
            int64_t limit = strcmp(status, "stale") == 0 ? error : warn;
            char ago[64], lim[64];
            sl_check_duration_text(age, ago, sizeof ago);
            sl_check_duration_text(limit, lim, sizeof lim);
            msg = sl_printf("%s is %s: last successful load %s ago, %s after %s (%s)", node,
                            strcmp(status, "stale") == 0 ? "stale (error)" : "late (warn)", ago,
                            strcmp(status, "stale") == 0 ? "error" : "warn", lim, basis);
        }
        rc = sl_incident_report(s, al, SL_INCIDENT_FRESHNESS, ik, node, failing, msg, NULL, err);
        sl_free(ik);
        sl_free(msg);
    }
    sl_free(key);
    return rc;
}

typedef struct model_last {
    char **node;
    int64_t *at;
    size_t n;
} model_last;

/* Collected first: the store's lock is held while rows arrive. */
static void model_collect(void *ctx, const char *node, int64_t at)
{
    model_last *m = ctx;
    if (strncmp(node, "pipeline.", 9) == 0)
        return; /* pipelines: from their runs */
    m->node = sl_realloc(m->node, (m->n + 1) * sizeof *m->node);
    m->at = sl_realloc(m->at, (m->n + 1) * sizeof *m->at);
    m->node[m->n] = sl_strdup(node);
    m->at[m->n++] = at;
}

int sl_monitor_freshness(sl_state *s, struct sl_alerter *al, const struct sl_project *p, int64_t now,
                         sl_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < p->npipelines; i++) {
        const sl_pipeline *pl = p->pipelines[i];
        const sl_monitor_config *c = sl_monitor_config_pick(&pl->monitors, &p->monitors);
        if (!c->enabled[SL_MON_FRESHNESS])
            continue;
        double last = 0;
        if (sl_state_last_success(s, pl->name, &last, err) < 0)
            return -1;
        if (last <= 0)
            continue;
        char *node = sl_printf("pipeline.%s.%s", p->name, pl->name);
        if (freshness_one(s, al, node, (int64_t)last, now, c, pl->schedule, err) < 0)
            rc = -1;
        sl_free(node);
    }
    /* models, seeds, snapshots: the project's monitors: (no schedule of their own) */
    model_last m = {0};
    if (p->monitors.enabled[SL_MON_FRESHNESS] && sl_state_node_last_success_each(s, model_collect, &m, err) < 0)
        rc = -1;
    for (size_t i = 0; i < m.n; i++) {
        if (rc == 0 && freshness_one(s, al, m.node[i], m.at[i], now, &p->monitors, NULL, err) < 0)
            rc = -1;
        sl_free(m.node[i]);
    }
    sl_free(m.node);
    sl_free(m.at);
    return rc;
}
