/*
 * cmd_help.c: `sluice help [COMPONENT]`, generated from the option tables,
 * and `sluice version`.
 */
#include "cli/cli.h"
#include "engine/component.h"
#include <stdio.h>
#include <string.h>

static void show(const char *kind, const char *name, const char *summary, const sl_option *opts)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_options_help(opts, &b);
    printf("%s %s: %s\n\noptions:\n  %-16s the component type (required)\n  %-16s an id for logs, metrics and "
           "the DLQ (default: the type)\n%s", name, kind, summary, "type", "name", b.data ? b.data : "");
    sl_buf_release(&b);
}

int cmd_help(sl_cli *cli, int argc, char **argv)
{
    if (argc == 0) {
        static const char *const kinds[] = {"sources", "transforms", "sinks"};
        for (int k = 0; k < 3; k++) {
            printf("%s:\n", kinds[k]);
            for (const char *const *n = sl_registry_names((sl_kind)k); *n; n++) {
                const char *summary = k == 0 ? sl_registry_source(*n)->summary
                                      : k == 1 ? sl_registry_transform(*n)->summary
                                               : sl_registry_sink(*n)->summary;
                printf("  %-10s %s\n", *n, summary);
            }
        }
        printf("\n'sluice help NAME' shows a component's options; 'sluice help source csv' picks a kind;\n"
               "'sluice help pipeline' the keys of a pipeline file.\n");
        return EXIT_OK;
    }
    if (argc == 1 && strcmp(argv[0], "pipeline") == 0) {
        sl_buf b;
        sl_buf_init(&b);
        sl_pipeline_help(&b);
        printf("pipelines/NAME.yml: one pipeline; NAME is its name.\n\nkeys:\n%s", b.data ? b.data : "");
        sl_buf_release(&b);
        return EXIT_OK;
    }
    const char *kind = NULL, *name = argv[0];
    if (argc > 1) {
        kind = argv[0];
        name = argv[1];
    }
    int shown = 0;
    const sl_source_plugin *s = sl_registry_source(name);
    const sl_transform_plugin *t = sl_registry_transform(name);
    const sl_sink_plugin *k = sl_registry_sink(name);
    if (s && (!kind || strncmp(kind, "source", 6) == 0)) {
        show("source", s->name, s->summary, s->options);
        shown++;
    }
    if (t && (!kind || strncmp(kind, "transform", 9) == 0)) {
        if (shown++)
            printf("\n");
        show("transform", t->name, t->summary, t->options);
    }
    if (k && (!kind || strncmp(kind, "sink", 4) == 0)) {
        if (shown++)
            printf("\n");
        show("sink", k->name, k->summary, k->options);
    }
    if (!shown) {
        fprintf(stderr, "sluice help: no component called '%s' (run 'sluice help' for the list)\n", name);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int cmd_version(sl_cli *cli, int argc, char **argv)
{
    if (cli && cli->json)
        printf("{\"schema_version\":1,\"version\":\"%s\"}\n", SLUICE_VERSION);
    else
        printf("sluice %s\n", SLUICE_VERSION);
    return EXIT_OK;
}
