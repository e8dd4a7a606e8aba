/*
 * email.c: the `email` sink: one e-mail per row over SMTP (net/smtp.h),
 * its recipients, subject and body rendered from the row's columns
 * (sinks/template.h: text templates). A trigger (sinks/trigger.h):
 * idempotent per event, the event's id in the Message-ID
 * (<id@sluice>), so that a message sent again after a crash is
 * recognisable as the same one.
 *
 * A permanent refusal (a 5xx reply) sends the row to the DLQ with the
 * server's answer; a temporary failure (4xx, connection, timeout) is tried
 * again with backoff, `attempts` times, then the run fails: the next run
 * sends what was not sent (what was is recorded and skipped).
 */
#include "core/failpoint.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/redact.h"
#include "net/smtp.h"
#include "sinks/template.h"
#include "sinks/trigger.h"
#include <stdio.h>
#include <string.h>

typedef struct email_opts {
    char *url, *from, *to, *subject, *body, *username, *password, *ca_file, *backoff;
    int starttls;
    int64_t timeout, attempts;
    sl_strlist key;
    sl_kvlist headers;
} email_opts;

static const sl_option email_options[] = {
    {"url", SL_OPT_STRING, NULL, SL_OPT_REQUIRED | SL_OPT_SECRET, offsetof(email_opts, url), NULL,
     "the SMTP server: smtp://host:587 (STARTTLS) or smtps://host:465 (TLS)"},
    {"starttls", SL_OPT_BOOL, "true", 0, offsetof(email_opts, starttls), NULL,
     "smtp://: require STARTTLS (false: send in clear, for a local relay)"},
    {"ca_file", SL_OPT_STRING, NULL, 0, offsetof(email_opts, ca_file), NULL,
     "CA bundle for the server's certificate (default: the system's)"},
    {"username", SL_OPT_STRING, NULL, 0, offsetof(email_opts, username), NULL, "SMTP AUTH user (${SMTP_USER})"},
    {"password", SL_OPT_STRING, NULL, SL_OPT_SECRET, offsetof(email_opts, password), NULL,
     "SMTP AUTH password (${SMTP_PASSWORD}; never shown)"},
    {"from", SL_OPT_STRING, NULL, SL_OPT_REQUIRED, offsetof(email_opts, from), NULL,
     "the sender: alerts@example.com or \"Product <alerts@example.com>\""},
    {"to", SL_OPT_STRING, NULL, SL_OPT_REQUIRED, offsetof(email_opts, to), NULL,
     "template of the recipients, separated by commas: \"{{ name }} <{{ email }}>, success@example.com\" (a "
     "value is one address: one holding a comma or a line break, or no recipient at all, sends the row to the DLQ)"},
    {"subject", SL_OPT_STRING, NULL, SL_OPT_REQUIRED, offsetof(email_opts, subject), NULL,
     "template of the subject: \"Welcome, {{ name }}\" (UTF-8: encoded as RFC 2047 says)"},
    {"body", SL_OPT_STRING, NULL, SL_OPT_REQUIRED | SL_OPT_MULTILINE, offsetof(email_opts, body), NULL,
     "template of the plain-text body: {{ column }} is the row's value as text (NULL: nothing)"},
    {"headers", SL_OPT_MAP, NULL, 0, offsetof(email_opts, headers), NULL,
     "extra headers, each value a template (Reply-To: \"{{ owner_email }}\")"},
    {"timeout", SL_OPT_DURATION, "30s", 0, offsetof(email_opts, timeout), NULL, "per SMTP attempt"},
    SL_TRIGGER_OPTIONS(email_opts),
    SL_OPT_END,
};

typedef struct email_state {
    email_opts *o;
    sl_trigger t;
    sl_smtp_server srv;
    int shown;
} email_state;

/* The options that are {{ column }} templates (sinks/template.h). */
static const char *const email_templates[] = {"to", "subject", "body", "headers", NULL};

