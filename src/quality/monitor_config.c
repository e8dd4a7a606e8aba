/*
 * monitor_config.c: the `monitors:` key (quality/monitor.h,
 * docs/quality/monitors.md) of sluice.yml, a pipeline file, a model's
 * config or a monitors/NAME.yml table:
 *
 *   monitors: false                 # every monitor off
 *   monitors: true                  # every monitor on, defaults
 *   monitors:
 *     sensitivity: 4                # these four apply to every monitor ...
 *     min_history: 10
 *     window: 28
 *     seasonality: weekly           # weekly | none | auto (default)
 *     volume: false                 # ... each monitor: false | true | mapping
 *     null_rate: {sensitivity: 6}   # ... which overrides them for it
 *     schema: true
 *     freshness: {warn_after: 12h, error_after: 2d}
 *
 * Problems are diagnostics at file:line:col with "did you mean".
 */
#include "config/yaml.h"
#include "core/mem.h"
#include "quality/monitor.h"
#include <libfyaml.h>
#include <stdlib.h>
#include <string.h>

static const char *const monitor_names[SL_MON_N] = {"volume", "rejected_rate", "null_rate", "schema", "freshness"};
static const char *const tuning_keys[] = {"sensitivity", "min_history", "window", "seasonality"};
#define NTUNING 4

const char *sl_monitor_name(int m)
{
    return m >= 0 && m < SL_MON_N ? monitor_names[m] : "";
}

void sl_monitor_config_defaults(sl_monitor_config *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < SL_MON_N; i++)
        c->enabled[i] = 1;
}

const sl_monitor_config *sl_monitor_config_pick(const sl_monitor_config *c, const sl_monitor_config *parent)
{
    return c && c->set ? c : parent;
}

/* true / false; -1 when the node is something else. */
static int boolean(struct fy_node *v)
{
    if (!fy_node_is_scalar(v))
        return -1;
    const char *s = fy_node_get_scalar0(v);
    if (!s)
        return -1;
    if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0 || strcmp(s, "on") == 0)
        return 1;
    if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0 || strcmp(s, "off") == 0)
        return 0;
    return -1;
}

/* One tuning key (sensitivity, min_history, window, seasonality) into a.
 * Returns 1 if k is one, 0 if not. */
static int tuning(const char *k, struct fy_node *v, const char *file, sl_anomaly_config *a, sl_diags *d)
{
    int is = 0;
    for (int i = 0; i < NTUNING; i++)
        is |= strcmp(k, tuning_keys[i]) == 0;
    if (!is)
        return 0;
    sl_loc loc = sl_yaml_loc(v, file);
    char *s = sl_yaml_scalar(v, file, 0, d);
    if (!s)
        return 1;
    char *end = NULL;
    if (strcmp(k, "seasonality") == 0) {
        if (strcmp(s, "weekly") == 0)
            a->seasonality = 1;
        else if (strcmp(s, "none") == 0)
            a->seasonality = -1;
        else if (strcmp(s, "auto") == 0)
            a->seasonality = 0;
        else
            sl_diags_add(d, loc, "seasonality must be weekly, none or auto, not '%s'", s);
    } else if (strcmp(k, "sensitivity") == 0) {
        double x = strtod(s, &end);
        if (!*s || *end || !(x > 0) || x > 100)
            sl_diags_add(d, loc, "sensitivity must be a number above 0 (robust standard deviations, default %.1f), "
                                 "not '%s'", SL_ANOMALY_DEFAULT_SENSITIVITY, s);
        else
            a->sensitivity = x;
    } else {
        long long x = strtoll(s, &end, 10);
        int window = strcmp(k, "window") == 0;
        if (!*s || *end || x < (window ? 3 : 1) || x > 10000)
            sl_diags_add(d, loc, "%s must be a whole number from %d to 10000, not '%s'", k, window ? 3 : 1, s);
        else if (window)
            a->window = (size_t)x;
        else
            a->min_history = (size_t)x;
    }
    sl_free(s);
    return 1;
}

static void freshness_key(const char *k, struct fy_node *v, const char *file, sl_monitor_config *c, sl_diags *d)
{
    char *s = sl_yaml_scalar(v, file, 0, d);
    if (!s)
        return;
    /* as a check's warn_after: 30m, 12h, 2d, or a number of seconds */
    char *end = NULL;
    long long plain = strtoll(s, &end, 10);
    int64_t secs = *s && end && !*end ? (int64_t)plain : sl_parse_duration(s);
    if (secs <= 0)
        sl_diags_add(d, sl_yaml_loc(v, file), "%s must be a duration such as 30m, 12h, 2d or a number of seconds, not '%s'",
                     k, s);
    else if (strcmp(k, "warn_after") == 0)
        c->warn_after_s = secs;
    else
        c->error_after_s = secs;
    sl_free(s);
}

