/* test_segment_ingest.c: unit tests for stream/segment_ingest.c, the
 * `segment` ingest kind (Segment's HTTP Tracking API): routing, write
 * keys, limits, validation, normalisation (times, clock skew, merged
 * context), and messageId deduplication (reserve / settle / evict). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/mem.h"
#include "engine/component.h"
#include "stream/segment.h"

/* 2026-01-02T03:04:05.000Z */
#define RECEIVED 1767323045000000LL

typedef struct fix {
    sl_segment_opts o;
    sl_instance in;
    void *st;
    const char *auth; /* the Authorization header, or NULL */
    sl_ingest_records out;
    sl_ingest_answer ans;
} fix;

static const char *hdr(void *ctx, const char *name)
{
    fix *f = ctx;
    return strcasecmp(name, "Authorization") == 0 ? f->auth : NULL;
}

static fix *fix_new(int64_t window, int64_t max_ids, const char *prefix)
{
    fix *f = sl_calloc(1, sizeof *f);
    f->o.write_key.v = sl_calloc(2, sizeof(char *));
    f->o.write_key.v[0] = sl_strdup("wk_live_1");
    f->o.write_key.v[1] = sl_strdup("wk_old");
    f->o.write_key.n = 2;
    f->o.path_prefix = (char *)prefix;
    f->o.dedupe_window = window;
    f->o.dedupe_max_ids = max_ids;
    f->in.id = "segment";
    f->in.opts = &f->o;
    sl_error err = {0};
    assert_int_equal(sl_ingest_segment.open(&f->in, NULL, NULL, NULL, &f->st, &err), 0);
    return f;
}

static void fix_free(fix *f)
{
    sl_ingest_segment.close(f->st);
    sl_free(f->o.write_key.v[0]);
    sl_free(f->o.write_key.v[1]);
    sl_free(f->o.write_key.v);
    sl_buf_release(&f->out.data);
    sl_free(f->out.off);
    sl_free(f->out.len);
    sl_free(f->out.time_us);
    sl_buf_release(&f->ans.body);
    sl_free(f);
}

/* POST body to path; returns the status; out holds the records. */
static int post(fix *f, const char *method, const char *path, const char *body)
{
    f->out.n = 0;
    sl_buf_reset(&f->out.data);
    sl_buf_reset(&f->ans.body);
    f->ans.status = 0;
    f->ans.retry_after = 0;
    sl_ingest_request rq = {method, path, NULL, hdr, f, body, strlen(body), RECEIVED, "test"};
    sl_error err = {0};
    assert_int_equal(sl_ingest_segment.handle(f->st, &rq, &f->out, &f->ans, &err), 0);
    if (f->ans.status != 200)
        assert_int_equal(f->out.n, 0); /* nothing of a refused request is stored */
    return f->ans.status;
}

static char *rec(fix *f, size_t i)
{
    return sl_strndup(f->out.data.data + f->out.off[i], f->out.len[i]);
}

static void test_track_normalised(void **state)
{
    (void)state;
    fix *f = fix_new(0, 10, "");
    /* the client's clock is 10 minutes fast: sentAt - timestamp = 2 s */
    assert_int_equal(post(f, "POST", "/v1/track",
                          "{\"writeKey\":\"wk_live_1\",\"userId\":\"u1\",\"event\":\"Project Created\","
                          "\"messageId\":\"m-1\",\"properties\":{\"plan\":\"pro\"},"
                          "\"timestamp\":\"2026-01-02T03:14:03Z\",\"sentAt\":\"2026-01-02T03:14:05.000Z\","
                          "\"context\":{\"ip\":\"10.0.0.1\"}}"),
                     200);
    assert_string_equal(f->ans.body.data, "{\"success\": true}");
    assert_int_equal(f->out.n, 1);
    assert_int_equal(f->out.time_us[0], RECEIVED);
    char *r = rec(f, 0);
    assert_string_equal(r, "{\"messageId\":\"m-1\",\"type\":\"track\",\"userId\":\"u1\",\"event\":\"Project Created\","
                           "\"properties\":{\"plan\":\"pro\"},\"context\":{\"ip\":\"10.0.0.1\"},"
                           "\"receivedAt\":\"2026-01-02T03:04:05.000Z\",\"sentAt\":\"2026-01-02T03:14:05.000Z\","
                           "\"originalTimestamp\":\"2026-01-02T03:14:03.000Z\","
                           "\"timestamp\":\"2026-01-02T03:04:03.000Z\"}");
    sl_free(r);
    /* no sentAt: timestamp = originalTimestamp; neither: receivedAt */
    assert_int_equal(post(f, "POST", "/v1/identify",
                          "{\"writeKey\":\"wk_old\",\"anonymousId\":\"a1\",\"messageId\":\"m-2\","
                          "\"timestamp\":\"2026-01-01T23:00:00+01:00\"}"),
                     200);
    r = rec(f, 0);
    assert_non_null(strstr(r, "\"originalTimestamp\":\"2026-01-01T22:00:00.000Z\",\"timestamp\":\"2026-01-01T22:00:00.000Z\"}"));
    assert_null(strstr(r, "sentAt"));
    sl_free(r);
    assert_int_equal(post(f, "POST", "/v1/page", "{\"writeKey\":\"wk_old\",\"anonymousId\":\"a1\",\"name\":\"Home\"}"), 200);
    r = rec(f, 0);
    /* a generated UUIDv4 id */
    assert_int_equal(strncmp(r, "{\"messageId\":\"", 14), 0);
    assert_int_equal(r[14 + 36], '"');
    assert_int_equal(r[14 + 14], '4');
    assert_non_null(strstr(r, "\"type\":\"page\""));
    assert_non_null(strstr(r, "\"timestamp\":\"2026-01-02T03:04:05.000Z\"}"));
    assert_null(strstr(r, "wk_old"));
    sl_free(r);
    fix_free(f);
}

