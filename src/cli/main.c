/*
 * main.c: the sluice command line: global options, then one subcommand
 * from the table below (git's commands[] pattern). Everything real lives
 * in libsluice; commands are thin clients of it.
 */
#include "cli/cli.h"
#include "config/yaml.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/redact.h"
#include "models/graph.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const sl_command sl_commands[] = {
    {"init", cmd_init, "DIR", "create a runnable starter project with sample data in DIR", NULL},
    {"validate", cmd_validate, "", "check the whole project (YAML, options, types) without running anything", NULL},
    {"run", cmd_run,
     "[PIPELINE|MODEL...] [-s SEL] [--exclude SEL] [--with-upstream] [--with-downstream] [--full-refresh] [--full-resync] [--allow-deletes] [--restart] [--dry-run] [--threads N] [--fail-fast]",
     "run pipelines (and models, in a project with them) in dependency order (all of them when none is named)",
     sl_cmd_run_details},
    {"build", cmd_build, "[-s SEL] [--exclude SEL] [--full-refresh] [--threads N] [--fail-fast] [--target T] [--vars '{k: v}']",
     "run seeds, pipelines, models, snapshots and tests in DAG order; a failure skips what depends on it",
     sl_cmd_build_details},
    {"seed", cmd_seed, "[-s SEL] [--exclude SEL] [--threads N] [--target T]", "load seeds/*.csv into the warehouse",
     sl_cmd_seed_details},
    {"snapshot", cmd_snapshot, "[-s SEL] [--exclude SEL] [--threads N] [--target T] [--vars '{k: v}']",
     "run the snapshots (SCD type 2 history tables)", sl_cmd_snapshot_details},
    {"test", cmd_test, "[-s SEL] [--exclude SEL] [--threads N] [--fail-fast] [--target T] [--vars '{k: v}']",
     "run the data tests of the selection", sl_cmd_test_details},
    {"show", cmd_show, "MODEL [--limit N] | --inline SQL [--limit N]", "preview the first rows of a model or a query",
     sl_cmd_show_details},
    {"compile", cmd_compile, "[-s SELECTION] [--exclude SELECTION] [--target NAME] [--vars YAML]",
     "render models, tests, analyses and snapshots to target/compiled/ and write target/manifest.json; runs nothing",
     sl_cmd_compile_details},
    {"list", cmd_list, "", "list the pipelines in dependency order with their schedules, next run, source and sinks", NULL},
    {"schedule", cmd_schedule, "next EXPR|PIPELINE [--from TIME] [--count N] [--timezone TZ]",
     "print the next fire times of a cron expression, \"every 15m\" or a pipeline's schedule", NULL},
    {"serve", cmd_serve, "[--listen HOST:PORT] [--log-format text|json] [--drain DURATION] [--lease-ttl DURATION]",
     "run the scheduler and the HTTP API (/healthz, /api/v1/..., /metrics) until SIGTERM; SIGHUP reloads", NULL},
    {"alert", cmd_alert, "test CHANNEL", "send a test message through an alert channel of sluice.yml", NULL},
    {"history", cmd_history,
     "[PIPELINE|NODE] [--limit N] [--wide] | --checks [NODE] [--status S] [--all] | --incidents [--status open|closed]",
     "show past runs from the state store (pipelines, then models, seeds, snapshots and tests, then the checks that "
     "did not pass); --checks: the latest result of every data check; --incidents: data-quality incidents",
     NULL},
    {"dlq", cmd_dlq, "list [--pipeline P] [--limit N] [--wide]", "show rejected rows kept in the dead-letter queue", NULL},
    {"state", cmd_state, "show [PIPELINE] [--wide] | reset PIPELINE [--yes]",
     "show what pipelines remember (checkpoints, bookmarks, loaded files), or forget it", NULL},
    {"profile", cmd_profile, "NODE [--column C] [--runs N] [--wide]", "show the column profiles of a pipeline's, model's or table's latest runs", sl_cmd_profile_details},
    {"schema", cmd_schema, "history [PIPELINE] [--limit N] [--wide]", "show the schema changes runs made (columns added, widened)", NULL},
    {"ls", cmd_ls, "[-s SELECTOR...] [--exclude SELECTOR...] [--resource-type TYPE...] [--output selector|name|path|json] [--vars YAML]",
     "list the project's nodes (models, seeds, snapshots, tests, sources, analyses, pipelines) a selection picks",
     sl_cmd_ls_details},
    {"help", cmd_help, "[COMPONENT | pipeline | functions [NAME]]",
     "list components, or show one's options (e.g. sluice help csv); the functions expressions can call", NULL},
    {"version", cmd_version, "", "print the version", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: sluice [-C DIR] [--json] [--quiet] [--color=auto|always|never] [-v] [--target NAME] <command> [args]\n\n"
               "commands:\n");
    for (const sl_command *c = sl_commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->help);
    fprintf(f, "\nRun 'sluice <command> --help' for a command's options.\n"
               "Exit status: 0 success, 1 a pipeline failed, 2 usage or configuration error.\n");
}

