/*
 * cmd_state.c: `sluice state show [PIPELINE]`, `sluice state reset
 * PIPELINE [--yes]` and `sluice schema history [PIPELINE]`.
 *
 * What a pipeline remembers lives in two places: the state store (source
 * bookmarks, loaded files, file sinks' checkpoints, the open epoch) and,
 * for sinks into databases, the _sluice_state table beside the data (so it
 * commits with the data). `state show` lists both. `state reset` forgets
 * the state store's part and closes the open epoch, which makes the sinks'
 * positions (tagged with that epoch) irrelevant: the next run starts over.
 */
#include "cli/cli.h"
#include "core/mem.h"
#include "engine/component.h"
#include "state/keyed.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct pos_ctx {
    sl_buf *json;
    const char *pipeline, *sink;
    int n;
} pos_ctx;

static void add_position(void *ctx, const char *key, int64_t epoch, int64_t offset, int64_t line,
                         const char *updated_at)
{
    pos_ctx *c = ctx;
    sl_buf *b = c->json;
    sl_buf_adds(b, c->n++ ? ",{" : "{");
    sl_buf_adds(b, "\"pipeline\":");
    sl_buf_add_json_str(b, c->pipeline, strlen(c->pipeline));
    sl_buf_adds(b, ",\"kind\":\"sink_position\",\"owner\":");
    sl_buf_add_json_str(b, c->sink, strlen(c->sink));
    sl_buf_addf(b, ",\"epoch\":%lld,\"key\":", (long long)epoch);
    sl_buf_add_json_str(b, key, strlen(key));
    char v[80];
    snprintf(v, sizeof v, "offset %lld, line %lld", (long long)offset, (long long)line);
    sl_buf_adds(b, ",\"value\":");
    sl_buf_add_json_str(b, v, strlen(v));
    sl_buf_adds(b, ",\"updated_at\":");
    if (updated_at)
        sl_buf_add_json_str(b, updated_at, strlen(updated_at));
    else
        sl_buf_adds(b, "null");
    sl_buf_addc(b, '}');
}

static int state_show(sl_cli *cli, sl_project *p, sl_state *s, const char *pipeline, int wide)
{
    sl_buf store, sinks;
    sl_buf_init(&store);
    sl_buf_init(&sinks);
    sl_error err = {0};
    if (sl_state_checkpoints_json(s, pipeline, 0, &store, &err) < 0)
        return sl_cli_fail(cli, EXIT_FAILED, &err);
    pos_ctx pc = {&sinks, NULL, NULL, 0};
    for (size_t i = 0; i < p->npipelines; i++) {
        sl_pipeline *pl = p->pipelines[i];
        if (pipeline && strcmp(pl->name, pipeline) != 0)
            continue;
        for (size_t k = 0; k < pl->nsinks; k++) {
            sl_instance *in = &pl->sinks[k];
            if (!SL_SINK(in)->positions)
                continue;
            pc.pipeline = pl->name;
            pc.sink = in->id;
            if (SL_SINK(in)->positions(in, p, add_position, &pc, &err) < 0) {
                sl_buf_release(&store);
                sl_buf_release(&sinks);
                return sl_cli_fail(cli, EXIT_FAILED, &err);
            }
        }
    }
    /* one array: the store's entries, then the sinks' positions */
    sl_buf all;
    sl_buf_init(&all);
    sl_buf_add(&all, store.data, store.len - 1);
    if (pc.n)
        sl_buf_addf(&all, "%s%s", store.len > 2 ? "," : "", sinks.data);
    sl_buf_addc(&all, ']');
    if (cli->json) {
        printf("{\"schema_version\":1,\"state_store\":\"%s\",\"checkpoints\":%s}\n", sl_state_kind(s), all.data);
    } else {
        static const char *const f[] = {"pipeline", "kind", "owner", "epoch", "key", "value", "updated_at"};
        static const int w[] = {14, 15, 22, 6, 36, 40, 0};
        sl_cli_print_rows(all.data, f, w, 7, wide);
    }
    sl_buf_release(&all);
    sl_buf_release(&store);
    sl_buf_release(&sinks);
    return EXIT_OK;
}

static int state_reset(sl_cli *cli, sl_project *p, sl_state *s, const char *pipeline, int yes)
{
    if (!sl_project_find(p, pipeline)) {
        fprintf(stderr, "sluice state reset: no pipeline '%s' in this project\n", pipeline);
        return EXIT_USAGE;
    }
    if (!yes) {
        if (!isatty(0)) {
            fprintf(stderr, "sluice state reset: not a terminal; pass --yes to confirm\n");
            return EXIT_USAGE;
        }
        fprintf(stderr, "Forget what pipeline '%s' has loaded? Its next run starts from the beginning. [y/N] ",
                pipeline);
        char line[16] = {0};
        if (!fgets(line, sizeof line, stdin) || (line[0] != 'y' && line[0] != 'Y')) {
            fprintf(stderr, "nothing changed\n");
            return EXIT_OK;
        }
    }
    sl_error err = {0};
    if (sl_state_reset(s, pipeline, &err) < 0 || sl_state_keyed_reset(s, pipeline, &err) < 0)
        return sl_cli_fail(cli, EXIT_FAILED, &err);
    if (cli->json)
        printf("{\"schema_version\":1,\"reset\":\"%s\"}\n", pipeline);
    else if (!cli->quiet)
        printf("%s: checkpoints, bookmarks, loaded files and milestone state forgotten; the next run starts from the beginning\n",
               pipeline);
    return EXIT_OK;
}

int cmd_state(sl_cli *cli, int argc, char **argv)
{
    if (argc < 1 || (strcmp(argv[0], "show") != 0 && strcmp(argv[0], "reset") != 0)) {
        fprintf(stderr, "usage: sluice state show [PIPELINE] [--wide] | sluice state reset PIPELINE [--yes]\n");
        return EXIT_USAGE;
    }
    int reset = strcmp(argv[0], "reset") == 0, yes = 0, wide = 0;
    const char *pipeline = NULL;
    for (int i = 1; i < argc; i++) {
        if (reset && (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0))
            yes = 1;
        else if (!reset && strcmp(argv[i], "--wide") == 0)
            wide = 1;
        else if (argv[i][0] != '-' && !pipeline)
            pipeline = argv[i];
        else {
            fprintf(stderr, "sluice state %s: unknown argument '%s'\n", argv[0], argv[i]);
            return EXIT_USAGE;
        }
    }
    if (reset && !pipeline) {
        fprintf(stderr, "usage: sluice state reset PIPELINE [--yes]\n");
        return EXIT_USAGE;
    }
    /* show works with broken pipeline files (an incident); reset changes state: the project must be valid */
    sl_project *p = reset ? sl_cli_project(cli) : sl_cli_project_readonly(cli);
    if (!p)
        return EXIT_USAGE;
    sl_state *s = sl_cli_state(cli, p);
    int rc = EXIT_FAILED;
    if (s)
        rc = reset ? state_reset(cli, p, s, pipeline, yes) : state_show(cli, p, s, pipeline, wide);
    sl_state_close(s);
    sl_project_free(p);
    return rc;
}