static void test_auth_and_routes(void **state)
{
    (void)state;
    fix *f = fix_new(0, 10, "/seg/");
    const char *body = "{\"userId\":\"u1\",\"event\":\"E\"}";
    assert_true(sl_ingest_segment.match(f->st, "/seg/v1/track"));
    assert_false(sl_ingest_segment.match(f->st, "/v1/track"));
    assert_false(sl_ingest_segment.match(f->st, "/seg/v2/track"));
    assert_int_equal(sl_ingest_segment.max_body(f->st, "/seg/v1/batch"), 500 * 1024);
    assert_int_equal(sl_ingest_segment.max_body(f->st, "/seg/v1/import"), 500 * 1024);
    assert_int_equal(sl_ingest_segment.max_body(f->st, "/seg/v1/track"), 32 * 1024);
    assert_int_equal(post(f, "POST", "/seg/v1/track", body), 401); /* no key */
    assert_string_equal(f->ans.www_authenticate, "Basic realm=\"segment\"");
    f->auth = "Basic d2tfbGl2ZV8xOg=="; /* wk_live_1: */
    assert_int_equal(post(f, "POST", "/seg/v1/track", body), 200);
    f->auth = "Basic d2tfbGl2ZV8x"; /* wk_live_1 without the colon nor padding */
    assert_int_equal(post(f, "POST", "/seg/v1/track", body), 200);
    f->auth = "Basic d2tfbGl2ZV8yOg=="; /* wk_live_2: */
    assert_int_equal(post(f, "POST", "/seg/v1/track", body), 401);
    assert_non_null(strstr(f->ans.body.data, "invalid write key"));
    f->auth = "Bearer wk_live_1";
    assert_int_equal(post(f, "POST", "/seg/v1/track", body), 401);
    f->auth = NULL;
    assert_int_equal(post(f, "POST", "/seg/v1/track", "{\"writeKey\":\"wk_live_\",\"userId\":\"u\",\"event\":\"E\"}"), 401);
    assert_int_equal(post(f, "POST", "/seg/v1/track", "{\"writeKey\":\"wk_live_1x\",\"userId\":\"u\",\"event\":\"E\"}"), 401);
    f->auth = "Basic d2tfbGl2ZV8xOg==";
    assert_int_equal(post(f, "GET", "/seg/v1/track", body), 405);
    assert_int_equal(post(f, "POST", "/seg/v1/tracks", body), 404);
    assert_int_equal(post(f, "POST", "/seg/v1/track", "{\"userId\":\"u1\",\"event\":"), 400);
    assert_non_null(strstr(f->ans.body.data, "invalid JSON"));
    sl_segment_counters c;
    sl_segment_counters_get(f->st, &c);
    assert_int_equal(c.rejected, 8);
    fix_free(f);
}

