/*
 * cmd_validate.c: `sluice validate`: check everything, run nothing.
 *
 * Exit 2 when the configuration is invalid (sl_cli_project prints the
 * diagnostics), or when the models layer is (models/graph.h: unknown refs,
 * config keys, cycles...); then the column names each pipeline uses are checked
 * against the columns it can know (engine/colcheck.h: the input's header
 * or first records, through each transform): an unknown one exits 1, with
 * each at its file:line:col and the closest known name. With --json, the
 * answer also says which columns each pipeline's source will read
 * (engine/project.h: projection pushdown).
 */
#include "cli/cli.h"
#include "core/util.h"
#include "engine/colcheck.h"
#include "engine/project.h"
#include "models/graph.h"
#include <stdio.h>
#include <string.h>

/* Print column diagnostics (text on stderr, or the JSON error object). */
static int columns_failed(sl_cli *cli, sl_diags *d)
{
    sl_diags_sort(d);
    sl_buf b;
    sl_buf_init(&b);
    char m[96];
    snprintf(m, sizeof m, "%zu column name%s not in the data", d->n, d->n == 1 ? " is" : "s are");
    if (cli->json) {
        sl_buf_adds(&b, "{\"schema_version\":1,\"error\":{\"code\":\"column_unknown\",\"message\":");
        sl_buf_add_json_str(&b, m, strlen(m));
        sl_buf_adds(&b, ",\"diagnostics\":");
        sl_diags_json(d, &b);
        sl_buf_adds(&b, "}}\n");
        fputs(b.data, stdout);
    } else {
        sl_diags_format(d, &b);
        fputs(b.data, stderr);
        fprintf(stderr, "sluice: %s\n", m);
    }
    sl_buf_release(&b);
    return EXIT_FAILED;
}

int cmd_validate(sl_cli *cli, int argc, char **argv)
{
    sl_project *p = sl_cli_project(cli);
    if (!p)
        return EXIT_USAGE;
    sl_graph *g = sl_cli_graph(cli, p, NULL);
    if (!g) {
        sl_project_free(p);
        return EXIT_USAGE;
    }
    size_t nodes = 0; /* models, seeds, snapshots, tests, sources, analyses */
    for (size_t i = 0; i < g->n; i++)
        nodes += g->nodes[i].kind != SL_NODE_PIPELINE;
    sl_graph_free(g);
    sl_diags d;
    sl_diags_init(&d);
    for (size_t i = 0; i < p->npipelines; i++)
        sl_colcheck_pipeline(p->pipelines[i], &d);
    if (d.n) {
        int rc = columns_failed(cli, &d);
        sl_diags_release(&d);
        sl_project_free(p);
        return rc;
    }
    sl_diags_release(&d);
    if (cli->json) {
        /* what each pipeline's source will read (engine/project.h) */
        sl_buf cr;
        sl_buf_init(&cr);
        for (size_t i = 0; i < p->npipelines; i++) {
            sl_projection proj;
            char why[256];
            sl_projection_pipeline(p->pipelines[i], &proj, why, sizeof why);
            sl_buf_addc(&cr, i ? ',' : '{');
            sl_buf_add_json_str(&cr, p->pipelines[i]->name, strlen(p->pipelines[i]->name));
            sl_buf_addc(&cr, ':');
            sl_projection_describe_json(&proj, why, &cr);
            sl_projection_release(&proj);
        }
        if (p->npipelines)
            sl_buf_addc(&cr, '}');
        printf("{\"schema_version\":1,\"valid\":true,\"pipelines\":%zu,\"nodes\":%zu,\"columns_read\":%s}\n",
               p->npipelines, nodes, cr.data ? cr.data : "{}");
        sl_buf_release(&cr);
    }
    else if (nodes)
        fprintf(stderr, "%s: valid (%zu pipeline%s, %zu model-layer node%s)\n", p->file, p->npipelines,
                p->npipelines == 1 ? "" : "s", nodes, nodes == 1 ? "" : "s");
    else
        fprintf(stderr, "%s: valid (%zu pipeline%s)\n", p->file, p->npipelines, p->npipelines == 1 ? "" : "s");
    sl_project_free(p);
    return EXIT_OK;
}
