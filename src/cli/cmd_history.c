/*
 * cmd_history.c: `sluice history [PIPELINE|NODE]` (pipeline runs, then
 * the nodes `sluice build` and its kin ran, then the checks of those runs
 * that did not pass; in --json every run and node carries its "checks"),
 * `sluice history --checks [NODE]` (the latest result of every data
 * check), `sluice history --incidents` (data-quality incidents), `sluice dlq list` and
 * `sluice schema history`: what the state store remembers, as a table or
 * as JSON. The table cuts long values to its columns unless --wide; it
 * never drops a row: one it cannot print is named and the command fails.
 * Bytes that are not UTF-8 (a Latin-1 raw record) show as \xE9, in the
 * table and in --json alike (util.h, sl_buf_add_json_str).
 */
#include "cli/cli.h"
#include "core/mem.h"
#include "formats/json.h"
#include "state/quality_store.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Characters (UTF-8 code points) in s[0..n). */
static size_t text_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

/* A cell as printed: line breaks and tabs become spaces, other control
 * bytes (a terminal would obey them) the text \x1B. */
static char *cell_text(const char *v)
{
    sl_buf b;
    sl_buf_init(&b);
    for (const unsigned char *q = (const unsigned char *)v; *q; q++) {
        if (*q == '\n' || *q == '\r' || *q == '\t')
            sl_buf_addc(&b, ' ');
        else if (*q < 0x20 || *q == 0x7f)
            sl_buf_addf(&b, "\\x%02X", *q);
        else
            sl_buf_addc(&b, (char)*q);
    }
    return sl_buf_detach(&b);
}

/* Print s cut to at most w characters (never inside a UTF-8 sequence),
 * padded to w; w 0: all of it, unpadded. A path (tail) keeps its end, its
 * start replaced by "...". Returns 1 if it was cut. */
static int print_cell(const char *s, size_t w, int last, int tail)
{
    size_t n = strlen(s), width = text_width(s, n), from = 0, cut = n;
    if (w && width > w && tail && w > 3) {
        fputs("...", stdout);
        for (size_t skip = width - (w - 3); skip; from++)
            skip -= ((unsigned char)s[from + 1] & 0xC0) != 0x80 || from + 1 == n;
    } else if (w && width > w) {
        size_t chars = 0;
        for (cut = 0; cut < n; cut++)
            if (((unsigned char)s[cut] & 0xC0) != 0x80 && chars++ == w)
                break;
    }
    fwrite(s + from, 1, cut - from, stdout);
    size_t shown = from ? w : text_width(s, cut);
    if (!last)
        for (size_t k = shown; k < w + 1; k++)
            putchar(' ');
    return from > 0 || cut < n;
}

int sl_cli_print_rows(const char *json, const char *const *fields, const int *widths, size_t nf, int wide)
{
    if (nf > 32)
        nf = 32; /* no table of ours has more columns */
    sl_json j;
    sl_json_init(&j, json, strlen(json));
    sl_buf key, val;
    sl_buf_init(&key);
    sl_buf_init(&val);
    char **cells = NULL; /* nrows * nf, row-major */
    size_t nrows = 0, cap = 0;
    int first = 1, rc = 0, more;
    if (sl_json_array_begin(&j) < 0)
        rc = -1;
    while (rc == 0 && (more = sl_json_element(&j, &first)) != 0) {
        if (more < 0 || sl_json_object_begin(&j) < 0) {
            rc = -1;
            break;
        }
        if (nrows == cap) {
            cap = cap ? cap * 2 : 64;
            cells = sl_realloc(cells, cap * nf * sizeof *cells);
        }
        char **row = cells + nrows++ * nf;
        memset(row, 0, nf * sizeof *row);
        int f1 = 1;
        while (rc == 0 && (more = sl_json_member(&j, &f1, &key)) != 0) {
            const char *start = j.p;
            sl_json_kind k = sl_json_peek(&j);
            sl_buf_reset(&val);
            if (more < 0)
                rc = -1;
            else if (k == SL_JSON_STRING)
                rc = sl_json_string(&j, &val) < 0 ? -1 : 0;
            else if (sl_json_skip(&j) < 0)
                rc = -1;
            else if (k != SL_JSON_NULL)
                sl_buf_add(&val, start, (size_t)(j.p - start));
            for (size_t f = 0; rc == 0 && f < nf; f++)
                if (strcmp(fields[f], key.data) == 0 && !row[f])
                    row[f] = cell_text(val.data ? val.data : "");
        }
    }
    if (rc < 0) {
        char why[200];
        sl_json_error_text(&j, why, sizeof why);
        fprintf(stderr, "sluice: row %zu cannot be printed (%s); --json shows every row\n", nrows ? nrows : 1,
                why);
    }
    /* widths: the given ones, or (wide) each column as wide as its longest value */
    size_t w[32];
    for (size_t f = 0; f < nf; f++) {
        w[f] = (size_t)widths[f];
        if (wide && f + 1 < nf) {
            w[f] = strlen(fields[f]);
            for (size_t r = 0; r < nrows; r++)
                if (cells[r * nf + f] && text_width(cells[r * nf + f], strlen(cells[r * nf + f])) > w[f])
                    w[f] = text_width(cells[r * nf + f], strlen(cells[r * nf + f]));
        }
    }
    for (size_t f = 0; f < nf; f++)
        print_cell(fields[f], f + 1 < nf ? w[f] : 0, f + 1 == nf, 0);
    printf("\n");
    int cut = 0;
    for (size_t r = 0; r < nrows; r++) {
        for (size_t f = 0; f < nf; f++) {
            char *c = cells[r * nf + f];
            cut |= print_cell(c ? c : "", f + 1 < nf ? w[f] : 0, f + 1 == nf, strcmp(fields[f], "file") == 0);
            sl_free(c);
        }
        printf("\n");
    }
    static int noted; /* once per command, after the table it is about */
    if (cut && !wide && !noted) {
        noted = 1;
        fflush(stdout);
        fprintf(stderr, "(values cut to fit; --wide shows them whole)\n");
    }
    sl_free(cells);
    sl_buf_release(&key);
    sl_buf_release(&val);
    return rc;
}

