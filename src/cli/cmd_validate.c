/*
 * cmd_validate.c: `sluice validate`: check everything, run nothing.
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
