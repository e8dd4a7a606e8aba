/*
 * cmd_build.c: the models layer's commands: `sluice build`, `seed`,
 * `snapshot`, `test`, `show`, and `sluice run` in a project with models
 * (pipelines and models in DAG order). They load the project's graph
 * (models/graph.h), select nodes (dbt's -s/--select, --exclude), run them
 * with the executor (models/build.h; pipelines as `sluice run` runs them,
 * through the runner job) and report a line per node as dbt does
 * ("1 of 12 OK created table model main.account_health .... [INSERT 120 in
 * 0.03s]"), or with --json one document (the run_results format, docs/MODELS.md).
 * Every node's result is kept in the state store and in
 * target/run_results.json.
 */
#include "cli/cli.h"
#include "core/log.h"
#include "core/mem.h"
#include "models/build.h"
#include "models/build_checks.h"
#include "sched/incidents.h"
#include "models/graph.h"
#include "models/results.h"
#include "sched/runner.h"
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SELECT_OPTIONS                                                                                         \
    "  -s, --select SEL   nodes to run: names, +name (and its ancestors), name+ (and descendants), 2+name,\n"      \
    "                     tag:T, path:P, config.materialized:M, resource_type:R; a space is a union, a comma\n"  \
    "                     an intersection (`-s \"tag:daily,stg_+\" marts`)\n"                                       \
    "  --exclude SEL      leave these out (same syntax)\n"                                                       \
    "  --target T         the target templates see as target.name (default dev)\n"                              \
    "  --vars '{k: v}'    values for var() (YAML or JSON), over the project's vars:\n"

#define RUN_OPTIONS                                                                                            \
    "  --threads N        nodes run at once (default 4 on PostgreSQL; SQLite has one writer: always 1)\n"        \
    "  --fail-fast        stop starting nodes after the first failure\n"                                        \
    "  --full-refresh     rebuild incremental models (and pipelines' sinks) from scratch\n"

#define RESULTS_TEXT                                                                                           \
    "\nA node that fails skips every node that depends on it (reported SKIP); the exit status is then 1.\n"      \
    "Ctrl-C or SIGTERM: no new node starts, running ones finish, the rest are skipped.\n"                        \
    "Each node's result goes to the state store (sluice history) and target/run_results.json;\n"                \
    "--json prints that document on stdout (format: docs/MODELS.md).\n"

const char sl_cmd_build_details[] = "seeds, pipelines, models, snapshots and tests of the selection in DAG order;\n"
                                    "a node waits for the tests of what it reads, so a failing test stops it.\n\n"
                                    "options:\n" SELECT_OPTIONS RUN_OPTIONS RESULTS_TEXT;
const char sl_cmd_seed_details[] = "loads seeds/*.csv into the warehouse (replaced whole each time).\n\n"
                                   "options:\n" SELECT_OPTIONS RUN_OPTIONS RESULTS_TEXT;
const char sl_cmd_snapshot_details[] = "runs the snapshots (SCD type 2) of the selection.\n\n"
                                       "options:\n" SELECT_OPTIONS RUN_OPTIONS RESULTS_TEXT;
const char sl_cmd_test_details[] =
    "runs the data tests of the selection (generic tests of properties files, singular tests) and the\n"
    "sluice checks of models' properties files (checks:, and columns' tests of sluice kinds).\n"
    "A test fails when its failing rows meet error_if (default != 0), warns on warn_if; severity: warn\n"
    "never fails. store_failures keeps the failing rows in <schema>_dbt_test__audit.<test name>.\n\n"
    "options:\n" SELECT_OPTIONS RUN_OPTIONS RESULTS_TEXT;
const char sl_cmd_show_details[] = "compiles a model (or the --inline SQL) and prints its first rows.\n\n"
                                   "options:\n"
                                   "  --inline SQL       a query instead of a model\n"
                                   "  --limit N          rows to show (default 5)\n"
                                   "  --target T, --vars '{k: v}'  as for build\n"
                                   "--json prints {\"schema_version\":1,\"node\":...,\"columns\":[...],\"rows\":[[...]]}.\n";

