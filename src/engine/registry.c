/*
 * registry.c: every component type sluice knows, by name. Adding a
 * connector = one file defining its plugin struct + one line here.
 */
#include "engine/component.h"
#include <string.h>

extern const sl_source_plugin sl_source_csv, sl_source_jsonl, sl_source_json, sl_source_sqlite, sl_source_postgres,
    sl_source_http, sl_source_webhook, sl_source_segment;
extern const sl_transform_plugin sl_transform_select, sl_transform_drop, sl_transform_rename,
    sl_transform_cast, sl_transform_derive, sl_transform_filter, sl_transform_dedupe, sl_transform_normalize,
    sl_transform_lookup, sl_transform_aggregate, sl_transform_milestones;
extern const sl_sink_plugin sl_sink_sqlite, sl_sink_postgres, sl_sink_http, sl_sink_csv, sl_sink_jsonl,
    sl_sink_stdout, sl_sink_email, sl_sink_slack;

static const sl_source_plugin *const sources[] = {&sl_source_csv, &sl_source_jsonl, &sl_source_json, &sl_source_sqlite,
                                                  &sl_source_postgres, &sl_source_http, &sl_source_webhook,
                                                  &sl_source_segment, NULL};
static const sl_transform_plugin *const transforms[] = {
    &sl_transform_select, &sl_transform_drop, &sl_transform_rename, &sl_transform_cast,
    &sl_transform_derive, &sl_transform_filter, &sl_transform_dedupe, &sl_transform_normalize,
    &sl_transform_lookup, &sl_transform_aggregate, &sl_transform_milestones, NULL};
static const sl_sink_plugin *const sinks[] = {&sl_sink_sqlite, &sl_sink_postgres, &sl_sink_http, &sl_sink_csv,
                                              &sl_sink_jsonl,  &sl_sink_stdout,   &sl_sink_email,
                                              &sl_sink_slack,  NULL};

const sl_source_plugin *sl_registry_source(const char *name)
{
    for (size_t i = 0; sources[i]; i++)
        if (strcmp(sources[i]->name, name) == 0)
            return sources[i];
    return NULL;
}

const sl_transform_plugin *sl_registry_transform(const char *name)
{
    for (size_t i = 0; transforms[i]; i++)
        if (strcmp(transforms[i]->name, name) == 0)
            return transforms[i];
    return NULL;
}

const sl_sink_plugin *sl_registry_sink(const char *name)
{
    for (size_t i = 0; sinks[i]; i++)
        if (strcmp(sinks[i]->name, name) == 0)
            return sinks[i];
    return NULL;
}

const char *const *sl_registry_names(sl_kind kind)
{
    static const char *names[3][16];
    if (!names[0][0]) {
        for (size_t i = 0; sources[i]; i++)
            names[0][i] = sources[i]->name;
        for (size_t i = 0; transforms[i]; i++)
            names[1][i] = transforms[i]->name;
        for (size_t i = 0; sinks[i]; i++)
            names[2][i] = sinks[i]->name;
    }
    return names[kind];
}
