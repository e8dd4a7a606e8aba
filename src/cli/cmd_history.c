/*
 * cmd_history.c: `sluice history [PIPELINE]`, `sluice dlq list` and
 * `sluice schema history`: what the state store remembers, as a table or
 * as JSON.
 */
#include "cli/cli.h"
#include "core/mem.h"
#include "formats/json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Print a JSON array of flat objects as aligned columns. */
void sl_cli_print_table(const char *json, const char *const *fields, const int *widths, size_t nf)
{
    for (size_t f = 0; f < nf; f++)
        printf("%-*s ", widths[f], fields[f]);
    printf("\n");
    sl_json j;
    sl_json_init(&j, json, strlen(json));
    sl_buf key, val;
    sl_buf_init(&key);
    sl_buf_init(&val);
    int first = 1;
    if (sl_json_array_begin(&j) < 0)
        return;
    while (sl_json_element(&j, &first) == 1) {
        char *cells[16] = {0};
        int f1 = 1;
        sl_json_object_begin(&j);
        while (sl_json_member(&j, &f1, &key) == 1) {
            const char *start = j.p;
            sl_json_kind k = sl_json_peek(&j);
            if (k == SL_JSON_STRING) {
                sl_json_string(&j, &val);
            } else if (k == SL_JSON_NULL) {
                sl_json_skip(&j);
                sl_buf_reset(&val);
            } else {
                sl_json_skip(&j);
                sl_buf_reset(&val);
                sl_buf_add(&val, start, (size_t)(j.p - start));
            }
            for (size_t f = 0; f < nf; f++)
                if (strcmp(fields[f], key.data) == 0 && !cells[f])
                    cells[f] = sl_strdup(val.data ? val.data : "");
        }
        for (size_t f = 0; f < nf; f++) {
            const char *c = cells[f] ? cells[f] : "";
            char cut[512];
            snprintf(cut, sizeof cut, "%s", c);
            for (char *q = cut; *q; q++)
                if (*q == '\n' || *q == '\r')
                    *q = ' ';
            if (f + 1 < nf)
                printf("%-*.*s ", widths[f], widths[f], cut);
            else
                printf("%s", cut);
            sl_free(cells[f]);
        }
        printf("\n");
    }
    sl_buf_release(&key);
    sl_buf_release(&val);
}

typedef int (*query_fn)(sl_state *s, const char *pipeline, int limit, sl_buf *out, sl_error *err);

/* Load the project, query the state store, print JSON ({"<key>": [...]}) or a table. */
static int show(sl_cli *cli, query_fn query, const char *pipeline, int limit, const char *key,
                const char *const *fields, const int *widths, size_t nf)
{
    sl_project *p = sl_cli_project_readonly(cli);
    if (!p)
        return EXIT_USAGE;
    sl_state *s = sl_cli_state(cli, p);
    if (!s) {
        sl_project_free(p);
        return EXIT_FAILED;
    }
    sl_buf b;
    sl_buf_init(&b);
    sl_error err = {0};
    int rc = query(s, pipeline, limit, &b, &err);
    if (rc == 0 && cli->json)
        printf("{\"schema_version\":1,\"%s\":%s}\n", key, b.data);
    else if (rc == 0)
        sl_cli_print_table(b.data, fields, widths, nf);
    sl_buf_release(&b);
    sl_state_close(s);
    sl_project_free(p);
    return rc < 0 ? sl_cli_fail(cli, EXIT_FAILED, &err) : EXIT_OK;
}

static int runs_json(sl_state *s, const char *pipeline, int limit, sl_buf *out, sl_error *err)
{
    return sl_state_runs_query_json(s, pipeline, NULL, limit, out, err);
}

int cmd_history(sl_cli *cli, int argc, char **argv)
{
    const char *pipeline = NULL;
    int limit = 20;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
            limit = atoi(argv[++i]);
        else if (argv[i][0] != '-')
            pipeline = argv[i];
        else {
            fprintf(stderr, "sluice history: unknown option '%s'\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    static const char *const f[] = {"run_id", "pipeline", "started_at", "duration_s", "status", "rows_read",
                                    "rows_loaded", "rows_filtered", "rows_rejected", "error"};
    static const int w[] = {36, 16, 24, 10, 11, 10, 11, 13, 13, 0};
    return show(cli, runs_json, pipeline, limit, "runs", f, w, 10);
}

int cmd_dlq(sl_cli *cli, int argc, char **argv)
{
    const char *pipeline = NULL;
    int limit = 50;
    if (argc < 1 || strcmp(argv[0], "list") != 0) {
        fprintf(stderr, "usage: sluice dlq list [--pipeline P] [--limit N]\n");
        return EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pipeline") == 0 && i + 1 < argc)
            pipeline = argv[++i];
        else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
            limit = atoi(argv[++i]);
        else {
            fprintf(stderr, "sluice dlq list: unknown option '%s'\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    static const char *const f[] = {"pipeline", "stage", "file", "line", "reason", "raw"};
    static const int w[] = {14, 10, 30, 7, 50, 0};
    return show(cli, sl_state_dlq_json, pipeline, limit, "rejected", f, w, 6);
}

int cmd_schema(sl_cli *cli, int argc, char **argv)
{
    const char *pipeline = NULL;
    int limit = 50;
    if (argc < 1 || strcmp(argv[0], "history") != 0) {
        fprintf(stderr, "usage: sluice schema history [PIPELINE] [--limit N]\n");
        return EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
            limit = atoi(argv[++i]);
        else if (argv[i][0] != '-' && !pipeline)
            pipeline = argv[i];
        else {
            fprintf(stderr, "sluice schema history: unknown argument '%s'\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    static const char *const f[] = {"changed_at", "pipeline", "column", "change"};
    static const int w[] = {24, 14, 24, 0};
    return show(cli, sl_state_schema_json, pipeline, limit, "changes", f, w, 4);
}