int sl_cli_count_arg(const char *cmd, const char *opt, const char *s, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = s && *s >= '0' && *s <= '9' ? strtol(s, &end, 10) : -1;
    if (v < 0 || !end || *end || errno || v > 1000000) {
        fprintf(stderr, "sluice %s: %s wants a whole number from 0 to 1000000, not '%s'\n", cmd, opt, s ? s : "");
        return -1;
    }
    *out = (int)v;
    return 0;
}

void sl_cli_usage(const sl_command *c, FILE *f)
{
    fprintf(f, "usage: sluice %s %s\n\n%s\n", c->name, c->usage, c->help);
    if (c->details)
        fprintf(f, "\n%s", c->details);
}

int sl_cli_help_requested(const char *name, int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            for (const sl_command *c = sl_commands; c->name; c++)
                if (strcmp(c->name, name) == 0)
                    sl_cli_usage(c, stdout);
            return 1;
        }
    return 0;
}

int sl_cli_fail(sl_cli *cli, int code, const sl_error *err)
{
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    sl_log_redact(msg);
    if (cli->json) {
        sl_buf b;
        sl_buf_init(&b);
        sl_buf_addf(&b, "{\"schema_version\":1,\"error\":{\"code\":\"%s\",\"message\":", sl_error_code_name(err->code));
        sl_buf_add_json_str(&b, msg, strlen(msg));
        sl_buf_adds(&b, "}}\n");
        fputs(b.data, stdout);
        sl_buf_release(&b);
    } else {
        fprintf(stderr, "sluice: error: %s\n", msg);
    }
    return code;
}

/* Print configuration diagnostics: text on stderr, or the JSON error. */
static void print_diags(sl_cli *cli, const sl_diags *d)
{
    sl_buf b;
    sl_buf_init(&b);
    if (cli->json) {
        sl_buf_adds(&b, "{\"schema_version\":1,\"error\":{\"code\":\"config_invalid\",\"message\":");
        char m[64];
        snprintf(m, sizeof m, "%zu configuration problem%s", d->n, d->n == 1 ? "" : "s");
        sl_buf_add_json_str(&b, m, strlen(m));
        sl_buf_adds(&b, ",\"diagnostics\":");
        sl_diags_json(d, &b);
        sl_buf_adds(&b, "}}\n");
        fputs(b.data, stdout);
    } else {
        sl_diags_format(d, &b);
        fputs(b.data ? b.data : "", stderr);
    }
    sl_buf_release(&b);
}

struct sl_graph *sl_cli_graph(sl_cli *cli, const sl_project *p, const char *vars_yaml)
{
    sl_diags d;
    sl_diags_init(&d);
    sl_graph_opts o = {cli->target, vars_yaml};
    sl_graph *g = NULL;
    if (sl_graph_load(p, &o, &g, &d) < 0) {
        print_diags(cli, &d);
        g = NULL;
    }
    sl_diags_release(&d);
    return g;
}

static sl_project *load_project(sl_cli *cli, int flags)
{
    sl_diags d;
    sl_diags_init(&d);
    sl_project *p = NULL;
    if (sl_project_load_flags(cli->dir, flags, &p, &d) < 0) {
        print_diags(cli, &d);
        sl_diags_release(&d);
        return NULL;
    }
    sl_diags_release(&d);
    sl_error err = {0};
    if (cli->target && sl_project_use_target(p, cli->target, &err) < 0) {
        sl_cli_fail(cli, EXIT_USAGE, &err);
        sl_project_free(p);
        return NULL;
    }
    return p;
}

