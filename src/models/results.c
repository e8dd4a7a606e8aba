/* results.c: what a build leaves behind (see results.h). */
#include "models/results.h"
#include "config/project.h"
#include "core/mem.h"
#include "core/redact.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *absolute_compiled_path(const sl_graph *g, size_t i)
{
    const sl_node *n = &g->nodes[i];
    const char *target = g->target_path ? g->target_path : "target";
    const char *file = n->file ? n->file : n->name;
    if (n->kind == SL_NODE_TEST && n->file && strstr(n->file, ".sql") == NULL)
        return sl_printf("%s/compiled/%s/%s/%s.sql", target, g->name ? g->name : "project", file, n->name);
    return sl_printf("%s/compiled/%s/%s", target, g->name ? g->name : "project", file);
}

char *sl_results_compiled_path(const sl_graph *g, size_t i)
{
    char *abs = absolute_compiled_path(g, i);
    const char *dir = g->project ? g->project->dir : NULL;
    size_t n = dir ? strlen(dir) : 0;
    if (n && strncmp(abs, dir, n) == 0 && abs[n] == '/') {
        char *rel = sl_strdup(abs + n + 1);
        sl_free(abs);
        return rel;
    }
    return abs;
}

int sl_results_write_compiled(const sl_graph *g, size_t i, const char *sql, sl_error *err)
{
    /* per node of every build, through the one writer of compiled files
     * (targetfiles.c): rewritten only when changed, secrets as *** */
    char *path = absolute_compiled_path(g, i);
    int rc = sl_graph_write_compiled(path, sql, strlen(sql), err);
    sl_free(path);
    return rc;
}

static void add_str(sl_buf *b, const char *s)
{
    if (s)
        sl_buf_add_json_str(b, s, strlen(s));
    else
        sl_buf_adds(b, "null");
}

void sl_results_node_json(const sl_graph *g, const sl_node_result *r, sl_buf *out)
{
    const sl_node *n = &g->nodes[r->node];
    sl_buf_adds(out, "{\"unique_id\":");
    add_str(out, n->unique_id);
    sl_buf_adds(out, ",\"name\":");
    add_str(out, n->name);
    sl_buf_addf(out, ",\"resource_type\":\"%s\",\"status\":\"%s\",\"thread_id\":\"Thread-%d\",", sl_build_kind_name(n->kind),
                r->status, r->thread + 1);
    sl_buf_adds(out, "\"started_at\":");
    add_str(out, r->started_at[0] ? r->started_at : NULL);
    sl_buf_addf(out, ",\"execution_time\":%.6f,\"sql_time\":%.6f,\"overhead_time\":%.6f,", r->duration_s, r->sql_s,
                r->duration_s > r->sql_s ? r->duration_s - r->sql_s : 0.0);
    if (r->rows_affected >= 0)
        sl_buf_addf(out, "\"rows_affected\":%lld,", (long long)r->rows_affected);
    else
        sl_buf_adds(out, "\"rows_affected\":null,");
    if (r->failures >= 0)
        sl_buf_addf(out, "\"failures\":%lld,", (long long)r->failures);
    else
        sl_buf_adds(out, "\"failures\":null,");
    sl_buf_adds(out, "\"message\":");
    add_str(out, r->message[0] ? r->message : NULL);
    sl_buf_adds(out, ",\"adapter_response\":{\"_message\":");
    add_str(out, strcmp(r->status, "success") == 0 && r->message[0] ? r->message : NULL);
    if (r->rows_affected >= 0)
        sl_buf_addf(out, ",\"rows_affected\":%lld", (long long)r->rows_affected);
    sl_buf_adds(out, "},\"run_id\":");
    add_str(out, r->run_id[0] ? r->run_id : NULL);
    sl_buf_adds(out, ",\"compiled_code\":");
    add_str(out, r->compiled);
    sl_buf_adds(out, ",\"failing_rows_sample\":");
    sl_buf_adds(out, r->sample_json ? r->sample_json : "null");
    sl_buf_addc(out, '}');
}

