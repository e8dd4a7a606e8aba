/* test_segment_source_pg.c: the `segment` source into the PostgreSQL
 * warehouse: Segment's columns with their declared types (text ids,
 * timestamptz times, jsonb properties) although the first message has
 * most of them null, and the rows as sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "segment_post.h"
#include "sources/stream.h"

static void test_pg_rows(void **state)
{
    th_setup(state);
    th_pg_url();
    th_pg_exec("DROP SCHEMA IF EXISTS seg_pg CASCADE; CREATE SCHEMA seg_pg;");
        th_write(th_dir, "pipelines/ev.yml",
             "source: {type: segment, write_key: k1}\n"
             "sinks: [{type: postgres, url: \"${SLUICE_TEST_PG_URL}\", schema: seg_pg, table: ev}]\n");
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
    assert_int_equal(post(&pl->source, st, sp, "/v1/screen",
                          "{\"writeKey\":\"k1\",\"anonymousId\":\"a1\",\"messageId\":\"p1\"}", now), 200);
    assert_int_equal(post(&pl->source, st, sp, "/v1/batch",
                          "{\"writeKey\":\"k1\",\"sentAt\":\"2026-01-02T03:04:10Z\",\"batch\":["
                          "{\"type\":\"track\",\"userId\":7,\"event\":\"Order Completed\",\"messageId\":\"p2\","
                          "\"timestamp\":\"2026-01-02T03:04:09.5Z\",\"properties\":{\"total\":12.5}},"
                          "{\"type\":\"group\",\"userId\":\"u2\",\"groupId\":\"g1\",\"messageId\":\"p3\","
                          "\"traits\":{\"name\":\"Acme\"}}]}", now + 1000), 200);
    sl_ingest_segment.close(st);
    sl_spool_close(sp);
    sl_free(dir);
    sl_project_free(p);

    sl_run_result r = th_run_dir(th_dir, "ev");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.loaded, 3);
    char *t = th_pg_text("SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_name) "
                         "FROM information_schema.columns WHERE table_schema = 'seg_pg' AND table_name = 'ev' "
                         "AND column_name IN ('user_id', 'sent_at', 'timestamp', 'properties', 'traits', 'group_id')");
    assert_string_equal(t, "group_id text, properties jsonb, sent_at timestamp with time zone, timestamp timestamp "
                           "with time zone, traits jsonb, user_id text");
    free(t);
    t = th_pg_text("SELECT string_agg(id || '|' || type || '|' || coalesce(user_id, '-') || '|' || "
                   "coalesce(event, '-') || '|' || coalesce(group_id, '-'), ';' ORDER BY id) FROM seg_pg.ev");
    assert_string_equal(t, "p1|screen|-|-|-;p2|track|7|order_completed|-;p3|group|u2|-|g1");
    free(t);
    assert_int_equal(th_pg_int("SELECT (extract(epoch FROM received_at - \"timestamp\") * 1000)::int FROM seg_pg.ev "
                               "WHERE id = 'p2'"), 500);
    t = th_pg_text("SELECT properties->>'total' FROM seg_pg.ev WHERE id = 'p2'");
    assert_string_equal(t, "12.5");
    free(t);
    th_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_pg_rows)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
