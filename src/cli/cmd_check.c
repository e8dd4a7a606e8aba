/*
 * cmd_check.c: `sluice check [TABLE|NODE ...] [-s SELECTOR] [--json]`:
 * runs data-quality checks alone, against what is in the warehouse now
 * (docs/quality/models.md):
 *
 *   - the checks of models, seeds, snapshots and sources (properties
 *     files' checks: and columns' tests of sluice kinds), on their relations;
 *   - pipelines' checks that read the warehouse (quality/check.h:
 *     sl_check_kind_in_stream() == 0), on the table their SQL sink loads;
 *   - the checks of monitors/NAME.yml tables, which are also profiled and
 *     whose monitors are fed (volume = rows in the table), so tables sluice
 *     does not load are watched whenever `sluice check` runs (cron it, or
 *     a schedule of `sluice serve` later).
 *
 * Names pick what to check: a monitored table ("schema.table", "table" or
 * its node id), a pipeline, a model (seed, snapshot, source) by name or
 * unique id, or one check node by name; -s takes dbt's selection over the
 * models' graph. Results are kept under a new run id (sluice history
 * --json, the API, /metrics) and reported as incidents (one alert each).
 * One line per check: status, node, check, observed, threshold, then the
 * failing rows' sample. Exit 1 when a check of severity error fails (or
 * cannot run), 0 otherwise, 2 on usage or configuration problems.
 */
#include "cli/cli.h"
#include "config/options.h"
#include "core/log.h"
#include "core/mem.h"
#include "engine/component.h"
#include "models/build.h"
#include "models/build_checks.h"
#include "models/graph.h"
#include "quality/check.h"
#include "quality/monitor.h"
#include "quality/profile.h"
#include "sched/alerts.h"
#include "sched/incidents.h"
#include "state/quality_store.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char sl_cmd_check_details[] =
    "runs the data-quality checks alone on the warehouse's current data: models' (properties files'\n"
    "checks: and sluice-kind column tests), pipelines' checks that read their sink table (relationships,\n"
    "equal_aggregates, row_count_match with a table, sql, freshness without a column), and the tables of\n"
    "monitors/*.yml (also profiled, and their monitors fed: volume = rows in the table).\n\n"
    "arguments and options:\n"
    "  TABLE|NODE ...     only these: a monitored table (schema.table or table), a pipeline, a model\n"
    "                     (seed, snapshot, source) by name or unique id, or a check's test node\n"
    "  -s, --select SEL   dbt's selection over the models' graph (as `sluice test -s`)\n"
    "  --exclude SEL      leave these out\n\n"
    "Prints one line per check (status, node, check, observed, threshold) and up to 10 failing rows;\n"
    "results are kept under a new run id (sluice history --json, /api/v1/checks, /metrics).\n"
    "Exit status: 1 when a check of severity error fails or cannot run, 0 otherwise, 2 on usage errors.\n";

/* One check to run. */
typedef struct item {
    const sl_check *check;
    char *node;              /* result node id */
    char *schema, *ident;    /* the relation */
    char *history_key;       /* pipelines: their name; NULL: node */
    const sl_monitor_table *table; /* monitors/ tables */
} item;

typedef struct plan {
    item *v;
    size_t n;
} plan;

static void add(plan *pl, const sl_check *c, const char *node, const char *schema, const char *ident,
                const char *history_key, const sl_monitor_table *t)
{
    pl->v = sl_realloc(pl->v, (pl->n + 1) * sizeof *pl->v);
    item *it = &pl->v[pl->n++];
    it->check = c;
    it->node = sl_strdup(node);
    it->schema = schema ? sl_strdup(schema) : NULL;
    it->ident = sl_strdup(ident);
    it->history_key = history_key ? sl_strdup(history_key) : NULL;
    it->table = t;
}

static void plan_free(plan *pl)
{
    for (size_t i = 0; i < pl->n; i++) {
        sl_free(pl->v[i].node);
        sl_free(pl->v[i].schema);
        sl_free(pl->v[i].ident);
        sl_free(pl->v[i].history_key);
    }
    sl_free(pl->v);
}

/* The warehouse table a pipeline loads (its first sqlite/postgres sink
 * writing into the project's warehouse), as models/graph.c finds it. */
static const char *pipeline_table(const sl_pipeline *pl, const char **schema)
{
    *schema = NULL;
    for (size_t i = 0; i < pl->nsinks; i++) {
        const sl_instance *k = &pl->sinks[i];
        const sl_option *t = SL_SINK(k)->options;
        int sq = strcmp(k->type, "sqlite") == 0, pg = strcmp(k->type, "postgres") == 0;
        if (!sq && !pg)
            continue;
        const char *other = sl_options_string(t, k->opts, sq ? "path" : "url");
        if (other && *other)
            continue;
        if (pg) {
            const char *s = sl_options_string(t, k->opts, "schema");
            *schema = s && *s ? s : NULL;
        }
        return sl_options_string(t, k->opts, "table");
    }
    return NULL;
}

