/* build_checks.c: data quality on models for the executor and `sluice check` (see build_checks.h). */
#include "models/build_checks.h"
#include "config/project.h"
#include "core/log.h"
#include "core/mem.h"
#include "models/materialize_impl.h"
#include "quality/monitor.h"
#include "quality/profile.h"
#include "state/quality_store.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

sl_relation sl_build_test_relation(const sl_graph *g, const sl_node *t)
{
    if (t->attached < g->n)
        return sl_mat_relation(&g->nodes[t->attached]);
    return (sl_relation){NULL, t->name};
}

static const char *tested_id(const sl_graph *g, const sl_node *t)
{
    return t->attached < g->n ? g->nodes[t->attached].unique_id : t->unique_id;
}

int sl_build_check_run(sl_adapter *a, const sl_graph *g, size_t i, sl_relation rel, sl_state *s,
                       sl_check_result *out)
{
    const sl_node *t = &g->nodes[i];
    memset(out, 0, sizeof *out);
    sl_check_target tg = {.node = tested_id(g, t), .schema = rel.schema, .identifier = rel.identifier, .state = s};
    int rc = sl_check_run(a, t->check, &tg, out);
    /* the result names what was checked and the check, whatever the evaluator filled */
    snprintf(out->node, sizeof out->node, "%s", tg.node);
    snprintf(out->check, sizeof out->check, "%s", t->check->name ? t->check->name : t->name);
    if (!out->kind)
        out->kind = sl_check_kind_name(t->check->kind);
    if (!out->status[0])
        snprintf(out->status, sizeof out->status, "error");
    if (!out->severity[0])
        snprintf(out->severity, sizeof out->severity, "%s", t->check->severity == SL_SEVERITY_WARN ? "warn" : "error");
    return rc;
}

void sl_build_check_from_test(const sl_graph *g, size_t i, const sl_test_result *tr, double duration_s,
                              sl_check_result *out)
{
    const sl_node *t = &g->nodes[i];
    memset(out, 0, sizeof *out);
    snprintf(out->node, sizeof out->node, "%s", tested_id(g, t));
    snprintf(out->check, sizeof out->check, "%s", t->name);
    out->kind = t->test_name ? t->test_name : "singular";
    snprintf(out->column, sizeof out->column, "%s", t->column_name ? t->column_name : "");
    snprintf(out->status, sizeof out->status, "%s", tr->status);
    int warn = t->config.severity && strcasecmp(t->config.severity, "warn") == 0;
    snprintf(out->severity, sizeof out->severity, "%s", warn ? "warn" : "error");
    out->has_observed = tr->failures >= 0;
    out->observed = tr->failures >= 0 ? (double)tr->failures : 0;
    const char *cond = warn ? t->config.warn_if : t->config.error_if;
    snprintf(out->threshold, sizeof out->threshold, "%s failing rows", cond && *cond ? cond : "!= 0");
    out->failures = tr->failures;
    out->rows = -1;
    snprintf(out->message, sizeof out->message, "%s", tr->message);
    out->sample_json = tr->sample_json ? sl_strdup(tr->sample_json) : NULL;
    out->duration_s = duration_s;
}

int sl_build_audits(const sl_graph *g, size_t model, size_t ti)
{
    const sl_node *t = &g->nodes[ti];
    if (t->kind != SL_NODE_TEST || !t->check || t->attached != model || t->config.enabled == 0)
        return 0;
    if (t->check->severity != SL_SEVERITY_ERROR)
        return 0;
    if (t->check->kind == SL_CHECK_SQL)
        return 0; /* the user's query names tables itself: it would read the published one */
    for (size_t k = 0; k < t->ndeps; k++)
        if (t->deps[k] != model)
            return 0;
    return 1;
}

static int profiled(const sl_node *n)
{
    if (n->config.profile >= 0)
        return n->config.profile && n->kind != SL_NODE_TEST;
    if (n->kind == SL_NODE_SEED || n->kind == SL_NODE_SNAPSHOT)
        return 1;
    if (n->kind != SL_NODE_MODEL)
        return 0;
    const char *m = n->config.materialized ? n->config.materialized : "view";
    return strcmp(m, "table") == 0 || strcmp(m, "incremental") == 0;
}

void sl_build_observe(sl_adapter *a, const sl_graph *g, size_t i, sl_state *s, struct sl_alerter *al,
                      const char *run_id)
{
    const sl_node *n = &g->nodes[i];
    if (!s || !a || !profiled(n))
        return;
    sl_relation r = sl_mat_relation(n);
    sl_profile prof;
    memset(&prof, 0, sizeof prof);
    sl_error err = {0};
    int have = sl_profile_relation(a, r.schema, r.identifier, &prof, &err) == 0;
    if (!have)
        sl_log_warn("%s: no profile: %s", n->unique_id, err.msg);
    else if (sl_state_profile_add(s, run_id, n->unique_id, &prof, &err) < 0)
        sl_log_warn("%s: profile not kept: %s", n->unique_id, err.msg);
    int64_t rows = have ? prof.rows : -1;
    if (!have) {
        sl_error e2 = {0};
        if (sl_mat_count(a, r, &rows, &e2) < 0)
            rows = -1;
    }
    const sl_project *p = g->project;
    sl_monitor_config defaults;
    sl_monitor_config_defaults(&defaults);
    const sl_monitor_config *mc = p ? &p->monitors : &defaults; /* sl_project_load fills the project's */
    if (n->monitors)
        mc = sl_monitor_config_pick(n->monitors, mc);
    sl_monitor_run mr = {.node = n->unique_id,
                         .run_id = run_id,
                         .at = (int64_t)time(NULL),
                         .status = "success",
                         .rows_read = -1,
                         .rows_loaded = rows,
                         .rows_rejected = -1,
                         .profile = have ? &prof : NULL};
    sl_error merr = {0};
    if (sl_monitor_after_run(s, al, mc, &mr, &merr) < 0)
        sl_log_warn("%s: monitors: %s", n->unique_id, merr.msg);
    if (have)
        sl_profile_release(&prof);
}

int sl_build_store_checks(sl_state *s, const sl_build *b, const char *run_id, sl_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        n += b->results[i].nchecks;
    if (!s || !n)
        return 0;
    sl_check_result *all = sl_calloc(n, sizeof *all);
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++)
        for (size_t j = 0; j < b->results[i].nchecks; j++)
            all[k++] = b->results[i].checks[j]; /* shallow: the build keeps owning them */
    int rc = sl_state_check_results_add(s, run_id, all, n, err);
    sl_free(all);
    return rc;
}
