/* test_http_source.c: the http source against the fake SaaS API
 * (tests/http/server.py, started by the ctest fixture): every pagination
 * style fetching every page exactly once, every auth kind (with an OAuth2
 * token refreshed on expiry and on a 401), incremental cursors, permanent
 * 4xx never retried, a page that fails for good failing the run (a
 * full_refresh table kept), pagination that repeats itself, caps the page
 * size or answers relative URLs (the server's /bad/ endpoints), max_pages,
 * X-RateLimit headers obeyed, retries of flaky answers. */
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
    /* 10 + 13 (offset 0 alone, to learn the server's page size, then
     * rounds of 4: 90..360, 450..720, 810..1080; 990 is short, 1080 past
     * the end: without a total a parallel round cannot know) + 13 + 20 + 16 */
    assert_int_equal(th_json_int(st, "offset:1080"), 1);
    assert_int_equal(th_json_int(st, "requests"), 10 + 13 + 13 + 20 + 16);
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

/* A page that fails for good fails the run, whatever on_error says: its
 * records are unknown, so it can be neither skipped nor counted as one row
 * (case 44). A permanent 4xx is asked once. */
static void test_permanent_4xx_fails_the_run(void **state)
{
    th_api_post("/_control", "{\"status_for\": {\"/page\": 404}}");
    const char *on_error[] = {"on_error: fail\n", ""};
    for (int i = 0; i < 2; i++) {
        th_api_post("/_control", "{\"status_for\": {\"/page\": 404}}");
        char yml[512];
        snprintf(yml, sizeof yml, SRC "  path: /page\n  records_path: data\n%ssinks: [{type: sqlite, table: nf}]\n",
                 on_error[i]);
        th_write(th_dir, "pipelines/nf.yml", yml);
        sl_run_result r = th_run_dir(th_dir, "nf");
        assert_string_equal(r.status, "failed");
        assert_non_null(strstr(r.error, "HTTP 404"));
        assert_int_equal(r.counts.read, 0);
        assert_int_equal(r.counts.rejected, 0);
        char *st = th_api_stats(1);
        assert_int_equal(th_json_int(st, "requests"), 1); /* 0 retries */
        free(st);
        th_api_post("/_reset", "{}");
    }
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq"), 0);
}

/* Case 44: an outage or one failing page never replaces a full_refresh
 * table with a partial read; the next run, once the API is back, loads
 * the whole exactly once. */
static void test_failed_page_keeps_full_refresh_table(void **state)
{
    const char *yml = SRC "  path: /bad/page\n  params: {total: '1'%s}\n"
                      "  pagination: {type: page, size_param: per_page, size: 50, total_path: meta.total}\n"
                      "  records_path: data\n  retry: {attempts: 2, base: 10ms}\n"
                      "sinks: [{type: sqlite, table: fr, mode: full_refresh}]\n";
    char text[1024];
    snprintf(text, sizeof text, yml, "");
    th_write(th_dir, "pipelines/fr.yml", text);
    run_ok("fr", 230);
    /* page 3 of 5 answers 503 after every retry */
    snprintf(text, sizeof text, yml, ", fail: '3'");
    th_write(th_dir, "pipelines/fr.yml", text);
    sl_run_result r = th_run_dir(th_dir, "fr");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "fail=3&page=3"));
    assert_non_null(strstr(r.error, "HTTP 503 (after every retry)"));
    assert_int_equal(r.counts.rejected, 0); /* a lost page is not a row */
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM fr"), 230);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq"), 0);
    /* the API is down: the same */
    th_write(th_dir, "pipelines/fr.yml", "source:\n  type: http\n  url: http://127.0.0.1:1\n  path: /bad/page\n"
             "  records_path: data\n  retry: {attempts: 2, base: 10ms}\n"
             "sinks: [{type: sqlite, table: fr, mode: full_refresh}]\n");
    r = th_run_dir(th_dir, "fr");
    assert_string_equal(r.status, "failed");
    assert_int_equal(r.counts.read, 0);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM fr"), 230);
    /* back up: the whole, once */
    snprintf(text, sizeof text, yml, "");
    th_write(th_dir, "pipelines/fr.yml", text);
    run_ok("fr", 230);
    assert_int_equal(th_sql_int(th_db, "SELECT count(DISTINCT id) FROM fr"), 230);
}

/* A bad style run: rows loaded (-1: the run must fail, its error holding
 * `error`), and the requests the API saw. */
