/* test_http_source.c: the http source against the fake SaaS API
 * (tests/http/server.py, started by the ctest fixture): every pagination
 * style fetching every page exactly once, every auth kind (with an OAuth2
 * token refreshed on expiry and on a 401), incremental cursors, permanent
 * 4xx never retried, a failed page in the DLQ, X-RateLimit headers obeyed,
 * retries of flaky answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"

static int setup(void **state)
{
    th_setup(state);
    th_api_url();
    th_api_post("/_reset", "{}");
    return 0;
}

#define SRC "source:\n  type: http\n  url: ${SLUICE_TEST_API}\n"

static void run_ok(const char *pipeline, int64_t rows)
{
    sl_run_result r = th_run_dir(th_dir, pipeline);
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.loaded, rows);
}

static void test_pagination_styles(void **state)
{
    th_write(th_dir, "pipelines/pg.yml", SRC
             "  path: /page\n  params: {n: '1000'}\n"
             "  pagination: {type: page, size_param: per_page, size: 100, total_path: meta.total}\n"
             "  records_path: data\n  flatten: true\n"
             "sinks: [{type: sqlite, table: pg}]\n");
    th_write(th_dir, "pipelines/off.yml", SRC
             "  path: /offset\n  params: {n: '1000'}\n"
             "  pagination: {type: offset, limit_param: limit, limit: 90}\n"
             "  records_path: items\n"
             "sinks: [{type: sqlite, table: off}]\n");
    th_write(th_dir, "pipelines/cur.yml", SRC
             "  path: /cursor\n  params: {n: '1000'}\n"
             "  pagination: {type: cursor, cursor_path: next_cursor, size_param: limit, size: 77}\n"
             "  records_path: data\n"
             "sinks: [{type: sqlite, table: cur}]\n");
    th_write(th_dir, "pipelines/nxt.yml", SRC
             "  path: /next\n  params: {n: '1000', limit: '50'}\n"
             "  pagination: {type: next_url, next_path: next}\n  records_path: results\n"
             "sinks: [{type: sqlite, table: nxt}]\n");
    th_write(th_dir, "pipelines/lnk.yml", SRC
             "  path: /link\n  params: {n: '1000', per_page: '64'}\n"
             "  pagination: {type: link}\n  records_path: data\n"
             "sinks: [{type: sqlite, table: lnk}]\n");
    const char *names[] = {"pg", "off", "cur", "nxt", "lnk"};
    for (int i = 0; i < 5; i++) {
        run_ok(names[i], 1000);
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT count(DISTINCT id) || ',' || min(id) || ',' || max(id) FROM %s", names[i]);
        char *t = th_sql_text(th_db, sql);
        assert_string_equal(t, "1000,1,1000");
        free(t);
    }
    /* flattened nested objects, typed */
    char *t = th_sql_text(th_db, "SELECT group_concat(name || ':' || type, ',') FROM pragma_table_info('pg')");
    assert_string_equal(t, "id:INTEGER,email:TEXT,updated_at:TIMESTAMP TEXT,profile_score:INTEGER,profile_tier:TEXT");
    free(t);
    /* every page exactly once, and not one request past the end */
    char *st = th_api_stats(1);
    assert_int_equal(th_json_int(st, "/page:1"), 1);
    assert_int_equal(th_json_int(st, "/page:10"), 1);
    assert_int_equal(th_json_int(st, "/page:11"), -1); /* the total said 10 pages */
    assert_int_equal(th_json_int(st, "offset:990"), 1);
    assert_int_equal(th_json_int(st, "/link:16"), 1);
    assert_int_equal(th_json_int(st, "/link:17"), -1);
    /* 10 + 12 (offsets 0..990, the last one short) + 13 + 20 + 16 */
    assert_int_equal(th_json_int(st, "requests"), 10 + 12 + 13 + 20 + 16);
    free(st);
}

static void test_auth_kinds(void **state)
{
    th_api_post("/_control", "{\"oauth_expires_in\": 1, \"oauth_uses\": 3}");
    const char *auth[] = {
        "{type: api_key, name: X-API-Key, value: k3y}",
        "{type: api_key, name: api_key, value: k3y, in: query}",
        "{type: bearer, token: t0ken}",
        "{type: basic, username: u, password: p4ss}",
        "{type: oauth2, token_url: '${SLUICE_TEST_API}/oauth/token', client_id: cid, client_secret: cs3cret}",
    };
    const char *path[] = {"apikey", "apikey", "bearer", "basic", "oauth"};
    for (int i = 0; i < 5; i++) {
        char yml[1024], name[64];
        snprintf(yml, sizeof yml, SRC "  path: /auth/%s/page\n  params: {n: '500'}\n  auth: %s\n"
                 "  pagination: {type: page, size_param: per_page, size: 50}\n  records_path: data\n"
                 "  concurrency: 1\n"
                 "sinks: [{type: sqlite, table: a%d}]\n", path[i], auth[i], i);
        snprintf(name, sizeof name, "pipelines/a%d.yml", i);
        th_write(th_dir, name, yml);
        snprintf(name, sizeof name, "a%d", i);
        run_ok(name, 500);
    }
    /* 10 pages with a token good for 3 requests: refreshed on 401s */
    char *st = th_api_stats(1);
    assert_true(th_json_int(st, "oauth_issued") >= 4);
    free(st);
    /* wrong credentials: the run fails, and a 401 is asked once, not retried */
    th_api_post("/_reset", "{}");
    th_write(th_dir, "pipelines/bad.yml", SRC "  path: /auth/bearer/page\n  auth: {type: bearer, token: wrong}\n"
             "  records_path: data\nsinks: [{type: sqlite, table: bad}]\n");
    sl_run_result r = th_run_dir(th_dir, "bad");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "HTTP 401"));
    assert_null(strstr(r.error, "wrong")); /* the token is a secret */
    st = th_api_stats(1);
    assert_int_equal(th_json_int(st, "requests"), 1);
    free(st);
}