static _Atomic int cancel_flag;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&cancel_flag, 1);
}

typedef struct args {
    sl_buf select, exclude;
    const char *target, *vars, *inline_sql;
    int threads, fail_fast, full_refresh, limit;
    sl_run_options run;   /* pipeline-only options of `sluice run` */
    int with_upstream, with_downstream;
} args;

static void args_release(args *a)
{
    sl_buf_release(&a->select);
    sl_buf_release(&a->exclude);
}

/* Parse the options; names (positional) join the selection. -1: usage error (said). */
static int parse(const char *cmd, int argc, char **argv, args *a, int positional)
{
    memset(a, 0, sizeof *a);
    sl_buf_init(&a->select);
    sl_buf_init(&a->exclude);
    a->limit = 5;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        sl_buf *list = NULL;
        if (strcmp(o, "-s") == 0 || strcmp(o, "--select") == 0 || strcmp(o, "-m") == 0 || strcmp(o, "--models") == 0)
            list = &a->select;
        else if (strcmp(o, "--exclude") == 0)
            list = &a->exclude;
        if (list) {
            int any = 0;
            while (i + 1 < argc && argv[i + 1][0] != '-') {
                if (list->len)
                    sl_buf_addc(list, ' ');
                sl_buf_adds(list, argv[++i]);
                any = 1;
            }
            if (!any) {
                fprintf(stderr, "sluice %s: %s needs a selector\n", cmd, o);
                return -1;
            }
            continue;
        }
        int more = i + 1 < argc;
        if (strcmp(o, "--target") == 0 && more)
            a->target = argv[++i];
        else if (strcmp(o, "--vars") == 0 && more)
            a->vars = argv[++i];
        else if (strcmp(o, "--inline") == 0 && more && strcmp(cmd, "show") == 0)
            a->inline_sql = argv[++i];
        else if ((strcmp(o, "--limit") == 0 || strcmp(o, "-n") == 0) && more && strcmp(cmd, "show") == 0) {
            if (sl_cli_count_arg(cmd, o, argv[++i], &a->limit) < 0)
                return -1;
        } else if ((strcmp(o, "--threads") == 0 || strcmp(o, "-t") == 0) && more && strcmp(cmd, "show") != 0) {
            char *end;
            long t = strtol(argv[++i], &end, 10);
            if (*end || t < 1 || t > 64) {
                fprintf(stderr, "sluice %s: --threads wants a number from 1 to 64, not '%s'\n", cmd, argv[i]);
                return -1;
            }
            a->threads = (int)t;
        } else if (strcmp(o, "--fail-fast") == 0 || strcmp(o, "-x") == 0)
            a->fail_fast = 1;
        else if (strcmp(o, "--full-refresh") == 0)
            a->full_refresh = a->run.full_refresh = 1;
        else if (strcmp(cmd, "run") == 0 && strcmp(o, "--restart") == 0)
            a->run.restart = 1;
        else if (strcmp(cmd, "run") == 0 && strcmp(o, "--full-resync") == 0)
            a->run.full_resync = 1;
        else if (strcmp(cmd, "run") == 0 && strcmp(o, "--allow-deletes") == 0)
            a->run.allow_deletes = 1;
        else if (strcmp(cmd, "run") == 0 && strcmp(o, "--with-upstream") == 0)
            a->with_upstream = 1;
        else if (strcmp(cmd, "run") == 0 && strcmp(o, "--with-downstream") == 0)
            a->with_downstream = 1;
        else if (o[0] == '-') {
            fprintf(stderr, "sluice %s: unknown option '%s'%s\n", cmd, o,
                    i + 1 == argc && (strcmp(o, "--target") == 0 || strcmp(o, "--vars") == 0 ||
                                      strcmp(o, "--threads") == 0 || strcmp(o, "--limit") == 0)
                        ? " (it needs a value)"
                        : "");
            return -1;
        } else if (positional) {
            if (a->select.len)
                sl_buf_addc(&a->select, ' ');
            sl_buf_adds(&a->select, o);
        } else {
            fprintf(stderr, "sluice %s: unexpected argument '%s' (select nodes with -s)\n", cmd, o);
            return -1;
        }
    }
    /* `run --with-upstream a` is `-s +a`, --with-downstream `a+` */
    if ((a->with_upstream || a->with_downstream) && a->select.len) {
        sl_buf w;
        sl_buf_init(&w);
        const char *p = a->select.data;
        while (*p) {
            size_t n = strcspn(p, " ");
            sl_buf_addf(&w, "%s%s%.*s%s", w.len ? " " : "", a->with_upstream ? "+" : "", (int)n, p,
                        a->with_downstream ? "+" : "");
            p += n + (p[n] == ' ');
        }
        sl_buf_release(&a->select);
        a->select = w;
    }
    return 0;
}

