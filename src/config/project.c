/* project.c: see project.h. */
#include "config/project.h"
#include "config/project_models.h"
#include "config/yaml.h"
#include "core/mem.h"
#include "core/util.h"
#include "engine/route.h"
#include "sched/dag.h"
#include "sched/alerts.h"
#include "sched/schedule.h"
#include "stream/ingest.h"
#include "transforms/reorder.h"
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_word(sl_kind k)
{
    return k == SL_KIND_SOURCE ? "source" : k == SL_KIND_TRANSFORM ? "transform" : "sink";
}

static const sl_option *plugin_options(sl_kind kind, const void *plugin, size_t *size)
{
    if (kind == SL_KIND_SOURCE) {
        *size = ((const sl_source_plugin *)plugin)->opts_size;
        return ((const sl_source_plugin *)plugin)->options;
    }
    if (kind == SL_KIND_TRANSFORM) {
        *size = ((const sl_transform_plugin *)plugin)->opts_size;
        return ((const sl_transform_plugin *)plugin)->options;
    }
    *size = ((const sl_sink_plugin *)plugin)->opts_size;
    return ((const sl_sink_plugin *)plugin)->options;
}

static int valid_id(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
              (*s >= 'A' && *s <= 'Z')))
            return 0;
    return 1;
}

int sl_instance_load(sl_instance *in, sl_kind kind, struct fy_node *map, const char *file,
                     const char *pipeline, sl_diags *d)
{
    size_t before = d->n;
    memset(in, 0, sizeof *in);
    in->kind = kind;
    in->pipeline = pipeline;
    in->loc = sl_yaml_loc(map, file);
    if (!map || !fy_node_is_mapping(map)) {
        sl_diags_add(d, in->loc, "a %s must be a mapping with a 'type:' key", kind_word(kind));
        return -1;
    }
    struct fy_node *tn = fy_node_mapping_lookup_by_string(map, "type", 4);
    if (!tn) {
        sl_diags_add(d, in->loc, "this %s has no 'type:' (one of: %s)", kind_word(kind), "see `sluice help`");
        return -1;
    }
    char *type = sl_yaml_scalar(tn, file, 0, d);
    if (!type)
        return -1;
    const void *plugin = kind == SL_KIND_SOURCE    ? (const void *)sl_registry_source(type)
                         : kind == SL_KIND_TRANSFORM ? (const void *)sl_registry_transform(type)
                                                   : (const void *)sl_registry_sink(type);
    if (!plugin) {
        const char *const *names = sl_registry_names(kind);
        size_t n = 0;
        while (names[n])
            n++;
        const char *sug = sl_suggest(type, names, n);
        sl_buf all;
        sl_buf_init(&all);
        for (size_t i = 0; i < n; i++)
            sl_buf_addf(&all, "%s%s", i ? ", " : "", names[i]);
        if (sug)
            sl_diags_add(d, sl_yaml_loc(tn, file), "unknown %s type '%s'; did you mean '%s'?",
                         kind_word(kind), type, sug);
        else
            sl_diags_add(d, sl_yaml_loc(tn, file), "unknown %s type '%s' (known: %s)", kind_word(kind),
                         type, all.data);
        sl_buf_release(&all);
        sl_free(type);
        return -1;
    }
    sl_free(type);
    in->plugin = plugin;
    in->type = kind == SL_KIND_SOURCE      ? ((const sl_source_plugin *)plugin)->name
               : kind == SL_KIND_TRANSFORM ? ((const sl_transform_plugin *)plugin)->name
                                           : ((const sl_sink_plugin *)plugin)->name;
    struct fy_node *nn = fy_node_mapping_lookup_by_string(map, "name", 4);
    if (nn) {
        in->id = sl_yaml_scalar(nn, file, 0, d);
        if (in->id && !valid_id(in->id))
            sl_diags_add(d, sl_yaml_loc(nn, file), "name '%s' may only hold letters, digits, '_' and '-'",
                         in->id);
    }
    size_t size;
    const sl_option *table = plugin_options(kind, plugin, &size);
    in->opts = sl_calloc(1, size);
    char what[96];
    snprintf(what, sizeof what, "%s %s", in->type, kind_word(kind));
    static const char *const skip[] = {"type", "name", NULL};
    /* lane: stream_keys_check; where, select: sl_route_load */
    static const char *const sink_skip[] = {"type", "name", "where", "select", "lane", NULL};
    sl_options_load(table, in->opts, map, file, kind == SL_KIND_SINK ? sink_skip : skip, what, d);
    if (kind == SL_KIND_SINK)
        in->route = sl_route_load(map, file, d);
    if (d->n == before) {
        int (*check)(sl_instance *, sl_diags *) =
            kind == SL_KIND_SOURCE      ? ((const sl_source_plugin *)plugin)->check
            : kind == SL_KIND_TRANSFORM ? ((const sl_transform_plugin *)plugin)->check
                                        : ((const sl_sink_plugin *)plugin)->check;
        if (check)
            check(in, d);
    }
    return d->n == before ? 0 : -1;
}