static void test_incremental_cursor(void **state)
{
    th_write(th_dir, "pipelines/inc.yml", SRC
             "  path: /page\n  params: {n: '1000'}\n"
             "  pagination: {type: page, size_param: per_page, size: 100}\n  records_path: data\n"
             "  cursor_field: updated_at\n  cursor_param: updated_since\n  start: '2026-01-01T00:00:50Z'\n"
             "sinks: [{type: sqlite, table: inc, mode: upsert, key: [id]}]\n");
    /* the first run starts at start: ids 500.. (10 records a second) */
    run_ok("inc", 501);
    assert_int_equal(th_sql_int(th_db, "SELECT min(id) FROM inc"), 500);
    /* the next run sends the largest updated_at: the API answers records at
     * or after it, only the last second's (ids 1000 and its 9 peers) */
    sl_run_result r = th_run_dir(th_dir, "inc");
    assert_int_equal(r.counts.read, 1);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM inc"), 501);
    char *v = th_sql_text(th_state_db, "SELECT value FROM checkpoints WHERE key = 'cursor'");
    assert_string_equal(v, "2026-01-01T00:01:40Z");
    free(v);
}

static void test_permanent_4xx_and_dlq(void **state)
{
    th_api_post("/_control", "{\"status_for\": {\"/page\": 404}}");
    th_write(th_dir, "pipelines/nf.yml", SRC "  path: /page\n  records_path: data\non_error: fail\n"
             "sinks: [{type: sqlite, table: nf}]\n");
    sl_run_result r = th_run_dir(th_dir, "nf");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "HTTP 404"));
    char *st = th_api_stats(1);
    assert_int_equal(th_json_int(st, "requests"), 1); /* 0 retries */
    free(st);
    /* on_error: dlq: the page goes to the DLQ with its URL, the run goes on */
    th_write(th_dir, "pipelines/nf2.yml", SRC "  path: /page\n  records_path: data\n"
             "sinks: [{type: sqlite, table: nf}]\n");
    r = th_run_dir(th_dir, "nf2");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.rejected, 1);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE reason LIKE 'GET %/page: HTTP 404'"), 1);
}

/* X-RateLimit-Remaining / -Reset: sluice slows down before the API says no */
static void test_ratelimit_headers(void **state)
{
    th_api_post("/_control", "{\"quota\": {\"limit\": 10, \"window\": 1}}");
    th_write(th_dir, "pipelines/q.yml", SRC
             "  path: /page\n  params: {n: '300'}\n"
             "  pagination: {type: page, size_param: per_page, size: 10}\n  records_path: data\n"
             "  concurrency: 1\n"
             "sinks: [{type: sqlite, table: q}]\n");
    run_ok("q", 300);
    char *st = th_api_stats(1);
    assert_int_equal(th_json_int(st, "quota_exceeded"), 0);
    assert_int_equal(th_json_int(st, "/page:30"), 1);
    free(st);
}

/* cursor pagination cannot skip a page: the page goes to the DLQ and the run stops */
static void test_sequential_page_failure(void **state)
{
    th_api_post("/_control", "{\"status_for\": {\"/cursor\": 400}}");
    th_write(th_dir, "pipelines/sq.yml", SRC
             "  path: /cursor\n  pagination: {type: cursor, cursor_path: next_cursor}\n  records_path: data\n"
             "sinks: [{type: sqlite, table: sq}]\n");
    sl_run_result r = th_run_dir(th_dir, "sq");
    assert_string_equal(r.status, "failed");
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE reason LIKE '%HTTP 400%cursor pagination needs this page%'"), 1);
}

static void test_flaky_answers_retried(void **state)
{
    /* 30% failures (half of the 429/503 with Retry-After), 2% resets, 3%
     * truncated bodies; 60 pages */
    th_api_post("/_control", "{\"fail_rate\": 0.3, \"reset_rate\": 0.02, \"truncate_rate\": 0.03, \"seed\": 7}");
    th_write(th_dir, "pipelines/fl.yml", SRC
             "  path: /page\n  params: {n: '1200'}\n"
             "  pagination: {type: page, size_param: per_page, size: 20}\n  records_path: data\n"
             "  retry: {attempts: 10, base: 50ms, cap: 1s}\n"
             "sinks: [{type: sqlite, table: fl}]\n");
    run_ok("fl", 1200);
    assert_int_equal(th_sql_int(th_db, "SELECT count(DISTINCT id) FROM fl"), 1200);
    char *st = th_api_stats(1);
    assert_int_equal(th_json_int(st, "violations"), 0);
    assert_true(th_json_int(st, "requests") > 61); /* failures were retried */
    free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pagination_styles, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_auth_kinds, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_incremental_cursor, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_permanent_4xx_and_dlq, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_ratelimit_headers, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_sequential_page_failure, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_flaky_answers_retried, setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