static int email_check(sl_instance *in, sl_diags *d)
{
    email_opts *o = in->opts;
    int n = 0;
    if (strncmp(o->url, "smtp://", 7) != 0 && strncmp(o->url, "smtps://", 8) != 0) {
        sl_diags_add(d, sl_options_loc(email_options, o, "url"), "url: must start with smtp:// or smtps://");
        n++;
    }
    if (sl_trigger_parse_backoff(o->backoff) < 0) {
        sl_diags_add(d, sl_options_loc(email_options, o, "backoff"), "backoff: '%s' is not a duration (1s, 250ms)",
                     o->backoff);
        n++;
    }
    if (o->attempts < 1) {
        sl_diags_add(d, sl_options_loc(email_options, o, "attempts"), "attempts: must be at least 1");
        n++;
    }
    n += sl_template_check_options(in, email_templates, NULL, d);
    return n;
}

static int email_open(sl_instance *in, sl_run *run, sl_error *err)
{
    email_opts *o = in->opts;
    email_state *st = sl_calloc(1, sizeof *st);
    in->state = st;
    st->o = o;
    st->t.attempts = o->attempts;
    st->t.backoff_s = sl_trigger_parse_backoff(o->backoff);
    st->srv = (sl_smtp_server){.url = o->url, .starttls = o->starttls, .ca_file = o->ca_file,
                               .username = o->username, .password = o->password, .timeout_s = (long)o->timeout};
    return sl_trigger_open(&st->t, in, run, &o->key, err);
}

static int email_position(sl_instance *in, const char *key, sl_resume *pos, int *found, sl_error *err)
{
    (void)err;
    return sl_trigger_position(&((email_state *)in->state)->t, key, pos, found);
}

/* The recipients of row r: the `to` template split at its commas (before
 * rendering, so that a value's comma never makes two recipients), each
 * part rendered and trimmed; an empty part is left out. A part whose value
 * holds a comma, a line break or no '@' is not one address: 0 with why. */
static size_t recipients(const char *tpl, const sl_batch *b, size_t r, sl_buf *out, char **to, size_t max,
                         char *why, size_t len)
{
    size_t n = 0;
    sl_buf_reset(out);
    size_t *starts = sl_calloc(max + 1, sizeof *starts);
    for (const char *p = tpl; *p && n < max;) {
        const char *comma = strchr(p, ',');
        size_t plen = comma ? (size_t)(comma - p) : strlen(p);
        char *part = sl_strndup(p, plen);
        size_t at = out->len;
        sl_template_render(out, part, b, r, 0, NULL, NULL);
        sl_free(part);
        sl_buf_addc(out, 0);
        starts[n++] = at;
        p += plen + (comma ? 1 : 0);
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char *a = out->data + starts[i];
        while (*a == ' ' || *a == '\t')
            a++;
        size_t alen = strlen(a);
        while (alen && (a[alen - 1] == ' ' || a[alen - 1] == '\t'))
            a[--alen] = 0;
        if (!*a)
            continue;
        if (strpbrk(a, ",\r\n") || !strchr(a, '@')) {
            snprintf(why, len, "email: recipient '%.200s' is not one address", a);
            sl_free(starts);
            return 0;
        }
        to[k++] = a;
    }
    sl_free(starts);
    if (!k)
        snprintf(why, len, "email: no recipient (the `to:` template gave nothing for this row)");
    return k;
}

#define MAX_TO 100