void sl_results_json(const sl_graph *g, const sl_build *b, const char *invocation_id, const char *command,
                     sl_buf *out)
{
    char now[40];
    sl_time_format_now(now, sizeof now);
    sl_buf_adds(out, "{\"metadata\":{\"dbt_schema_version\":\"sluice/run-results/v1\",\"sluice_version\":\"" SLUICE_VERSION
                     "\",\"generated_at\":");
    add_str(out, now);
    sl_buf_adds(out, ",\"invocation_id\":");
    add_str(out, invocation_id);
    sl_buf_adds(out, "},\"results\":[");
    for (size_t i = 0; i < b->n; i++) {
        if (i)
            sl_buf_addc(out, ',');
        sl_results_node_json(g, &b->results[i], out);
    }
    sl_buf_addf(out, "],\"elapsed_time\":%.6f,\"args\":{\"which\":", b->elapsed_s);
    add_str(out, command);
    sl_buf_addf(out, ",\"threads\":%d,\"target\":", b->threads);
    add_str(out, g->target.name);
    sl_buf_addf(out, "},\"counts\":{\"success\":%zu,\"warn\":%zu,\"error\":%zu,\"skipped\":%zu,\"total\":%zu}}",
                b->nsuccess, b->nwarn, b->nerror, b->nskipped, b->n);
}

int sl_results_write(const sl_graph *g, const sl_build *b, const char *invocation_id, const char *command,
                     sl_error *err)
{
    sl_buf doc;
    sl_buf_init(&doc);
    sl_results_json(g, b, invocation_id, command, &doc);
    sl_buf_addc(&doc, '\n');
    doc.len = sl_redact_span(doc.data, doc.len); /* compiled SQL may hold a secret env_var() read */
    doc.data[doc.len] = 0;
    char *path = sl_printf("%s/run_results.json", g->target_path ? g->target_path : "target");
    int rc = sl_graph_write_file(path, doc.data, doc.len, err);
    sl_free(path);
    sl_buf_release(&doc);
    return rc;
}

int sl_results_store(sl_state *s, const sl_graph *g, const sl_build *b, const char *invocation_id, sl_error *err)
{
    sl_node_run *runs = sl_calloc(b->n + 1, sizeof *runs);
    char (*started)[40] = sl_calloc(b->n + 1, sizeof *started);
    /* what the state store keeps is shown by history and the API: secrets as *** */
    char **sqls = sl_calloc(b->n + 1, sizeof *sqls), **msgs = sl_calloc(b->n + 1, sizeof *msgs);
    for (size_t i = 0; i < b->n; i++) {
        const sl_node_result *r = &b->results[i];
        const sl_node *n = &g->nodes[r->node];
        if (r->started_at[0])
            snprintf(started[i], sizeof started[i], "%s", r->started_at);
        else
            sl_time_format_now(started[i], sizeof started[i]);
        runs[i] = (sl_node_run){
            .run_id = invocation_id,
            .unique_id = n->unique_id,
            .resource_type = sl_build_kind_name(n->kind),
            .status = r->status,
            .message = r->message[0] ? (msgs[i] = sl_redact_dup(r->message, strlen(r->message))) : NULL,
            .compiled_sql = n->kind == SL_NODE_TEST && r->compiled
                                ? (sqls[i] = sl_redact_dup(r->compiled, strlen(r->compiled)))
                                : NULL,
            .started_at = started[i],
            .failures = r->failures,
            .rows_affected = r->rows_affected,
            .duration_s = r->duration_s,
        };
    }
    int rc = b->n ? sl_state_node_results(s, runs, b->n, err) : 0;
    for (size_t i = 0; i < b->n; i++) {
        sl_free(sqls[i]);
        sl_free(msgs[i]);
    }
    sl_free(sqls);
    sl_free(msgs);
    sl_free(runs);
    sl_free(started);
    return rc;
}
