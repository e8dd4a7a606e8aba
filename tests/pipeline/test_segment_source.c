/* test_segment_source.c: the `segment` source end to end without HTTP:
 * requests handed to its ingest kind (stream/segment_ingest.c), the
 * records appended to the pipeline's spool as serve does, then a run that
 * reads the spool into the SQLite warehouse: Segment's column names, the
 * declared types (a first batch where a column is all null does not decide
 * it), flattened context, json properties, and the dedupe window rebuilt
 * from the spool when the endpoint opens again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/mem.h"
#include "helpers.h"
#include "sources/stream.h"
#include "stream/segment.h"

#include "segment_post.h"

static void test_rows(void **state)
{
    (void)state;
    th_write(th_dir, "pipelines/ev.yml",
             "source: {type: segment, write_key: k1, properties: json}\n"
             "sinks: [{type: sqlite, table: ev}]\n");
    sl_project *p = th_project(th_dir);
    sl_pipeline *pl = sl_project_find(p, "ev");
    assert_non_null(pl);
    char *dir = sl_stream_spool_dir(p, "ev");
    sl_spool *sp = NULL;
    sl_error err = {0};
    sl_spool_opts so = {0};
    assert_int_equal(sl_spool_open(dir, &so, &sp, &err), 0);
    void *st = NULL;
    assert_int_equal(sl_ingest_segment.open(&pl->source, p, dir, sp, &st, &err), 0);
    int64_t now = sl_now_us() / 1000000 * 1000000; /* within the dedupe window of the real clock */
    /* the first message has no user_id, name or sent_at: declared types all the same */
    assert_int_equal(post(&pl->source, st, sp, "/v1/page",
                          "{\"writeKey\":\"k1\",\"anonymousId\":\"a1\",\"messageId\":\"r1\","
                          "\"context\":{\"page\":{\"path\":\"/x\"},\"userAgent\":\"UA\"}}", now), 200);
    assert_int_equal(post(&pl->source, st, sp, "/v1/batch",
                          "{\"writeKey\":\"k1\",\"sentAt\":\"2026-01-02T03:04:10Z\",\"batch\":["
                          "{\"type\":\"track\",\"userId\":7,\"event\":\"Order Completed\",\"messageId\":\"r2\","
                          "\"timestamp\":\"2026-01-02T03:04:09.5Z\",\"properties\":{\"total\":12.5,\"items\":[1,2]}},"
                          "{\"type\":\"identify\",\"userId\":\"u2\",\"messageId\":\"r3\",\"traits\":{\"plan\":\"pro\"}}]}",
                          now + 1000), 200);
    sl_ingest_segment.close(st);
    /* opened again: the window is rebuilt from the spool, r2 is a duplicate */
    st = NULL;
    assert_int_equal(sl_ingest_segment.open(&pl->source, p, dir, sp, &st, &err), 0);
    assert_int_equal(post(&pl->source, st, sp, "/v1/track",
                          "{\"writeKey\":\"k1\",\"userId\":\"7\",\"event\":\"Again\",\"messageId\":\"r2\"}", now + 2000), 200);
    sl_segment_counters c;
    sl_segment_counters_get(st, &c);
    assert_int_equal(c.duplicates, 1);
    sl_ingest_segment.close(st);
    sl_spool_close(sp);
    sl_free(dir);
    sl_project_free(p);

    sl_run_result r = th_run_dir(th_dir, "ev");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.loaded, 3);
    char *t = th_sql_text(th_db, "SELECT group_concat(id || '|' || type || '|' || coalesce(user_id, '-') || '|' || "
                                 "coalesce(anonymous_id, '-') || '|' || coalesce(event, '-') || '|' || "
                                 "coalesce(event_text, '-'), ';') FROM (SELECT * FROM ev ORDER BY id)");
    assert_string_equal(t, "r1|page|-|a1|-|-;r2|track|7|-|order_completed|Order Completed;r3|identify|u2|-|-|-");
    free(t);
    /* declared: user_id text although the first batch had it null and r2 sent a number */
    t = th_sql_text(th_db, "SELECT type FROM pragma_table_info('ev') WHERE name = 'user_id'");
    assert_non_null(t);
    assert_string_equal(t, "TEXT");
    free(t);
    assert_int_equal(th_sql_int(th_db, "SELECT typeof(user_id) = 'text' FROM ev WHERE id = 'r2'"), 1);
    /* context flattened in snake_case, properties json */
    t = th_sql_text(th_db, "SELECT context_page_path || '|' || context_user_agent FROM ev WHERE id = 'r1'");
    assert_string_equal(t, "/x|UA");
    free(t);
    assert_int_equal(th_sql_int(th_db, "SELECT json_extract(properties, '$.items[1]') FROM ev WHERE id = 'r2'"), 2);
    /* times: clock skew 0.5 s; received 03:04:06 */
    assert_int_equal(th_sql_int(th_db, "SELECT CAST(round((julianday(received_at) - julianday(timestamp)) * 86400000) "
                                       "AS INT) FROM ev WHERE id = 'r2'"), 500);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM ev WHERE uuid_ts IS NOT NULL"), 3);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM ev WHERE sent_at IS NOT NULL"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rows, th_setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