sl_project *sl_cli_project(sl_cli *cli)
{
    return load_project(cli, 0);
}

sl_project *sl_cli_project_readonly(sl_cli *cli)
{
    sl_project *p = load_project(cli, SL_LOAD_SKIP_BROKEN);
    if (p && p->nskipped) {
        /* stderr in every mode: --json output on stdout stays one document */
        fprintf(stderr, "sluice: warning: %zu problem%s in the project; what they touch is left out:\n", p->nskipped,
                p->nskipped == 1 ? "" : "s");
        for (size_t i = 0; i < p->nskipped; i++) {
            char line[1024];
            snprintf(line, sizeof line, "%s", p->skipped[i]);
            sl_log_redact(line);
            fprintf(stderr, "  %s\n", line);
        }
    }
    return p;
}

sl_state *sl_cli_state(sl_cli *cli, sl_project *p)
{
    sl_state *s = NULL;
    sl_error err = {0};
    if (sl_state_open_project(p, &s, &err) < 0) {
        sl_cli_fail(cli, EXIT_FAILED, &err);
        return NULL;
    }
    return s;
}

int main(int argc, char **argv)
{
    /* every byte to stdout and stderr passes the one redaction (redact.h):
     * a secret registered while loading the project never reaches a
     * terminal, a --json document or a pipe, whichever code printed it */
    sl_redact_stdio();
    sl_cli cli = {.dir = "."};
    const char *color = "auto";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-C") == 0 && i + 1 < argc) {
            cli.dir = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            cli.json = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            cli.quiet = 1;
        } else if (strncmp(a, "--color=", 8) == 0) {
            color = a + 8;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            cli.verbose = 1;
        } else if (strcmp(a, "--target") == 0 && i + 1 < argc) {
            cli.target = argv[++i];
        } else if (strncmp(a, "--target=", 9) == 0) {
            cli.target = a + 9;
        } else if (strcmp(a, "--log-format=json") == 0) {
            sl_log_set_json(1);
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            return cmd_version(&cli, 0, NULL);
        } else {
            fprintf(stderr, "sluice: unknown option '%s'\n", a);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    /* --json, -q and -v are accepted after the command too */
    int w = i + 1;
    for (int r = i + 1; r < argc; r++) {
        if (strcmp(argv[r], "--json") == 0)
            cli.json = 1;
        else if (strcmp(argv[r], "-q") == 0 || strcmp(argv[r], "--quiet") == 0)
            cli.quiet = 1;
        else if (strcmp(argv[r], "-v") == 0 || strcmp(argv[r], "--verbose") == 0)
            cli.verbose = 1;
        else if (strcmp(argv[r], "--target") == 0 && r + 1 < argc)
            cli.target = argv[++r];
        else if (strncmp(argv[r], "--target=", 9) == 0)
            cli.target = argv[r] + 9;
        else
            argv[w++] = argv[r];
    }
    argc = i < argc ? w : argc;
    const char *nc = getenv("NO_COLOR");
    if (strcmp(color, "always") == 0)
        cli.color = 1;
    else if (strcmp(color, "never") == 0)
        cli.color = 0;
    else
        cli.color = isatty(2) && !(nc && *nc) && !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0);
    if (cli.verbose)
        sl_log_set_level(SL_LOG_DEBUG);
    if (cli.quiet)
        sl_log_set_level(SL_LOG_WARN);
    if (i >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    for (const sl_command *c = sl_commands; c->name; c++)
        if (strcmp(c->name, argv[i]) == 0) {
            if (sl_cli_help_requested(c->name, argc - i - 1, argv + i + 1))
                return EXIT_OK;
            return c->fn(&cli, argc - i - 1, argv + i + 1);
        }
    const char *names[64];
    size_t n = 0;
    for (const sl_command *c = sl_commands; c->name && n < 64; c++)
        names[n++] = c->name;
    const char *sug = sl_suggest(argv[i], names, n);
    fprintf(stderr, "sluice: unknown command '%s'%s%s%s\n", argv[i], sug ? "; did you mean '" : "", sug ? sug : "",
            sug ? "'?" : "");
    return EXIT_USAGE;
}