/* ---- loading ---------------------------------------------------------------- */

static sl_graph *load_graph(sl_cli *cli, sl_project *p, const args *a)
{
    sl_diags d;
    sl_diags_init(&d);
    sl_graph_opts go = {.target_name = a->target, .vars_yaml = a->vars};
    sl_graph *g = NULL;
    if (sl_graph_load(p, &go, &g, &d) < 0 || !g) {
        sl_buf b;
        sl_buf_init(&b);
        if (cli->json) {
            sl_buf_adds(&b, "{\"schema_version\":1,\"error\":{\"code\":\"config_invalid\",\"message\":");
            char m[64];
            snprintf(m, sizeof m, "%zu problem%s in the project's models", d.n, d.n == 1 ? "" : "s");
            sl_buf_add_json_str(&b, m, strlen(m));
            sl_buf_adds(&b, ",\"diagnostics\":");
            sl_diags_json(&d, &b);
            sl_buf_adds(&b, "}}\n");
            fputs(b.data, stdout);
        } else {
            sl_diags_format(&d, &b);
            fputs(b.data, stderr);
            if (!d.n)
                fputs("sluice: error: the project's models could not be loaded\n", stderr);
        }
        sl_buf_release(&b);
        sl_diags_release(&d);
        if (g)
            sl_graph_free(g);
        return NULL;
    }
    sl_diags_release(&d);
    return g;
}

/* ---- reporting -------------------------------------------------------------- */

typedef struct reporter {
    sl_cli *cli;
    sl_project *p;
    sl_state *state;
    sl_run_options run;
    const char *command;
    sl_alerter *alerter;
} reporter;

static void relation_name(const sl_graph *g, const sl_node *n, char *out, size_t cap)
{
    const char *schema = n->schema ? n->schema : g->target.schema ? g->target.schema : "main";
    snprintf(out, cap, "%s.%s", schema, n->identifier ? n->identifier : n->name);
}

