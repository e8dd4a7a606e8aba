/*
 * slack.c: the `slack` sink: one message per row to a Slack incoming
 * webhook (net/http.h), its text (and optional Block Kit blocks) rendered
 * from the row (sinks/template.h). A trigger (sinks/trigger.h): idempotent
 * per event.
 *
 * Retries are net/http.c's: connection errors, timeouts, 408, 425, 429
 * (Retry-After honoured exactly) and 5xx are tried again with backoff,
 * `attempts` times, then the run fails (the next run sends the rest);
 * another 4xx (Slack's invalid_blocks, no_text, channel_not_found) is a
 * refusal of that message: the row goes to the DLQ with Slack's answer.
 */
#include "core/failpoint.h"
#include "core/log.h"
#include "core/mem.h"
#include "net/http.h"
#include "sinks/template.h"
#include "sinks/trigger.h"
#include <stdio.h>
#include <string.h>

typedef struct slack_opts {
    char *webhook_url, *text, *blocks, *backoff;
    int64_t timeout, attempts;
    sl_strlist key;
} slack_opts;

static const sl_option slack_options[] = {
    {"webhook_url", SL_OPT_STRING, NULL, SL_OPT_REQUIRED | SL_OPT_SECRET, offsetof(slack_opts, webhook_url), NULL,
     "the incoming webhook's URL (${SLACK_WEBHOOK_URL}: it is a secret, never shown)"},
    {"text", SL_OPT_STRING, NULL, SL_OPT_REQUIRED | SL_OPT_MULTILINE, offsetof(slack_opts, text), NULL,
     "template of the message text (Slack mrkdwn): \"{{ user_id }} reached {{ milestone }}\"; also the "
     "notification's text when blocks are given"},
    {"blocks", SL_OPT_STRING, NULL, SL_OPT_MULTILINE, offsetof(slack_opts, blocks), NULL,
     "JSON template of Block Kit blocks (an array): {{ column }} is the row's value as a JSON value"},
    {"timeout", SL_OPT_DURATION, "30s", 0, offsetof(slack_opts, timeout), NULL, "per HTTP attempt"},
    SL_TRIGGER_OPTIONS(slack_opts),
    SL_OPT_END,
};

typedef struct slack_state {
    slack_opts *o;
    sl_trigger t;
    sl_http http;
    int http_open;
    int shown;
} slack_state;

/* The options that are {{ column }} templates (sinks/template.h). */
static const char *const slack_templates[] = {"text", "blocks", NULL};

static int slack_check(sl_instance *in, sl_diags *d)
{
    slack_opts *o = in->opts;
    int n = 0;
    if (strncmp(o->webhook_url, "https://", 8) != 0 && strncmp(o->webhook_url, "http://", 7) != 0) {
        sl_diags_add(d, sl_options_loc(slack_options, o, "webhook_url"), "webhook_url: must be an http(s):// URL");
        n++;
    }
    if (sl_trigger_parse_backoff(o->backoff) < 0) {
        sl_diags_add(d, sl_options_loc(slack_options, o, "backoff"), "backoff: '%s' is not a duration (1s, 250ms)",
                     o->backoff);
        n++;
    }
    if (o->attempts < 1) {
        sl_diags_add(d, sl_options_loc(slack_options, o, "attempts"), "attempts: must be at least 1");
        n++;
    }
    n += sl_template_check_options(in, slack_templates, NULL, d);
    return n;
}

static int slack_open(sl_instance *in, sl_run *run, sl_error *err)
{
    slack_opts *o = in->opts;
    slack_state *st = sl_calloc(1, sizeof *st);
    in->state = st;
    st->o = o;
    st->t.attempts = o->attempts;
    st->t.backoff_s = sl_trigger_parse_backoff(o->backoff);
    sl_http_opts ho = {.attempts = (int)o->attempts, .base = st->t.backoff_s, .cap = 60, .timeout = (double)o->timeout,
                       .concurrency = 1, .cancel = &run->cancel, .max_body = SL_HTTP_ERROR_BODY,
                       .truncate_body = 1};
    if (sl_http_init(&st->http, &ho, NULL, err) < 0)
        return -1;
    st->http_open = 1;
    return sl_trigger_open(&st->t, in, run, &o->key, err);
}

static int slack_position(sl_instance *in, const char *key, sl_resume *pos, int *found, sl_error *err)
{
    (void)err;
    return sl_trigger_position(&((slack_state *)in->state)->t, key, pos, found);
}

