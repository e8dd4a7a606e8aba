/*
 * cmd_serve.c: `sluice serve`: the scheduler and HTTP API daemon
 * (sched/daemon.h) in the foreground, logging to stderr. SIGTERM/SIGINT
 * stop it cleanly, SIGHUP reloads the project.
 */
#include "cli/cli.h"
#include "core/log.h"
#include "core/util.h"
#include "sched/daemon.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic int stop_flag, reload_flag;

static void on_stop(int sig)
{
    (void)sig;
    atomic_store(&stop_flag, 1);
}

static void on_hup(int sig)
{
    (void)sig;
    atomic_store(&reload_flag, 1);
}

int cmd_serve(sl_cli *cli, int argc, char **argv)
{
    sl_daemon_opts o = {0};
    o.project_dir = cli->dir ? cli->dir : ".";
    o.listen = "127.0.0.1:8686";
    o.lease_ttl_s = 10;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--listen") == 0 && v) {
            o.listen = v;
            i++;
        } else if (strcmp(a, "--log-format") == 0 && v && (strcmp(v, "json") == 0 || strcmp(v, "text") == 0)) {
            sl_log_set_json(strcmp(v, "json") == 0);
            i++;
        } else if (strcmp(a, "--drain") == 0 && v && sl_parse_duration(v) >= 0) {
            o.drain_s = (double)sl_parse_duration(v);
            i++;
        } else if (strcmp(a, "--lease-ttl") == 0 && v && sl_parse_duration(v) > 0) {
            o.lease_ttl_s = (double)sl_parse_duration(v);
            i++;
        } else {
            fprintf(stderr, "sluice serve: bad option '%s'\n", a);
            return EXIT_USAGE;
        }
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    o.stop = &stop_flag;
    o.reload = &reload_flag;
    return sl_daemon_run(&o) == 0 ? EXIT_OK : EXIT_USAGE;
}