static void report(void *ctx, const sl_graph *g, const sl_node_result *r, size_t k, size_t total)
{
    reporter *rp = ctx;
    if (rp->cli->json || rp->cli->quiet)
        return;
    const sl_node *n = &g->nodes[r->node];
    int color = rp->cli->color;
    const char *green = color ? "\033[32m" : "", *red = color ? "\033[31m" : "", *yellow = color ? "\033[33m" : "",
               *off = color ? "\033[0m" : "";
    char what[512], rel[300], tail[256];
    const char *st = r->status, *c = green, *word = "OK";
    relation_name(g, n, rel, sizeof rel);
    const char *mat = n->config.materialized ? n->config.materialized : "view";
    if (strcmp(st, "skipped") == 0) {
        c = yellow, word = "SKIP";
        snprintf(what, sizeof what, "%s %s", sl_build_kind_name(n->kind), n->name);
    } else if (n->kind == SL_NODE_TEST) {
        word = strcmp(st, "pass") == 0 ? "PASS" : strcmp(st, "warn") == 0 ? "WARN" : strcmp(st, "fail") == 0 ? "FAIL" : "ERROR";
        c = strcmp(st, "pass") == 0 ? green : strcmp(st, "warn") == 0 ? yellow : red;
        if (r->failures > 0)
            snprintf(what, sizeof what, "%lld %s", (long long)r->failures, n->name);
        else
            snprintf(what, sizeof what, "%s", n->name);
    } else {
        int ok = strcmp(st, "success") == 0;
        c = ok ? green : red, word = ok ? "OK" : "ERROR";
        switch (n->kind) {
        case SL_NODE_PIPELINE: snprintf(what, sizeof what, "%s pipeline %s", ok ? "ran" : "running", n->name); break;
        case SL_NODE_SEED: snprintf(what, sizeof what, "%s seed file %s", ok ? "loaded" : "loading", rel); break;
        case SL_NODE_SNAPSHOT: snprintf(what, sizeof what, "%s snapshot %s", ok ? "snapshotted" : "snapshotting", rel); break;
        default: snprintf(what, sizeof what, "%s %s model %s", ok ? "created" : "creating", mat, rel); break;
        }
    }
    if (strcmp(st, "skipped") == 0)
        snprintf(tail, sizeof tail, "[%sSKIP%s]", c, off);
    else if (strcmp(st, "success") == 0 && r->message[0])
        snprintf(tail, sizeof tail, "[%s in %.2fs]", r->message, r->duration_s);
    else
        snprintf(tail, sizeof tail, "[%s%s%s in %.2fs]", c, word, off, r->duration_s);
    char head[64];
    int hn = snprintf(head, sizeof head, "%zu of %zu ", k + 1, total);
    int len = hn + (int)strlen(word) + 1 + (int)strlen(what);
    printf("%s%s%s%s %s ", head, c, word, off, what);
    for (int i = len + 1; i < 78; i++)
        putchar('.');
    printf(" %s\n", tail);
    if (strcmp(st, "skipped") == 0 && r->message[0])
        printf("    skipped: %s\n", r->message);
    else if (strcmp(st, "success") != 0 && strcmp(st, "pass") != 0 && r->message[0])
        printf("    %s\n", r->message);
    for (const char *l = r->notes; l && *l;) { /* a pipeline's checks that did not pass */
        const char *e = strchr(l, '\n');
        size_t ll = e ? (size_t)(e - l) : strlen(l);
        printf("    %.*s\n", (int)ll, l);
        l = e ? e + 1 : l + ll;
    }
    fflush(stdout);
}

/* A pipeline node runs as `sluice run` runs it: the runner job. */
static int run_pipeline(void *ctx, sl_graph *g, size_t i, sl_node_result *r)
{
    reporter *rp = ctx;
    const sl_node *n = &g->nodes[i];
    sl_pipeline *pl = n->pipeline ? n->pipeline : sl_project_find(rp->p, n->name);
    if (!pl) {
        snprintf(r->status, sizeof r->status, "error");
        snprintf(r->message, sizeof r->message, "no pipeline called '%s'", n->name);
        return -1;
    }
    sl_job job = {.project = rp->p, .pipeline = pl, .state = rp->state, .opts = rp->run, .alerter = rp->alerter,
                  .trigger = rp->command};
    job.opts.cancel = &cancel_flag;
    int rc = sl_job_run(&job);
    snprintf(r->run_id, sizeof r->run_id, "%s", job.res.run_id);
    snprintf(r->status, sizeof r->status, "%s", rc == 0 ? "success" : "error");
    if (job.res.checks_text[0])
        r->notes = sl_strdup(job.res.checks_text);
    r->rows_affected = job.res.counts.loaded;
    if (rc == 0)
        snprintf(r->message, sizeof r->message, "read %lld, loaded %lld, filtered %lld, rejected %lld",
                 (long long)job.res.counts.read, (long long)job.res.counts.loaded,
                 (long long)job.res.counts.filtered, (long long)job.res.counts.rejected);
    else
        snprintf(r->message, sizeof r->message, "%s: %s", job.res.status,
                 job.res.error[0] ? job.res.error : "the pipeline did not succeed");
    return rc;
}