void sl_instance_release(sl_instance *in)
{
    if (in->opts && in->plugin) {
        size_t size;
        sl_options_release(plugin_options(in->kind, in->plugin, &size), in->opts);
    }
    sl_free(in->opts);
    sl_free(in->id);
    sl_route_free(in->route);
    memset(in, 0, sizeof *in);
}

static const char *const pipeline_keys[] = {"source", "transforms", "sinks", "on_error", "description",
                                            "batch_rows", "max_rejected", "checks", "monitors", "profile",
                                            "record_every", "max_lag", NULL};

/* `sluice help pipeline`: one line per key of pipeline_keys, in its order. */
static const char *const pipeline_key_help[][2] = {
    {"source", "where rows come from: {type: csv|jsonl|json|sqlite|postgres|http, ...} (required)"},
    {"transforms", "a list of steps applied in order: rename, select, drop, cast, derive, filter, dedupe"},
    {"sinks", "a list of destinations, each committed exactly once: sqlite, postgres, csv, jsonl, stdout, http, email, "
              "slack (required); each takes where: and select: (docs/events/routing.md)"},
    {"on_error", "dlq (default): a bad row goes to the dead-letter queue and the run goes on; fail: the batch "
                 "rolls back and the run fails"},
    {"description", "free text for the people who read the project"},
    {"batch_rows", "rows per batch, 1-1000000 (default 8192): memory is bounded by 8 batches"},
    {"max_rejected", "fail the run when its epoch rejected more rows than this, or more than a share of the rows "
                     "read (1%: needs sinks that publish at the end); the refused load stays unpublished "
                     "(default: no limit)"},
    {"checks", "data checks on the run's rows, before publish: not_null, unique, accepted_values, regex, range, "
               "row_count_change, ... (`sluice help checks`)"},
    {"monitors", "automatic monitors (volume, rejected rate, null rates, schema, freshness): false turns them off, "
                 "a mapping tunes them (default: the project's monitors:)"},
    {"profile", "record a profile of every column loaded (rows, nulls, distinct, min/max, ...) (default true)"},
    {"record_every", "stream pipelines: one run (a history record) per window of this length (default 1h; "
                     "docs/events/continuous.md)"},
    {"max_lag", "stream pipelines: alert when a lane is behind by more than this in event time (default 5m)"},
};

void sl_pipeline_help(sl_buf *out)
{
    for (size_t i = 0; pipeline_keys[i]; i++)
        sl_buf_addf(out, "  %-16s %s\n", pipeline_keys[i], pipeline_key_help[i][1]);
    sl_schedule_help(out);
}

/* Give every instance of a list a unique id: its name, or its type (+ _N). */
static void assign_ids(sl_instance *v, size_t n, sl_diags *d)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].id)
            continue;
        size_t same = 0, idx = 0;
        for (size_t j = 0; j < n; j++)
            if (v[j].type && v[i].type && strcmp(v[j].type, v[i].type) == 0) {
                if (j < i)
                    idx++;
                same++;
            }
        v[i].id = same > 1 ? sl_printf("%s_%zu", v[i].type, idx + 1) : sl_strdup(v[i].type ? v[i].type : "?");
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (v[i].id && v[j].id && strcmp(v[i].id, v[j].id) == 0)
                sl_diags_add(d, v[j].loc, "two components are named '%s'; names must be unique", v[j].id);
}

static int load_list(struct fy_node *seq, sl_kind kind, const char *file, const char *pipeline,
                     sl_instance **out, size_t *nout, sl_diags *d)
{
    if (!seq)
        return 0;
    if (!fy_node_is_sequence(seq)) {
        sl_diags_add(d, sl_yaml_loc(seq, file), "'%ss' must be a list", kind_word(kind));
        return -1;
    }
    int n = fy_node_sequence_item_count(seq);
    *out = sl_calloc((size_t)(n > 0 ? n : 1), sizeof **out);
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(seq, &it)) != NULL)
        sl_instance_load(&(*out)[(*nout)++], kind, item, file, pipeline, d);
    assign_ids(*out, *nout, d);
    return 0;
}

static void pipeline_free(sl_pipeline *pl)
{
    if (!pl)
        return;
    sl_instance_release(&pl->source);
    for (size_t i = 0; i < pl->ntransforms; i++)
        sl_instance_release(&pl->transforms[i]);
    for (size_t i = 0; i < pl->nsinks; i++)
        sl_instance_release(&pl->sinks[i]);
    sl_free(pl->transforms);
    for (size_t i = 0; pl->sink_lanes && i < pl->nsinks; i++)
        sl_free(pl->sink_lanes[i]);
    sl_free(pl->sink_lanes);
    sl_free(pl->plan_note);
    sl_free(pl->sinks);
    sl_free(pl->name);
    sl_free(pl->file);
    sl_free(pl->description);
    sl_schedule_free(pl->schedule);
    sl_checks_free(&pl->checks);
    sl_free(pl);
}

