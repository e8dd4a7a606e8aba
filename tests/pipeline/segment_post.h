/* segment_post.h: for the segment source's pipeline tests: hand a request
 * to the segment ingest kind and append what it accepts to the spool as
 * `sluice serve` does (stream/ingest.h), waiting until it is durable. */
#ifndef TESTS_SEGMENT_POST_H
#define TESTS_SEGMENT_POST_H
#include "core/mem.h"
#include "stream/segment.h"
#include <string.h>

static inline const char *no_header(void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return NULL;
}

/* Hand body to the kind of pipeline `ev` and append what it accepts to the spool. */
static inline int post(sl_instance *src, void *st, sl_spool *sp, const char *path, const char *body, int64_t now)
{
    (void)src;
    sl_ingest_request rq = {"POST", path, NULL, no_header, NULL, body, strlen(body), now, "test"};
    sl_ingest_records out = {0};
    sl_ingest_answer ans = {0};
    sl_error err = {0};
    assert_int_equal(sl_ingest_segment.handle(st, &rq, &out, &ans, &err), 0);
    if (out.n) {
        sl_spool_rec *recs = sl_calloc(out.n, sizeof *recs);
        for (size_t i = 0; i < out.n; i++)
            recs[i] = (sl_spool_rec){.kind = SL_SPOOL_EVENT, .time_us = out.time_us[i],
                                     .data = out.data.data + out.off[i], .len = out.len[i]};
        int64_t ticket;
        assert_int_equal(sl_spool_append(sp, recs, out.n, &ticket, &err), 0);
        assert_int_equal(sl_spool_wait(sp, ticket, &err), 0);
        sl_ingest_segment.settled(st, &out, 1);
        sl_free(recs);
    }
    int status = ans.status;
    sl_buf_release(&ans.body);
    sl_buf_release(&out.data);
    sl_free(out.off);
    sl_free(out.len);
    sl_free(out.time_us);
    return status;
}

#endif