static int64_t run_bad(const char *name, const char *source_tail, int64_t rows, const char *error)
{
    char yml[8192], file[128];
    snprintf(yml, sizeof yml, SRC "%s  records_path: data\n  retry: {attempts: 2, base: 10ms}\n"
             "sinks: [{type: sqlite, table: %s}]\n", source_tail, name);
    snprintf(file, sizeof file, "pipelines/%s.yml", name);
    th_write(th_dir, file, yml);
    th_api_post("/_reset", "{}");
    sl_run_result r = th_run_dir(th_dir, name);
    if (rows < 0) {
        assert_string_equal(r.status, "failed");
        if (!strstr(r.error, error))
            fail_msg("%s: error '%s' does not say '%s'", name, r.error, error);
    } else {
        if (strcmp(r.status, "success") != 0)
            fail_msg("%s: %s: %s", name, r.status, r.error);
        assert_int_equal(r.counts.loaded, rows);
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT count(DISTINCT id) || ',' || min(id) || ',' || max(id) FROM %s", name);
        char *t = th_sql_text(th_db, sql), want[64];
        snprintf(want, sizeof want, "%lld,1,%lld", (long long)rows, (long long)rows);
        assert_string_equal(t, want);
        free(t);
    }
    char *st = th_api_stats(1);
    int64_t n = th_json_int(st, "requests");
    free(st);
    return n;
}

/* Case 19 and its kin: a cursor or next URL that does not advance. The one
 * just sent coming back is the end of the data (asking again would return
 * the same page); one from earlier in the run is a cycle and fails. */
static void test_pagination_that_does_not_advance(void **state)
{
    /* cursor: 8 records, 3 a page, the last page answers its own cursor */
    assert_int_equal(run_bad("c_rep", "  path: /bad/cursor\n  params: {n: '8', mode: repeat}\n"
                             "  pagination: {type: cursor, cursor_path: next_cursor, size_param: limit, size: 3}\n",
                             8, NULL), 3);
    run_bad("c_cyc", "  path: /bad/cursor\n  params: {n: '8', mode: cycle}\n"
            "  pagination: {type: cursor, cursor_path: next_cursor, size_param: limit, size: 3}\n",
            -1, "pagination does not advance: the next cursor '3' was already requested");
    const char *styles[][2] = {{"next", "{type: next_url, next_path: next}"}, {"link", "{type: link}"}};
    for (int i = 0; i < 2; i++) {
        char tail[512], name[32];
        snprintf(tail, sizeof tail, "  path: /bad/%s\n  params: {limit: '50', mode: repeat}\n  pagination: %s\n",
                 styles[i][0], styles[i][1]);
        snprintf(name, sizeof name, "%s_rep", styles[i][0]);
        assert_int_equal(run_bad(name, tail, 230, NULL), 5);
        snprintf(tail, sizeof tail, "  path: /bad/%s\n  params: {limit: '50', mode: cycle}\n  pagination: %s\n",
                 styles[i][0], styles[i][1]);
        snprintf(name, sizeof name, "%s_cyc", styles[i][0]);
        assert_int_equal(run_bad(name, tail, -1, "pagination does not advance: the next page's URL"), 5);
    }
    /* page and offset: an API that ignores the parameter answers the same
     * records again; with one short page that is the end, else a failure */
    assert_int_equal(run_bad("p_one", "  path: /bad/page\n  params: {n: '30', mode: ignore}\n  concurrency: 1\n"
                             "  pagination: {type: page, size_param: per_page, size: 100}\n", 30, NULL), 2);
    run_bad("p_ign", "  path: /bad/page\n  params: {mode: ignore}\n"
            "  pagination: {type: page, size_param: per_page, size: 50}\n",
            -1, "page 2 answered the same records as the page before (does the API ignore the 'page' parameter?)");
    run_bad("o_ign", "  path: /bad/offset\n  params: {mode: ignore}\n"
            "  pagination: {type: offset, limit_param: limit, limit: 50}\n",
            -1, "offset 50 answered the same records as the page before");
    /* an API that ignores the cursor or the next URL's position answers the
     * first page again: a failure, not its records twice and an end */
    assert_int_equal(run_bad("c_ign", "  path: /bad/cursor\n  params: {n: '8', mode: ignore}\n"
                             "  pagination: {type: cursor, cursor_path: next_cursor, size_param: limit, size: 3}\n",
                             -1, "the page for cursor '3' has the same records as the page before (does the API "
                             "ignore the 'cursor' parameter?)"), 2);
    assert_int_equal(run_bad("n_ign", "  path: /bad/next\n  params: {n: '8', limit: '3', mode: ignore}\n"
                             "  pagination: {type: next_url}\n",
                             -1, "page 2, from the next URL of the page before, has the same records"), 2);
    /* max_pages: a guard, named in the error */
    run_bad("c_max", "  path: /bad/cursor\n  max_pages: 5\n"
            "  pagination: {type: cursor, cursor_path: next_cursor, size_param: limit, size: 10}\n",
            -1, "5 pages read in this run and the API has more; max_pages (5)");
    assert_int_equal(run_bad("c_max2", "  path: /bad/cursor\n  max_pages: 23\n"
                             "  pagination: {type: cursor, cursor_path: next_cursor, size_param: limit, size: 10}\n",
                             230, NULL), 23);
}