int sl_cli_print_table(const char *json, const char *const *fields, const int *widths, size_t nf)
{
    return sl_cli_print_rows(json, fields, widths, nf, 0);
}

typedef int (*query_fn)(sl_state *s, const char *pipeline, int limit, sl_buf *out, sl_error *err);

/* Load the project, query the state store, print JSON ({"<key>": [...]}) or a table. */
static int show(sl_cli *cli, query_fn query, const char *pipeline, int limit, const char *key,
                const char *const *fields, const int *widths, size_t nf, int wide)
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
    int rc = query(s, pipeline, limit, &b, &err), printed = 0;
    if (rc == 0 && cli->json)
        printf("{\"schema_version\":1,\"%s\":%s}\n", key, b.data);
    else if (rc == 0)
        printed = sl_cli_print_rows(b.data, fields, widths, nf, wide);
    sl_buf_release(&b);
    sl_state_close(s);
    sl_project_free(p);
    if (rc < 0)
        return sl_cli_fail(cli, EXIT_FAILED, &err);
    return printed < 0 ? EXIT_FAILED : EXIT_OK;
}

/* ---- check results in the history ------------------------------------------ */

/* Copy a JSON array of flat objects (runs, or node results) to out, each
 * object gaining "checks": the check results of its run_id (and, with
 * by_node, of its unique_id only). */
static int attach_checks(sl_state *s, const char *json, int by_node, sl_buf *out, sl_error *err)
{
    /* a store without check results answers "checks": [] without asking per run */
    sl_buf any;
    sl_buf_init(&any);
    int none = sl_state_check_results_json(s, NULL, NULL, NULL, 0, 1, &any, err) == 0 && strcmp(any.data, "[]") == 0;
    sl_buf_release(&any);
    sl_json j;
    sl_json_init(&j, json, strlen(json));
    sl_buf key, run_id, node;
    sl_buf_init(&key);
    sl_buf_init(&run_id);
    sl_buf_init(&node);
    int first = 1, more, rc = sl_json_array_begin(&j) < 0 ? -1 : 0;
    const char *copied = json;
    while (rc == 0 && (more = sl_json_element(&j, &first)) > 0) {
        sl_buf_reset(&run_id);
        sl_buf_reset(&node);
        int f1 = 1, m;
        if (sl_json_object_begin(&j) < 0) {
            rc = -1;
            break;
        }
        while (rc == 0 && (m = sl_json_member(&j, &f1, &key)) != 0) {
            sl_buf *want = m < 0 ? NULL : strcmp(key.data, "run_id") == 0 ? &run_id
                                        : strcmp(key.data, "unique_id") == 0 ? &node : NULL;
            if (m < 0)
                rc = -1;
            else if (want && sl_json_peek(&j) == SL_JSON_STRING)
                rc = sl_json_string(&j, want);
            else
                rc = sl_json_skip(&j);
        }
        if (rc < 0)
            break;
        /* j.p is just after the object's '}' */
        sl_buf_add(out, copied, (size_t)(j.p - 1 - copied));
        sl_buf_adds(out, ",\"checks\":");
        if (run_id.len && !none)
            rc = sl_state_check_results_json(s, run_id.data, by_node && node.len ? node.data : NULL, NULL, 0, 0, out,
                                             err);
        else
            sl_buf_adds(out, "[]");
        sl_buf_addc(out, '}');
        copied = j.p;
    }
    if (rc == 0 && more < 0)
        rc = -1;
    if (rc < 0 && !err->msg[0])
        sl_error_set(err, SL_EINTERNAL, "history: cannot read the runs' JSON to add their checks");
    sl_buf_adds(out, copied);
    sl_buf_release(&key);
    sl_buf_release(&run_id);
    sl_buf_release(&node);
    return rc;
}