static void summary(sl_cli *cli, const sl_graph *g, const sl_build *b)
{
    if (cli->json || cli->quiet)
        return;
    double sql = 0, total = 0;
    size_t ran = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->results[i].started_at[0]) {
            sql += b->results[i].sql_s;
            total += b->results[i].duration_s;
            ran++;
        }
    printf("\nFinished running %zu node%s in %.2fs (%d thread%s; in the warehouse %.2fs, sluice's own %.2f ms per node).\n",
           b->n, b->n == 1 ? "" : "s", b->elapsed_s, b->threads, b->threads == 1 ? "" : "s", sql,
           ran ? (total - sql) * 1000.0 / (double)ran : 0.0);
    int first = 1;
    for (size_t i = 0; i < b->n; i++) {
        const sl_node_result *r = &b->results[i];
        if (strcmp(r->status, "error") != 0 && strcmp(r->status, "fail") != 0)
            continue;
        const sl_node *n = &g->nodes[r->node];
        if (first)
            printf("\n");
        first = 0;
        printf("%s in %s %s (%s)\n  %s\n", strcmp(r->status, "fail") == 0 ? "Failure" : "Error",
               sl_build_kind_name(n->kind), n->name, n->file ? n->file : n->unique_id, r->message);
    }
    printf("\nDone. PASS=%zu WARN=%zu ERROR=%zu SKIP=%zu TOTAL=%zu\n", b->nsuccess, b->nwarn, b->nerror, b->nskipped,
           b->n);
}

/* ---- the commands ----------------------------------------------------------- */