/* max_rejected: a whole number of rows (`0`, `100`) or a percentage of the
 * rows read (`1%`, `0.5%`). See engine/gate.h for what the limit does. */
static void load_max_rejected(sl_pipeline *pl, struct fy_node *v, const char *file, sl_diags *d)
{
    char *s = sl_yaml_scalar(v, file, 0, d);
    if (!s)
        return;
    char *end = NULL;
    size_t len = strlen(s);
    if (len > 1 && s[len - 1] == '%') {
        double pct = strtod(s, &end);
        if (end == s + len - 1 && pct >= 0 && pct <= 100 && (s[0] >= '0' && s[0] <= '9'))
            pl->max_rejected_pct = pct;
        else
            sl_diags_add(d, sl_yaml_loc(v, file), "max_rejected: '%s' is not a percentage from 0%% to 100%%", s);
    } else {
        long long n = strtoll(s, &end, 10);
        if (*s && !*end && n >= 0 && s[0] != '+')
            pl->max_rejected = n;
        else
            sl_diags_add(d, sl_yaml_loc(v, file),
                         "max_rejected must be a whole number of rows >= 0 or a percentage like 1%%, not '%s'", s);
    }
    sl_free(s);
}

/* A percentage is only known at the end of the input, so it can only keep a
 * refused load unpublished in sinks that publish at the end: a full_refresh
 * table, a file sink (renamed at the end), SQLite or PostgreSQL with `commit: run`.
 * An append or upsert table, stdout or an API gets each batch as it
 * commits. Returns the first sink that cannot wait, or NULL. */
static const sl_instance *sink_publishing_each_batch(const sl_pipeline *pl)
{
    for (size_t i = 0; i < pl->nsinks; i++) {
        const sl_instance *k = &pl->sinks[i];
        const sl_option *t = SL_SINK(k)->options;
        const char *mode = sl_options_string(t, k->opts, "mode"), *commit = sl_options_string(t, k->opts, "commit");
        int at_end = strcmp(k->type, "csv") == 0 || strcmp(k->type, "jsonl") == 0 ||
                     (mode && strcmp(mode, "full_refresh") == 0) || (commit && strcmp(commit, "run") == 0);
        if (!at_end)
            return k;
    }
    return NULL;
}

static sl_pipeline *pipeline_load(sl_project *proj, const char *file, const char *name, sl_diags *d);

/* ---- stream pipelines: record_every:, max_lag:, a sink's lane: (sched/stream.h) ---- */

/* A stream pipeline key (1: it was one). */
static int stream_key_load(sl_pipeline *pl, const char *k, struct fy_node *v, const char *file, sl_diags *d)
{
    int64_t *dst = strcmp(k, "record_every") == 0 ? &pl->record_every_s
                   : strcmp(k, "max_lag") == 0    ? &pl->max_lag_s
                                                  : NULL;
    if (!dst)
        return 0;
    char *s = sl_yaml_scalar(v, file, 0, d);
    int64_t n = s ? sl_parse_duration(s) : -1;
    if (s && n < 1)
        sl_diags_add(d, sl_yaml_loc(v, file), "%s must be a duration of at least 1s (2s, 15m, 1h), not '%s'", k, s);
    else if (s)
        *dst = n;
    sl_free(s);
    return 1;
}

/* Each sink's lane: (NULL: the default lane); a stream pipeline takes no
 * schedule (its lanes run continuously under serve). */
