/* test_http_sink.c: reverse ETL with the http sink into the fake API's CRM
 * (tests/http/server.py, started by the ctest fixture): change-only syncs
 * (only new and changed rows are sent, a run without changes sends
 * nothing), mirror deletes, per-record failures in the DLQ and retried next
 * run, a batch endpoint's partial failures mapped back to their rows,
 * --full-resync, --dry-run, and idempotency keys; a batch refused whole split
 * down to the bad records; answers without a body (204, empty 200) to every
 * request kind; mirror's max_deletes guard and --allow-deletes. The source
 * is the warehouse itself, read with the sqlite source. */
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

static void sql(const char *q)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "sqlite3 '%s' \"%s\"", th_db, q);
    assert_int_equal(system(cmd), 0);
}

static int64_t crm(const char *what)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "curl -sf '%s/_crm'", th_api_url());
    FILE *p = popen(cmd, "r");
    char buf[4096] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = 0;
    pclose(p);
    return th_json_int(buf, what);
}

#define SINK_BASE                                                                                  \
    "  - type: http\n    url: ${SLUICE_TEST_API}\n    key: [id]\n    concurrency: 4\n"           \
    "    body: '{\"email\": {{ email }}, \"properties\": {\"name\": {{ name }}, \"score\": {{ score }}, " \
    "\"source\": \"sluice\"}}'\n"

static void make_source(int n)
{
    char q[1024];
    snprintf(q, sizeof q,
             "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, name TEXT, score INTEGER);"
             " WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < %d)"
             " INSERT INTO people SELECT i, 'p' || i || '@example.com', 'Person ' || i, i %% 100 FROM g", n);
    sql(q);
}

static void test_change_only_and_mirror(void **state)
{
    make_source(2000);
    th_write(th_dir, "pipelines/sync.yml",
             "source: {type: sqlite, table: people}\n"
             "sinks:\n" SINK_BASE
             "    mode: mirror\n    path: /crm/contacts\n    update_path: /crm/contacts/{{ dest_id }}\n");
    sl_run_result r = th_run_dir(th_dir, "sync");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.loaded, 2000);
    assert_int_equal(crm("creates"), 2000);
    assert_int_equal(crm("records"), 2000);
    assert_int_equal(crm("requests"), 2000);
    /* nothing changed: nothing sent */
    r = th_run_dir(th_dir, "sync");
    assert_string_equal(r.status, "success");
    assert_int_equal(crm("requests"), 2000);
    /* 1% changed, 0.5% deleted: exactly those are sent */
    sql("UPDATE people SET score = score + 1000 WHERE id % 100 = 7; DELETE FROM people WHERE id % 200 = 3");
    /* a dry run says what the next run will do, and sends nothing */
    {
        sl_project *dp = th_project(th_dir);
        sl_run_options dopts = {0};
        dopts.dry_run = 1;
        sl_state *ds = NULL;
        sl_error derr = {0};
        assert_int_equal(sl_state_open_project(dp, &ds, &derr), 0);
        assert_int_equal(sl_pipeline_run(dp, sl_project_find(dp, "sync"), ds, &dopts, &r, &derr), 0);
        sl_state_close(ds);
        sl_project_free(dp);
        assert_non_null(strstr(r.report, "would send 0 creates, 20 updates, 10 deletes; 1970 rows unchanged"));
        assert_non_null(strstr(r.report, "PATCH "));
        assert_int_equal(crm("requests"), 2000);
    }
    r = th_run_dir(th_dir, "sync");
    assert_string_equal(r.status, "success");
    assert_int_equal(crm("updates"), 20);
    assert_int_equal(crm("deletes"), 10);
    assert_int_equal(crm("creates"), 2000);
    assert_int_equal(crm("requests"), 2030);
    assert_int_equal(crm("records"), 1990);
    r = th_run_dir(th_dir, "sync");
    assert_int_equal(crm("requests"), 2030);
    /* --full-resync: every row again, as updates of the known ids */
    sl_project *p = th_project(th_dir);
    sl_run_options opts = {0};
    opts.full_resync = 1;
    sl_state *s = NULL;
    sl_error err = {0};
    assert_int_equal(sl_state_open_project(p, &s, &err), 0);
    assert_int_equal(sl_pipeline_run(p, sl_project_find(p, "sync"), s, &opts, &r, &err), 0);
    sl_state_close(s);
    sl_project_free(p);
    /* 1,970 new updates; the 20 rows updated last run are the very same
     * requests (same payload, same idempotency key): the API replays them */
    assert_int_equal(crm("updates"), 20 + 1970);
    assert_int_equal(crm("replays"), 20);
    assert_int_equal(crm("creates"), 2000);
    assert_int_equal(crm("key_violations"), 0);
}