/* volume: false | true | mapping */
static void one_monitor(int m, struct fy_node *v, const char *file, sl_monitor_config *c, sl_diags *d)
{
    int b = boolean(v);
    if (b >= 0) {
        c->enabled[m] = b;
        return;
    }
    if (!fy_node_is_mapping(v)) {
        sl_diags_add(d, sl_yaml_loc(v, file), "monitors: %s must be true, false or a mapping", monitor_names[m]);
        return;
    }
    c->enabled[m] = 1;
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(v, &it)) != NULL) {
        char *k = sl_yaml_key(p);
        struct fy_node *val = fy_node_pair_value(p);
        sl_loc kloc = sl_yaml_loc(fy_node_pair_key(p), file);
        if (!k) {
            sl_diags_add(d, kloc, "keys must be plain words");
            continue;
        }
        if (m == SL_MON_FRESHNESS && (strcmp(k, "warn_after") == 0 || strcmp(k, "error_after") == 0)) {
            freshness_key(k, val, file, c, d);
        } else if (strcmp(k, "enabled") == 0 && boolean(val) >= 0) {
            c->enabled[m] = boolean(val);
        } else if (m == SL_MON_SCHEMA || m == SL_MON_FRESHNESS || !tuning(k, val, file, &c->anomaly[m], d)) {
            const char *keys[8];
            size_t n = 0;
            keys[n++] = "enabled";
            if (m == SL_MON_FRESHNESS) {
                keys[n++] = "warn_after";
                keys[n++] = "error_after";
            } else if (m != SL_MON_SCHEMA) {
                for (int i = 0; i < NTUNING; i++)
                    keys[n++] = tuning_keys[i];
            }
            const char *sug = sl_suggest(k, keys, n);
            if (sug)
                sl_diags_add(d, kloc, "unknown key '%s' in monitors: %s; did you mean '%s'?", k, monitor_names[m], sug);
            else if (m == SL_MON_SCHEMA)
                sl_diags_add(d, kloc, "unknown key '%s' in monitors: schema (it takes true or false)", k);
            else
                sl_diags_add(d, kloc, "unknown key '%s' in monitors: %s (expected %s)", k, monitor_names[m],
                             m == SL_MON_FRESHNESS ? "warn_after, error_after"
                                                   : "sensitivity, min_history, window, seasonality");
        }
        sl_free(k);
    }
}

int sl_monitor_config_load(struct fy_node *v, const char *file, sl_monitor_config *c, sl_diags *d)
{
    size_t before = d->n;
    sl_monitor_config_defaults(c);
    c->set = 1;
    if (!v)
        return 0;
    int b = boolean(v);
    if (b >= 0) {
        for (int i = 0; i < SL_MON_N; i++)
            c->enabled[i] = b;
        return 0;
    }
    if (!fy_node_is_mapping(v)) {
        sl_diags_add(d, sl_yaml_loc(v, file), "monitors must be true, false or a mapping (volume, rejected_rate, "
                                              "null_rate, schema, freshness, sensitivity, min_history, window, "
                                              "seasonality)");
        return (int)(d->n - before);
    }
    sl_anomaly_config all = {0};
    struct fy_node *fresh = v;
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(v, &it)) != NULL) {
        char *k = sl_yaml_key(p);
        struct fy_node *val = fy_node_pair_value(p);
        sl_loc kloc = sl_yaml_loc(fy_node_pair_key(p), file);
        if (!k) {
            sl_diags_add(d, kloc, "keys must be plain words");
            continue;
        }
        int m = -1;
        for (int i = 0; i < SL_MON_N; i++)
            if (strcmp(k, monitor_names[i]) == 0)
                m = i;
        if (m >= 0) {
            one_monitor(m, val, file, c, d);
            if (m == SL_MON_FRESHNESS)
                fresh = val;
        } else if (!tuning(k, val, file, &all, d)) {
            const char *keys[SL_MON_N + NTUNING];
            size_t n = 0;
            for (int i = 0; i < SL_MON_N; i++)
                keys[n++] = monitor_names[i];
            for (int i = 0; i < NTUNING; i++)
                keys[n++] = tuning_keys[i];
            const char *sug = sl_suggest(k, keys, n);
            if (!sug && (strcmp(k, "warn_after") == 0 || strcmp(k, "error_after") == 0))
                sl_diags_add(d, kloc, "unknown key '%s' in monitors:; it goes under freshness: (freshness: {%s: ...})",
                             k, k);
            else if (sug)
                sl_diags_add(d, kloc, "unknown key '%s' in monitors:; did you mean '%s'?", k, sug);
            else
                sl_diags_add(d, kloc, "unknown key '%s' in monitors: (expected volume, rejected_rate, null_rate, "
                                      "schema, freshness, sensitivity, min_history, window, seasonality)", k);
        }
        sl_free(k);
    }
    /* the shared tuning fills what a monitor did not set itself */
    for (int i = 0; i < SL_MON_N; i++) {
        sl_anomaly_config *a = &c->anomaly[i];
        if (!(a->sensitivity > 0))
            a->sensitivity = all.sensitivity;
        if (!a->window)
            a->window = all.window;
        if (!a->min_history)
            a->min_history = all.min_history;
        if (!a->seasonality)
            a->seasonality = all.seasonality;
    }
    if (c->warn_after_s && c->error_after_s && c->warn_after_s > c->error_after_s)
        sl_diags_add(d, sl_yaml_loc(fresh, file), "monitors: freshness: warn_after must not be longer than error_after");
    return (int)(d->n - before);
}