static int run_build(sl_cli *cli, sl_project *p, args *a, const char *command, unsigned kinds)
{
    sl_graph *g = load_graph(cli, p, a);
    if (!g)
        return EXIT_USAGE;
    sl_error err = {0};
    uint8_t *sel = sl_calloc(g->n + 1, 1);
    if (sl_graph_select(g, a->select.len ? a->select.data : NULL, a->exclude.len ? a->exclude.data : NULL, sel,
                        &err) < 0) {
        sl_free(sel);
        sl_graph_free(g);
        return sl_cli_fail(cli, EXIT_USAGE, &err);
    }
    sl_state *state = sl_cli_state(cli, p);
    if (!state) {
        sl_free(sel);
        sl_graph_free(g);
        return EXIT_FAILED;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    reporter rp = {.cli = cli, .p = p, .state = state, .run = a->run, .command = command};
    rp.run.progress = 0;
    rp.alerter = sl_alerter_start(p->alerts, p->name);
    sl_build_opts o = {.sel = sel,
                       .kinds = kinds,
                       .threads = a->threads,
                       .fail_fast = a->fail_fast,
                       .full_refresh = a->full_refresh,
                       .cancel = &cancel_flag,
                       .ops = {.pipeline = run_pipeline, .report = report, .ctx = &rp}};
    char invocation[40];
    sl_state_new_run_id(invocation);
    o.state = state;
    o.run_id = invocation;
    o.alerter = rp.alerter;
    sl_build b;
    int rc = sl_build_run(g, &o, &b, &err);
    if (rc < 0 && err.msg[0] && b.n == 0) {
        sl_build_free(&b);
        sl_alerter_stop(rp.alerter, 30);
        sl_state_close(state);
        sl_free(sel);
        sl_graph_free(g);
        return sl_cli_fail(cli, EXIT_FAILED, &err);
    }
    sl_error werr = {0};
    if (sl_results_store(state, g, &b, invocation, &werr) < 0)
        sl_log_warn("node results not kept in the state store: %s", werr.msg);
    /* checks and tests: kept per invocation, alerted once per incident */
    if (sl_build_store_checks(state, &b, invocation, &werr) < 0)
        sl_log_warn("check results not kept in the state store: %s", werr.msg);
    else if (sl_incident_report_run_checks(state, rp.alerter, invocation, &werr) < 0)
        sl_log_warn("check incidents: %s", werr.msg);
    if (sl_results_write(g, &b, invocation, command, &werr) < 0)
        sl_log_warn("%s", werr.msg);
    if (sl_graph_write_manifest(g, &werr) < 0)
        sl_log_warn("target/manifest.json: %s", werr.msg);
    if (b.n == 0 && !cli->json)
        fprintf(stderr, "sluice: nothing to %s: the selection has no %s\n", command,
                strcmp(command, "seed") == 0       ? "seeds"
                : strcmp(command, "snapshot") == 0 ? "snapshots"
                : strcmp(command, "test") == 0     ? "tests"
                                                   : "nodes to run");
    summary(cli, g, &b);
    if (cli->json) {
        sl_buf doc;
        sl_buf_init(&doc);
        sl_buf_adds(&doc, "{\"schema_version\":1,\"command\":");
        sl_buf_add_json_str(&doc, command, strlen(command));
        sl_buf_adds(&doc, ",");
        size_t at = doc.len;
        sl_results_json(g, &b, invocation, command, &doc);
        /* splice: drop the inner document's opening brace */
        memmove(doc.data + at, doc.data + at + 1, doc.len - at);
        doc.len--;
        sl_buf_addc(&doc, '\n');
        fputs(doc.data, stdout);
        sl_buf_release(&doc);
    }
    int lost = sl_alerter_stop(rp.alerter, 30);
    if (lost)
        sl_log_warn("%d alert%s not delivered", lost, lost == 1 ? "" : "s");
    sl_build_free(&b);
    sl_state_close(state);
    sl_free(sel);
    sl_graph_free(g);
    if (atomic_load(&cancel_flag) && !cli->json)
        fprintf(stderr, "sluice: interrupted: nodes not started were skipped\n");
    return rc < 0 ? EXIT_FAILED : EXIT_OK;
}

static int command(sl_cli *cli, int argc, char **argv, const char *name, unsigned kinds)
{
    args a;
    if (parse(name, argc, argv, &a, 0) < 0) {
        args_release(&a);
        return EXIT_USAGE;
    }
    sl_project *p = sl_cli_project(cli);
    if (!p) {
        args_release(&a);
        return EXIT_USAGE;
    }
    int rc = run_build(cli, p, &a, name, kinds);
    sl_project_free(p);
    args_release(&a);
    return rc;
}

int cmd_build(sl_cli *cli, int argc, char **argv)
{
    return command(cli, argc, argv, "build", SL_BUILD_ALL);
}

int cmd_seed(sl_cli *cli, int argc, char **argv)
{
    return command(cli, argc, argv, "seed", SL_BUILD_KIND(SL_NODE_SEED));
}

int cmd_snapshot(sl_cli *cli, int argc, char **argv)
{
    return command(cli, argc, argv, "snapshot", SL_BUILD_KIND(SL_NODE_SNAPSHOT));
}

int cmd_test(sl_cli *cli, int argc, char **argv)
{
    return command(cli, argc, argv, "test", SL_BUILD_KIND(SL_NODE_TEST));
}

int cmd_run_models(sl_cli *cli, sl_project *p, int argc, char **argv, int *rc)
{
    int dry = 0, select = 0;
    for (int i = 0; i < argc; i++) {
        dry |= strcmp(argv[i], "--dry-run") == 0;
        select |= strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--select") == 0 || strcmp(argv[i], "--exclude") == 0 ||
                  strcmp(argv[i], "--threads") == 0 || strcmp(argv[i], "--fail-fast") == 0 ||
                  strcmp(argv[i], "--target") == 0 || strcmp(argv[i], "--vars") == 0;
    }
    if (dry || (!select && !sl_build_has_models(p)))
        return 0;
    args a;
    if (parse("run", argc, argv, &a, 1) < 0) {
        args_release(&a);
        *rc = EXIT_USAGE;
        return 1;
    }
    *rc = run_build(cli, p, &a, "run", SL_BUILD_KIND(SL_NODE_PIPELINE) | SL_BUILD_KIND(SL_NODE_MODEL));
    args_release(&a);
    return 1;
}

/* ---- sluice show ----------------------------------------------------------- */

typedef struct table {
    size_t ncols, nrows;
    char **names;
    char **cells; /* nrows * ncols, NULL for SQL NULL */
} table;

static int collect(void *ctx, size_t ncols, const char *const *names, const char *const *cells)
{
    table *t = ctx;
    if (!t->names) {
        t->ncols = ncols;
        t->names = sl_calloc(ncols + 1, sizeof *t->names);
        for (size_t i = 0; i < ncols; i++)
            t->names[i] = sl_strdup(names[i] ? names[i] : "");
    }
    t->cells = sl_realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *t->cells);
    for (size_t i = 0; i < t->ncols; i++)
        t->cells[t->nrows * t->ncols + i] = i < ncols && cells[i] ? sl_strdup(cells[i]) : NULL;
    t->nrows++;
    return 0;
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->ncols; i++)
        sl_free(t->names[i]);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        sl_free(t->cells[i]);
    sl_free(t->names);
    sl_free(t->cells);
}