static void test_failures_dlq_and_retry(void **state)
{
    make_source(300);
    sql("UPDATE people SET email = 'broken-' || id WHERE id IN (10, 20, 30)");
    th_write(th_dir, "pipelines/f.yml",
             "source: {type: sqlite, table: people}\n"
             "sinks:\n" SINK_BASE
             "    path: /crm/contacts\n    update_path: /crm/contacts/{{ dest_id }}\n");
    sl_run_result r = th_run_dir(th_dir, "f");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.loaded, 297);
    assert_int_equal(r.counts.rejected, 3);
    /* the DLQ has the API's answer */
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE reason LIKE '%HTTP 422%invalid email%'"), 3);
    /* the failed rows are sent again next run (and fail again) */
    r = th_run_dir(th_dir, "f");
    assert_int_equal(crm("requests"), 303);
    assert_int_equal(r.counts.rejected, 3);
    /* fixed at the source: created */
    sql("UPDATE people SET email = 'fixed' || id || '@example.com' WHERE id IN (10, 20, 30)");
    r = th_run_dir(th_dir, "f");
    assert_int_equal(r.counts.rejected, 0);
    assert_int_equal(crm("records"), 300);
    assert_int_equal(crm("requests"), 306);
}

static void test_batch_partial_failures(void **state)
{
    make_source(1000);
    sql("UPDATE people SET email = 'nope' WHERE id IN (5, 500, 999)");
    th_write(th_dir, "pipelines/b.yml",
             "source: {type: sqlite, table: people}\n"
             "sinks:\n" SINK_BASE
             "    batch_size: 50\n    batch_path: /crm/contacts/batch\n"
             "    batch_body: '{\"inputs\": {{ records }}}'\n    results_path: results\n");
    sl_run_result r = th_run_dir(th_dir, "b");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.rejected, 3);
    assert_int_equal(r.counts.loaded, 997);
    assert_int_equal(crm("records"), 997);
    assert_int_equal(crm("requests"), 20); /* 1000 rows / 50 per request */
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE reason LIKE '%invalid email%' AND raw LIKE '%\"id\":500%'"), 1);
    /* next run: only the 3 failed rows, in one request */
    r = th_run_dir(th_dir, "b");
    assert_int_equal(crm("requests"), 21);
}

/* a pipeline run with options (--full-resync, --dry-run, --allow-deletes) */
static sl_run_result run_with(const char *pipeline, const sl_run_options *opts)
{
    sl_project *p = th_project(th_dir);
    sl_state *s = NULL;
    sl_error err = {0};
    sl_run_result r;
    assert_int_equal(sl_state_open_project(p, &s, &err), 0);
    sl_pipeline_run(p, sl_project_find(p, pipeline), s, opts, &r, &err);
    sl_state_close(s);
    sl_project_free(p);
    th_assert_accounting(&r);
    return r;
}

/* Case 22 (2026-11-30): an all-or-nothing batch endpoint refuses a whole
 * batch with 400 for one bad record; every record of the batch went to the
 * DLQ, on every run. The batch is split in halves down to the bad records:
 * the others are delivered, the bad ones fail alone with the API's answer
 * and count as rejected (max_rejected sees them). */