static void stream_keys_check(sl_pipeline *pl, struct fy_node *root, struct fy_node *sk, const char *file,
                              sl_diags *d)
{
    if (sk && fy_node_is_sequence(sk) && pl->nsinks) {
        pl->sink_lanes = sl_calloc(pl->nsinks, sizeof *pl->sink_lanes);
        void *it = NULL;
        struct fy_node *item;
        size_t i = 0;
        while ((item = fy_node_sequence_iterate(sk, &it)) != NULL && i < pl->nsinks) {
            struct fy_node *ln = fy_node_is_mapping(item) ? fy_node_mapping_lookup_by_string(item, "lane", 4) : NULL;
            char *lane = ln ? sl_yaml_scalar(ln, file, 0, d) : NULL;
            if (lane && !valid_id(lane))
                sl_diags_add(d, sl_yaml_loc(ln, file), "lane '%s' may only hold letters, digits, '_' and '-'", lane);
            pl->sink_lanes[i++] = lane;
        }
    }
    int stream = pl->source.plugin && SL_SOURCE(&pl->source)->ingest;
    static const char *const timed[] = {"schedule", "every", NULL};
    for (size_t i = 0; stream && timed[i]; i++) {
        struct fy_node_pair *pr = fy_node_mapping_lookup_pair_by_string(root, timed[i], strlen(timed[i]));
        if (pr)
            sl_diags_add(d, sl_yaml_loc(fy_node_pair_key(pr), file),
                         "a %s source runs continuously under `sluice serve`: it takes no %s: (remove it; "
                         "record_every: sets how often a run is recorded)",
                         pl->source.type, timed[i]);
    }
    /* a file sink writes one file per run: each window would replace the last */
    for (size_t i = 0; stream && i < pl->nsinks; i++)
        if (pl->sinks[i].type && (strcmp(pl->sinks[i].type, "csv") == 0 || strcmp(pl->sinks[i].type, "jsonl") == 0))
            sl_diags_add(d, pl->sinks[i].loc,
                         "a %s sink writes one file per run, and a stream pipeline's runs are windows "
                         "(record_every:): each would replace the previous one's file; load events into a "
                         "warehouse (sqlite, postgres) or send them (http)",
                         pl->sinks[i].type);
    for (size_t i = 0; !stream && i < pl->nsinks; i++)
        if (pl->sink_lanes && pl->sink_lanes[i]) {
            struct fy_node *n = NULL;
            void *it = NULL;
            for (size_t k = 0; k <= i; k++)
                n = fy_node_sequence_iterate(sk, &it);
            sl_diags_add(d, sl_yaml_loc(fy_node_mapping_lookup_by_string(n, "lane", 4), file),
                         "lane: is for the sinks of a stream pipeline (a webhook or segment source)");
        }
}

sl_pipeline *sl_pipeline_load_as(sl_project *proj, const sl_pipeline *pl, const char *name, sl_diags *d)
{
    size_t before = d->n;
    sl_pipeline *np = pipeline_load(proj, pl->file, name, d);
    if (d->n != before) {
        pipeline_free(np);
        return NULL;
    }
    return np;
}

void sl_pipeline_free(sl_pipeline *pl)
{
    pipeline_free(pl);
}

