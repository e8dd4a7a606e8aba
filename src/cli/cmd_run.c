/*
 * cmd_run.c: `sluice run [PIPELINE...]`: run pipelines in dependency
 * order (each as a job: timeout, retries, alerts; sched/runner.h) and
 * report each run's counts (human lines on stderr, or one JSON document on
 * stdout, with each sink's counts; a dry run's is its plan). A pipeline
 * whose upstream failed in this invocation is skipped.
 */
#include "cli/cli.h"
#include "core/log.h"
#include "core/mem.h"
#include "engine/pipeline.h"
#include "sched/dag.h"
#include "sched/runner.h"
#include "sched/stream.h"
#include "sched/schedule.h"
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char sl_cmd_run_details[] =
    "options:\n"
    "  --full-refresh     rebuild every sink from the whole source. Resets: the source's incremental state\n"
    "                     (new_files' list, SQL and HTTP cursors) for this run, and the open epoch (a new\n"
    "                     one starts unless the open one is an interrupted full refresh, which is resumed).\n"
    "                     Destination: sqlite/postgres tables are rebuilt whatever their mode (append,\n"
    "                     upsert, full_refresh): rows are staged and the table's rows are replaced in one\n"
    "                     transaction at the end, so readers see the old table until then and its views,\n"
    "                     grants and indexes stay; csv/jsonl files are rewritten and renamed into place;\n"
    "                     http sinks send every row again (as --full-resync) and delete nothing for it.\n"
    "                     A crash leaves the old table; the next run resumes the refresh.\n"
    "  --restart          abandon the pipeline's unfinished run (its open epoch) instead of resuming it.\n"
    "                     Resets: the epoch's positions only; incremental state stays. Destination: what\n"
    "                     the unfinished run committed stays (append tables keep its rows).\n"
    "  --full-resync      http sinks send every row, changed or not. Resets: nothing (the sync records'\n"
    "                     hashes are rewritten as rows are sent). Destination: records updated, none deleted.\n"
    "  --dry-run          read and transform, write and send nothing; http sinks say what they would send\n"
    "                     (with --json: a plan per pipeline: source inputs, transforms, sinks' counts and\n"
    "                     first requests). Checks (checks:) are not evaluated, as nothing is loaded: the\n"
    "                     run says so (the plan: \"checks\": {\"count\": N, \"evaluated\": false}).\n"
    "  --allow-deletes    mirror sinks may delete more than max_deletes in this run.\n"
    "  --with-upstream, --with-downstream  also run the named pipelines' after: neighbours.\n"
    "\n"
    "--json prints {\"schema_version\":1,\"runs\":[...]}: per run the counts, and per sink rows created,\n"
    "updated, deleted, unchanged and failed (see README: \"sluice run --json\").\n"
    "\n"
    "In a project with models (a models/ folder or a dbt_project.yml), or with -s/--select, --exclude,\n"
    "--threads, --fail-fast, --target or --vars, `sluice run` runs the selected pipelines and models (names\n"
    "of either) in DAG order, as `sluice build` does without seeds, snapshots and tests, and reports like it\n"
    "(see `sluice build --help`). --dry-run always runs pipelines only.\n";

static _Atomic int cancel_flag;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&cancel_flag, 1);
}

/* A dry run evaluates no check (it loads nothing: docs/quality/pipelines.md):
 * say so, naming them, so that a clean dry run is not read as passing checks. */
static void dry_run_checks(const sl_pipeline *pl)
{
    sl_buf names;
    sl_buf_init(&names);
    for (size_t i = 0; i < pl->checks.n && i < 10; i++) {
        const char *n = pl->checks.v[i].name ? pl->checks.v[i].name : "?";
        sl_buf_adds(&names, i ? ", " : "");
        sl_buf_adds(&names, n);
    }
    if (pl->checks.n > 10)
        sl_buf_addf(&names, " and %zu more", pl->checks.n - 10);
    fprintf(stderr, "%s: %zu check%s not evaluated in a dry run (nothing is loaded): %s\n", pl->name, pl->checks.n,
            pl->checks.n == 1 ? "" : "s", names.data ? names.data : "");
    sl_buf_release(&names);
}

