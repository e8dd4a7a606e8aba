/*
 * cmd_list.c: `sluice list`: the project's pipelines in dependency order
 * (upstreams first), each with its schedule, next fire time, source and
 * sinks.
 */
#include "cli/cli.h"
#include "core/mem.h"
#include "sched/dag.h"
#include "sched/schedule.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

int cmd_list(sl_cli *cli, int argc, char **argv)
{
    if (argc > 0) {
        fprintf(stderr, "sluice list: unexpected argument '%s'\n", argv[0]);
        return EXIT_USAGE;
    }
    sl_project *p = sl_cli_project_readonly(cli);
    if (!p)
        return EXIT_USAGE;
    size_t *order = sl_calloc(p->npipelines + 1, sizeof *order);
    if (sl_dag_order(p, order) < 0) /* a cycle (already warned about): list by name */
        for (size_t n = 0; n < p->npipelines; n++)
            order[n] = n;
    int64_t now = (int64_t)time(NULL);
    sl_buf b;
    sl_buf_init(&b);
    if (cli->json)
        sl_buf_adds(&b, "{\"schema_version\":1,\"pipelines\":[");
    else if (p->npipelines)
        sl_buf_addf(&b, "%-24s %-34s %-26s %s\n", "PIPELINE", "SCHEDULE", "NEXT RUN", "SOURCE -> SINKS");
    for (size_t n = 0; n < p->npipelines; n++) {
        sl_pipeline *pl = p->pipelines[order[n]];
        const sl_schedule *sc = pl->schedule;
        char desc[256], next[40] = "-";
        sl_schedule_describe(sc, desc, sizeof desc);
        int64_t t = sl_schedule_timed(sc) ? sl_schedule_next(sc, now) : -1;
        if (t >= 0)
            sl_tz_format(sc->tz, t, next);
        if (cli->json) {
            sl_buf_adds(&b, n ? ",{\"name\":" : "{\"name\":");
            sl_buf_add_json_str(&b, pl->name, strlen(pl->name));
            sl_buf_adds(&b, ",\"schedule\":");
            if (sc->cron_text)
                sl_buf_add_json_str(&b, sc->cron_text, strlen(sc->cron_text));
            else
                sl_buf_adds(&b, "null");
            sl_buf_addf(&b, ",\"every_s\":%lld,\"timezone\":", (long long)sc->every_s);
            sl_buf_add_json_str(&b, sl_tz_name(sc->tz), strlen(sl_tz_name(sc->tz)));
            sl_buf_adds(&b, ",\"after\":[");
            for (size_t k = 0; k < sc->after.n; k++) {
                if (k)
                    sl_buf_addc(&b, ',');
                sl_buf_add_json_str(&b, sc->after.v[k], strlen(sc->after.v[k]));
            }
            sl_buf_adds(&b, "],\"next_run\":");
            if (t >= 0)
                sl_buf_add_json_str(&b, next, strlen(next));
            else
                sl_buf_adds(&b, "null");
            sl_buf_adds(&b, ",\"source\":");
            sl_buf_add_json_str(&b, pl->source.type, strlen(pl->source.type));
            sl_buf_adds(&b, ",\"sinks\":[");
            for (size_t k = 0; k < pl->nsinks; k++) {
                if (k)
                    sl_buf_addc(&b, ',');
                sl_buf_add_json_str(&b, pl->sinks[k].id, strlen(pl->sinks[k].id));
            }
            sl_buf_adds(&b, "]}");
        } else {
            sl_buf_addf(&b, "%-24s %-34s %-26s %s -> ", pl->name, desc, next, pl->source.type);
            for (size_t k = 0; k < pl->nsinks; k++)
                sl_buf_addf(&b, "%s%s", k ? ", " : "", pl->sinks[k].id);
            sl_buf_addc(&b, '\n');
        }
    }
    if (cli->json)
        sl_buf_adds(&b, "]}\n");
    fputs(b.data ? b.data : "", stdout);
    sl_buf_release(&b);
    sl_free(order);
    sl_project_free(p);
    return EXIT_OK;
}
