/*
 * manifest.c: target/manifest.json, the node list a dbt user looks for
 * (graph.h's sl_graph_write_manifest; the format is in docs/MODELS.md):
 * every node with its unique_id, resource_type, fqn, paths, relation,
 * config and dependencies, the compiled SQL when it was compiled, and
 * dbt's parent_map / child_map. Written to a temporary file and renamed,
 * so a reader sees the old manifest or the new one.
 */
#include "core/mem.h"
#include "core/redact.h"
#include "core/sqlident.h"
#include "models/context.h"
#include "models/graph.h"
#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {"pipeline", "seed", "model", "snapshot", "test", "analysis", "source"};

/* A JSON string: runs of printable ASCII copied whole (most of the
 * manifest is SQL text), the rest through sl_buf_add_json_str, which
 * escapes and checks UTF-8. */
static void jstr(sl_buf *b, const char *s)
{
    if (!s) {
        sl_buf_adds(b, "null");
        return;
    }
    size_t n = strlen(s), i = 0;
    sl_buf_reserve(b, n + 2);
    sl_buf_addc(b, '"');
    while (i < n) {
        size_t run = i;
        while (run < n) {
            unsigned char c = (unsigned char)s[run];
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
                break;
            run++;
        }
        sl_buf_add(b, s + i, run - i);
        i = run;
        if (i >= n)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            sl_buf_add(b, "\\n", 2);
            i++;
        } else if (c == '"' || c == '\\') {
            sl_buf_addc(b, '\\');
            sl_buf_addc(b, (char)c);
            i++;
        } else { /* control bytes and non-ASCII: the careful way, for the rest */
            sl_buf tail;
            sl_buf_init(&tail);
            sl_buf_add_json_str(&tail, s + i, n - i);
            sl_buf_add(b, tail.data + 1, tail.len - 1); /* without its opening quote */
            sl_buf_release(&tail);
            return;
        }
    }
    sl_buf_addc(b, '"');
}

static void jstrv(sl_buf *b, const sl_strv *v)
{
    sl_buf_addc(b, '[');
    for (size_t i = 0; i < v->n; i++) {
        if (i)
            sl_buf_addc(b, ',');
        jstr(b, v->v[i]);
    }
    sl_buf_addc(b, ']');
}