/* Case 21 and its kin: a server that caps the page size (ask 100, get 50)
 * is read to the end, with or without a total, by page and by offset; next
 * URLs and Link targets relative to the request are resolved (RFC 3986);
 * a next URL to another host is refused. */
static void test_capped_pages_and_relative_urls(void **state)
{
    const char *page = "  pagination: {type: page, size_param: per_page, size: 100, total_path: meta.total}\n";
    /* with the total: 5 requests, not one more */
    char tail[512];
    snprintf(tail, sizeof tail, "  path: /bad/page\n  params: {cap: '50', total: '1'}\n%s", page);
    assert_int_equal(run_bad("cap_pt", tail, 230, NULL), 5);
    snprintf(tail, sizeof tail, "  path: /bad/page\n  params: {cap: '50'}\n  concurrency: 1\n%s", page);
    assert_int_equal(run_bad("cap_p", tail, 230, NULL), 5); /* the short page 5 ends it */
    assert_int_equal(run_bad("cap_ot", "  path: /bad/offset\n  params: {cap: '50', total: '1'}\n  concurrency: 1\n"
                             "  pagination: {type: offset, limit_param: limit, limit: 100, total_path: meta.total}\n",
                             230, NULL), 5);
    run_bad("cap_o", "  path: /bad/offset\n  params: {cap: '50'}\n"
            "  pagination: {type: offset, limit_param: limit, limit: 100}\n", 230, NULL);
    char *st = th_api_stats(1);
    for (int off = 0; off <= 200; off += 50) {
        char key[32];
        snprintf(key, sizeof key, "bad/offset:%d", off);
        /* each once: none skipped, none asked at an offset the first
         * answer's size did not lead to */
        assert_int_equal(th_json_int(st, key), 1);
    }
    free(st);
    /* next URL and Link pagination with a capped size and a total */
    assert_int_equal(run_bad("cap_n", "  path: /bad/next\n  params: {limit: '100', cap: '50', total: '1'}\n"
                             "  pagination: {type: next_url, total_path: meta.total}\n", 230, NULL), 5);
    assert_int_equal(run_bad("cap_l", "  path: /bad/link\n  params: {limit: '100', cap: '50', total: '1'}\n"
                             "  pagination: {type: link, total_path: meta.total}\n", 230, NULL), 5);
    /* cursor pagination with a capped size */
    assert_int_equal(run_bad("cap_c", "  path: /bad/cursor\n  params: {cap: '50'}\n"
                             "  pagination: {type: cursor, cursor_path: next_cursor, size_param: limit, size: 100}\n",
                             230, NULL), 5);
    /* relative next URLs and Link targets: absolute path, relative path, query only */
    assert_int_equal(run_bad("rel_n", "  path: /bad/next\n  params: {limit: '50', mode: relative}\n"
                             "  pagination: {type: next_url, next_path: next}\n", 230, NULL), 5);
    assert_int_equal(run_bad("rel_l", "  path: /bad/link\n  params: {limit: '50', mode: relative}\n"
                             "  pagination: {type: link}\n", 230, NULL), 5);
    /* a Link header longer than any line buffer: a 3000-byte parameter in every next URL */
    char *pad = malloc(3001);
    memset(pad, 'x', 3000);
    pad[3000] = 0;
    char *ltail = malloc(3600);
    snprintf(ltail, 3600, "  path: /bad/link\n  params: {limit: '50', pad: '%s'}\n  pagination: {type: link}\n", pad);
    assert_int_equal(run_bad("long_l", ltail, 230, NULL), 5);
    free(ltail);
    free(pad);
    assert_int_equal(run_bad("far", "  path: /bad/next\n  params: {limit: '50', mode: foreign}\n"
                             "  pagination: {type: next_url, next_path: next}\n",
                             -1, "the API's credentials are not sent elsewhere"), 1);
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

/* cursor pagination: a page that fails fails the run, which resumes there */
static void test_sequential_page_failure(void **state)
{
    th_api_post("/_control", "{\"status_for\": {\"/cursor\": 400}}");
    th_write(th_dir, "pipelines/sq.yml", SRC
             "  path: /cursor\n  pagination: {type: cursor, cursor_path: next_cursor}\n  records_path: data\n"
             "sinks: [{type: sqlite, table: sq}]\n");
    sl_run_result r = th_run_dir(th_dir, "sq");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "/cursor: HTTP 400 (page 1 of the run; the run fails"));
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq"), 0);
    th_api_post("/_reset", "{}");
    sl_run_result again = th_run_dir(th_dir, "sq");
    assert_string_equal(again.status, "success");
    assert_int_equal(again.counts.loaded, 1000);
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
        cmocka_unit_test_setup_teardown(test_permanent_4xx_fails_the_run, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_failed_page_keeps_full_refresh_table, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_pagination_that_does_not_advance, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_capped_pages_and_relative_urls, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_ratelimit_headers, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_sequential_page_failure, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_flaky_answers_retried, setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