static void result_json(sl_buf *b, const char *pipeline, const sl_run_result *r)
{
    sl_buf_adds(b, "{\"pipeline\":");
    sl_buf_add_json_str(b, pipeline, strlen(pipeline));
    sl_buf_adds(b, ",\"run_id\":");
    sl_buf_add_json_str(b, r->run_id, strlen(r->run_id));
    sl_buf_addf(b,
                ",\"status\":\"%s\",\"resumed\":%s,\"rows_read\":%lld,\"rows_loaded\":%lld,"
                "\"rows_filtered\":%lld,\"rows_rejected\":%lld,\"rows_derived\":%lld,\"rows_stale\":%lld,\"bytes_read\":%lld,"
                "\"ranges\":%lld,\"range_workers\":%lld,\"duration_s\":%.3f,\"error\":",
                r->status, r->resumed ? "true" : "false", (long long)r->counts.read, (long long)r->counts.loaded,
                (long long)r->counts.filtered, (long long)r->counts.rejected, (long long)r->counts.derived,
                (long long)r->stale, (long long)r->counts.bytes, (long long)r->counts.ranges,
                (long long)r->counts.range_workers, r->duration_s);
    if (r->error[0])
        sl_buf_add_json_str(b, r->error, strlen(r->error));
    else
        sl_buf_adds(b, "null");
    sl_buf_addf(b, ",\"full_refresh\":%s,\"sinks\":[", r->full_refresh ? "true" : "false");
    for (size_t i = 0, n = 0; i < r->nsinks; i++) {
        const sl_run_sink *s = &r->sinks[i];
        if (!s->ran)
            continue;
        sl_buf_adds(b, n++ ? ",{\"id\":" : "{\"id\":");
        sl_buf_add_json_str(b, s->id, strlen(s->id));
        sl_buf_adds(b, ",\"type\":");
        sl_buf_add_json_str(b, s->type, strlen(s->type));
        sl_buf_addf(b,
                    ",\"rows_created\":%lld,\"rows_updated\":%lld,\"rows_deleted\":%lld,\"rows_unchanged\":%lld,"
                    "\"rows_failed\":%lld}",
                    (long long)s->c.created, (long long)s->c.updated, (long long)s->c.deleted,
                    (long long)s->c.unchanged, (long long)s->c.failed);
    }
    sl_buf_addc(b, ']');
    /* the pipeline's checks (engine/checks.h): [] without any */
    sl_buf_adds(b, ",\"checks\":");
    sl_buf_adds(b, r->checks[0] ? r->checks : "[]");
    if (strcmp(r->run_id, "dry-run") == 0) {
        /* nothing was loaded: rows_loaded counts the rows that would be */
        sl_buf_adds(b, ",\"dry_run\":true,\"plan\":");
        sl_buf_adds(b, r->plan[0] ? r->plan : "null");
    }
    sl_buf_addc(b, '}');
}