/* The checks that did not pass in the runs of `json` (an array of objects
 * with run_id), as a JSON array for the table. */
typedef struct failing_ctx {
    sl_buf *out;
    int n;
    const char *node; /* only this node (NULL: any) */
} failing_ctx;

static void failing_fn(void *ctx, const sl_check_result *r)
{
    failing_ctx *f = ctx;
    if (strcmp(r->status, "pass") == 0 || (f->node && strcmp(f->node, r->node) != 0))
        return;
    sl_buf_adds(f->out, f->n++ ? ",{" : "{");
    const char *names[] = {"node", "check", "status", "threshold", "message"};
    const char *vals[] = {r->node, r->check, r->status, r->threshold, r->message};
    for (int i = 0; i < 5; i++) {
        sl_buf_addf(f->out, "%s\"%s\":", i ? "," : "", names[i]);
        sl_buf_add_json_str(f->out, vals[i], strlen(vals[i]));
    }
    if (r->has_observed && isfinite(r->observed))
        sl_buf_addf(f->out, ",\"observed\":%.15g}", r->observed);
    else
        sl_buf_adds(f->out, ",\"observed\":null}");
}

static int failing_checks(sl_state *s, const char *json, int by_node, sl_buf *out, sl_error *err)
{
    sl_json j;
    sl_json_init(&j, json, strlen(json));
    sl_buf key, run_id, node;
    sl_buf_init(&key);
    sl_buf_init(&run_id);
    sl_buf_init(&node);
    failing_ctx f = {out, 0, NULL};
    sl_buf_addc(out, '[');
    int first = 1, rc = sl_json_array_begin(&j) < 0 ? -1 : 0;
    while (rc == 0 && sl_json_element(&j, &first) > 0) {
        sl_buf_reset(&run_id);
        sl_buf_reset(&node);
        int f1 = 1, m;
        if (sl_json_object_begin(&j) < 0)
            break;
        while (rc == 0 && (m = sl_json_member(&j, &f1, &key)) > 0) {
            sl_buf *want = strcmp(key.data, "run_id") == 0 ? &run_id : strcmp(key.data, "unique_id") == 0 ? &node : NULL;
            rc = want && sl_json_peek(&j) == SL_JSON_STRING ? sl_json_string(&j, want) : sl_json_skip(&j);
        }
        f.node = by_node && node.len ? node.data : NULL;
        if (rc == 0 && run_id.len)
            rc = sl_state_check_results_each(s, run_id.data, failing_fn, &f, err);
    }
    sl_buf_addc(out, ']');
    sl_buf_release(&key);
    sl_buf_release(&run_id);
    sl_buf_release(&node);
    return rc < 0 ? -1 : f.n;
}