/* Whether two schemas name the same place: NULL is the warehouse's
 * default, which SQLite calls main and PostgreSQL (by default) public. */
static int same_schema(const char *a, const char *b)
{
    int da = !a || !*a || strcmp(a, "main") == 0 || strcmp(a, "public") == 0;
    int db = !b || !*b || strcmp(b, "main") == 0 || strcmp(b, "public") == 0;
    return da || db ? da && db : strcmp(a, b) == 0;
}

/* Whether name picks node id / short name / a table spelled name. */
static int named(const char *name, const char *id, const char *shortname)
{
    return strcmp(name, id) == 0 || (shortname && strcmp(name, shortname) == 0);
}

typedef struct opts {
    sl_buf select, exclude;
    char **names;
    size_t nnames;
} opts;

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    sl_buf_init(&o->select);
    sl_buf_init(&o->exclude);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        sl_buf *list = strcmp(a, "-s") == 0 || strcmp(a, "--select") == 0 ? &o->select
                       : strcmp(a, "--exclude") == 0                      ? &o->exclude
                                                                          : NULL;
        if (list) {
            int any = 0;
            while (i + 1 < argc && argv[i + 1][0] != '-') {
                if (list->len)
                    sl_buf_addc(list, ' ');
                sl_buf_adds(list, argv[++i]);
                any = 1;
            }
            if (!any) {
                fprintf(stderr, "sluice check: %s needs a selector\n", a);
                return -1;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "sluice check: unknown option '%s' (see sluice check --help)\n", a);
            return -1;
        } else {
            o->names = sl_realloc(o->names, (o->nnames + 1) * sizeof *o->names);
            o->names[o->nnames++] = argv[i];
        }
    }
    return 0;
}

static void opts_release(opts *o)
{
    sl_buf_release(&o->select);
    sl_buf_release(&o->exclude);
    sl_free(o->names);
}

/* Print one result line and its sample. */
static void print_result(const sl_check_result *r, int color)
{
    const char *st = r->status;
    int ok = strcmp(st, "pass") == 0, warn = strcmp(st, "warn") == 0;
    const char *c = !color ? "" : ok ? "\033[32m" : warn ? "\033[33m" : "\033[31m", *off = color ? "\033[0m" : "";
    char obs[64];
    if (r->has_observed && isfinite(r->observed))
        snprintf(obs, sizeof obs, "%.6g", r->observed);
    else
        snprintf(obs, sizeof obs, "-");
    printf("%s%-5s%s %s %s: observed %s, expected %s\n", c, ok ? "PASS" : warn ? "WARN" : strcmp(st, "fail") == 0 ? "FAIL" : "ERROR",
           off, r->node, r->check, obs, r->threshold[0] ? r->threshold : "-");
    if (!ok && r->message[0])
        printf("      %s\n", r->message);
    if (!ok && r->sample_json && strcmp(r->sample_json, "[]") != 0)
        printf("      failing rows: %s\n", r->sample_json);
}

/* Profile a monitored table and feed its monitors. */
static void observe_table(sl_adapter *a, sl_project *p, const sl_monitor_table *t, sl_state *s, sl_alerter *al,
                          const char *run_id)
{
    const sl_monitor_config *mc = sl_monitor_config_pick(&t->monitors, &p->monitors);
    int any = 0;
    for (int i = 0; i < SL_MON_N; i++)
        any |= mc->enabled[i];
    if (!any) /* monitors: false: neither a profile (a full scan of the table) nor points */
        return;
    sl_profile prof;
    memset(&prof, 0, sizeof prof);
    sl_error err = {0};
    if (sl_profile_relation(a, t->schema, t->identifier, &prof, &err) < 0) {
        sl_log_warn("%s: no profile: %s", t->node, err.msg);
        return;
    }
    if (sl_state_profile_add(s, run_id, t->node, &prof, &err) < 0)
        sl_log_warn("%s: profile not kept: %s", t->node, err.msg);
    sl_monitor_run mr = {.node = t->node,
                         .run_id = run_id,
                         .at = (int64_t)time(NULL),
                         .status = "success",
                         .rows_read = -1,
                         .rows_loaded = prof.rows,
                         .rows_rejected = -1,
                         .profile = &prof};
    sl_error merr = {0};
    if (sl_monitor_after_run(s, al, mc, &mr, &merr) < 0)
        sl_log_warn("%s: monitors: %s", t->node, merr.msg);
    sl_profile_release(&prof);
}