static size_t width(const char *s)
{
    size_t w = 0;
    for (; s && *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void print_cell(const char *s, size_t w)
{
    /* control characters would move the terminal's cursor: shown as spaces */
    size_t n = 0;
    for (const char *q = s; *q; q++) {
        putchar((unsigned char)*q < 0x20 ? ' ' : *q);
        n += ((unsigned char)*q & 0xC0) != 0x80;
    }
    for (; n < w; n++)
        putchar(' ');
}

static void print_table(const table *t)
{
    size_t *w = sl_calloc(t->ncols + 1, sizeof *w);
    for (size_t c = 0; c < t->ncols; c++) {
        w[c] = width(t->names[c]);
        for (size_t r = 0; r < t->nrows; r++) {
            const char *v = t->cells[r * t->ncols + c];
            size_t x = width(v ? v : "NULL");
            if (x > w[c])
                w[c] = x;
        }
    }
    for (size_t c = 0; c < t->ncols; c++) {
        fputs(c ? " | " : "| ", stdout);
        print_cell(t->names[c], w[c]);
    }
    puts(t->ncols ? " |" : "");
    for (size_t c = 0; c < t->ncols; c++) {
        fputs(c ? "-+-" : "|-", stdout);
        for (size_t k = 0; k < w[c]; k++)
            putchar('-');
    }
    puts(t->ncols ? "-|" : "");
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *v = t->cells[r * t->ncols + c];
            fputs(c ? " | " : "| ", stdout);
            print_cell(v ? v : "NULL", w[c]);
        }
        puts(" |");
    }
    sl_free(w);
}