static void test_batch_refused_whole_is_split(void **state)
{
    make_source(200);
    sql("UPDATE people SET email = 'not-an-email' WHERE id IN (7, 120, 121)");
    th_write(th_dir, "pipelines/s.yml",
             "source: {type: sqlite, table: people}\n"
             "sinks:\n" SINK_BASE
             "    batch_size: 50\n    batch_path: /sink/strict/contacts/batch\n"
             "    batch_body: '{\"inputs\": {{ records }}}'\n    results_path: results\n");
    sl_run_result r = th_run_dir(th_dir, "s");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.loaded, 197);
    assert_int_equal(r.counts.rejected, 3);
    assert_int_equal(crm("records"), 197);
    /* 4 batches of 50; the two holding a bad record halved down to it:
     * 26 requests, 14 of them refused (each holding a bad record) */
    assert_int_equal(crm("requests"), 26);
    assert_int_equal(crm("refused_batches"), 14);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE reason LIKE "
                                             "'POST /sink/strict/contacts/batch: HTTP 400: %invalid email%'"),
                     3);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE raw LIKE '%\"id\":7,%' "
                                             "OR raw LIKE '%\"id\":120,%' OR raw LIKE '%\"id\":121,%'"),
                     3);
    /* next run: only the 3 failed rows, refused together, then split */
    r = th_run_dir(th_dir, "s");
    assert_int_equal(r.counts.rejected, 3);
    assert_int_equal(crm("requests"), 26 + 5);
    assert_int_equal(crm("records"), 197);
    /* the sink's failures count toward max_rejected */
    th_write(th_dir, "pipelines/s.yml",
             "source: {type: sqlite, table: people}\nmax_rejected: 2\n"
             "sinks:\n" SINK_BASE
             "    batch_size: 50\n    batch_path: /sink/strict/contacts/batch\n"
             "    batch_body: '{\"inputs\": {{ records }}}'\n    results_path: results\n");
    r = th_run_dir(th_dir, "s");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "max_rejected"));
    /* fixed at the source: delivered, nothing refused (a fresh epoch: the
     * gate's run is not resumed) */
    sql("UPDATE people SET email = 'fixed' || id || '@example.com' WHERE id IN (7, 120, 121)");
    sl_run_options restart = {0};
    restart.restart = 1;
    r = run_with("s", &restart);
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.rejected, 0);
    assert_int_equal(crm("records"), 200);
}

/* Answers without a body are successes: a create answered with an empty
 * 200, updates and deletes with 204 No Content, a batch with 204 (each of
 * these was retried as "invalid JSON body", then failed). Every request is
 * sent once: the CRM counts exactly one request per operation. */
static void test_empty_answers_succeed(void **state)
{
    make_source(100);
    th_write(th_dir, "pipelines/e.yml",
             "source: {type: sqlite, table: people}\n"
             "sinks:\n"
             "  - type: http\n    url: ${SLUICE_TEST_API}\n    key: [id]\n    concurrency: 4\n"
             "    body: '{\"external_id\": {{ key }}, \"email\": {{ email }}, \"score\": {{ score }}}'\n"
             "    mode: mirror\n    path: /sink/empty/contacts\n    update_path: /sink/empty/contacts/{{ dest_id }}\n"
             "    retry: {attempts: 3, base: 10ms, cap: 20ms}\n");
    sl_run_result r = th_run_dir(th_dir, "e");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.loaded, 100);
    assert_int_equal(r.counts.rejected, 0);
    assert_int_equal(crm("creates"), 100);
    assert_int_equal(crm("requests"), 100);
    /* no id in the answers: the key is the id; changes are updates (204),
     * 5 of 100 deleted is under max_deletes (10%) */
    sql("UPDATE people SET score = score + 1000 WHERE id % 10 = 1; DELETE FROM people WHERE id % 20 = 2");
    r = th_run_dir(th_dir, "e");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.rejected, 0);
    assert_int_equal(crm("updates"), 10);
    assert_int_equal(crm("deletes"), 5);
    assert_int_equal(crm("creates"), 100); /* none created twice */
    assert_int_equal(crm("records"), 95);
    assert_int_equal(crm("requests"), 100 + 10 + 5);
    /* nothing failed: a run without changes sends nothing */
    r = th_run_dir(th_dir, "e");
    assert_int_equal(crm("requests"), 115);
    /* a batch endpoint answering 204: every record of the batch delivered */
    th_api_post("/_reset", "{}");
    th_write(th_dir, "pipelines/eb.yml",
             "source: {type: sqlite, table: people}\n"
             "sinks:\n" SINK_BASE
             "    batch_size: 20\n    batch_path: /sink/empty/contacts/batch\n"
             "    batch_body: '{\"inputs\": {{ records }}}'\n    results_path: results\n"
             "    retry: {attempts: 3, base: 10ms, cap: 20ms}\n");
    r = th_run_dir(th_dir, "eb");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.loaded, 95);
    assert_int_equal(r.counts.rejected, 0);
    assert_int_equal(crm("requests"), 5);
    assert_int_equal(crm("records"), 95);
    (void)state;
}