int cmd_check(sl_cli *cli, int argc, char **argv)
{
    opts o;
    if (parse(argc, argv, &o) < 0) {
        opts_release(&o);
        return EXIT_USAGE;
    }
    sl_project *p = sl_cli_project(cli);
    if (!p) {
        opts_release(&o);
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    sl_graph *g = NULL;
    uint8_t *sel = NULL;
    sl_error err = {0};
    if (sl_build_has_models(p) || o.select.len || o.exclude.len) {
        g = sl_cli_graph(cli, p, NULL);
        if (!g) {
            opts_release(&o);
            sl_project_free(p);
            return EXIT_USAGE;
        }
        if (o.select.len || o.exclude.len) {
            sel = sl_calloc(g->n + 1, 1);
            if (sl_graph_select(g, o.select.len ? o.select.data : NULL, o.exclude.len ? o.exclude.data : NULL, sel,
                                &err) < 0)
                rc = sl_cli_fail(cli, EXIT_USAGE, &err);
        }
    }
    uint8_t *used = sl_calloc(o.nnames + 1, 1);
    plan pl = {0};
    int selecting = o.select.len || o.exclude.len;
    /* models', seeds', snapshots' and sources' checks */
    for (size_t i = 0; rc == EXIT_OK && g && i < g->n; i++) {
        const sl_node *t = &g->nodes[i];
        if (t->kind != SL_NODE_TEST || !t->check || t->attached >= g->n)
            continue;
        const sl_node *m = &g->nodes[t->attached];
        int take = !o.nnames && !selecting;
        if (sel && sel[i])
            take = 1;
        for (size_t k = 0; k < o.nnames; k++)
            if (named(o.names[k], m->unique_id, m->name) || named(o.names[k], t->unique_id, t->name))
                take = used[k] = 1;
        if (!take)
            continue;
        sl_relation r = sl_build_test_relation(g, t);
        add(&pl, t->check, m->unique_id, r.schema, r.identifier, NULL, NULL);
    }
    /* pipelines' checks that read the warehouse */
    for (size_t i = 0; rc == EXIT_OK && !selecting && i < p->npipelines; i++) {
        const sl_pipeline *pp = p->pipelines[i];
        char *id = sl_printf("pipeline.%s.%s", p->name, pp->name);
        int take = !o.nnames;
        for (size_t k = 0; k < o.nnames; k++)
            if (named(o.names[k], id, pp->name))
                take = used[k] = 1;
        const char *schema = NULL, *table = pipeline_table(pp, &schema);
        for (size_t c = 0; take && table && c < pp->checks.n; c++)
            if (!sl_check_kind_in_stream(pp->checks.v[c].kind) || pp->checks.v[c].kind == SL_CHECK_FRESHNESS)
                add(&pl, &pp->checks.v[c], id, schema, table, pp->name, NULL);
        sl_free(id);
    }
    /* monitors/ tables */
    for (size_t i = 0; rc == EXIT_OK && !selecting && i < p->nmonitor_tables; i++) {
        const sl_monitor_table *t = &p->monitor_tables[i];
        int take = !o.nnames;
        for (size_t k = 0; k < o.nnames; k++)
            if (named(o.names[k], t->node, t->table) || strcmp(o.names[k], t->identifier) == 0)
                take = used[k] = 1;
        if (!take)
            continue;
        /* the loads that count for freshness without a column: the
         * pipeline whose SQL sink writes this table, or the model that
         * builds it (none: the table's own `sluice check` history) */
        const char *loader = NULL;
        for (size_t k = 0; !loader && k < p->npipelines; k++) {
            const char *ps = NULL, *pt = pipeline_table(p->pipelines[k], &ps);
            if (pt && strcmp(pt, t->identifier) == 0 && same_schema(ps, t->schema))
                loader = p->pipelines[k]->name;
        }
        for (size_t k = 0; !loader && g && k < g->n; k++) {
            const sl_node *m = &g->nodes[k];
            if ((m->kind == SL_NODE_MODEL || m->kind == SL_NODE_SEED || m->kind == SL_NODE_SNAPSHOT) && m->identifier &&
                strcmp(m->identifier, t->identifier) == 0 && same_schema(m->schema, t->schema))
                loader = m->unique_id;
        }
        for (size_t c = 0; c < t->checks.n; c++)
            add(&pl, &t->checks.v[c], t->node, t->schema, t->identifier, loader, t);
        if (!t->checks.n) /* a table with monitors only: still profiled below */
            add(&pl, NULL, t->node, t->schema, t->identifier, NULL, t);
    }
    for (size_t k = 0; rc == EXIT_OK && k < o.nnames; k++)
        if (!used[k]) {
            sl_error_set(&err, SL_EUSAGE,
                         "sluice check: nothing called '%s' has checks (a monitored table, a pipeline, a model or a "
                         "check)",
                         o.names[k]);
            rc = sl_cli_fail(cli, EXIT_USAGE, &err);
        }
    sl_state *state = NULL;
    sl_adapter *a = NULL;
    if (rc == EXIT_OK && !(state = sl_cli_state(cli, p)))
        rc = EXIT_FAILED;
    if (rc == EXIT_OK && (g ? sl_build_open_adapter(g, &a, &err) : sl_adapter_open(p, &a, &err)) < 0)
        rc = sl_cli_fail(cli, EXIT_FAILED, &err);
    if (rc == EXIT_OK) {
        char run_id[40];
        sl_state_new_run_id(run_id);
        sl_alerter *al = p->alerts ? sl_alerter_start(p->alerts, p->name) : NULL;
        sl_check_result *res = sl_calloc(pl.n + 1, sizeof *res);
        size_t nres = 0, nfail = 0, nwarn = 0, npass = 0, nerror = 0;
        for (size_t i = 0; i < pl.n; i++) {
            item *it = &pl.v[i];
            if (it->table && (i == 0 || pl.v[i - 1].table != it->table))
                observe_table(a, p, it->table, state, al, run_id);
            if (!it->check)
                continue;
            sl_check_target tg = {.node = it->node,
                                  .schema = it->schema,
                                  .identifier = it->ident,
                                  .state = state,
                                  .history_key = it->history_key};
            sl_check_result *r = &res[nres++];
            double t0 = sl_mono_s();
            sl_check_run(a, it->check, &tg, r);
            if (!r->duration_s)
                r->duration_s = sl_mono_s() - t0;
            snprintf(r->node, sizeof r->node, "%s", it->node);
            snprintf(r->check, sizeof r->check, "%s", it->check->name ? it->check->name : "?");
            if (!r->kind)
                r->kind = sl_check_kind_name(it->check->kind);
            if (!r->status[0])
                snprintf(r->status, sizeof r->status, "error");
            if (!r->severity[0])
                snprintf(r->severity, sizeof r->severity, "%s",
                         it->check->severity == SL_SEVERITY_WARN ? "warn" : "error");
            int pass = strcmp(r->status, "pass") == 0, warn = strcmp(r->status, "warn") == 0;
            if (pass)
                npass++;
            else if (warn || strcmp(r->severity, "warn") == 0)
                nwarn++;
            else if (strcmp(r->status, "error") == 0) /* could not run: counted apart, fails the command too */
                nerror++, nfail++;
            else
                nfail++;
            if (!cli->json && !cli->quiet)
                print_result(r, cli->color);
        }
        sl_error serr = {0};
        if (nres && sl_state_check_results_add(state, run_id, res, nres, &serr) < 0)
            sl_log_warn("check results not kept in the state store: %s", serr.msg);
        else if (nres && sl_incident_report_run_checks(state, al, run_id, &serr) < 0)
            sl_log_warn("check incidents: %s", serr.msg);
        if (cli->json) {
            sl_buf b, arr;
            sl_buf_init(&b);
            sl_buf_init(&arr);
            sl_error jerr = {0};
            if (sl_state_check_results_json(state, run_id, NULL, NULL, 0, 0, &arr, &jerr) < 0 || !arr.len)
                sl_buf_adds(&arr, "[]");
            sl_buf_addf(&b, "{\"schema_version\":1,\"run_id\":\"%s\",\"status\":\"%s\",\"pass\":%zu,\"warn\":%zu,"
                            "\"fail\":%zu,\"checks\":",
                        run_id, nfail ? "fail" : "pass", npass, nwarn, nfail);
            sl_buf_add(&b, arr.data, arr.len);
            sl_buf_adds(&b, "}\n");
            fputs(b.data, stdout);
            sl_buf_release(&b);
            sl_buf_release(&arr);
        } else if (!cli->quiet) {
            if (!nres)
                printf("no checks to run\n");
            printf("\nDone. PASS=%zu WARN=%zu FAIL=%zu ERROR=%zu TOTAL=%zu (run %s)\n", npass, nwarn, nfail - nerror,
                   nerror, nres, run_id);
        }
        for (size_t i = 0; i < nres; i++)
            sl_check_result_release(&res[i]);
        sl_free(res);
        if (al) {
            int lost = sl_alerter_stop(al, 30);
            if (lost)
                sl_log_warn("%d alert%s not delivered", lost, lost == 1 ? "" : "s");
        }
        if (nfail)
            rc = EXIT_FAILED;
    }
    if (a)
        sl_adapter_close(a);
    if (state)
        sl_state_close(state);
    plan_free(&pl);
    sl_free(used);
    sl_free(sel);
    sl_graph_free(g);
    sl_project_free(p);
    opts_release(&o);
    return rc;
}
