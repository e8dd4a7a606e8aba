/*
 * cmd_monitors.c: `sluice monitors [NODE] [--json] [--wide]`: every
 * automatic monitor (quality/monitor.h) with its latest value, the band it
 * was judged against, its status (training, normal, anomaly; freshness:
 * normal, warn, stale, manual) and how many points it has. Freshness is
 * brought up to date first (sl_monitor_freshness), alerting through the
 * project's channels like `sluice serve` would.
 */
#include "cli/cli.h"
#include "core/mem.h"
#include "quality/monitor.h"
#include "sched/alerts.h"
#include "state/quality_store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char sl_cmd_monitors_details[] =
    "Monitors are automatic: every pipeline run adds points for volume (rows loaded), rejected_rate,\n"
    "null_rate per column and schema; freshness compares the age of the last success with\n"
    "monitors: {freshness: {warn_after, error_after}} or the pipeline's schedule.\n"
    "  NODE     only this node (unique id such as pipeline.PROJECT.NAME, or its last part)\n"
    "  --json   {\"schema_version\":1,\"monitors\":[{monitor, node, metric, column, run_id, at, value,\n"
    "           expected, lower, upper, status, points}]}\n"
    "  --wide   do not cut long values\n"
    "Status: training (not enough history), normal, anomaly (outside [lower, upper]); freshness:\n"
    "normal, warn, stale, manual (no schedule and no thresholds: not alerted).\n";

int cmd_monitors(sl_cli *cli, int argc, char **argv)
{
    const char *node = NULL;
    int wide = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--wide") == 0)
            wide = 1;
        else if (strcmp(argv[i], "--json") == 0)
            cli->json = 1;
        else if (argv[i][0] != '-' && !node)
            node = argv[i];
        else {
            fprintf(stderr, "sluice monitors: unknown argument '%s'\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    sl_project *p = sl_cli_project_readonly(cli);
    if (!p)
        return EXIT_USAGE;
    sl_state *s = sl_cli_state(cli, p);
    if (!s) {
        sl_project_free(p);
        return EXIT_FAILED;
    }
    sl_error err = {0};
    sl_alerter *al = sl_alerter_start(p->alerts, p->name);
    int rc = sl_monitor_freshness(s, al, p, (int64_t)time(NULL), &err);
    sl_alerter_stop(al, 10);
    if (rc < 0) {
        fprintf(stderr, "sluice monitors: freshness: %s\n", err.msg);
        sl_error_clear(&err);
    }
    sl_buf b;
    sl_buf_init(&b);
    int printed = 0;
    rc = sl_state_monitors_json(s, node, &b, &err);
    if (rc == 0 && cli->json) {
        printf("{\"schema_version\":1,\"monitors\":%s}\n", b.data);
    } else if (rc == 0) {
        static const char *const f[] = {"node", "metric", "column", "value", "expected", "lower", "upper",
                                        "status", "points"};
        static const int w[] = {32, 13, 16, 12, 12, 12, 12, 8, 0};
        printed = sl_cli_print_rows(b.data, f, w, 9, wide);
    }
    sl_buf_release(&b);
    sl_state_close(s);
    sl_project_free(p);
    if (rc < 0)
        return sl_cli_fail(cli, EXIT_FAILED, &err);
    return printed < 0 ? EXIT_FAILED : EXIT_OK;
}
