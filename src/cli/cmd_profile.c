/*
 * cmd_profile.c: `sluice profile NODE [--column C] [--runs N] [--wide]`:
 * the column profiles the state store keeps (state/quality_store.h) of a
 * pipeline, model, seed, snapshot or monitored table (monitors/NAME.yml),
 * named by its name or unique id. Without --column: a table per column of
 * the latest run (or of each of the latest N runs); with --column: that
 * column's history over the last N runs (default 10). --json gives the
 * stored rows as they are: {"schema_version":1,"node":ID,"profiles":[...]}.
 * Exit 0 (also when nothing was profiled yet: said on stderr), 2 for an
 * unknown node or column (with the likely name), 1 when the store fails.
 */
#include "cli/cli.h"
#include "config/diag.h"
#include "core/mem.h"
#include "models/graph.h"
#include "state/quality_store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char sl_cmd_profile_details[] =
    "NODE is a pipeline, model, seed, snapshot or monitored table (monitors/NAME.yml), by name or unique id\n"
    "(pipeline.PROJECT.NAME, model.PROJECT.NAME, table.PROJECT.SCHEMA.TABLE).\n"
    "Every pipeline run and model build records a profile of each column it loaded: rows, nulls, distinct\n"
    "values (HyperLogLog estimate in pipelines, exact in the warehouse), min and max, mean and standard\n"
    "deviation of numbers, min/max length of text, and the share of values failing the column's inferred\n"
    "format (email, e164, uuid, url, date, iso_country, iso_currency).\n\n"
    "options:\n"
    "  --column C   the history of column C over the last runs (rows, nulls %, distinct, min, max, mean)\n"
    "  --runs N     how many runs: default 1 (the latest) without --column, 10 with it\n"
    "  --wide       do not cut long values to fit the columns\n"
    "  --json       the stored profiles as JSON (every field)\n";

/* The nodes a name can mean. */
typedef struct candidates {
    char **id, **name;
    size_t n, cap;
} candidates;

static void cand_add(candidates *c, const char *id, const char *name)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->id = sl_realloc(c->id, c->cap * sizeof *c->id);
        c->name = sl_realloc(c->name, c->cap * sizeof *c->name);
    }
    c->id[c->n] = sl_strdup(id);
    c->name[c->n++] = sl_strdup(name);
}

static void cand_free(candidates *c)
{
    for (size_t i = 0; i < c->n; i++) {
        sl_free(c->id[i]);
        sl_free(c->name[i]);
    }
    sl_free(c->id);
    sl_free(c->name);
}

/* Pipelines, monitored tables and (when the project's models load) models,
 * seeds and snapshots. */
static void collect(sl_cli *cli, const sl_project *p, candidates *c)
{
    for (size_t i = 0; i < p->npipelines; i++) {
        char *id = sl_printf("pipeline.%s.%s", p->name, p->pipelines[i]->name);
        cand_add(c, id, p->pipelines[i]->name);
        sl_free(id);
    }
    for (size_t i = 0; i < p->nmonitor_tables; i++) {
        const sl_monitor_table *t = &p->monitor_tables[i];
        cand_add(c, t->node, t->table);
        if (strcmp(t->table, t->identifier) != 0)
            cand_add(c, t->node, t->identifier);
    }
    sl_graph *g = NULL;
    sl_diags d;
    sl_diags_init(&d);
    sl_graph_opts o = {cli->target, NULL};
    if (sl_graph_load(p, &o, &g, &d) == 0 && g)
        for (size_t i = 0; i < g->n; i++) {
            const sl_node *n = &g->nodes[i];
            if (n->kind == SL_NODE_MODEL || n->kind == SL_NODE_SEED || n->kind == SL_NODE_SNAPSHOT)
                cand_add(c, n->unique_id, n->name);
        }
    sl_graph_free(g);
    sl_diags_release(&d);
}

static int has_profiles(sl_state *s, const char *node)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_error err = {0};
    int found = sl_state_profiles_json(s, node, NULL, 1, &b, &err) == 0 && strcmp(b.data, "[]") != 0;
    sl_buf_release(&b);
    return found;
}