static void test_validation_and_limits(void **state)
{
    (void)state;
    fix *f = fix_new(0, 10, "");
    f->auth = "Basic d2tfbGl2ZV8xOg==";
    assert_int_equal(post(f, "POST", "/v1/track", "{\"userId\":\"u1\"}"), 400);
    assert_non_null(strstr(f->ans.body.data, "a track needs an event"));
    assert_int_equal(post(f, "POST", "/v1/identify", "{\"traits\":{}}"), 400);
    assert_non_null(strstr(f->ans.body.data, "userId or anonymousId"));
    assert_int_equal(post(f, "POST", "/v1/identify", "{\"userId\":\"\"}"), 400);
    assert_int_equal(post(f, "POST", "/v1/identify", "{\"userId\":42}"), 200);
    assert_int_equal(post(f, "POST", "/v1/group", "{\"userId\":\"u\"}"), 400);
    assert_non_null(strstr(f->ans.body.data, "groupId"));
    assert_int_equal(post(f, "POST", "/v1/alias", "{\"userId\":\"u\"}"), 400);
    assert_int_equal(post(f, "POST", "/v1/alias", "{\"userId\":\"u\",\"previousId\":\"a\"}"), 200);
    assert_int_equal(post(f, "POST", "/v1/track", "{\"userId\":\"u\",\"event\":\"E\",\"timestamp\":\"yesterday\"}"), 400);
    assert_non_null(strstr(f->ans.body.data, "timestamp is not an ISO 8601 time"));
    /* a batch with one invalid message is refused whole, naming it */
    assert_int_equal(post(f, "POST", "/v1/batch",
                          "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"A\"},"
                          "{\"type\":\"track\",\"userId\":\"u\"}]}"),
                     400);
    assert_non_null(strstr(f->ans.body.data, "batch[1]: a track needs an event"));
    assert_int_equal(post(f, "POST", "/v1/batch", "{\"batch\":[{\"type\":\"click\",\"userId\":\"u\"}]}"), 400);
    assert_non_null(strstr(f->ans.body.data, "batch[0]: unknown type 'click'"));
    assert_int_equal(post(f, "POST", "/v1/batch", "{\"batch\":{}}"), 400);
    /* sizes: 32 KB a call, 32 KB a message in a batch */
    size_t big = 33 * 1024;
    char *b = sl_malloc(big + 200);
    snprintf(b, big + 200, "{\"userId\":\"u\",\"event\":\"E\",\"properties\":{\"x\":\"%0*d\"}}", (int)big, 0);
    assert_int_equal(post(f, "POST", "/v1/track", b), 400);
    assert_non_null(strstr(f->ans.body.data, "at most 32 KB per call"));
    snprintf(b, big + 200, "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\",\"properties\":{\"x\":\"%0*d\"}}]}",
             (int)big, 0);
    assert_int_equal(post(f, "POST", "/v1/batch", b), 400);
    assert_non_null(strstr(f->ans.body.data, "batch[0]: message too large"));
    sl_free(b);
    fix_free(f);
}

static void test_batch_context_merge(void **state)
{
    (void)state;
    fix *f = fix_new(0, 10, "");
    assert_int_equal(post(f, "POST", "/v1/import",
                          "{\"writeKey\":\"wk_live_1\",\"sentAt\":\"2026-01-02T03:04:06Z\","
                          "\"context\":{\"ip\":\"1.1.1.1\",\"library\":{\"name\":\"x\"}},"
                          "\"integrations\":{\"All\":false},"
                          "\"batch\":[{\"type\":\"identify\",\"userId\":\"u\",\"messageId\":\"b1\","
                          "\"timestamp\":\"2026-01-02T03:04:04Z\",\"context\":{\"ip\":\"2.2.2.2\"}},"
                          "{\"type\":\"screen\",\"anonymousId\":\"a\",\"messageId\":\"b2\",\"name\":\"Home\"}]}"),
                     200);
    assert_int_equal(f->out.n, 2);
    char *r = rec(f, 0);
    assert_string_equal(r, "{\"messageId\":\"b1\",\"type\":\"identify\",\"userId\":\"u\","
                           "\"context\":{\"ip\":\"2.2.2.2\",\"library\":{\"name\":\"x\"}},"
                           "\"integrations\":{\"All\":false},\"receivedAt\":\"2026-01-02T03:04:05.000Z\","
                           "\"sentAt\":\"2026-01-02T03:04:06.000Z\",\"originalTimestamp\":\"2026-01-02T03:04:04.000Z\","
                           "\"timestamp\":\"2026-01-02T03:04:03.000Z\"}");
    sl_free(r);
    r = rec(f, 1);
    assert_non_null(strstr(r, "\"context\":{\"ip\":\"1.1.1.1\",\"library\":{\"name\":\"x\"}}"));
    sl_free(r);
    fix_free(f);
}

