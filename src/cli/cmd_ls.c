/*
 * cmd_ls.c: `sluice ls`, dbt's `ls`: the nodes of the project's graph
 * (models/graph.h) a selection picks, one per line, in unique_id order:
 * as selectors (project.folder.name; source:project.source.table), names,
 * file paths, or JSON lines (name, resource_type, unique_id, path, config,
 * depends_on); with --json one document {"schema_version":1,"nodes":[...]}.
 */
#include "cli/cli.h"
#include "core/mem.h"
#include "models/graph.h"
#include <stdio.h>
#include <string.h>

const char sl_cmd_ls_details[] =
    "options:\n"
    "  -s, --select SEL...     dbt's selection: names, +name, name+, 2+name, @name, tag:T, path:P,\n"
    "                          config.materialized:M, resource_type:R, source:S, globs; a space is a\n"
    "                          union, a comma an intersection (default: every node)\n"
    "  --exclude SEL...        nodes to leave out, same syntax\n"
    "  --resource-type TYPE... model, seed, snapshot, test, source, analysis, pipeline, all (default all)\n"
    "  --output FORMAT         selector (default), name, path, or json (one object per line)\n"
    "  --vars YAML             values for var() as YAML or JSON: '{start_date: 2024-01-01}'\n";

static const char *const kinds[] = {"pipeline", "seed", "model", "snapshot", "test", "analysis", "source"};

static void json_str(sl_buf *b, const char *s)
{
    if (s)
        sl_buf_add_json_str(b, s, strlen(s));
    else
        sl_buf_adds(b, "null");
}

static void json_strv(sl_buf *b, const sl_strv *v)
{
    sl_buf_addc(b, '[');
    for (size_t i = 0; i < v->n; i++) {
        if (i)
            sl_buf_addc(b, ',');
        json_str(b, v->v[i]);
    }
    sl_buf_addc(b, ']');
}

static void node_json(const sl_graph *g, const sl_node *n, sl_buf *b)
{
    const sl_node_config *c = &n->config;
    sl_buf_adds(b, "{\"name\":");
    json_str(b, n->name);
    sl_buf_addf(b, ",\"resource_type\":\"%s\",\"package_name\":", kinds[n->kind]);
    json_str(b, g->name);
    sl_buf_adds(b, ",\"unique_id\":");
    json_str(b, n->unique_id);
    sl_buf_adds(b, ",\"original_file_path\":");
    json_str(b, n->file);
    sl_buf_adds(b, ",\"fqn\":");
    json_strv(b, &n->fqn);
    if (n->kind == SL_NODE_SOURCE) {
        sl_buf_adds(b, ",\"source_name\":");
        json_str(b, n->source_name);
    }
    sl_buf_adds(b, ",\"schema\":");
    json_str(b, n->schema);
    sl_buf_adds(b, ",\"alias\":");
    json_str(b, n->identifier);
    sl_buf_adds(b, ",\"config\":{\"enabled\":");
    sl_buf_adds(b, c->enabled ? "true" : "false");
    sl_buf_adds(b, ",\"materialized\":");
    json_str(b, c->materialized ? c->materialized
                : n->kind == SL_NODE_MODEL ? "view"
                : n->kind == SL_NODE_SEED ? "seed"
                : n->kind == SL_NODE_SNAPSHOT ? "snapshot"
                : n->kind == SL_NODE_TEST ? "test"
                                          : NULL);
    sl_buf_adds(b, ",\"schema\":");
    json_str(b, c->schema);
    sl_buf_adds(b, ",\"tags\":");
    json_strv(b, &c->tags);
    if (n->kind == SL_NODE_TEST) {
        sl_buf_adds(b, ",\"severity\":");
        json_str(b, c->severity ? c->severity : "error");
    }
    sl_buf_adds(b, "},\"tags\":");
    json_strv(b, &c->tags);
    if (n->kind == SL_NODE_TEST && n->test_name) {
        sl_buf_adds(b, ",\"test_metadata\":{\"name\":");
        json_str(b, n->test_name);
        sl_buf_adds(b, ",\"kwargs\":");
        sl_buf_adds(b, n->test_kwargs ? n->test_kwargs : "{}");
        sl_buf_adds(b, "}");
    }
    sl_buf_adds(b, ",\"depends_on\":{\"nodes\":[");
    for (size_t k = 0; k < n->ndeps; k++) {
        if (k)
            sl_buf_addc(b, ',');
        json_str(b, g->nodes[n->deps[k]].unique_id);
    }
    sl_buf_adds(b, "]}}");
}

/* Words after an option up to the next option, joined by spaces. */
static int words(int argc, char **argv, int *i, sl_buf *out)
{
    int n = 0;
    while (*i + 1 < argc && argv[*i + 1][0] != '-') {
        if (out->len)
            sl_buf_addc(out, ' ');
        sl_buf_adds(out, argv[++*i]);
        n++;
    }
    return n;
}

