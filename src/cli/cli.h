/*
 * cli.h: what every subcommand shares. main.c parses the global options
 * (-C DIR, --json, --quiet, --color, -v) and dispatches to a row of the
 * command table; each command is one cmd_<name>() in its own file that
 * returns the exit status: 0 ok, 1 a pipeline failed, 2 usage or config.
 */
#ifndef SL_CLI_H
#define SL_CLI_H
#include "config/project.h"
#include "core/error.h"
#include "state/state.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

typedef struct sl_cli {
    const char *dir;   /* -C */
    int json, quiet, color, verbose;
    const char *target; /* --target NAME: a target of sluice.yml's targets:, or NULL */
} sl_cli;

typedef struct sl_command {
    const char *name;
    int (*fn)(sl_cli *cli, int argc, char **argv);
    const char *usage;   /* one line after "sluice <name>" */
    const char *help;    /* what it does */
    const char *details; /* more for `sluice <name> --help` (options explained), or NULL */
} sl_command;

/* `sluice run --help`: what each option does (cmd_run.c) */
extern const char sl_cmd_run_details[];
/* `sluice ls --help` (cmd_ls.c) */
extern const char sl_cmd_ls_details[];
/* `sluice compile --help` (cmd_compile.c) */
extern const char sl_cmd_compile_details[];

/* `sluice monitors` (cmd_monitors.c) */
extern const char sl_cmd_monitors_details[];
int cmd_monitors(sl_cli *cli, int argc, char **argv);

extern const sl_command sl_commands[];

/* Load and validate the project; on problems print them (text or JSON) and return NULL. */
sl_project *sl_cli_project(sl_cli *cli);
/* The same for read-only commands (history, dlq, state, schema, list): a
 * broken pipeline file (or an unset ${VAR} in one) is left out with a warning
 * on stderr naming each problem, so the command still works during an incident. */
sl_project *sl_cli_project_readonly(sl_cli *cli);
sl_state *sl_cli_state(sl_cli *cli, sl_project *p);
/* Load the project's graph of models, seeds, snapshots, tests and
 * pipelines (models/graph.h) with --vars (or NULL); on problems print them
 * (text on stderr or the JSON error on stdout, like sl_cli_project) and
 * return NULL. */
struct sl_graph *sl_cli_graph(sl_cli *cli, const sl_project *p, const char *vars_yaml);
/* Print an error (text on stderr, or the JSON error object on stdout). Returns code. */
int sl_cli_fail(sl_cli *cli, int code, const sl_error *err);
/* --help for a command; returns 1 if argv asked for help (and printed it). */
int sl_cli_help_requested(const char *name, int argc, char **argv);
/* A count option's value (--limit N): a whole number from 0 to 1,000,000,
 * all of it digits. Returns 0 with *out set, or -1 after telling stderr
 * "sluice CMD: OPT wants a whole number, not 'S'" (the caller exits 2). */
int sl_cli_count_arg(const char *cmd, const char *opt, const char *s, int *out);
void sl_cli_usage(const sl_command *c, FILE *f);
/* Print a JSON array of flat objects as aligned columns (cmd_history.c):
 * fields[i] in widths[i] characters, longer values cut (the last column
 * whole); wide: every column as wide as its longest value, nothing cut.
 * Never drops a row silently: returns -1 after saying on stderr which row
 * could not be parsed, 0 when all were printed. */
int sl_cli_print_rows(const char *json, const char *const *fields, const int *widths, size_t nf, int wide);
int sl_cli_print_table(const char *json, const char *const *fields, const int *widths, size_t nf);

int cmd_run(sl_cli *cli, int argc, char **argv);
int cmd_validate(sl_cli *cli, int argc, char **argv);
int cmd_init(sl_cli *cli, int argc, char **argv);
int cmd_history(sl_cli *cli, int argc, char **argv);
int cmd_dlq(sl_cli *cli, int argc, char **argv);
int cmd_state(sl_cli *cli, int argc, char **argv);
int cmd_schema(sl_cli *cli, int argc, char **argv);
int cmd_help(sl_cli *cli, int argc, char **argv);
int cmd_version(sl_cli *cli, int argc, char **argv);
int cmd_list(sl_cli *cli, int argc, char **argv);
int cmd_schedule(sl_cli *cli, int argc, char **argv);
int cmd_alert(sl_cli *cli, int argc, char **argv);
int cmd_serve(sl_cli *cli, int argc, char **argv);
/* the models layer (cmd_build.c) */
extern const char sl_cmd_build_details[], sl_cmd_seed_details[], sl_cmd_snapshot_details[], sl_cmd_test_details[],
    sl_cmd_show_details[];
int cmd_build(sl_cli *cli, int argc, char **argv);
int cmd_seed(sl_cli *cli, int argc, char **argv);
int cmd_snapshot(sl_cli *cli, int argc, char **argv);
int cmd_test(sl_cli *cli, int argc, char **argv);
int cmd_show(sl_cli *cli, int argc, char **argv);
/* `sluice check` (cmd_check.c) and its --help text */
int cmd_check(sl_cli *cli, int argc, char **argv);
extern const char sl_cmd_check_details[];
/* `sluice run` in a project with models (or with -s/--exclude): runs the
 * selected pipelines and models in DAG order and returns 1 with the exit
 * status in *rc; returns 0 (nothing done) for a project without models,
 * whose `sluice run` stays the pipelines' own. p stays the caller's. */
int cmd_run_models(sl_cli *cli, sl_project *p, int argc, char **argv, int *rc);
int cmd_ls(sl_cli *cli, int argc, char **argv);
int cmd_compile(sl_cli *cli, int argc, char **argv);
/* `sluice profile` (cmd_profile.c) */
extern const char sl_cmd_profile_details[];
int cmd_profile(sl_cli *cli, int argc, char **argv);

#endif