static sl_pipeline *pipeline_load(sl_project *proj, const char *file, const char *name, sl_diags *d)
{
    struct fy_document *doc = sl_yaml_load(file, d);
    if (!doc)
        return NULL;
    struct fy_node *root = fy_document_root(doc);
    sl_loc top = sl_yaml_loc(root, file), pct_loc = top;
    sl_pipeline *pl = sl_calloc(1, sizeof *pl);
    pl->name = sl_strdup(name);
    pl->file = sl_strdup(file);
    pl->project = proj;
    pl->batch_rows = 8192;
    pl->max_rejected = -1;
    pl->profile = 1;
    pl->max_rejected_pct = -1;
    pl->record_every_s = 3600;
    pl->max_lag_s = 300;
    if (!fy_node_is_mapping(root)) {
        sl_diags_add(d, top, "a pipeline file must be a mapping with source: and sinks:");
        fy_document_destroy(doc);
        return pl;
    }
    void *it = NULL;
    struct fy_node_pair *p;
    struct fy_node *src = NULL, *tr = NULL, *sk = NULL;
    while ((p = fy_node_mapping_iterate(root, &it)) != NULL) {
        char *k = sl_yaml_key(p);
        struct fy_node *v = fy_node_pair_value(p);
        sl_loc kloc = sl_yaml_loc(fy_node_pair_key(p), file);
        if (!k) {
            sl_diags_add(d, kloc, "keys must be plain words");
            continue;
        }
        if (strcmp(k, "source") == 0) {
            src = v;
        } else if (strcmp(k, "transforms") == 0) {
            tr = v;
        } else if (strcmp(k, "sinks") == 0) {
            sk = v;
        } else if (strcmp(k, "on_error") == 0) {
            char *s = sl_yaml_scalar(v, file, 0, d);
            if (s && strcmp(s, "fail") == 0)
                pl->on_error_fail = 1;
            else if (s && strcmp(s, "dlq") != 0)
                sl_diags_add(d, sl_yaml_loc(v, file), "on_error must be 'dlq' or 'fail', not '%s'", s);
            sl_free(s);
        } else if (strcmp(k, "description") == 0) {
            pl->description = sl_yaml_scalar(v, file, SL_YAML_MULTILINE, d);
        } else if (strcmp(k, "max_rejected") == 0) {
            load_max_rejected(pl, v, file, d);
            pct_loc = sl_yaml_loc(v, file);
        } else if (strcmp(k, "checks") == 0) {
            sl_checks_load(v, file, "pipeline", &pl->checks, d);
        } else if (strcmp(k, "monitors") == 0) {
            sl_monitor_config_load(v, file, &pl->monitors, d);
        } else if (strcmp(k, "profile") == 0) {
            char *s = sl_yaml_scalar(v, file, 0, d);
            if (s && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0))
                pl->profile = strcmp(s, "true") == 0;
            else if (s)
                sl_diags_add(d, sl_yaml_loc(v, file), "profile must be true or false, not '%s'", s);
            sl_free(s);
        } else if (stream_key_load(pl, k, v, file, d)) {
        } else if (strcmp(k, "batch_rows") == 0) {
            char *s = sl_yaml_scalar(v, file, 0, d);
            char *end = NULL;
            long long n = s ? strtoll(s, &end, 10) : 0;
            if (s && (!*s || *end || n < 1 || n > 1000000))
                sl_diags_add(d, sl_yaml_loc(v, file), "batch_rows must be between 1 and 1000000");
            else if (s)
                pl->batch_rows = n;
            sl_free(s);
        } else if (!sl_schedule_is_key(k)) {
            const char *all[32];
            size_t n = 0;
            for (size_t i = 0; pipeline_keys[i]; i++)
                all[n++] = pipeline_keys[i];
            for (size_t i = 0; sl_schedule_keys[i]; i++)
                all[n++] = sl_schedule_keys[i];
            const char *sug = sl_suggest(k, all, n);
            if (sug)
                sl_diags_add(d, kloc, "unknown pipeline key '%s'; did you mean '%s'?", k, sug);
            else
                sl_diags_add(d, kloc, "unknown pipeline key '%s' (expected source, transforms, sinks, on_error, "
                                      "schedule, every, after, ...)", k);
        }
        sl_free(k);
    }
    pl->schedule = sl_schedule_load(root, file, d);
    if (!src)
        sl_diags_add(d, top, "pipeline '%s' has no source:", name);
    else if (sl_instance_load(&pl->source, SL_KIND_SOURCE, src, file, pl->name, d) == 0 && !pl->source.id)
        pl->source.id = sl_strdup(pl->source.type);
    if (!pl->source.id)
        pl->source.id = sl_strdup("source");
    load_list(tr, SL_KIND_TRANSFORM, file, pl->name, &pl->transforms, &pl->ntransforms, d);
    if (!sk)
        sl_diags_add(d, top, "pipeline '%s' has no sinks: (add at least one, e.g. {type: sqlite, table: %s})",
                     name, name);
    else
        load_list(sk, SL_KIND_SINK, file, pl->name, &pl->sinks, &pl->nsinks, d);
    if (sk && pl->nsinks == 0)
        sl_diags_add(d, sl_yaml_loc(sk, file), "sinks: is empty");
    stream_keys_check(pl, root, sk, file, d);
    if (d->n == 0) { /* a plan rewrite: filters before derives that cannot tell */
        int opts_ok = pl->source.opts != NULL;
        for (size_t i = 0; i < pl->ntransforms; i++)
            opts_ok &= pl->transforms[i].opts != NULL;
        sl_buf note;
        sl_buf_init(&note);
        if (opts_ok && sl_reorder_filters_first(pl, &note) > 0)
            pl->plan_note = sl_buf_detach(&note);
        sl_buf_release(&note);
    }
    const sl_instance *early = pl->max_rejected_pct >= 0 ? sink_publishing_each_batch(pl) : NULL;
    if (early)
        sl_diags_add(d, pct_loc,
                     "max_rejected as a percentage is decided at the end of the input, but sink %s (%s) "
                     "commits each batch as it goes: give a number of rows, or load into mode: full_refresh, a "
                     "file sink or SQLite or PostgreSQL with commit: run",
                     early->id, early->type);
    fy_document_destroy(doc);
    return pl;
}

static const char *const project_keys[] = {"name", "warehouse", "state", "max_concurrent_runs", "alerts",
                                           "targets", "target", "monitors", NULL};

/* warehouse: path.db | {type: sqlite, path: path.db} | {type: postgres, url: ...}
 * (and the same for state:). Returns the absolute path, or NULL; a
 * PostgreSQL URL goes to *url. */