/* The unique id NODE means (caller frees), or NULL after saying why. */
static char *resolve(sl_cli *cli, const sl_project *p, sl_state *s, const char *arg)
{
    candidates c = {0};
    collect(cli, p, &c);
    char *found = NULL;
    size_t matches = 0;
    for (size_t i = 0; i < c.n && !found; i++)
        if (strcmp(c.id[i], arg) == 0)
            found = sl_strdup(c.id[i]);
    sl_buf many;
    sl_buf_init(&many);
    for (size_t i = 0; i < c.n && !found; i++)
        if (strcmp(c.name[i], arg) == 0)
            sl_buf_addf(&many, "%s%s", matches++ ? ", " : "", c.id[i]);
    for (size_t i = 0; i < c.n && !found && matches == 1; i++)
        if (strcmp(c.name[i], arg) == 0)
            found = sl_strdup(c.id[i]);
    /* a pipeline or model and the monitors/ entry of the table it loads
     * share the table's name: the name means the pipeline or model (the
     * table entry is still reached as schema.table or its unique id) */
    size_t loaders = 0, pick = 0;
    for (size_t i = 0; i < c.n && !found && matches > 1; i++)
        if (strcmp(c.name[i], arg) == 0 && strncmp(c.id[i], "table.", 6) != 0)
            loaders++, pick = i;
    if (!found && matches > 1 && loaders == 1) {
        found = sl_strdup(c.id[pick]);
        matches = 1;
    }
    if (matches > 1) {
        sl_error err = {0};
        sl_error_set(&err, SL_EUSAGE, "'%s' names several nodes (%s): give the unique id", arg, many.data);
        sl_cli_fail(cli, EXIT_USAGE, &err);
        sl_free(found);
        found = NULL;
    } else if (!found && has_profiles(s, arg)) {
        found = sl_strdup(arg); /* a node no longer in the project, with profiles kept */
    } else if (!found) {
        const char **names = sl_calloc(c.n * 2 + 1, sizeof *names);
        for (size_t i = 0; i < c.n; i++) {
            names[2 * i] = c.name[i];
            names[2 * i + 1] = c.id[i];
        }
        const char *sug = sl_suggest(arg, names, c.n * 2);
        sl_error err = {0};
        sl_error_set(&err, SL_EUSAGE, "no pipeline, model, seed, snapshot or monitored table called '%s'%s%s%s", arg,
                     sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
        sl_cli_fail(cli, EXIT_USAGE, &err);
        sl_free(names);
    }
    sl_buf_release(&many);
    cand_free(&c);
    return found;
}

/* ---- the tables ---------------------------------------------------------- */

typedef struct show_ctx {
    sl_buf rows;             /* display rows (JSON objects) of the current run */
    int nrows;
    char run[64];            /* the run being gathered */
    int history;             /* --column: one row per run */
    int runs_shown, failed;
    int wide;
    const char *node;
    char **names;            /* columns seen (for suggestions) */
    size_t nnames;
} show_ctx;

static void add_field(sl_buf *b, const char *key, const char *val)
{
    sl_buf_addc(b, ',');
    sl_buf_add_json_str(b, key, strlen(key));
    sl_buf_addc(b, ':');
    sl_buf_add_json_str(b, val, strlen(val));
}

/* Whole numbers in full (ids, counts), others to 6 significant digits. */
static void number(char *out, size_t cap, double v)
{
    if (v == (double)(long long)v && v > -1e15 && v < 1e15)
        snprintf(out, cap, "%lld", (long long)v);
    else
        snprintf(out, cap, "%.6g", v);
}

static void null_pct(char *out, size_t cap, const sl_column_profile *c)
{
    if (c->rows > 0)
        snprintf(out, cap, "%.1f%%", 100.0 * (double)c->nulls / (double)c->rows);
    else
        snprintf(out, cap, "-");
}

static void extremes(const sl_column_profile *c, char *mn, char *mx, size_t cap)
{
    if (c->has_num) {
        number(mn, cap, c->min);
        number(mx, cap, c->max);
    } else {
        snprintf(mn, cap, "%s", c->min_text);
        snprintf(mx, cap, "%s", c->max_text);
    }
}

static const char *const table_fields[] = {"column", "type", "nulls", "distinct", "min", "max", "mean", "stddev",
                                           "length", "format"};
static const int table_widths[] = {20, 9, 7, 9, 20, 20, 11, 11, 9, 0};
static const char *const history_fields[] = {"run_id", "profiled_at", "rows", "nulls", "distinct", "min", "max",
                                             "mean"};
static const int history_widths[] = {36, 24, 9, 7, 9, 20, 20, 0};

static void flush_run(show_ctx *x)
{
    if (!x->nrows)
        return;
    sl_buf_addc(&x->rows, ']');
    if (sl_cli_print_rows(x->rows.data, table_fields, table_widths, 10, x->wide) < 0)
        x->failed = 1;
    sl_buf_reset(&x->rows);
    x->nrows = 0;
}

static void show_row(void *ctx, const char *run_id, const char *node, const char *profiled_at,
                     const sl_column_profile *c)
{
    (void)node;
    show_ctx *x = ctx;
    char nulls[32], distinct[32], mn[80], mx[80], mean[32] = "", sd[32] = "", len[48] = "", fmt[48] = "";
    null_pct(nulls, sizeof nulls, c);
    snprintf(distinct, sizeof distinct, c->distinct >= 0 ? "%lld" : "-", (long long)c->distinct);
    extremes(c, mn, mx, sizeof mn);
    if (c->has_num) {
        number(mean, sizeof mean, c->mean);
        number(sd, sizeof sd, c->stddev);
    }
    if (x->history) {
        char rows[32];
        snprintf(rows, sizeof rows, "%lld", (long long)c->rows);
        sl_buf_adds(&x->rows, x->nrows++ ? ",{\"run_id\":" : "[{\"run_id\":");
        sl_buf_add_json_str(&x->rows, run_id ? run_id : "", strlen(run_id ? run_id : ""));
        add_field(&x->rows, "profiled_at", profiled_at ? profiled_at : "");
        add_field(&x->rows, "rows", rows);
        add_field(&x->rows, "nulls", nulls);
        add_field(&x->rows, "distinct", distinct);
        add_field(&x->rows, "min", mn);
        add_field(&x->rows, "max", mx);
        add_field(&x->rows, "mean", mean);
        sl_buf_addc(&x->rows, '}');
        return;
    }
    if (strcmp(x->run, run_id ? run_id : "") != 0) { /* a new run: its heading */
        flush_run(x);
        snprintf(x->run, sizeof x->run, "%s", run_id ? run_id : "");
        printf("%s%s: run %s at %s, %lld row%s\n", x->runs_shown++ ? "\n" : "", x->node, x->run,
               profiled_at ? profiled_at : "?", (long long)c->rows, c->rows == 1 ? "" : "s");
    }
    if (c->has_len)
        snprintf(len, sizeof len, "%lld..%lld", (long long)c->min_len, (long long)c->max_len);
    if (c->format[0])
        snprintf(fmt, sizeof fmt, "%s (%.1f%% fail)", c->format, 100.0 * c->format_fail_rate);
    sl_buf_adds(&x->rows, x->nrows++ ? ",{\"column\":" : "[{\"column\":");
    sl_buf_add_json_str(&x->rows, c->name, strlen(c->name));
    add_field(&x->rows, "type", c->type);
    add_field(&x->rows, "nulls", nulls);
    add_field(&x->rows, "distinct", distinct);
    add_field(&x->rows, "min", mn);
    add_field(&x->rows, "max", mx);
    add_field(&x->rows, "mean", mean);
    add_field(&x->rows, "stddev", sd);
    add_field(&x->rows, "length", len);
    add_field(&x->rows, "format", fmt);
    sl_buf_addc(&x->rows, '}');
}

static void name_row(void *ctx, const char *run_id, const char *node, const char *profiled_at,
                     const sl_column_profile *c)
{
    (void)run_id;
    (void)node;
    (void)profiled_at;
    show_ctx *x = ctx;
    x->names = sl_realloc(x->names, (x->nnames + 1) * sizeof *x->names);
    x->names[x->nnames++] = sl_strdup(c->name);
}

int cmd_profile(sl_cli *cli, int argc, char **argv)
{
    const char *arg = NULL, *column = NULL;
    int runs = -1, wide = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--column") == 0 && i + 1 < argc)
            column = argv[++i];
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            if (sl_cli_count_arg("profile", "--runs", argv[++i], &runs) < 0)
                return EXIT_USAGE;
        } else if (strcmp(argv[i], "--wide") == 0)
            wide = 1;
        else if (argv[i][0] != '-' && !arg)
            arg = argv[i];
        else {
            fprintf(stderr, "sluice profile: unknown argument '%s'\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (!arg) {
        fprintf(stderr, "usage: sluice profile NODE [--column C] [--runs N] [--wide] [--json]\n");
        return EXIT_USAGE;
    }
    if (runs < 0)
        runs = column ? 10 : 1;
    sl_project *p = sl_cli_project_readonly(cli);
    if (!p)
        return EXIT_USAGE;
    sl_state *s = sl_cli_state(cli, p);
    if (!s) {
        sl_project_free(p);
        return EXIT_FAILED;
    }
    int rc = EXIT_OK;
    sl_error err = {0};
    show_ctx x = {0};
    sl_buf_init(&x.rows);
    char *node = resolve(cli, p, s, arg);
    if (!node) {
        rc = EXIT_USAGE;
        goto out;
    }
    x.node = node;
    x.wide = wide;
    /* an unknown column: name the likely one */
    if (column) {
        if (sl_state_profiles_each(s, node, NULL, 1, name_row, &x, &err) < 0) {
            rc = sl_cli_fail(cli, EXIT_FAILED, &err);
            goto out;
        }
        int known = 0;
        for (size_t i = 0; i < x.nnames; i++)
            known |= strcmp(x.names[i], column) == 0;
        if (!known && x.nnames) {
            const char *sug = sl_suggest(column, (const char *const *)x.names, x.nnames);
            sl_error_set(&err, SL_EUSAGE, "%s has no column '%s' in its latest profile%s%s%s", node, column,
                         sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
            rc = sl_cli_fail(cli, EXIT_USAGE, &err);
            goto out;
        }
    }
    if (cli->json) {
        sl_buf b;
        sl_buf_init(&b);
        if (sl_state_profiles_json(s, node, column, runs, &b, &err) < 0)
            rc = sl_cli_fail(cli, EXIT_FAILED, &err);
        else {
            printf("{\"schema_version\":1,\"node\":");
            sl_buf out;
            sl_buf_init(&out);
            sl_buf_add_json_str(&out, node, strlen(node));
            printf("%s,\"profiles\":%s}\n", out.data, b.data);
            sl_buf_release(&out);
        }
        sl_buf_release(&b);
        goto out;
    }
    x.history = column != NULL;
    if (sl_state_profiles_each(s, node, column, runs, show_row, &x, &err) < 0) {
        rc = sl_cli_fail(cli, EXIT_FAILED, &err);
        goto out;
    }
    if (x.history && x.nrows) {
        if (x.nrows == 1)
            printf("%s, column %s: the last run\n", node, column);
        else
            printf("%s, column %s: the last %d runs, newest first\n", node, column, x.nrows);
        sl_buf_addc(&x.rows, ']');
        if (sl_cli_print_rows(x.rows.data, history_fields, history_widths, 8, wide) < 0)
            x.failed = 1;
    } else if (!x.history)
        flush_run(&x);
    if (!x.runs_shown && !(x.history && x.nrows))
        fprintf(stderr, "sluice profile: no profiles of %s yet (pipeline runs and `sluice build` record them)\n", node);
    if (x.failed)
        rc = EXIT_FAILED;
out:
    for (size_t i = 0; i < x.nnames; i++)
        sl_free(x.names[i]);
    sl_free(x.names);
    sl_buf_release(&x.rows);
    sl_free(node);
    sl_state_close(s);
    sl_project_free(p);
    return rc;
}
