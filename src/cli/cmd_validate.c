/*
 * cmd_validate.c: `sluice validate` (check everything, run nothing) and
 * `sluice list` (the pipelines, their source and sinks).
 */
#include "cli/cli.h"
#include "core/util.h"
#include <stdio.h>
#include <string.h>

int cmd_validate(sl_cli *cli, int argc, char **argv)
{
    sl_project *p = sl_cli_project(cli);
    if (!p)
        return EXIT_USAGE;
    if (cli->json)
        printf("{\"schema_version\":1,\"valid\":true,\"pipelines\":%zu}\n", p->npipelines);
    else
        fprintf(stderr, "%s: valid (%zu pipeline%s)\n", p->file, p->npipelines, p->npipelines == 1 ? "" : "s");
    sl_project_free(p);
    return EXIT_OK;
}

int cmd_list(sl_cli *cli, int argc, char **argv)
{
    sl_project *p = sl_cli_project(cli);
    if (!p)
        return EXIT_USAGE;
    sl_buf b;
    sl_buf_init(&b);
    if (cli->json)
        sl_buf_adds(&b, "{\"schema_version\":1,\"pipelines\":[");
    for (size_t i = 0; i < p->npipelines; i++) {
        sl_pipeline *pl = p->pipelines[i];
        if (cli->json) {
            sl_buf_adds(&b, i ? ",{\"name\":" : "{\"name\":");
            sl_buf_add_json_str(&b, pl->name, strlen(pl->name));
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
            sl_buf_addf(&b, "%-20s %s -> %zu transform%s -> ", pl->name, pl->source.type, pl->ntransforms,
                        pl->ntransforms == 1 ? "" : "s");
            for (size_t k = 0; k < pl->nsinks; k++)
                sl_buf_addf(&b, "%s%s", k ? ", " : "", pl->sinks[k].id);
            sl_buf_addc(&b, '\n');
        }
    }
    if (cli->json)
        sl_buf_adds(&b, "]}\n");
    fputs(b.data ? b.data : "", stdout);
    sl_buf_release(&b);
    sl_project_free(p);
    return EXIT_OK;
}
