/* incidents.c: data-quality alerts, one per incident (incidents.h). The
 * state store decides, atomically, whether a report opens or closes an
 * incident (state/quality_store.h: sl_state_incident); only then is an
 * event queued on the alerter (sched/alerts.h), which formats it per
 * channel and routes it by `on:`. */
#include "sched/incidents.h"
#include "core/log.h"
#include "core/mem.h"
#include "state/quality_store.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const kind_names[] = {"check_failure", "anomaly", "freshness", "schema_change"};
static const sl_alert_kind alert_kinds[] = {SL_ALERT_CHECK_FAILURE, SL_ALERT_ANOMALY, SL_ALERT_FRESHNESS,
                                            SL_ALERT_SCHEMA_CHANGE};

const char *sl_incident_kind_name(sl_incident_kind k)
{
    return (unsigned)k < 4 ? kind_names[k] : "?";
}

/* The report, with PagerDuty's severity for the alert (error | warning)
 * and the run it came from ("" when none). */
static int report(sl_state *s, sl_alerter *al, sl_incident_kind kind, const char *key, const char *node,
                  int failing, const char *message, const char *details, const char *severity, const char *run_id,
                  sl_error *err)
{
    if ((unsigned)kind >= 4)
        return sl_error_set(err, SL_EINTERNAL, "incident %s: unknown kind %d", key, (int)kind);
    int changed = 0;
    if (sl_state_incident(s, key, kind_names[kind], node, failing, message, &changed, err) < 0)
        return -1;
    if (!changed)
        return 0;
    if (failing)
        sl_log_warn("incident opened: %s: %s", key, message ? message : "");
    else
        sl_log_info("incident resolved: %s", key);
    if (!al)
        return 0;
    sl_alert_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = alert_kinds[kind];
    ev.resolved = !failing;
    ev.time = (int64_t)time(NULL);
    snprintf(ev.node, sizeof ev.node, "%s", node);
    snprintf(ev.incident_key, sizeof ev.incident_key, "%s", key);
    snprintf(ev.message, sizeof ev.message, "%s", message ? message : "");
    snprintf(ev.severity, sizeof ev.severity, "%s", severity);
    snprintf(ev.status, sizeof ev.status, "%s", failing ? "open" : "resolved");
    snprintf(ev.run_id, sizeof ev.run_id, "%s", run_id ? run_id : "");
    /* a pipeline's channels may be limited to some pipelines (pipelines:) */
    const char *dot = strrchr(node, '.');
    if (strncmp(node, "pipeline.", 9) == 0 && dot)
        snprintf(ev.pipeline, sizeof ev.pipeline, "%s", dot + 1);
    ev.details = details ? sl_strdup(details) : NULL;
    sl_alerter_send(al, &ev);
    sl_alert_event_release(&ev);
    return 0;
}

int sl_incident_report(sl_state *s, sl_alerter *al, sl_incident_kind kind, const char *key, const char *node,
                       int failing, const char *message, const char *details, sl_error *err)
{
    const char *severity = kind == SL_INCIDENT_FRESHNESS ? "error" : "warning";
    return report(s, al, kind, key, node, failing, message, details, severity, NULL, err);
}

/* ---- a run's check results ------------------------------------------------ */

typedef struct one {
    char key[600];
    char node[256];
    char status[8];
    char message[700];
    char *details;
} one;

typedef struct collected {
    one *v;
    size_t n, cap;
} collected;

/* The body of a check's alert: what was observed against what, and the
 * failing rows the check kept (up to 10, as JSON). */
static char *check_details(const sl_check_result *r)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_addf(&b, "check: %s (%s%s%s)\n", r->check, r->kind ? r->kind : "?", r->column[0] ? " on " : "",
                r->column);
    sl_buf_addf(&b, "status: %s (severity %s)\n", r->status, r->severity[0] ? r->severity : "error");
    if (r->has_observed && isfinite(r->observed))
        sl_buf_addf(&b, "observed: %.15g\n", r->observed);
    if (r->threshold[0])
        sl_buf_addf(&b, "expected: %s\n", r->threshold);
    if (r->failures >= 0 && r->rows >= 0)
        sl_buf_addf(&b, "failing rows: %lld of %lld\n", (long long)r->failures, (long long)r->rows);
    else if (r->failures >= 0)
        sl_buf_addf(&b, "failing rows: %lld\n", (long long)r->failures);
    if (r->sample_json && strcmp(r->sample_json, "[]") != 0) {
        size_t n = strlen(r->sample_json);
        sl_buf_addf(&b, "sample: %.*s%s\n", n > 2000 ? 2000 : (int)n, r->sample_json, n > 2000 ? "..." : "");
    }
    return sl_buf_detach(&b);
}

static void collect_fn(void *ctx, const sl_check_result *r)
{
    collected *c = ctx;
    SL_GROW(c->v, c->cap, c->n + 1);
    one *o = &c->v[c->n++];
    memset(o, 0, sizeof *o);
    snprintf(o->key, sizeof o->key, "check|%s|%s", r->node, r->check);
    snprintf(o->node, sizeof o->node, "%s", r->node);
    snprintf(o->status, sizeof o->status, "%s", r->status);
    if (strcmp(r->status, "error") == 0)
        snprintf(o->message, sizeof o->message, "%s could not run: %s", r->check, r->message);
    else
        snprintf(o->message, sizeof o->message, "%s: %s", r->check, r->message[0] ? r->message : r->status);
    if (strcmp(r->status, "pass") != 0)
        o->details = check_details(r);
}

int sl_incident_report_run_checks(sl_state *s, sl_alerter *al, const char *run_id, sl_error *err)
{
    if (!run_id || !run_id[0])
        return 0;
    collected c = {0};
    /* collected first: the store is not called back into while it answers */
    int rc = sl_state_check_results_each(s, run_id, collect_fn, &c, err);
    for (size_t i = 0; rc == 0 && i < c.n; i++) {
        one *o = &c.v[i];
        int failing = strcmp(o->status, "pass") != 0;
        rc = report(s, al, SL_INCIDENT_CHECK_FAILURE, o->key, o->node, failing, o->message, o->details,
                    strcmp(o->status, "warn") == 0 ? "warning" : "error", run_id, err);
    }
    for (size_t i = 0; i < c.n; i++)
        sl_free(c.v[i].details);
    sl_free(c.v);
    return rc;
}