static char *project_store_opt(sl_project *p, struct fy_node *v, const char *file, char **url, char **schema,
                               sl_diags *d)
{
    static const char *const keys[] = {"type", "path", "url", "schema", NULL};
    if (v && fy_node_is_mapping(v)) {
        struct fy_node *t = fy_node_mapping_lookup_by_string(v, "type", 4);
        char *ts = t ? sl_yaml_scalar(t, file, 0, d) : sl_strdup("sqlite");
        int pg = ts && strcmp(ts, "postgres") == 0;
        if (ts && !pg && strcmp(ts, "sqlite") != 0)
            sl_diags_add(d, sl_yaml_loc(t, file), "type '%s' is not a store sluice knows (sqlite, postgres)", ts);
        sl_free(ts);
        void *it = NULL;
        struct fy_node_pair *pr;
        while ((pr = fy_node_mapping_iterate(v, &it)) != NULL) {
            char *k = sl_yaml_key(pr);
            if (k && pg && schema && strcmp(k, "schema") == 0) {
                sl_free(*schema);
                *schema = sl_yaml_scalar(fy_node_pair_value(pr), file, 0, d);
            } else if (!k || (strcmp(k, "type") != 0 && strcmp(k, pg ? "url" : "path") != 0)) {
                const char *sug = k ? sl_suggest(k, keys, schema ? 4 : 3) : NULL;
                sl_diags_add(d, sl_yaml_loc(fy_node_pair_key(pr), file), "unknown key '%s'%s%s%s", k ? k : "?",
                             sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
            }
            sl_free(k);
        }
        struct fy_node *val = fy_node_mapping_lookup_by_string(v, pg ? "url" : "path", pg ? 3 : 4);
        if (!val) {
            sl_diags_add(d, sl_yaml_loc(v, file), pg ? "missing 'url:' (for example url: ${DATABASE_URL})"
                                                     : "missing 'path:'");
            return NULL;
        }
        if (pg) {
            *url = sl_yaml_scalar(val, file, SL_YAML_SECRET, d);
            return NULL;
        }
        v = val;
    }
    char *s = sl_yaml_scalar(v, file, 0, d);
    if (!s)
        return NULL;
    char *abs = sl_project_path(p, s);
    sl_free(s);
    return abs;
}

/* targets: {NAME: <warehouse block>, ...} */
static void load_targets(sl_project *p, struct fy_node *v, const char *file, sl_diags *d)
{
    if (!v || !fy_node_is_mapping(v)) {
        sl_diags_add(d, sl_yaml_loc(v, file), "targets: must map a target name to a warehouse block");
        return;
    }
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(v, &it)) != NULL) {
        char *k = sl_yaml_key(pr);
        sl_loc kl = sl_yaml_loc(fy_node_pair_key(pr), file);
        if (!k || !valid_id(k)) {
            sl_diags_add(d, kl, "a target name may only hold letters, digits, '_' and '-'");
            sl_free(k);
            continue;
        }
        p->targets = sl_realloc(p->targets, (p->ntargets + 1) * sizeof *p->targets);
        sl_project_target *t = &p->targets[p->ntargets++];
        memset(t, 0, sizeof *t);
        t->name = k;
        t->loc = kl;
        t->warehouse = project_store_opt(p, fy_node_pair_value(pr), file, &t->warehouse_url, &t->schema, d);
    }
}

int sl_project_use_target(sl_project *p, const char *name, sl_error *err)
{
    if (!name)
        return 0;
    if (!p->ntargets)
        return sl_error_set(err, SL_EUSAGE, "--target %s: the project has no targets: in sluice.yml", name);
    const sl_project_target *t = NULL;
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < p->ntargets; i++) {
        if (strcmp(p->targets[i].name, name) == 0)
            t = &p->targets[i];
        if (n < 64)
            names[n++] = p->targets[i].name;
    }
    if (!t) {
        const char *sug = sl_suggest(name, names, n);
        if (sug)
            return sl_error_set(err, SL_EUSAGE, "no target called '%s'; did you mean '%s'?", name, sug);
        return sl_error_set(err, SL_EUSAGE, "no target called '%s' in targets: of sluice.yml", name);
    }
    sl_free(p->warehouse);
    sl_free(p->warehouse_url);
    sl_free(p->warehouse_schema);
    p->warehouse = t->warehouse ? sl_strdup(t->warehouse) : NULL;
    p->warehouse_url = t->warehouse_url ? sl_strdup(t->warehouse_url) : NULL;
    p->warehouse_schema = t->schema ? sl_strdup(t->schema) : NULL;
    if (!p->warehouse && !p->warehouse_url)
        p->warehouse = sl_printf("%s/warehouse.db", p->dir);
    sl_free(p->target_name);
    p->target_name = sl_strdup(t->name);
    return 0;
}

static int cmp_pipeline(const void *a, const void *b)
{
    return strcmp((*(sl_pipeline *const *)a)->name, (*(sl_pipeline *const *)b)->name);
}

static char *remember_file(sl_project *p, const char *path)
{
    p->files = sl_realloc(p->files, (p->nfiles + 1) * sizeof *p->files);
    return p->files[p->nfiles++] = sl_strdup(path);
}

int sl_project_load(const char *dir, sl_project **out, sl_diags *d)
{
    return sl_project_load_flags(dir, 0, out, d);
}

/* Move the diagnostics of d past `from` into p->skipped (SL_LOAD_SKIP_BROKEN). */
static void keep_as_skipped(sl_project *p, sl_diags *d, size_t from)
{
    sl_diags_sort(d);
    for (size_t i = from; i < d->n; i++) {
        p->skipped = sl_realloc(p->skipped, (p->nskipped + 1) * sizeof *p->skipped);
        p->skipped[p->nskipped++] = sl_printf("%s:%d:%d: %s", d->v[i].file, d->v[i].line, d->v[i].col, d->v[i].msg);
    }
}