int cmd_show(sl_cli *cli, int argc, char **argv)
{
    args a;
    const char *model = NULL;
    int rc = EXIT_USAGE;
    /* the model is the one positional argument */
    char **rest = sl_calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] != '-' && !model && (i == 0 || (strcmp(argv[i - 1], "--limit") != 0 &&
                                                       strcmp(argv[i - 1], "-n") != 0 &&
                                                       strcmp(argv[i - 1], "--inline") != 0 &&
                                                       strcmp(argv[i - 1], "--target") != 0 &&
                                                       strcmp(argv[i - 1], "--vars") != 0 &&
                                                       strcmp(argv[i - 1], "-s") != 0 &&
                                                       strcmp(argv[i - 1], "--select") != 0)))
            model = argv[i];
        else
            rest[nrest++] = argv[i];
    }
    if (parse("show", nrest, rest, &a, 0) < 0)
        goto out_args;
    if (!model && a.select.len)
        model = a.select.data;
    if (!model == !a.inline_sql || a.limit < 0) {
        fprintf(stderr, "usage: sluice show MODEL [--limit N] | sluice show --inline SQL [--limit N]\n");
        goto out_args;
    }
    sl_project *p = sl_cli_project(cli);
    if (!p)
        goto out_args;
    sl_graph *g = load_graph(cli, p, &a);
    if (!g) {
        sl_project_free(p);
        goto out_args;
    }
    sl_error err = {0};
    sl_buf sql, q;
    sl_buf_init(&sql);
    sl_buf_init(&q);
    sl_adapter *ad = NULL;
    table t = {0};
    int64_t i = -1;
    if (model) {
        i = sl_graph_find(g, model);
        if (i < 0 || g->nodes[i].kind == SL_NODE_TEST || g->nodes[i].kind == SL_NODE_PIPELINE) {
            const char **known = sl_calloc(g->n + 1, sizeof *known);
            size_t nk = 0;
            for (size_t k = 0; k < g->n; k++)
                if (g->nodes[k].kind == SL_NODE_MODEL || g->nodes[k].kind == SL_NODE_SEED ||
                    g->nodes[k].kind == SL_NODE_SNAPSHOT || g->nodes[k].kind == SL_NODE_ANALYSIS)
                    known[nk++] = g->nodes[k].name;
            const char *sug = sl_suggest(model, known, nk);
            sl_error_set(&err, SL_EUSAGE, "no model called '%s'%s%s%s", model, sug ? "; did you mean '" : "",
                         sug ? sug : "", sug ? "'?" : "");
            sl_free(known);
            rc = sl_cli_fail(cli, EXIT_USAGE, &err);
            goto out;
        }
    }
    if (sl_build_open_adapter(g, &ad, &err) < 0) {
        rc = sl_cli_fail(cli, EXIT_FAILED, &err);
        goto out;
    }
    if (model && (g->nodes[i].kind == SL_NODE_SEED || g->nodes[i].mtype || g->nodes[i].mtype_owner)) {
        /* a seed, a typed model (models/mtype.h) or one of its outputs has no SQL: its table */
        sl_adapter_relation_sql(ad, (sl_relation){g->nodes[i].schema, g->nodes[i].identifier}, &q);
        sl_buf_adds(&sql, "SELECT * FROM ");
        sl_buf_add(&sql, q.data, q.len);
        sl_buf_reset(&q);
    } else if (model && sl_graph_compile(g, (size_t)i, 0, &sql, &err) < 0) {
        rc = sl_cli_fail(cli, EXIT_USAGE, &err);
        goto out;
    } else if (!model)
        sl_buf_adds(&sql, a.inline_sql);
    while (sql.len && (sql.data[sql.len - 1] == ';' || sql.data[sql.len - 1] == '\n' || sql.data[sql.len - 1] == ' '))
        sql.data[--sql.len] = 0;
    sl_buf_addf(&q, "SELECT * FROM (\n%s\n) sluice_show LIMIT %d", sql.data, a.limit);
    if (sl_adapter_query(ad, q.data, (size_t)a.limit, collect, &t, &err) < 0) {
        sl_error_prefix(&err, "%s", model ? model : "--inline");
        rc = sl_cli_fail(cli, EXIT_FAILED, &err);
        goto out;
    }
    if (cli->json) {
        sl_buf b;
        sl_buf_init(&b);
        sl_buf_adds(&b, "{\"schema_version\":1,\"node\":");
        if (model)
            sl_buf_add_json_str(&b, g->nodes[i].unique_id, strlen(g->nodes[i].unique_id));
        else
            sl_buf_adds(&b, "null");
        sl_buf_adds(&b, ",\"columns\":[");
        for (size_t c = 0; c < t.ncols; c++) {
            if (c)
                sl_buf_addc(&b, ',');
            sl_buf_add_json_str(&b, t.names[c], strlen(t.names[c]));
        }
        sl_buf_adds(&b, "],\"rows\":[");
        for (size_t r = 0; r < t.nrows; r++) {
            sl_buf_adds(&b, r ? ",[" : "[");
            for (size_t c = 0; c < t.ncols; c++) {
                const char *v = t.cells[r * t.ncols + c];
                if (c)
                    sl_buf_addc(&b, ',');
                if (v)
                    sl_buf_add_json_str(&b, v, strlen(v));
                else
                    sl_buf_adds(&b, "null");
            }
            sl_buf_addc(&b, ']');
        }
        sl_buf_adds(&b, "]}\n");
        fputs(b.data, stdout);
        sl_buf_release(&b);
    } else {
        if (model)
            printf("Previewing node '%s':\n", g->nodes[i].name);
        else
            printf("Previewing inline node:\n");
        print_table(&t);
    }
    rc = EXIT_OK;
out:
    table_free(&t);
    if (ad)
        sl_adapter_close(ad);
    sl_buf_release(&sql);
    sl_buf_release(&q);
    sl_graph_free(g);
    sl_project_free(p);
out_args:
    args_release(&a);
    sl_free(rest);
    return rc;
}