int cmd_ls(sl_cli *cli, int argc, char **argv)
{
    sl_buf select, exclude, types;
    sl_buf_init(&select);
    sl_buf_init(&exclude);
    sl_buf_init(&types);
    const char *output = "selector", *vars = NULL;
    int rc = EXIT_OK, has_select = 0, has_exclude = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int n = -1;
        if (strcmp(a, "-s") == 0 || strcmp(a, "--select") == 0 || strcmp(a, "-m") == 0 || strcmp(a, "--models") == 0) {
            n = words(argc, argv, &i, &select);
            has_select = 1;
        } else if (strcmp(a, "--exclude") == 0) {
            n = words(argc, argv, &i, &exclude);
            has_exclude = 1;
        } else if (strcmp(a, "--resource-type") == 0 || strcmp(a, "--resource-types") == 0) {
            n = words(argc, argv, &i, &types);
        } else if ((strcmp(a, "--output") == 0 || strcmp(a, "-o") == 0) && i + 1 < argc) {
            output = argv[++i];
            n = 1;
        } else if (strcmp(a, "--vars") == 0 && i + 1 < argc) {
            vars = argv[++i];
            n = 1;
        } else {
            fprintf(stderr, "sluice ls: unknown option '%s'\n", a);
            rc = EXIT_USAGE;
            break;
        }
        if (n == 0) {
            fprintf(stderr, "sluice ls: %s needs a value\n", a);
            rc = EXIT_USAGE;
            break;
        }
    }
    if (rc == EXIT_OK && strcmp(output, "selector") != 0 && strcmp(output, "name") != 0 && strcmp(output, "path") != 0 &&
        strcmp(output, "json") != 0) {
        fprintf(stderr, "sluice ls: --output must be selector, name, path or json, not '%s'\n", output);
        rc = EXIT_USAGE;
    }
    /* --resource-type: a set of kinds */
    int want[7] = {1, 1, 1, 1, 1, 1, 1};
    if (rc == EXIT_OK && types.len) {
        memset(want, 0, sizeof want);
        char *t = sl_strdup(types.data), *save = NULL;
        for (char *w = strtok_r(t, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
            size_t k = 0;
            if (strcmp(w, "all") == 0 || strcmp(w, "default") == 0) {
                for (k = 0; k < 7; k++)
                    want[k] = 1;
                continue;
            }
            while (k < 7 && strcmp(kinds[k], w) != 0)
                k++;
            if (k == 7) {
                const char *sug = sl_suggest(w, kinds, 7);
                fprintf(stderr, "sluice ls: unknown resource type '%s'%s%s%s\n", w, sug ? "; did you mean '" : "",
                        sug ? sug : "", sug ? "'?" : "");
                rc = EXIT_USAGE;
                break;
            }
            want[k] = 1;
        }
        sl_free(t);
    }
    sl_project *p = rc == EXIT_OK ? sl_cli_project(cli) : NULL;
    sl_graph *g = p ? sl_cli_graph(cli, p, vars) : NULL;
    if (rc == EXIT_OK && !g)
        rc = EXIT_USAGE;
    uint8_t *sel = g ? sl_calloc(g->n + 1, 1) : NULL;
    if (g) {
        sl_error err = {0};
        if (sl_graph_select(g, has_select ? (select.data ? select.data : "") : NULL,
                            has_exclude ? (exclude.data ? exclude.data : "") : NULL, sel, &err) < 0)
            rc = sl_cli_fail(cli, EXIT_USAGE, &err);
    }
    if (g && rc == EXIT_OK) {
        sl_buf b;
        sl_buf_init(&b);
        size_t shown = 0;
        if (cli->json)
            sl_buf_adds(&b, "{\"schema_version\":1,\"nodes\":[");
        for (size_t i = 0; i < g->n; i++) {
            const sl_node *n = &g->nodes[i];
            if (!sel[i] || !want[n->kind])
                continue;
            if (cli->json) {
                if (shown)
                    sl_buf_addc(&b, ',');
                node_json(g, n, &b);
            } else if (strcmp(output, "json") == 0) {
                node_json(g, n, &b);
                sl_buf_addc(&b, '\n');
            } else if (strcmp(output, "name") == 0) {
                if (n->kind == SL_NODE_SOURCE)
                    sl_buf_addf(&b, "%s.%s\n", n->source_name, n->name);
                else
                    sl_buf_addf(&b, "%s\n", n->name);
            } else if (strcmp(output, "path") == 0) {
                sl_buf_addf(&b, "%s\n", n->file);
            } else if (n->kind == SL_NODE_SOURCE) {
                sl_buf_addf(&b, "source:%s.%s.%s\n", g->name, n->source_name, n->name);
            } else {
                if (n->kind == SL_NODE_PIPELINE)
                    sl_buf_adds(&b, "pipeline:");
                for (size_t k = 0; k < n->fqn.n; k++)
                    sl_buf_addf(&b, "%s%s", k ? "." : "", n->fqn.v[k]);
                sl_buf_addc(&b, '\n');
            }
            shown++;
        }
        if (cli->json)
            sl_buf_adds(&b, "]}\n");
        fputs(b.data ? b.data : "", stdout);
        sl_buf_release(&b);
        if (!shown && !cli->json && !cli->quiet)
            fprintf(stderr, "sluice ls: no nodes selected\n");
    }
    sl_free(sel);
    sl_graph_free(g);
    sl_project_free(p);
    sl_buf_release(&select);
    sl_buf_release(&exclude);
    sl_buf_release(&types);
    return rc;
}