static void test_dedupe(void **state)
{
    (void)state;
    fix *f = fix_new(3600, 3, "");
    f->auth = "Basic d2tfbGl2ZV8xOg==";
    const char *m1 = "{\"userId\":\"u\",\"event\":\"E\",\"messageId\":\"d1\"}";
    assert_int_equal(post(f, "POST", "/v1/track", m1), 200);
    assert_int_equal(f->out.n, 1);
    sl_ingest_records first = f->out; /* kept until settled; the next requests get new records */
    f->out = (sl_ingest_records){0};
    /* the same id while the first is not durable yet: 503, retry */
    assert_int_equal(post(f, "POST", "/v1/track", m1), 503);
    assert_int_equal(f->ans.retry_after, 1);
    /* the spool refused the first: the id is free again */
    sl_ingest_segment.settled(f->st, &first, 0);
    assert_int_equal(post(f, "POST", "/v1/track", m1), 200);
    assert_int_equal(f->out.n, 1);
    sl_ingest_segment.settled(f->st, &f->out, 1);
    /* durable: a duplicate is acknowledged and not stored */
    assert_int_equal(post(f, "POST", "/v1/track", m1), 200);
    assert_int_equal(f->out.n, 0);
    /* twice in one batch: stored once */
    assert_int_equal(post(f, "POST", "/v1/batch",
                          "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\",\"messageId\":\"d2\"},"
                          "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\",\"messageId\":\"d2\"},"
                          "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\",\"messageId\":\"d3\"}]}"),
                     200);
    assert_int_equal(f->out.n, 2);
    sl_ingest_segment.settled(f->st, &f->out, 1);
    sl_segment_counters c;
    sl_segment_counters_get(f->st, &c);
    assert_int_equal(c.received, 3);
    assert_int_equal(c.duplicates, 2);
    /* dedupe_max_ids 3: a fourth id forgets the oldest (d1) */
    assert_int_equal(post(f, "POST", "/v1/track", "{\"userId\":\"u\",\"event\":\"E\",\"messageId\":\"d4\"}"), 200);
    sl_ingest_segment.settled(f->st, &f->out, 1);
    assert_int_equal(post(f, "POST", "/v1/track", "{\"userId\":\"u\",\"event\":\"E\",\"messageId\":\"d3\"}"), 200);
    assert_int_equal(f->out.n, 0);
    assert_int_equal(post(f, "POST", "/v1/track", m1), 200);
    assert_int_equal(f->out.n, 1);
    sl_ingest_segment.settled(f->st, &f->out, 1);
    sl_buf_release(&first.data);
    sl_free(first.off);
    sl_free(first.len);
    sl_free(first.time_us);
    fix_free(f);
}

/* Many ids through a small map: the ring and table stay consistent. */
static void test_dedupe_many(void **state)
{
    (void)state;
    fix *f = fix_new(3600, 5000, "");
    f->auth = "Basic d2tfbGl2ZV8xOg==";
    char body[200];
    for (int round = 0; round < 2; round++)
        for (int k = 0; k < 6000; k++) {
            int i = round == 0 ? k : 5999 - k; /* the second round newest first */
            snprintf(body, sizeof body, "{\"userId\":\"u\",\"event\":\"E\",\"messageId\":\"id-%d\"}", i);
            assert_int_equal(post(f, "POST", "/v1/track", body), 200);
            /* round 0: all new (the first 1000 are forgotten past 5000);
             * round 1: ids 5999..1000 are remembered, 999..0 are not */
            assert_int_equal(f->out.n, round == 0 || i < 1000 ? 1 : 0);
            sl_ingest_segment.settled(f->st, &f->out, 1);
        }
    sl_segment_counters c;
    sl_segment_counters_get(f->st, &c);
    assert_int_equal(c.received, 7000);
    assert_int_equal(c.duplicates, 5000);
    fix_free(f);
}

static void test_time_format(void **state)
{
    (void)state;
    char t[40];
    sl_segment_time_format(t, 0);
    assert_string_equal(t, "1970-01-01T00:00:00.000Z");
    sl_segment_time_format(t, RECEIVED + 123456);
    assert_string_equal(t, "2026-01-02T03:04:05.123456Z");
    sl_segment_time_format(t, -1000);
    assert_string_equal(t, "1969-12-31T23:59:59.999Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_track_normalised), cmocka_unit_test(test_auth_and_routes),
        cmocka_unit_test(test_validation_and_limits), cmocka_unit_test(test_batch_context_merge),
        cmocka_unit_test(test_dedupe), cmocka_unit_test(test_dedupe_many), cmocka_unit_test(test_time_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
