/*
 * cmd_compile.c: `sluice compile [-s SEL] [--exclude SEL] [--target T]
 * [--vars '{k: v}']`: render the selected models, tests, analyses and
 * snapshots to target/compiled/<project>/<path> (a generic test to
 * <properties file>/<test name>.sql, a snapshot to its folder/<name>.sql)
 * and write target/manifest.json (a secret env_var() read shows as ***
 * in both; the SQL that runs has its value). Nothing runs and the warehouse is not
 * opened: is_incremental() is false, as on a model's first build (`sluice
 * build` decides it per run from the warehouse). Exit 0, 1 when a node
 * failed to compile, 2 on usage or project problems.
 */
#include "cli/cli.h"
#include "core/mem.h"
#include "core/redact.h"
#include "models/graph.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char sl_cmd_compile_details[] =
    "options:\n"
    "  -s, --select SEL   nodes to compile (dbt's selection syntax: name, +name, name+, tag:T, path:P, ...)\n"
    "  --exclude SEL      nodes to leave out\n"
    "  --target NAME      the target templates see as target.name\n"
    "  --vars YAML        variables for var(), over the project's vars: ('{key: value}', YAML or JSON)\n"
    "compiled SQL goes to target/compiled/<project>/<path>; target/manifest.json lists every node.\n"
    "The warehouse is not opened: is_incremental() is false, as on a model's first build.\n";

/* Print the graph's load diagnostics like sl_cli_project does. */
static void print_diags(sl_cli *cli, sl_diags *d)
{
    sl_diags_sort(d);
    sl_buf b;
    sl_buf_init(&b);
    if (cli->json) {
        char m[64];
        snprintf(m, sizeof m, "%zu project problem%s", d->n, d->n == 1 ? "" : "s");
        sl_buf_adds(&b, "{\"schema_version\":1,\"error\":{\"code\":\"config_invalid\",\"message\":");
        sl_buf_add_json_str(&b, m, strlen(m));
        sl_buf_adds(&b, ",\"diagnostics\":");
        sl_diags_json(d, &b);
        sl_buf_adds(&b, "}}\n");
        fputs(b.data, stdout);
    } else {
        sl_diags_format(d, &b);
        fputs(b.data, stderr);
    }
    sl_buf_release(&b);
}

static int compiled_kind(sl_node_kind k)
{
    return k == SL_NODE_MODEL || k == SL_NODE_TEST || k == SL_NODE_ANALYSIS || k == SL_NODE_SNAPSHOT;
}

/* Where node n's compiled SQL goes, relative to target/compiled/<project>/. */
static char *compiled_path(const sl_node *n)
{
    const char *file = n->file ? n->file : n->name;
    if (n->kind == SL_NODE_TEST && !n->raw)
        return sl_printf("%s/%s.sql", file, n->name);
    if (n->kind == SL_NODE_SNAPSHOT) {
        const char *slash = strrchr(file, '/');
        return sl_printf("%.*s%s.sql", slash ? (int)(slash - file + 1) : 0, file, n->name);
    }
    return sl_strdup(file);
}

