/*
 * helpers.h: small helpers for tests: temporary project folders, writing
 * files, running a pipeline through the library API, querying SQLite.
 */
#ifndef SL_TEST_HELPERS_H
#define SL_TEST_HELPERS_H
#include "config/project.h"
#include "engine/pipeline.h"
#include <stdint.h>

/* The pipeline tests' fixture: th_setup() makes a fresh project folder
 * (th_dir) with a sluice.yml and sets the paths of its warehouse (th_db) and
 * state store (th_state_db); th_teardown() removes it. cmocka signatures. */
extern char *th_dir;
extern char th_db[4200], th_state_db[4200];
int th_setup(void **state);
int th_teardown(void **state);

/* A fresh temporary folder (caller frees with th_rmtree + free). */
char *th_tmpdir(void);
void th_rmtree(const char *dir);
void th_write(const char *dir, const char *rel, const char *text);
/* Load the project in dir; fails the test on diagnostics. */
sl_project *th_project(const char *dir);
/* Run one pipeline; returns the result (status etc.). */
int th_run(sl_project *p, const char *pipeline, sl_run_result *res);
/* A single integer from a query on an SQLite file. */
int64_t th_sql_int(const char *db, const char *sql);
/* A single text from a query (caller frees), or NULL. */
char *th_sql_text(const char *db, const char *sql);
/* Load the project in dir, run one pipeline, free the project, and assert
 * the accounting invariant. The result is returned whatever the status. */
sl_run_result th_run_dir(const char *dir, const char *pipeline);
/* Assert the accounting invariant on a result. */
void th_assert_accounting(const sl_run_result *r);

/* PostgreSQL (tests named *pg*, run with the ctest fixture that starts a
 * server): the URL from $SLUICE_TEST_PGDIR/url, also exported as
 * SLUICE_TEST_PG_URL for pipelines to interpolate. Fails the test when
 * there is no server: these tests are never skipped. */
const char *th_pg_url(void);
/* Run SQL on the test database; fails the test on error. */
void th_pg_exec(const char *sql);
int64_t th_pg_int(const char *sql);
/* caller frees; NULL for a NULL value */
char *th_pg_text(const char *sql);

/* The fake SaaS API (tests named *http*): its base URL, from
 * $SLUICE_TEST_HTTPDIR/url, also exported as SLUICE_TEST_API. Fails the
 * test when the server is not there. */
const char *th_api_url(void);
/* POST a JSON body to the API's control endpoint path (/_control, /_reset). */
void th_api_post(const char *path, const char *json);
/* GET /_stats?window=W as JSON text (caller frees). */
char *th_api_stats(double window);
/* An integer member of a flat JSON object text (e.g. "requests"), or -1. */
int64_t th_json_int(const char *json, const char *key);

#endif