static int slack_write(sl_instance *in, sl_batch *b, size_t from, uint8_t *rejected, sl_error *err)
{
    slack_state *st = in->state;
    sl_trigger *t = &st->t;
    if (sl_failpoint("sink.before_data"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_data", t->id);
    sl_buf text, body;
    sl_buf_init(&text);
    sl_buf_init(&body);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    int rc = 0;
    for (size_t r = from; r < b->nrows && rc == 0; r++) {
        char id[33];
        sl_trigger_event_id(t, b, r, id);
        if (sl_trigger_was_sent(t, id)) {
            t->nskipped++;
            continue;
        }
        sl_buf_reset(&text);
        sl_buf_reset(&body);
        sl_template_render(&text, st->o->text, b, r, 0, NULL, NULL);
        sl_buf_adds(&body, "{\"text\":");
        sl_buf_add_json_str(&body, text.data ? text.data : "", text.len);
        if (st->o->blocks && *st->o->blocks) {
            sl_buf_adds(&body, ",\"blocks\":");
            sl_template_render(&body, st->o->blocks, b, r, 1, NULL, NULL);
        }
        sl_buf_addc(&body, '}');
        if (t->run->dry_run) {
            if (st->shown++ < 3)
                sl_buf_addf(&t->run->report, "  %s: POST (the webhook) %s\n", t->id, body.data);
            t->nsent++;
            rc = sl_trigger_sent(t, id, err);
            continue;
        }
        sl_http_call call = {0};
        call.method = "POST";
        call.url = st->o->webhook_url;
        call.body = body.data;
        call.body_len = body.len;
        call.headers = headers;
        sl_http_call *calls[1] = {&call};
        if (sl_http_run(&st->http, calls, 1, err) < 0) {
            sl_http_call_reset(&call);
            rc = -1;
            break;
        }
        if (call.ok) {
            t->nsent++;
            rc = sl_trigger_sent(t, id, err);
        } else if (call.status >= 400 && call.status < 500 && !call.retryable) {
            char reason[600];
            snprintf(reason, sizeof reason, "slack: the webhook refused the message: %s", call.error);
            sl_log_redact(reason);
            rejected[r] = 1;
            sl_batch_reject_row(b, r, t->id, reason);
            t->nfailed++;
        } else {
            char why[400];
            snprintf(why, sizeof why, "%s", call.error[0] ? call.error : "no answer");
            sl_log_redact(why);
            rc = sl_error_set(err, SL_EIO, "slack: %s (after %lld tries; the next run sends the rest)", why,
                              (long long)t->attempts);
        }
        call.headers = NULL; /* ours: freed below */
        sl_http_call_reset(&call);
    }
    curl_slist_free_all(headers);
    sl_buf_release(&text);
    sl_buf_release(&body);
    if (rc == 0 && sl_failpoint("sink.after_data"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.after_data", t->id);
    return rc;
}

static int slack_commit(sl_instance *in, const sl_batch *b, sl_error *err)
{
    return sl_trigger_commit(&((slack_state *)in->state)->t, b, err);
}

static void slack_counts(sl_instance *in, sl_sink_counts *out, sl_buf *requests)
{
    slack_state *st = in->state;
    (void)requests;
    out->created = st->t.nsent;
    out->unchanged = st->t.nskipped;
    out->failed = st->t.nfailed;
}

static void slack_close(sl_instance *in)
{
    slack_state *st = in->state;
    if (!st)
        return;
    if (st->http_open)
        sl_http_release(&st->http);
    sl_trigger_close(&st->t);
    sl_free(st);
    in->state = NULL;
}

/* validate: the columns its templates name must reach the sink. */
static int slack_columns(sl_instance *in, const struct sl_colset *cols, sl_diags *d)
{
    return sl_template_check_options(in, slack_templates, cols, d);
}

const sl_sink_plugin sl_sink_slack = {
    .version = SL_PLUGIN_VERSION,
    .name = "slack",
    .summary = "one Slack message per row to an incoming webhook: templated text and blocks; once per event",
    .options = slack_options,
    .opts_size = sizeof(slack_opts),
    .check = slack_check,
    .open = slack_open,
    .position = slack_position,
    .write = slack_write,
    .commit = slack_commit,
    .close = slack_close,
    .dry_run = 1,
    .columns = slack_columns,
    .counts = slack_counts,
};