/* Mirror must not delete everything when its query suddenly matches no
 * row: more deletes than max_deletes (default 10% of the synced records)
 * fail the run before any delete; --allow-deletes lets one run through. */
static void test_mirror_max_deletes(void **state)
{
    make_source(100);
    th_write(th_dir, "pipelines/m.yml",
             "source: {type: sqlite, table: people}\n"
             "sinks:\n" SINK_BASE
             "    mode: mirror\n    path: /crm/contacts\n    update_path: /crm/contacts/{{ dest_id }}\n");
    sl_run_result r = th_run_dir(th_dir, "m");
    assert_string_equal(r.status, "success");
    assert_int_equal(crm("records"), 100);
    /* the source loses every row: the run fails, nothing deleted */
    sql("CREATE TABLE people_keep AS SELECT * FROM people; DELETE FROM people");
    r = th_run_dir(th_dir, "m");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "mirror would delete 100 of the 100 records synced (100.0%), more than "
                                    "max_deletes (10%); nothing was deleted"));
    assert_non_null(strstr(r.error, "sluice run m --allow-deletes"));
    assert_int_equal(crm("deletes"), 0);
    /* and again: the guard holds on every run */
    r = th_run_dir(th_dir, "m");
    assert_string_equal(r.status, "failed");
    assert_int_equal(crm("deletes"), 0);
    /* a dry run says so */
    sl_run_options dry = {0};
    dry.dry_run = 1;
    r = run_with("m", &dry);
    assert_non_null(strstr(r.report, "the run will fail without --allow-deletes"));
    /* the rows are back: nothing to send, nothing deleted */
    sql("INSERT INTO people SELECT * FROM people_keep");
    int64_t before = crm("requests");
    r = th_run_dir(th_dir, "m");
    assert_string_equal(r.status, "success");
    assert_int_equal(crm("requests"), before);
    assert_int_equal(crm("records"), 100);
    /* 10 of 100 (10%) is allowed */
    sql("DELETE FROM people WHERE id <= 10");
    r = th_run_dir(th_dir, "m");
    assert_string_equal(r.status, "success");
    assert_int_equal(crm("deletes"), 10);
    /* 20 of the 90 left is not, unless --allow-deletes (this run only) */
    sql("DELETE FROM people WHERE id <= 30");
    r = th_run_dir(th_dir, "m");
    assert_string_equal(r.status, "failed");
    assert_int_equal(crm("deletes"), 10);
    sl_run_options allow = {0};
    allow.allow_deletes = 1;
    r = run_with("m", &allow);
    assert_string_equal(r.status, "success");
    assert_int_equal(crm("deletes"), 30);
    assert_int_equal(crm("records"), 70);
    /* a count: max_deletes: 3 */
    th_write(th_dir, "pipelines/m.yml",
             "source: {type: sqlite, table: people}\n"
             "sinks:\n" SINK_BASE
             "    mode: mirror\n    path: /crm/contacts\n    update_path: /crm/contacts/{{ dest_id }}\n"
             "    max_deletes: 3\n");
    sql("DELETE FROM people WHERE id <= 34");
    r = th_run_dir(th_dir, "m");
    assert_string_equal(r.status, "failed");
    assert_non_null(strstr(r.error, "mirror would delete 4 of the 70 records synced (5.7%), more than max_deletes (3)"));
    sql("INSERT INTO people SELECT * FROM people_keep WHERE id = 34");
    r = th_run_dir(th_dir, "m");
    assert_string_equal(r.status, "success");
    assert_int_equal(crm("deletes"), 33);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_change_only_and_mirror, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_failures_dlq_and_retry, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_batch_partial_failures, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_batch_refused_whole_is_split, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_empty_answers_succeed, setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_mirror_max_deletes, setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
