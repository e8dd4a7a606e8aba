/* helpers.c: see helpers.h. */
#include "helpers.h"
#include "core/mem.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libpq-fe.h>

char *th_dir;
char th_db[4200], th_state_db[4200];

int th_setup(void **state)
{
    th_dir = th_tmpdir();
    snprintf(th_db, sizeof th_db, "%s/warehouse.db", th_dir);
    snprintf(th_state_db, sizeof th_state_db, "%s/.sluice/state.db", th_dir);
    th_write(th_dir, "sluice.yml", "name: t\n");
    return 0;
}

int th_teardown(void **state)
{
    th_rmtree(th_dir);
    free(th_dir);
    th_dir = NULL;
    return 0;
}

char *th_tmpdir(void)
{
    char tmpl[] = "/tmp/sluice-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

void th_rmtree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

void th_write(const char *dir, const char *rel, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *p = path + strlen(dir) + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(path, 0755);
            *p = '/';
        }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

sl_project *th_project(const char *dir)
{
    sl_diags d;
    sl_diags_init(&d);
    sl_project *p = NULL;
    if (sl_project_load(dir, &p, &d) < 0) {
        sl_buf b;
        sl_buf_init(&b);
        sl_diags_format(&d, &b);
        fprintf(stderr, "%s", b.data);
        sl_buf_release(&b);
    }
    sl_diags_release(&d);
    assert_non_null(p);
    return p;
}

int th_run(sl_project *p, const char *pipeline, sl_run_result *res)
{
    sl_state *s = NULL;
    sl_error err = {0};
    assert_int_equal(sl_state_open_project(p, &s, &err), 0);
    sl_pipeline *pl = sl_project_find(p, pipeline);
    assert_non_null(pl);
    sl_run_options opts = {0};
    int rc = sl_pipeline_run(p, pl, s, &opts, res, &err);
    if (rc < 0)
        fprintf(stderr, "[run %s failed: %s]\n", pipeline, res->error);
    sl_state_close(s);
    return rc;
}

int64_t th_sql_int(const char *db, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("query failed: %s: %s", sql, sqlite3_errmsg(h));
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

char *th_sql_text(const char *db, const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("query failed: %s: %s", sql, sqlite3_errmsg(h));
    char *v = NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        v = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

void th_assert_accounting(const sl_run_result *r)
{
    /* rows a transform added (milestones) are counted as derived */
    assert_int_equal(r->counts.read + r->counts.derived, r->counts.loaded + r->counts.filtered + r->counts.rejected);
}

sl_run_result th_run_dir(const char *dir, const char *pipeline)
{
    sl_project *p = th_project(dir);
    sl_run_result r;
    th_run(p, pipeline, &r);
    sl_project_free(p);
    th_assert_accounting(&r);
    return r;
}

/* The URL a ctest fixture wrote to $<dirvar>/url (read once into url),
 * exported as <exportvar> for pipelines to interpolate. */
static const char *fixture_url(char *url, size_t cap, const char *dirvar, const char *exportvar, const char *server,
                               const char *script)
{
    if (*url)
        return url;
    const char *dir = getenv(dirvar);
    if (!dir)
        fail_msg("%s is not set: run this test through ctest (its fixture starts %s)", dirvar, server);
    char path[4096];
    snprintf(path, sizeof path, "%s/url", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("no %s (%s missing): scripts/%s start failed?", server, path, script);
    if (!fgets(url, (int)cap, f))
        url[0] = 0;
    fclose(f);
    url[strcspn(url, "\n")] = 0;
    setenv(exportvar, url, 1);
    return url;
}

const char *th_pg_url(void)
{
    static char url[512];
    return fixture_url(url, sizeof url, "SLUICE_TEST_PGDIR", "SLUICE_TEST_PG_URL", "the PostgreSQL test server",
                       "pg-test-server.sh");
}

static PGresult *pg_run(const char *sql)
{
    PGconn *c = PQconnectdb(th_pg_url());
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(c));
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQfinish(c);
    return r;
}

void th_pg_exec(const char *sql)
{
    PQclear(pg_run(sql));
}

int64_t th_pg_int(const char *sql)
{
    PGresult *r = pg_run(sql);
    if (PQntuples(r) != 1)
        fail_msg("%s: %d rows", sql, PQntuples(r));
    int64_t v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

char *th_pg_text(const char *sql)
{
    PGresult *r = pg_run(sql);
    if (PQntuples(r) != 1)
        fail_msg("%s: %d rows", sql, PQntuples(r));
    char *v = PQgetisnull(r, 0, 0) ? NULL : strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

const char *th_api_url(void)
{
    static char url[512];
    return fixture_url(url, sizeof url, "SLUICE_TEST_HTTPDIR", "SLUICE_TEST_API", "the test API server",
                       "http-test-server.sh");
}

static char *curl_cmd(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        fail_msg("popen %s", cmd);
    char *out = calloc(1, 1 << 20);
    size_t n = fread(out, 1, (1 << 20) - 1, p);
    out[n] = 0;
    if (pclose(p) != 0)
        fail_msg("%s failed: %s", cmd, out);
    return out;
}

void th_api_post(const char *path, const char *json)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "curl -sf -X POST -H 'Content-Type: application/json' --data '%s' '%s%s'", json,
             th_api_url(), path);
    free(curl_cmd(cmd));
}

char *th_api_stats(double window)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "curl -sf '%s/_stats?window=%g'", th_api_url(), window);
    return curl_cmd(cmd);
}

int64_t th_json_int(const char *json, const char *key)
{
    char pat[256];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(json, pat);
    return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}