/* `sluice history --checks [NODE] [--status S] [--all]` and `--incidents`. */
static int history_quality(sl_cli *cli, int incidents, const char *node, const char *status, int all, int limit,
                           int wide)
{
    static const char *const check_statuses[] = {"pass", "warn", "fail", "error"};
    static const char *const incident_statuses[] = {"open", "closed"};
    if (status) {
        const char *const *ok = incidents ? incident_statuses : check_statuses;
        size_t n = incidents ? 2 : 4, i = 0;
        while (i < n && strcmp(ok[i], status) != 0)
            i++;
        if (i == n) {
            fprintf(stderr, "sluice history: --status must be %s, not '%s'\n",
                    incidents ? "open or closed" : "pass, warn, fail or error", status);
            return EXIT_USAGE;
        }
    }
    if (incidents && (node || all)) {
        fprintf(stderr, "sluice history --incidents: takes --status and --limit only\n");
        return EXIT_USAGE;
    }
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
    int rc = incidents ? sl_state_incidents_json(s, status, limit, &b, &err)
                       : sl_state_check_results_json(s, NULL, node, status, !all, limit, &b, &err);
    int printed = 0;
    if (rc == 0 && cli->json) {
        printf("{\"schema_version\":1,\"%s\":%s}\n", incidents ? "incidents" : "checks", b.data);
    } else if (rc == 0 && incidents) {
        static const char *const f[] = {"status", "kind", "node", "opened_at", "closed_at", "occurrences", "message"};
        static const int w[] = {7, 14, 36, 24, 24, 11, 0};
        printed = sl_cli_print_rows(b.data, f, w, 7, wide);
    } else if (rc == 0) {
        static const char *const f[] = {"checked_at", "node", "check", "status", "observed", "threshold", "message"};
        static const int w[] = {24, 32, 28, 6, 12, 24, 0};
        printed = sl_cli_print_rows(b.data, f, w, 7, wide);
    }
    sl_buf_release(&b);
    sl_state_close(s);
    sl_project_free(p);
    if (rc < 0)
        return sl_cli_fail(cli, EXIT_FAILED, &err);
    return printed < 0 ? EXIT_FAILED : EXIT_OK;
}

int cmd_history(sl_cli *cli, int argc, char **argv)
{
    const char *pipeline = NULL, *status = NULL;
    int limit = 20, wide = 0, checks = 0, incidents = 0, all = 0, limit_given = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            if (sl_cli_count_arg("history", "--limit", argv[++i], &limit) < 0)
                return EXIT_USAGE;
            limit_given = 1;
        } else if (strcmp(argv[i], "--wide") == 0)
            wide = 1;
        else if (strcmp(argv[i], "--checks") == 0)
            checks = 1;
        else if (strcmp(argv[i], "--incidents") == 0)
            incidents = 1;
        else if (strcmp(argv[i], "--all") == 0)
            all = 1;
        else if (strcmp(argv[i], "--status") == 0 && i + 1 < argc)
            status = argv[++i];
        else if (argv[i][0] != '-')
            pipeline = argv[i];
        else {
            fprintf(stderr, "sluice history: unknown option '%s'\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (checks && incidents) {
        fprintf(stderr, "sluice history: --checks or --incidents, not both\n");
        return EXIT_USAGE;
    }
    if (checks || incidents)
        return history_quality(cli, incidents, pipeline, status, all, limit_given ? limit : 0, wide);
    if (status || all) {
        fprintf(stderr, "sluice history: --status and --all go with --checks or --incidents\n");
        return EXIT_USAGE;
    }
    static const char *const f[] = {"run_id",      "pipeline",    "started_at",    "duration_s",
                                    "status",      "rows_read",   "rows_derived",  "rows_loaded",
                                    "rows_filtered", "rows_rejected", "error"};
    static const int w[] = {36, 16, 24, 10, 11, 10, 12, 11, 13, 13, 0};
    sl_project *p = sl_cli_project_readonly(cli);
    if (!p)
        return EXIT_USAGE;
    sl_state *s = sl_cli_state(cli, p);
    if (!s) {
        sl_project_free(p);
        return EXIT_FAILED;
    }
    /* pipeline runs as always; then, when there are any, the nodes of
     * `sluice build/run/test/seed/snapshot` (models, seeds, snapshots,
     * tests, pipelines run by build), with each test's compiled SQL in --json */
    sl_buf runs, nodes;
    sl_buf_init(&runs);
    sl_buf_init(&nodes);
    sl_error err = {0};
    int rc = sl_state_runs_query_json(s, pipeline, NULL, limit, &runs, &err), printed = 0;
    if (rc == 0)
        rc = sl_state_node_results_json(s, pipeline, NULL, limit, cli->json, &nodes, &err);
    int any_nodes = rc == 0 && strcmp(nodes.data, "[]") != 0;
    sl_buf with_runs, with_nodes, failing;
    sl_buf_init(&with_runs);
    sl_buf_init(&with_nodes);
    sl_buf_init(&failing);
    if (rc == 0 && cli->json) {
        /* every run and node with its check results */
        rc = attach_checks(s, runs.data, 0, &with_runs, &err);
        if (rc == 0 && any_nodes)
            rc = attach_checks(s, nodes.data, 1, &with_nodes, &err);
        if (rc == 0 && any_nodes)
            printf("{\"schema_version\":1,\"runs\":%s,\"nodes\":%s}\n", with_runs.data, with_nodes.data);
        else if (rc == 0)
            printf("{\"schema_version\":1,\"runs\":%s}\n", with_runs.data);
    } else if (rc == 0) {
        printed = sl_cli_print_rows(runs.data, f, w, 11, wide);
        if (any_nodes && printed == 0) {
            static const char *const nf[] = {"run_id",   "started_at", "unique_id",     "status",
                                             "failures", "rows_affected", "duration_s", "message"};
            static const int nw[] = {36, 24, 40, 8, 9, 14, 10, 0};
            printf("\nmodels, seeds, snapshots and tests:\n");
            printed = sl_cli_print_rows(nodes.data, nf, nw, 8, wide);
        }
        /* the checks of those runs that did not pass */
        int nfail = printed == 0 ? failing_checks(s, runs.data, 0, &failing, &err) : 0;
        if (nfail == 0 && any_nodes) {
            sl_buf_reset(&failing);
            nfail = failing_checks(s, nodes.data, 1, &failing, &err);
        } else if (nfail > 0 && any_nodes) {
            /* both: one table, the runs' then the nodes' */
            sl_buf more;
            sl_buf_init(&more);
            int n2 = failing_checks(s, nodes.data, 1, &more, &err);
            if (n2 > 0) {
                failing.len--; /* ']' */
                sl_buf_addc(&failing, ',');
                sl_buf_add(&failing, more.data + 1, more.len - 1);
            }
            sl_buf_release(&more);
            nfail = n2 < 0 ? -1 : nfail + n2;
        }
        if (nfail < 0) {
            rc = -1;
        } else if (nfail > 0) {
            static const char *const cf[] = {"node", "check", "status", "observed", "threshold", "message"};
            static const int cw[] = {32, 28, 6, 12, 24, 0};
            printf("\nchecks that did not pass:\n");
            printed = sl_cli_print_rows(failing.data, cf, cw, 6, wide);
        }
    }
    sl_buf_release(&with_runs);
    sl_buf_release(&with_nodes);
    sl_buf_release(&failing);
    sl_buf_release(&runs);
    sl_buf_release(&nodes);
    sl_state_close(s);
    sl_project_free(p);
    if (rc < 0)
        return sl_cli_fail(cli, EXIT_FAILED, &err);
    return printed < 0 ? EXIT_FAILED : EXIT_OK;
}