static void config_json(sl_buf *b, const sl_node_config *c)
{
    sl_buf_addf(b, "{\"enabled\":%s", c->enabled == 0 ? "false" : "true");
    sl_buf_adds(b, ",\"materialized\":");
    jstr(b, c->materialized);
    sl_buf_adds(b, ",\"schema\":");
    jstr(b, c->schema);
    sl_buf_adds(b, ",\"alias\":");
    jstr(b, c->alias);
    sl_buf_adds(b, ",\"tags\":");
    jstrv(b, &c->tags);
    struct {
        const char *k;
        const char *v;
    } strs[] = {{"incremental_strategy", c->incremental_strategy},
                {"on_schema_change", c->on_schema_change},
                {"strategy", c->strategy},
                {"updated_at", c->updated_at},
                {"hard_deletes", c->hard_deletes},
                {"target_schema", c->target_schema},
                {"severity", c->severity},
                {"error_if", c->error_if},
                {"warn_if", c->warn_if},
                {"where", c->where},
                {"delimiter", c->delimiter},
                {"schedule", c->schedule}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (strs[i].v) {
            sl_buf_addf(b, ",\"%s\":", strs[i].k);
            jstr(b, strs[i].v);
        }
    struct {
        const char *k;
        const sl_strv *v;
    } lists[] = {{"unique_key", &c->unique_key}, {"check_cols", &c->check_cols}, {"pre_hook", &c->pre_hook},
                 {"post_hook", &c->post_hook},   {"after", &c->after}};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (lists[i].v->n) {
            sl_buf_addf(b, ",\"%s\":", lists[i].k);
            jstrv(b, lists[i].v);
        }
    if (c->full_refresh >= 0)
        sl_buf_addf(b, ",\"full_refresh\":%s", c->full_refresh ? "true" : "false");
    if (c->store_failures >= 0)
        sl_buf_addf(b, ",\"store_failures\":%s", c->store_failures ? "true" : "false");
    if (c->profile >= 0)
        sl_buf_addf(b, ",\"profile\":%s", c->profile ? "true" : "false");
    if (c->limit >= 0)
        sl_buf_addf(b, ",\"limit\":%lld", (long long)c->limit);
    if (c->column_types_names.n) {
        sl_buf_adds(b, ",\"column_types\":{");
        for (size_t i = 0; i < c->column_types_names.n && i < c->column_types_types.n; i++) {
            if (i)
                sl_buf_addc(b, ',');
            jstr(b, c->column_types_names.v[i]);
            sl_buf_addc(b, ':');
            jstr(b, c->column_types_types.v[i]);
        }
        sl_buf_addc(b, '}');
    }
    sl_buf_addc(b, '}');
}

/* A node's path inside its resource folder ("staging/stg.sql" of "models/staging/stg.sql"). */
static const char *resource_path(const char *file)
{
    if (!file)
        return NULL;
    const char *s = strchr(file, '/');
    return s ? s + 1 : file;
}

static void node_json(sl_buf *b, const sl_graph *g, size_t i)
{
    const sl_node *n = &g->nodes[i];
    sl_buf_adds(b, "{\"unique_id\":");
    jstr(b, n->unique_id);
    sl_buf_addf(b, ",\"resource_type\":\"%s\",\"name\":", kind_names[n->kind]);
    jstr(b, n->name);
    sl_buf_adds(b, ",\"package_name\":");
    jstr(b, g->name);
    sl_buf_adds(b, ",\"fqn\":");
    jstrv(b, &n->fqn);
    sl_buf_adds(b, ",\"path\":");
    jstr(b, resource_path(n->file));
    sl_buf_adds(b, ",\"original_file_path\":");
    jstr(b, n->file);
    if (n->kind != SL_NODE_TEST && n->kind != SL_NODE_ANALYSIS) {
        sl_buf_adds(b, ",\"schema\":");
        jstr(b, sl_context_schema(g, i));
        sl_buf_adds(b, ",\"identifier\":");
        jstr(b, n->identifier ? n->identifier : n->name);
        sl_buf_adds(b, ",\"relation_name\":");
        sl_buf rel;
        sl_buf_init(&rel);
        int eph = n->kind == SL_NODE_MODEL && n->config.materialized && !strcmp(n->config.materialized, "ephemeral");
        if (eph) {
            sl_buf_adds(b, "null");
        } else {
            sl_context_relation_sql(g, i, &rel);
            jstr(b, rel.data);
        }
        sl_buf_release(&rel);
    }
    if (n->source_name) {
        sl_buf_adds(b, ",\"source_name\":");
        jstr(b, n->source_name);
    }
    sl_buf_adds(b, ",\"description\":");
    jstr(b, n->description ? n->description : "");
    sl_buf_adds(b, ",\"columns\":{");
    for (size_t k = 0; k < n->ncolumns; k++) {
        const sl_column_prop *c = &n->columns[k];
        if (k)
            sl_buf_addc(b, ',');
        jstr(b, c->name);
        sl_buf_adds(b, ":{\"name\":");
        jstr(b, c->name);
        sl_buf_adds(b, ",\"description\":");
        jstr(b, c->description ? c->description : "");
        sl_buf_adds(b, ",\"data_type\":");
        jstr(b, c->data_type);
        sl_buf_addc(b, '}');
    }
    sl_buf_adds(b, "},\"config\":");
    config_json(b, &n->config);
    sl_buf_adds(b, ",\"tags\":");
    jstrv(b, &n->config.tags);
    sl_buf_adds(b, ",\"depends_on\":{\"nodes\":[");
    for (size_t k = 0; k < n->ndeps; k++) {
        if (k)
            sl_buf_addc(b, ',');
        jstr(b, g->nodes[n->deps[k]].unique_id);
    }
    sl_buf_adds(b, "]}");
    if (n->kind == SL_NODE_TEST && n->test_name) {
        sl_buf_adds(b, ",\"test_metadata\":{\"name\":");
        jstr(b, n->test_name);
        sl_buf_adds(b, ",\"column_name\":");
        jstr(b, n->column_name);
        sl_buf_adds(b, ",\"kwargs\":");
        sl_buf_adds(b, n->test_kwargs && *n->test_kwargs ? n->test_kwargs : "{}");
        sl_buf_addc(b, '}');
        if (n->attached < g->n) {
            sl_buf_adds(b, ",\"attached_node\":");
            jstr(b, g->nodes[n->attached].unique_id);
        }
    }
    if (n->compiled) {
        sl_buf_adds(b, ",\"compiled\":true,\"compiled_code\":");
        jstr(b, n->compiled);
    } else {
        sl_buf_adds(b, ",\"compiled\":false");
    }
    sl_buf_addc(b, '}');
}

/* The graph as manifest JSON into b. */
static void manifest_json(const sl_graph *g, sl_buf *b)
{
    char now[40];
    sl_time_format_now(now, sizeof now);
    sl_buf_adds(b, "{\"metadata\":{\"manifest_version\":\"sluice/manifest/v1\",\"sluice_version\":\"" SLUICE_VERSION
                   "\",\"generated_at\":");
    jstr(b, now);
    sl_buf_adds(b, ",\"project_name\":");
    jstr(b, g->name);
    sl_buf_adds(b, ",\"target_name\":");
    jstr(b, g->target.name);
    sl_buf_adds(b, ",\"target_type\":");
    jstr(b, g->target.type);
    sl_buf_adds(b, "}");
    for (int sources = 0; sources < 2; sources++) {
        sl_buf_adds(b, sources ? ",\n\"sources\":{" : ",\n\"nodes\":{");
        int first = 1;
        for (size_t i = 0; i < g->n; i++) {
            if ((g->nodes[i].kind == SL_NODE_SOURCE) != sources)
                continue;
            sl_buf_adds(b, first ? "\n" : ",\n");
            first = 0;
            jstr(b, g->nodes[i].unique_id);
            sl_buf_addc(b, ':');
            node_json(b, g, i);
        }
        sl_buf_adds(b, "}");
    }
    /* parent_map: each node's upstreams; child_map: its downstreams */
    sl_buf_adds(b, ",\n\"parent_map\":{");
    for (size_t i = 0; i < g->n; i++) {
        const sl_node *n = &g->nodes[i];
        sl_buf_adds(b, i ? ",\n" : "\n");
        jstr(b, n->unique_id);
        sl_buf_adds(b, ":[");
        for (size_t k = 0; k < n->ndeps; k++) {
            if (k)
                sl_buf_addc(b, ',');
            jstr(b, g->nodes[n->deps[k]].unique_id);
        }
        sl_buf_addc(b, ']');
    }
    sl_buf_adds(b, "},\n\"child_map\":{");
    size_t *cnt = sl_calloc(g->n + 1, sizeof *cnt);
    for (size_t i = 0; i < g->n; i++)
        for (size_t k = 0; k < g->nodes[i].ndeps; k++)
            cnt[g->nodes[i].deps[k] + 1]++;
    for (size_t i = 0; i < g->n; i++)
        cnt[i + 1] += cnt[i];
    size_t *kids = sl_malloc((cnt[g->n] + 1) * sizeof *kids);
    size_t *fill = sl_calloc(g->n + 1, sizeof *fill);
    for (size_t i = 0; i < g->n; i++) /* children in node order: sorted by unique_id */
        for (size_t k = 0; k < g->nodes[i].ndeps; k++) {
            size_t p = g->nodes[i].deps[k];
            kids[cnt[p] + fill[p]++] = i;
        }
    for (size_t i = 0; i < g->n; i++) {
        sl_buf_adds(b, i ? ",\n" : "\n");
        jstr(b, g->nodes[i].unique_id);
        sl_buf_adds(b, ":[");
        for (size_t k = cnt[i]; k < cnt[i + 1]; k++) {
            if (k > cnt[i])
                sl_buf_addc(b, ',');
            jstr(b, g->nodes[kids[k]].unique_id);
        }
        sl_buf_addc(b, ']');
    }
    sl_free(cnt);
    sl_free(kids);
    sl_free(fill);
    sl_buf_adds(b, "}}\n");
}

int sl_graph_write_manifest(const sl_graph *g, sl_error *err)
{
    if (!g->target_path)
        return sl_error_set(err, SL_EINTERNAL, "the graph has no target path");
    sl_buf b;
    sl_buf_init(&b);
    size_t guess = 4096;
    for (size_t i = 0; i < g->n; i++)
        guess += 1024 + (g->nodes[i].compiled ? strlen(g->nodes[i].compiled) * 11 / 10 : 0);
    sl_buf_reserve(&b, guess);
    manifest_json(g, &b);
    b.len = sl_redact_span(b.data, b.len); /* compiled SQL may hold a secret env_var() read */
    char *path = sl_printf("%s/manifest.json", g->target_path);
    int rc = sl_graph_write_file(path, b.data, b.len, err);
    sl_free(path);
    sl_buf_release(&b);
    return rc;
}