int sl_project_load_flags(const char *dir, int flags, sl_project **out, sl_diags *d)
{
    size_t before = d->n;
    char abs[PATH_MAX];
    *out = NULL;
    if (!realpath(dir, abs)) {
        sl_loc loc = {dir, 0, 0};
        sl_diags_add(d, loc, "no such project folder");
        return -1;
    }
    sl_project *p = sl_calloc(1, sizeof *p);
    p->dir = sl_strdup(abs);
    char *yml = sl_printf("%s/sluice.yml", abs);
    if (access(yml, F_OK) != 0) {
        sl_free(yml);
        yml = sl_printf("%s/sluice.yaml", abs);
    }
    char *dbt = sl_printf("%s/dbt_project.yml", abs);
    int has_yml = access(yml, F_OK) == 0, has_dbt = access(dbt, F_OK) == 0;
    if (!has_yml && !has_dbt) {
        sl_loc loc = {yml, 0, 0};
        sl_diags_add(d, loc, "not a sluice project: no sluice.yml here (create one with `sluice init`)");
        sl_free(yml);
        sl_free(dbt);
        sl_project_free(p);
        return -1;
    }
    p->file = remember_file(p, has_yml ? yml : dbt);
    if (has_dbt)
        p->dbt_file = has_yml ? remember_file(p, dbt) : p->file;
    sl_free(yml);
    sl_free(dbt);
    struct fy_node *target_default = NULL;
    struct fy_document *doc = has_yml ? sl_yaml_load(p->file, d) : NULL;
    if (doc) {
        struct fy_node *root = fy_document_root(doc);
        if (!fy_node_is_mapping(root)) {
            sl_diags_add(d, sl_yaml_loc(root, p->file), "sluice.yml must be a mapping (name:, warehouse:, state:)");
        } else {
            void *it = NULL;
            struct fy_node_pair *pr;
            while ((pr = fy_node_mapping_iterate(root, &it)) != NULL) {
                char *k = sl_yaml_key(pr);
                struct fy_node *v = fy_node_pair_value(pr);
                if (k && strcmp(k, "name") == 0) {
                    p->name = sl_yaml_scalar(v, p->file, 0, d);
                } else if (k && strcmp(k, "warehouse") == 0) {
                    p->warehouse = project_store_opt(p, v, p->file, &p->warehouse_url, &p->warehouse_schema, d);
                } else if (k && strcmp(k, "state") == 0) {
                    p->state_path = project_store_opt(p, v, p->file, &p->state_url, NULL, d);
                } else if (k && strcmp(k, "targets") == 0) {
                    load_targets(p, v, p->file, d);
                } else if (k && strcmp(k, "target") == 0) {
                    target_default = v;
                } else if (k && sl_project_models_key(p, k, fy_node_pair_key(pr), v, p->file, 0, d)) {
                    /* models layer (project_models.c) */
                } else if (k && strcmp(k, "max_concurrent_runs") == 0) {
                    char *s = sl_yaml_scalar(v, p->file, 0, d), *end = NULL;
                    long n = s ? strtol(s, &end, 10) : 0;
                    if (s && (!*s || *end || n < 1 || n > 256))
                        sl_diags_add(d, sl_yaml_loc(v, p->file), "max_concurrent_runs must be a whole number 1-256");
                    else if (s)
                        p->max_concurrent_runs = (int)n;
                    sl_free(s);
                } else if (k && strcmp(k, "monitors") == 0) {
                    sl_monitor_config_load(v, p->file, &p->monitors, d);
                } else if (k && strcmp(k, "alerts") == 0) {
                    sl_alerts_free(p->alerts);
                    p->alerts = sl_alerts_load(v, p->file, d);
                } else {
                    const char *all[40];
                    size_t nall = 0;
                    for (size_t q = 0; project_keys[q]; q++)
                        all[nall++] = project_keys[q];
                    for (size_t q = 0; sl_project_models_keys[q]; q++)
                        all[nall++] = sl_project_models_keys[q];
                    const char *sug = k ? sl_suggest(k, all, nall) : NULL;
                    sl_loc kl = sl_yaml_loc(fy_node_pair_key(pr), p->file);
                    if (sug)
                        sl_diags_add(d, kl, "unknown project key '%s'; did you mean '%s'?", k, sug);
                    else
                        sl_diags_add(d, kl, "unknown project key '%s' (expected name, warehouse, state, max_concurrent_runs, alerts)", k ? k : "?");
                }
                sl_free(k);
            }
        }
        p->docs_kept[0] = doc; /* the config trees point into it */
    }
    sl_project_models_load_dbt(p, remember_file, d);
    sl_project_models_defaults(p);
    if (target_default && !p->ntargets) {
        sl_diags_add(d, sl_yaml_loc(target_default, p->file), "target: names a target, but there is no targets:");
    } else if (p->ntargets) {
        if (p->warehouse || p->warehouse_url)
            sl_diags_add(d, p->targets[0].loc, "give the warehouse either as warehouse: or as targets:, not both");
        char *want = target_default ? sl_yaml_scalar(target_default, p->file, 0, d) : sl_strdup(p->targets[0].name);
        sl_error terr = {0};
        if (want && sl_project_use_target(p, want, &terr) < 0)
            sl_diags_add(d, sl_yaml_loc(target_default, p->file), "target: %s", terr.msg);
        sl_free(want);
    }
    if (!p->name) {
        const char *slash = strrchr(abs, '/');
        p->name = sl_strdup(slash ? slash + 1 : abs);
    }
    if (!p->warehouse)
        p->warehouse = sl_printf("%s/warehouse.db", abs);
    if (!p->state_path)
        p->state_path = sl_printf("%s/.sluice/state.db", abs);

    char *pdir = sl_printf("%s/pipelines", abs);
    DIR *dh = opendir(pdir);
    if (dh) {
        struct dirent *e;
        while ((e = readdir(dh)) != NULL) {
            size_t n = strlen(e->d_name);
            size_t ext = n > 4 && strcmp(e->d_name + n - 4, ".yml") == 0    ? 4
                         : n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0 ? 5
                                                                            : 0;
            if (!ext || e->d_name[0] == '.')
                continue;
            char *name = sl_strndup(e->d_name, n - ext);
            char *path = remember_file(p, "");
            sl_free(path);
            p->files[p->nfiles - 1] = sl_printf("%s/%s", pdir, e->d_name);
            const char *file = p->files[p->nfiles - 1];
            if (!valid_id(name)) {
                sl_loc loc = {file, 1, 1};
                sl_diags_add(d, loc, "pipeline file name '%s' may only hold letters, digits, '_' and '-'", name);
            }
            if (sl_project_find(p, name)) {
                sl_loc loc = {file, 1, 1};
                sl_diags_add(d, loc, "a pipeline called '%s' is defined twice", name);
                sl_free(name);
                continue;
            }
            sl_pipeline *pl;
            if (flags & SL_LOAD_SKIP_BROKEN) {
                sl_diags own;
                sl_diags_init(&own);
                pl = pipeline_load(p, file, name, &own);
                if (own.n) {
                    keep_as_skipped(p, &own, 0);
                    if (pl)
                        pipeline_free(pl);
                    pl = NULL;
                }
                sl_diags_release(&own);
            } else {
                pl = pipeline_load(p, file, name, d);
            }
            sl_free(name);
            if (!pl)
                continue;
            p->pipelines = sl_realloc(p->pipelines, (p->npipelines + 1) * sizeof *p->pipelines);
            p->pipelines[p->npipelines++] = pl;
        }
        closedir(dh);
    }
    sl_free(pdir);
    if (p->npipelines)
        qsort(p->pipelines, p->npipelines, sizeof *p->pipelines, cmp_pipeline);
    if (!p->max_concurrent_runs)
        p->max_concurrent_runs = 4;
    if (!p->monitors.set)
        sl_monitor_config_defaults(&p->monitors);
    sl_monitor_tables_load(p, d);
    if (d->n == before && (flags & SL_LOAD_SKIP_BROKEN)) {
        sl_diags dag;
        sl_diags_init(&dag);
        sl_dag_check(p, &dag);
        sl_ingest_check_paths(p, &dag);
        keep_as_skipped(p, &dag, 0);
        sl_diags_release(&dag);
    } else if (d->n == before) {
        sl_dag_check(p, d);
        sl_ingest_check_paths(p, d);
    }
    if (d->n != before) {
        sl_diags_sort(d);
        sl_project_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

void sl_project_free(sl_project *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->npipelines; i++)
        pipeline_free(p->pipelines[i]);
    sl_free(p->pipelines);
    for (size_t i = 0; i < p->nfiles; i++)
        sl_free(p->files[i]);
    sl_free(p->files);
    for (size_t i = 0; i < p->nskipped; i++)
        sl_free(p->skipped[i]);
    sl_free(p->skipped);
    sl_free(p->dir);
    sl_free(p->name);
    sl_alerts_free(p->alerts);
    sl_monitor_tables_free(p);
    sl_free(p->warehouse);
    sl_free(p->state_path);
    sl_free(p->state_url);
    sl_free(p->warehouse_url);
    sl_free(p->warehouse_schema);
    sl_project_models_free(p);
    for (size_t i = 0; i < p->ntargets; i++) {
        sl_free(p->targets[i].name);
        sl_free(p->targets[i].warehouse);
        sl_free(p->targets[i].warehouse_url);
        sl_free(p->targets[i].schema);
    }
    sl_free(p->targets);
    sl_free(p->target_name);
    sl_free(p);
}

sl_pipeline *sl_project_find(const sl_project *p, const char *name)
{
    for (size_t i = 0; i < p->npipelines; i++)
        if (strcmp(p->pipelines[i]->name, name) == 0)
            return p->pipelines[i];
    return NULL;
}

char *sl_project_path(const sl_project *p, const char *rel)
{
    if (rel[0] == '/')
        return sl_strdup(rel);
    return sl_printf("%s/%s", p->dir, rel);
}