int cmd_compile(sl_cli *cli, int argc, char **argv)
{
    const char *select = NULL, *exclude = NULL;
    sl_graph_opts o = {0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if ((!strcmp(a, "-s") || !strcmp(a, "--select") || !strcmp(a, "-m") || !strcmp(a, "--models")) && more)
            select = argv[++i];
        else if (!strcmp(a, "--exclude") && more)
            exclude = argv[++i];
        else if (!strcmp(a, "--target") && more)
            o.target_name = argv[++i];
        else if (!strcmp(a, "--vars") && more)
            o.vars_yaml = argv[++i];
        else {
            fprintf(stderr, "sluice compile: unknown option or missing value '%s'\n", a);
            return EXIT_USAGE;
        }
    }
    sl_project *p = sl_cli_project(cli);
    if (!p)
        return EXIT_USAGE;
    sl_error terr = {0};
    if (sl_project_use_target(p, o.target_name, &terr) < 0) {
        sl_project_free(p);
        return sl_cli_fail(cli, EXIT_USAGE, &terr);
    }
    sl_diags d;
    sl_diags_init(&d);
    sl_graph *g = NULL;
    if (sl_graph_load(p, &o, &g, &d) < 0) {
        print_diags(cli, &d);
        sl_diags_release(&d);
        sl_project_free(p);
        return EXIT_USAGE;
    }
    sl_diags_release(&d);
    sl_error err = {0};
    uint8_t *sel = sl_calloc(g->n + 1, 1);
    if (sl_graph_select(g, select, exclude, sel, &err) < 0) {
        sl_free(sel);
        sl_graph_free(g);
        sl_project_free(p);
        return sl_cli_fail(cli, EXIT_USAGE, &err);
    }
    size_t *order = sl_malloc((g->n + 1) * sizeof *order);
    sl_graph_order(g, order);
    sl_buf sql, json, path;
    sl_buf_init(&sql);
    sl_buf_init(&json);
    sl_buf_init(&path);
    size_t counts[7] = {0}, failed = 0, total = 0;
    sl_buf_adds(&json, "{\"schema_version\":1,\"compiled\":[");
    for (size_t k = 0; k < g->n; k++) {
        size_t i = order[k];
        sl_node *n = &g->nodes[i];
        if (!sel[i] || !compiled_kind(n->kind) || n->config.enabled == 0)
            continue;
        if (n->mtype || n->mtype_owner)
            continue; /* a typed model (models/mtype.h): a YAML spec, no SQL to compile */
        sl_buf_reset(&sql);
        int rc = n->kind == SL_NODE_TEST ? sl_graph_compile_test(g, i, &sql, &err) : sl_graph_compile(g, i, 0, &sql, &err);
        char *rel = compiled_path(n);
        sl_buf_reset(&path);
        sl_buf_addf(&path, "%s/compiled/%s/%s", g->target_path, g->name ? g->name : "project", rel);
        if (rc == 0 && sql.data) /* a copy for people to read: secrets as *** (what runs keeps them) */
            sql.len = sl_redact_span(sql.data, sql.len);
        if (rc == 0)
            rc = sl_graph_write_compiled(path.data, sql.data ? sql.data : "", sql.len, &err);
        if (rc < 0) {
            failed++;
            sl_error_prefix(&err, "%s", n->unique_id ? n->unique_id : n->name);
            if (cli->json) {
                sl_buf_adds(&json, total ? "," : "");
                sl_buf_adds(&json, "{\"unique_id\":");
                sl_buf_add_json_str(&json, n->unique_id, strlen(n->unique_id));
                sl_buf_adds(&json, ",\"error\":");
                sl_buf_add_json_str(&json, err.msg, strlen(err.msg));
                sl_buf_addc(&json, '}');
            } else {
                fprintf(stderr, "sluice: error: %s\n", err.msg);
            }
        } else {
            counts[n->kind]++;
            if (cli->json) {
                sl_buf_adds(&json, total ? "," : "");
                sl_buf_adds(&json, "{\"unique_id\":");
                sl_buf_add_json_str(&json, n->unique_id, strlen(n->unique_id));
                sl_buf_adds(&json, ",\"path\":");
                char *shown = sl_printf("target/compiled/%s/%s", g->name ? g->name : "project", rel);
                sl_buf_add_json_str(&json, shown, strlen(shown));
                sl_free(shown);
                sl_buf_addc(&json, '}');
            }
        }
        total++;
        sl_free(rel);
        sl_error_clear(&err);
    }
    int rc = failed ? EXIT_FAILED : EXIT_OK;
    if (sl_graph_write_manifest(g, &err) < 0) {
        sl_cli_fail(cli, EXIT_FAILED, &err);
        rc = EXIT_FAILED;
    } else if (cli->json) {
        sl_buf_addf(&json, "],\"failed\":%zu,\"manifest\":\"target/manifest.json\"}\n", failed);
        fputs(json.data, stdout);
    } else if (!cli->quiet) {
        fprintf(stderr,
                "compiled %zu model%s, %zu test%s, %zu snapshot%s, %zu analys%s into target/compiled/%s%s; "
                "wrote target/manifest.json\n",
                counts[SL_NODE_MODEL], counts[SL_NODE_MODEL] == 1 ? "" : "s", counts[SL_NODE_TEST],
                counts[SL_NODE_TEST] == 1 ? "" : "s", counts[SL_NODE_SNAPSHOT], counts[SL_NODE_SNAPSHOT] == 1 ? "" : "s",
                counts[SL_NODE_ANALYSIS], counts[SL_NODE_ANALYSIS] == 1 ? "is" : "es", g->name ? g->name : "project",
                failed ? "" : "");
        if (failed)
            fprintf(stderr, "sluice: %zu node%s failed to compile\n", failed, failed == 1 ? "" : "s");
    }
    sl_buf_release(&sql);
    sl_buf_release(&json);
    sl_buf_release(&path);
    sl_free(order);
    sl_free(sel);
    sl_graph_free(g);
    sl_project_free(p);
    return rc;
}
