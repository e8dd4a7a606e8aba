/*
 * cmd_init.c: `sluice init DIR`: a starter project that runs as is:
 * sluice.yml, one pipeline, and a small messy CSV of contacts.
 */
#include "cli/cli.h"
#include "core/mem.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char project_yml[] =
    "# sluice project: see `sluice help` for components.\n"
    "name: %s\n"
    "# warehouse: warehouse.db        # the embedded SQLite warehouse (default)\n"
    "# state: .sluice/state.db        # run history, checkpoints, dead-letter queue (default)\n";

static const char pipeline_yml[] =
    "# Load CRM contacts into the warehouse, cleaned and deduplicated.\n"
    "source:\n"
    "  type: csv\n"
    "  path: data/contacts.csv\n"
    "  columns: {id: int, created_at: timestamp}\n"
    "transforms:\n"
    "  - {type: rename, columns: {\"Email Address\": email}}\n"
    "  - type: derive\n"
    "    columns:\n"
    "      email: lower(trim(email))\n"
    "      domain: substr(email, instr(email, '@') + 1)\n"
    "  - {type: filter, where: \"email LIKE '%%_@_%%.__%%'\"}\n"
    "  - {type: dedupe, key: [id], keep: last}\n"
    "sinks:\n"
    "  - {type: sqlite, table: contacts, mode: upsert, key: [id]}\n";

static const char contacts_csv[] =
    "id,first_name,last_name,Email Address,company,country,created_at\n"
    "1,Ada,Lovelace, ADA@Example.com ,\"Analytical Engines, Ltd\",GB,2026-01-05T09:00:00Z\n"
    "2,Grace,Hopper,grace@navy.example,\"Compilers \"\"R\"\" Us\",US,2026-01-06T10:30:00Z\n"
    "3,Linus,Torvalds,linus@kernel.example,Kernel Co,FI,2026-01-07T11:00:00Z\n"
    "4,Margaret,Hamilton,not-an-email,Apollo,US,2026-01-08T12:00:00Z\n"
    "2,Grace,Hopper,grace.hopper@navy.example,\"Compilers \"\"R\"\" Us\",US,2026-01-09T08:00:00Z\n"
    "x5,Broken,Row,broken@example.com,Nowhere,US,2026-01-10T08:00:00Z\n";

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wx");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

int cmd_init(sl_cli *cli, int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "usage: sluice init DIR\n");
        return EXIT_USAGE;
    }
    const char *dir = argv[0];
    sl_error err = {0};
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        sl_error_set(&err, SL_EIO, "%s: %s", dir, strerror(errno));
        return sl_cli_fail(cli, EXIT_FAILED, &err);
    }
    char *yml = sl_printf("%s/sluice.yml", dir);
    struct stat st;
    if (stat(yml, &st) == 0) {
        sl_error_set(&err, SL_EUSAGE, "%s already exists; not overwriting it", yml);
        sl_free(yml);
        return sl_cli_fail(cli, EXIT_USAGE, &err);
    }
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    char *proj = sl_printf(project_yml, *base ? base : "starter");
    char *pdir = sl_printf("%s/pipelines", dir), *ddir = sl_printf("%s/data", dir);
    char *pfile = sl_printf("%s/contacts.yml", pdir), *dfile = sl_printf("%s/contacts.csv", ddir);
    char *pipe = sl_printf(pipeline_yml);
    int rc = 0;
    if ((mkdir(pdir, 0755) < 0 && errno != EEXIST) || (mkdir(ddir, 0755) < 0 && errno != EEXIST) ||
        write_file(yml, proj) < 0 || write_file(pfile, pipe) < 0 || write_file(dfile, contacts_csv) < 0)
        rc = sl_error_set(&err, SL_EIO, "cannot write the starter project in %s: %s", dir, strerror(errno));
    sl_free(yml);
    sl_free(proj);
    sl_free(pdir);
    sl_free(ddir);
    sl_free(pfile);
    sl_free(dfile);
    sl_free(pipe);
    if (rc < 0)
        return sl_cli_fail(cli, EXIT_FAILED, &err);
    if (cli->json)
        printf("{\"schema_version\":1,\"created\":\"%s\"}\n", dir);
    else
        fprintf(stderr, "created %s: try `sluice -C %s run`, then `sqlite3 %s/warehouse.db 'select * from contacts'`\n",
                dir, dir, dir);
    return EXIT_OK;
}