int cmd_run(sl_cli *cli, int argc, char **argv)
{
    sl_run_options opts = {0};
    const char **names = sl_calloc((size_t)argc + 1, sizeof *names);
    size_t nnames = 0;
    int upstream = 0, downstream = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--with-upstream") == 0)
            upstream = 1;
        else if (strcmp(argv[i], "--with-downstream") == 0)
            downstream = 1;
        else if (strcmp(argv[i], "--full-refresh") == 0)
            opts.full_refresh = 1;
        else if (strcmp(argv[i], "--restart") == 0)
            opts.restart = 1;
        else if (strcmp(argv[i], "--full-resync") == 0)
            opts.full_resync = 1;
        else if (strcmp(argv[i], "--dry-run") == 0)
            opts.dry_run = 1;
        else if (strcmp(argv[i], "--allow-deletes") == 0)
            opts.allow_deletes = 1;
        else if (strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--select") == 0 || strcmp(argv[i], "--exclude") == 0 ||
                 strcmp(argv[i], "--fail-fast") == 0)
            ; /* the models layer's options: cmd_run_models (cmd_build.c) reads them */
        else if ((strcmp(argv[i], "--threads") == 0 || strcmp(argv[i], "--target") == 0 ||
                  strcmp(argv[i], "--vars") == 0) && i + 1 < argc)
            i++;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "sluice run: unknown option '%s'\n", argv[i]);
            sl_free(names);
            return EXIT_USAGE;
        } else
            names[nnames++] = argv[i];
    }
    sl_project *p = sl_cli_project(cli);
    if (!p) {
        sl_free(names);
        return EXIT_USAGE;
    }
    int models_rc;
    if (cmd_run_models(cli, p, argc, argv, &models_rc)) {
        sl_project_free(p);
        sl_free(names);
        return models_rc;
    }
    for (size_t i = 0; i < nnames; i++)
        if (!sl_project_find(p, names[i])) {
            sl_error err;
            const char **known = sl_calloc(p->npipelines + 1, sizeof *known);
            for (size_t k = 0; k < p->npipelines; k++)
                known[k] = p->pipelines[k]->name;
            const char *sug = sl_suggest(names[i], known, p->npipelines);
            if (sug)
                sl_error_set(&err, SL_EUSAGE, "no pipeline called '%s' in %s; did you mean '%s'?", names[i], p->dir,
                             sug);
            else
                sl_error_set(&err, SL_EUSAGE, "no pipeline called '%s' in %s", names[i], p->dir);
            sl_free(known);
            sl_free(names);
            sl_project_free(p);
            return sl_cli_fail(cli, EXIT_USAGE, &err);
        }
    sl_state *state = sl_cli_state(cli, p);
    if (!state) {
        sl_free(names);
        sl_project_free(p);
        return EXIT_FAILED;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    opts.cancel = &cancel_flag;
    opts.progress = !cli->json && !cli->quiet && isatty(2);

    /* the selection, widened to its neighbourhood, in dependency order */
    int *sel = sl_calloc(p->npipelines + 1, sizeof *sel), *bad = sl_calloc(p->npipelines + 1, sizeof *bad);
    for (size_t i = 0; i < p->npipelines; i++) {
        sel[i] = nnames == 0;
        for (size_t k = 0; k < nnames; k++)
            sel[i] |= strcmp(names[k], p->pipelines[i]->name) == 0;
    }
    sl_dag_expand(p, sel, upstream, downstream);
    size_t *order = sl_calloc(p->npipelines + 1, sizeof *order);
    sl_dag_order(p, order);
    sl_alerter *alerter = opts.dry_run ? NULL : sl_alerter_start(p->alerts, p->name);

    int failed = 0;
    sl_buf out;
    sl_buf_init(&out);
    sl_buf_adds(&out, "{\"schema_version\":1,\"runs\":[");
    size_t count = 0;
    for (size_t n = 0; n < p->npipelines; n++) {
        size_t i = order[n];
        sl_pipeline *pl = p->pipelines[i];
        if (!sel[i] || atomic_load(&cancel_flag))
            continue;
        const char *blocked = NULL;
        for (size_t k = 0; k < pl->schedule->after.n && !blocked; k++) {
            int j = sl_dag_index(p, pl->schedule->after.v[k]);
            if (j >= 0 && bad[j])
                blocked = pl->schedule->after.v[k];
        }
        if (blocked) {
            bad[i] = 1;
            failed = 1;
            if (!cli->json)
                fprintf(stderr, "%s: skipped: upstream %s did not succeed\n", pl->name, blocked);
            continue;
        }
        /* a stream pipeline: each of its lanes once, draining what its spool holds (sched/stream.h) */
        size_t nunits = sl_stream_pipeline(pl) ? sl_stream_lane_count(pl) : 1;
        for (size_t u = 0; u < nunits; u++) {
            sl_pipeline *rp = pl;
            if (sl_stream_pipeline(pl)) {
                sl_error lerr = {0};
                rp = sl_stream_lane_load(p, pl, u, &lerr);
                if (!rp) {
                    failed = 1;
                    bad[i] = 1;
                    fprintf(stderr, "%s: error: %s\n", pl->name, lerr.msg);
                    continue;
                }
            }
            sl_job job = {.project = p, .pipeline = rp, .state = state, .opts = opts, .alerter = alerter};
            int rc = sl_job_run(&job);
            sl_run_result r = job.res;
            if (rc < 0) {
                failed = 1;
                bad[i] = 1;
            }
            if (count++)
                sl_buf_addc(&out, ',');
            result_json(&out, rp->name, &r);
            if (!cli->json) {
                const char *c0 = cli->color ? (strcmp(r.status, "success") == 0 ? "\033[32m" : "\033[31m") : "";
                const char *c1 = cli->color ? "\033[0m" : "";
                char derived[48] = "";
                if (r.counts.derived)
                    snprintf(derived, sizeof derived, ", derived %lld", (long long)r.counts.derived);
                fprintf(stderr,
                        "%s: %s%s%s%s%s  read %lld%s, %s %lld, filtered %lld, rejected %lld in %.2fs (run %.8s%s)\n",
                        rp->name, c0, r.status, c1, r.resumed ? " (resumed)" : "",
                        r.full_refresh && !opts.dry_run ? " (full refresh)" : "", (long long)r.counts.read, derived,
                        opts.dry_run ? "would load" : "loaded",
                        (long long)r.counts.loaded, (long long)r.counts.filtered, (long long)r.counts.rejected,
                        r.duration_s, r.run_id, job.attempts > 1 ? ", after retries" : "");
                if (r.error[0])
                    fprintf(stderr, "%s: error: %s\n", rp->name, r.error);
                /* one line per check that did not pass: observed against its threshold */
                for (const char *l = r.checks_text; *l;) {
                    const char *nl = strchr(l, '\n');
                    int len = nl ? (int)(nl - l) : (int)strlen(l);
                    fprintf(stderr, "%s: %.*s\n", rp->name, len, l);
                    l += len + (nl ? 1 : 0);
                }
                if (r.stale)
                    fprintf(stderr, "%s: %lld row write%s not applied: an upsert sink held a newer version "
                                    "(only_if_newer; counted per sink)\n", rp->name, (long long)r.stale,
                            r.stale == 1 ? "" : "s");
                if (opts.dry_run)
                    printf("%s (dry run, nothing sent or written):\n%s", rp->name,
                           r.report[0] ? r.report : "  no sink here reports a dry run (only http sinks do)\n");
                if (opts.dry_run && rp->checks.n)
                    dry_run_checks(rp);
                if (r.counts.rejected && strcmp(r.status, "success") == 0)
                    fprintf(stderr, "%s: %lld rejected rows are in the dead-letter queue: sluice dlq list --pipeline %s\n",
                            rp->name, (long long)r.counts.rejected, rp->name);
            }
            if (rp != pl)
                sl_pipeline_free(rp);
        }
    }
    /* alerts go out before we exit, but never hold the exit for long */
    int lost = sl_alerter_stop(alerter, 30);
    if (lost)
        sl_log_warn("%d alert%s not delivered", lost, lost == 1 ? "" : "s");
    sl_free(sel);
    sl_free(bad);
    sl_free(order);
    sl_buf_adds(&out, "]}\n");
    if (cli->json)
        fputs(out.data, stdout);
    if (count == 0 && !cli->json)
        fprintf(stderr, "sluice: no pipelines to run (add one under %s/pipelines/)\n", p->dir);
    sl_buf_release(&out);
    sl_state_close(state);
    sl_project_free(p);
    sl_free(names);
    return failed ? EXIT_FAILED : EXIT_OK;
}
