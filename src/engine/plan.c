/* plan.c: see plan.h. Moved out of pipeline.c, which collects what a dry
 * run read and what its sinks would do. */
#include "engine/plan.h"
#include "core/log.h"
#include <string.h>

void sl_plan_add_sink(sl_buf *sinks, size_t i, const sl_instance *s, int64_t rows, int ran, const sl_sink_counts *c,
                      const sl_buf *req)
{
    sl_buf_adds(sinks, i ? "," : "");
    sl_buf_adds(sinks, "{\"id\":");
    sl_buf_add_json_str(sinks, s->id, strlen(s->id));
    sl_buf_adds(sinks, ",\"type\":");
    sl_buf_add_json_str(sinks, s->type, strlen(s->type));
    /* rows: what reaches the sink; would: what the sinks that take part
     * in a dry run would do with them (the others are not opened) */
    sl_buf_addf(sinks, ",\"dry_run\":%s,\"rows\":%lld", SL_SINK(s)->dry_run ? "true" : "false", (long long)rows);
    if (ran)
        sl_buf_addf(sinks,
                    ",\"would\":{\"created\":%lld,\"updated\":%lld,\"deleted\":%lld,\"unchanged\":%lld,"
                    "\"failed\":%lld},\"requests\":%s}",
                    (long long)c->created, (long long)c->updated, (long long)c->deleted, (long long)c->unchanged,
                    (long long)c->failed, req && req->len ? req->data : "[]");
    else
        sl_buf_adds(sinks, ",\"would\":null,\"requests\":[]}");
}

void sl_plan_render(const sl_pipeline *pl, char *const *inputs, const int64_t *input_rows, size_t ninputs,
                    int full_refresh, const sl_buf *sinks, char *out, size_t cap)
{
    sl_buf doc;
    sl_buf_init(&doc);
    sl_buf_adds(&doc, "{\"source\":{\"id\":");
    sl_buf_add_json_str(&doc, pl->source.id, strlen(pl->source.id));
    sl_buf_adds(&doc, ",\"type\":");
    sl_buf_add_json_str(&doc, pl->source.type, strlen(pl->source.type));
    sl_buf_adds(&doc, ",\"inputs\":[");
    for (size_t i = 0; i < ninputs && i < SL_PLAN_INPUTS; i++) {
        sl_buf_adds(&doc, i ? ",{\"input\":" : "{\"input\":");
        sl_buf_add_json_str(&doc, inputs[i], strlen(inputs[i]));
        sl_buf_addf(&doc, ",\"rows\":%lld}", (long long)input_rows[i]);
    }
    sl_buf_addf(&doc, "],\"inputs_total\":%zu},\"transforms\":[", ninputs);
    for (size_t i = 0; i < pl->ntransforms; i++) {
        sl_buf_adds(&doc, i ? ",{\"id\":" : "{\"id\":");
        sl_buf_add_json_str(&doc, pl->transforms[i].id, strlen(pl->transforms[i].id));
        sl_buf_adds(&doc, ",\"type\":");
        sl_buf_add_json_str(&doc, pl->transforms[i].type, strlen(pl->transforms[i].type));
        sl_buf_addc(&doc, '}');
    }
    /* a dry run loads nothing, so no check of the pipeline runs: the
     * plan says how many there are and that they were not evaluated */
    sl_buf_addf(&doc, "],\"full_refresh\":%s,\"checks\":{\"count\":%zu,\"evaluated\":false},\"sinks\":[",
                full_refresh ? "true" : "false", pl->checks.n);
    if (doc.len + sinks->len + 3 < cap) {
        sl_buf_add(&doc, sinks->data ? sinks->data : "", sinks->len);
        sl_buf_adds(&doc, "]}");
    } else {
        sl_buf_adds(&doc, "],\"truncated\":true}");
    }
    if (doc.len < cap)
        memcpy(out, doc.data, doc.len + 1);
    sl_log_redact(out);
    sl_buf_release(&doc);
}