int cmd_dlq(sl_cli *cli, int argc, char **argv)
{
    const char *pipeline = NULL;
    int limit = 50, wide = 0;
    if (argc < 1 || strcmp(argv[0], "list") != 0) {
        fprintf(stderr, "usage: sluice dlq list [--pipeline P] [--limit N] [--wide]\n");
        return EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pipeline") == 0 && i + 1 < argc)
            pipeline = argv[++i];
        else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            if (sl_cli_count_arg("dlq list", "--limit", argv[++i], &limit) < 0)
                return EXIT_USAGE;
        } else if (strcmp(argv[i], "--wide") == 0)
            wide = 1;
        else {
            fprintf(stderr, "sluice dlq list: unknown option '%s'\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    static const char *const f[] = {"pipeline", "stage", "file", "line", "reason", "raw"};
    static const int w[] = {14, 10, 30, 7, 50, 0};
    return show(cli, sl_state_dlq_json, pipeline, limit, "rejected", f, w, 6, wide);
}

int cmd_schema(sl_cli *cli, int argc, char **argv)
{
    const char *pipeline = NULL;
    int limit = 50, wide = 0;
    if (argc < 1 || strcmp(argv[0], "history") != 0) {
        fprintf(stderr, "usage: sluice schema history [PIPELINE] [--limit N] [--wide]\n");
        return EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            if (sl_cli_count_arg("schema history", "--limit", argv[++i], &limit) < 0)
                return EXIT_USAGE;
        } else if (strcmp(argv[i], "--wide") == 0)
            wide = 1;
        else if (argv[i][0] != '-' && !pipeline)
            pipeline = argv[i];
        else {
            fprintf(stderr, "sluice schema history: unknown argument '%s'\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    static const char *const f[] = {"changed_at", "pipeline", "column", "change"};
    static const int w[] = {24, 14, 24, 0};
    return show(cli, sl_state_schema_json, pipeline, limit, "changes", f, w, 4, wide);
}