static int email_write(sl_instance *in, sl_batch *b, size_t from, uint8_t *rejected, sl_error *err)
{
    email_state *st = in->state;
    sl_trigger *t = &st->t;
    if (sl_failpoint("sink.before_data"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.before_data", t->id);
    sl_buf to, subject, body, hdr;
    sl_buf_init(&to);
    sl_buf_init(&subject);
    sl_buf_init(&body);
    sl_buf_init(&hdr);
    char **hv = sl_calloc(st->o->headers.n + 1, sizeof *hv);
    int rc = 0;
    for (size_t r = from; r < b->nrows && rc == 0; r++) {
        char id[33], mid[64];
        sl_trigger_event_id(t, b, r, id);
        if (sl_trigger_was_sent(t, id)) {
            t->nskipped++;
            continue;
        }
        snprintf(mid, sizeof mid, "<%s@sluice>", id);
        sl_buf_reset(&subject);
        sl_buf_reset(&body);
        sl_template_render(&subject, st->o->subject, b, r, 0, NULL, NULL);
        sl_template_render(&body, st->o->body, b, r, 0, NULL, NULL);
        for (size_t i = 0; i < st->o->headers.n; i++) {
            sl_buf_reset(&hdr);
            sl_buf_addf(&hdr, "%s: ", st->o->headers.v[i].key);
            sl_template_render(&hdr, st->o->headers.v[i].value, b, r, 0, NULL, NULL);
            sl_free(hv[i]);
            hv[i] = sl_buf_detach(&hdr);
        }
        char *tos[MAX_TO], bad[300];
        size_t nto = recipients(st->o->to, b, r, &to, tos, MAX_TO, bad, sizeof bad);
        if (nto == 0) {
            rejected[r] = 1;
            sl_batch_reject_row(b, r, t->id, bad);
            t->nfailed++;
            continue;
        }
        sl_smtp_message m = {.from = st->o->from, .to = (const char *const *)tos, .nto = nto,
                             .subject = subject.data ? subject.data : "", .body = body.data ? body.data : "",
                             .message_id = mid, .headers = (const char *const *)hv, .nheaders = st->o->headers.n};
        if (t->run->dry_run) {
            if (st->shown++ < 3)
                sl_buf_addf(&t->run->report, "  %s: mail to %s: %s\n", t->id, tos[0], m.subject);
            t->nsent++;
            rc = sl_trigger_sent(t, id, err);
            continue;
        }
        char why[400] = "";
        long reply = 0;
        int sent = -1;
        for (int attempt = 1; attempt <= t->attempts; attempt++) {
            if (attempt > 1 && sl_trigger_wait(t, attempt, 0) < 0)
                break;
            sent = sl_smtp_send(&st->srv, &m, &reply, why, sizeof why);
            if (sent == 0 || sl_smtp_permanent(reply))
                break;
            sl_log_warn("%s: %s (try %d of %lld)", t->id, why, attempt, (long long)t->attempts);
        }
        if (sent == 0) {
            t->nsent++;
            rc = sl_trigger_sent(t, id, err);
        } else if (sl_smtp_permanent(reply)) {
            char reason[500];
            snprintf(reason, sizeof reason, "email: the server refused the message: %s", why);
            sl_log_redact(reason);
            rejected[r] = 1;
            sl_batch_reject_row(b, r, t->id, reason);
            t->nfailed++;
        } else {
            sl_log_redact(why);
            rc = sl_error_set(err, SL_EIO, "email: %s (after %lld tries; the next run sends the rest)", why,
                              (long long)t->attempts);
        }
    }
    for (size_t i = 0; i < st->o->headers.n; i++)
        sl_free(hv[i]);
    sl_free(hv);
    sl_buf_release(&to);
    sl_buf_release(&subject);
    sl_buf_release(&body);
    sl_buf_release(&hdr);
    if (rc == 0 && sl_failpoint("sink.after_data"))
        return sl_error_set(err, SL_EIO, "sink %s: failpoint sink.after_data", t->id);
    return rc;
}

static int email_commit(sl_instance *in, const sl_batch *b, sl_error *err)
{
    return sl_trigger_commit(&((email_state *)in->state)->t, b, err);
}

static void email_counts(sl_instance *in, sl_sink_counts *out, sl_buf *requests)
{
    email_state *st = in->state;
    (void)requests;
    out->created = st->t.nsent;
    out->unchanged = st->t.nskipped;
    out->failed = st->t.nfailed;
}

static void email_close(sl_instance *in)
{
    email_state *st = in->state;
    if (!st)
        return;
    sl_trigger_close(&st->t);
    sl_free(st);
    in->state = NULL;
}

/* validate: the columns its templates name must reach the sink. */
static int email_columns(sl_instance *in, const struct sl_colset *cols, sl_diags *d)
{
    return sl_template_check_options(in, email_templates, cols, d);
}

const sl_sink_plugin sl_sink_email = {
    .version = SL_PLUGIN_VERSION,
    .name = "email",
    .summary = "one e-mail per row over SMTP: templated recipients, subject and body; once per event",
    .options = email_options,
    .opts_size = sizeof(email_opts),
    .check = email_check,
    .open = email_open,
    .position = email_position,
    .write = email_write,
    .commit = email_commit,
    .close = email_close,
    .dry_run = 1,
    .columns = email_columns,
    .counts = email_counts,
};
