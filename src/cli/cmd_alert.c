/*
 * cmd_alert.c: `sluice alert test CHANNEL`: send a test message through
 * one alert channel of sluice.yml now (with its retries), and say whether
 * it was delivered.
 */
#include "cli/cli.h"
#include "sched/alerts.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

int cmd_alert(sl_cli *cli, int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "test") != 0) {
        fprintf(stderr, "usage: sluice alert test CHANNEL\n");
        return EXIT_USAGE;
    }
    sl_project *p = sl_cli_project(cli);
    if (!p)
        return EXIT_USAGE;
    const sl_alert_channel *c = sl_alerts_find(p->alerts, argv[1]);
    if (!c) {
        sl_error err;
        sl_error_set(&err, SL_EUSAGE, "no alert channel called '%s' in %s (alerts: channels:)", argv[1], p->file);
        sl_project_free(p);
        return sl_cli_fail(cli, EXIT_USAGE, &err);
    }
    sl_alert_event ev = {0};
    ev.kind = SL_ALERT_TEST;
    ev.time = (int64_t)time(NULL);
    snprintf(ev.status, sizeof ev.status, "test");
    char why[512];
    int rc = sl_alert_deliver(p->alerts, c, p->name, &ev, why, sizeof why);
    if (rc < 0) {
        sl_error err;
        sl_error_set(&err, SL_EIO, "alert channel %s: not delivered: %s", c->name, why);
        sl_project_free(p);
        return sl_cli_fail(cli, EXIT_FAILED, &err);
    }
    if (cli->json)
        printf("{\"schema_version\":1,\"channel\":\"%s\",\"delivered\":true}\n", c->name);
    else
        fprintf(stderr, "alert channel %s: test message delivered\n", c->name);
    sl_project_free(p);
    return EXIT_OK;
}
