/* alert_deliver.c: one alert to one channel (alerts.h): the payload per
 * channel type (Slack text, sluice's JSON event, PagerDuty Events v2, an
 * RFC 5322 e-mail) and its delivery, over the http client (net/http.h:
 * retries with backoff and full jitter, Retry-After honoured) or SMTP
 * (net/smtp.h) with the channel's attempts and the same backoff; either
 * given up soon after a cancel flag is set (the alerter's stop deadline). */
#include "core/log.h"
#include "core/mem.h"
#include "core/redact.h"
#include "core/types.h"
#include "net/http.h"
#include "net/smtp.h"
#include "sched/alerts.h"
#include <curl/curl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- formatting ----------------------------------------------------------- */

/* What an incident is about, as people say it. */
static const char *incident_label(sl_alert_kind k)
{
    return k == SL_ALERT_CHECK_FAILURE ? "check failure"
           : k == SL_ALERT_ANOMALY     ? "anomaly"
           : k == SL_ALERT_FRESHNESS   ? "stale data"
                                       : "schema change";
}

static int is_incident(const sl_alert_event *ev)
{
    return (ev->kind & SL_ALERT_INCIDENTS) != 0;
}

/* One line of plain text for the event (Slack text, e-mail subject). */
static void headline(const char *project, const sl_alert_event *ev, char *out, size_t len)
{
    if (is_incident(ev)) {
        if (ev->resolved)
            snprintf(out, len, "[%s] resolved: %s on %s", project, incident_label(ev->kind), ev->node);
        else
            snprintf(out, len, "[%s] %s on %s: %.160s", project, incident_label(ev->kind), ev->node, ev->message);
        for (char *p = out; *p; p++) /* one line: it is also an e-mail's Subject */
            if ((unsigned char)*p < 0x20)
                *p = ' ';
        return;
    }
    switch (ev->kind) {
    case SL_ALERT_FAILURE:
        snprintf(out, len, "[%s] pipeline %s %s%s", project, ev->pipeline,
                 strcmp(ev->status, "timeout") == 0 ? "timed out" : "failed", ev->attempts > 1 ? " after retries" : "");
        break;
    case SL_ALERT_RECOVERY: snprintf(out, len, "[%s] pipeline %s recovered", project, ev->pipeline); break;
    case SL_ALERT_SUMMARY: snprintf(out, len, "[%s] daily summary", project); break;
    default: snprintf(out, len, "[%s] test alert from sluice", project);
    }
}

/* The body as plain text (e-mail, Slack, PagerDuty custom details). */
static void body_text(const sl_alerts *a, const char *project, const sl_alert_event *ev, sl_buf *b)
{
    char ts[40];
    sl_format_timestamp(ts, ev->time * 1000000);
    if (ev->kind == SL_ALERT_SUMMARY) {
        sl_buf_adds(b, ev->summary ? ev->summary : "");
    } else if (is_incident(ev)) {
        sl_buf_addf(b, "%s: %s\nnode: %s\nincident: %s\nstatus: %s\ntime: %s\n", incident_label(ev->kind),
                    ev->message[0] ? ev->message : "-", ev->node, ev->incident_key, ev->resolved ? "resolved" : "open",
                    ts);
        if (ev->run_id[0])
            sl_buf_addf(b, "run: %s\n", ev->run_id);
        if (ev->details && ev->details[0]) {
            sl_buf_adds(b, ev->details);
            if (ev->details[strlen(ev->details) - 1] != '\n')
                sl_buf_addc(b, '\n');
        }
    } else if (ev->kind == SL_ALERT_TEST) {
        sl_buf_addf(b, "This is a test message from sluice (project %s) at %s.\n", project, ts);
    } else {
        sl_buf_addf(b,
                    "pipeline: %s\nstatus: %s\nrun: %s\nattempts: %d\ntime: %s\n"
                    "rows: read %lld, loaded %lld, filtered %lld, rejected %lld\nduration: %.1fs\n",
                    ev->pipeline, ev->status, ev->run_id, ev->attempts, ts, (long long)ev->counts.read,
                    (long long)ev->counts.loaded, (long long)ev->counts.filtered, (long long)ev->counts.rejected,
                    ev->duration_s);
        if (ev->error[0])
            sl_buf_addf(b, "error: %s\n", ev->error);
    }
    if (a && a->dashboard_url && ev->run_id[0])
        sl_buf_addf(b, "details: %s/api/v1/runs/%s\n", a->dashboard_url, ev->run_id);
    else if (a && a->dashboard_url)
        sl_buf_addf(b, "dashboard: %s\n", a->dashboard_url);
}

/* Slack mrkdwn: & < > are the three characters to escape. */
static void slack_escape(sl_buf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            sl_buf_adds(out, "&amp;");
        else if (*s == '<')
            sl_buf_adds(out, "&lt;");
        else if (*s == '>')
            sl_buf_adds(out, "&gt;");
        else
            sl_buf_addc(out, *s);
    }
}

static void format_slack(const sl_alerts *a, const char *project, const sl_alert_event *ev, sl_buf *out)
{
    char head[300];
    headline(project, ev, head, sizeof head);
    sl_buf text, body;
    sl_buf_init(&text);
    sl_buf_init(&body);
    const char *icon = is_incident(ev)                 ? (ev->resolved ? ":large_green_circle: "
                                                                       : strcmp(ev->severity, "warning") == 0 ? ":warning: "
                                                                                                               : ":red_circle: ")
                       : ev->kind == SL_ALERT_FAILURE  ? ":red_circle: "
                       : ev->kind == SL_ALERT_RECOVERY ? ":large_green_circle: "
                                                       : "";
    sl_buf_adds(&text, icon);
    sl_buf_adds(&text, "*");
    slack_escape(&text, head);
    sl_buf_adds(&text, "*");
    body_text(a, project, ev, &body);
    sl_buf_adds(&text, "\n```");
    slack_escape(&text, body.data ? body.data : "");
    sl_buf_adds(&text, "```");
    sl_buf_adds(out, "{\"text\":");
    sl_buf_add_json_str(out, text.data, text.len);
    sl_buf_adds(out, "}");
    sl_buf_release(&text);
    sl_buf_release(&body);
}

static void format_webhook(const sl_alerts *a, const char *project, const sl_alert_event *ev, sl_buf *out)
{
    char head[300];
    headline(project, ev, head, sizeof head);
    sl_buf body;
    sl_buf_init(&body);
    body_text(a, project, ev, &body);
    sl_buf_adds(out, "{\"event\":\"");
    sl_buf_adds(out, sl_alert_kind_name(ev->kind));
    sl_buf_adds(out, "\",\"project\":");
    sl_buf_add_json_str(out, project, strlen(project));
    sl_buf_adds(out, ",\"pipeline\":");
    if (ev->pipeline[0])
        sl_buf_add_json_str(out, ev->pipeline, strlen(ev->pipeline));
    else
        sl_buf_adds(out, "null");
    sl_buf_adds(out, ",\"run_id\":");
    if (ev->run_id[0])
        sl_buf_add_json_str(out, ev->run_id, strlen(ev->run_id));
    else
        sl_buf_adds(out, "null");
    sl_buf_addf(out,
                ",\"status\":\"%s\",\"attempts\":%d,\"time\":%lld,\"rows_read\":%lld,\"rows_loaded\":%lld,"
                "\"rows_filtered\":%lld,\"rows_rejected\":%lld,\"duration_s\":%.3f,\"error\":",
                ev->status, ev->attempts, (long long)ev->time, (long long)ev->counts.read, (long long)ev->counts.loaded,
                (long long)ev->counts.filtered, (long long)ev->counts.rejected, ev->duration_s);
    if (ev->error[0])
        sl_buf_add_json_str(out, ev->error, strlen(ev->error));
    else
        sl_buf_adds(out, "null");
    if (is_incident(ev)) {
        sl_buf_addf(out, ",\"resolved\":%s,\"severity\":\"%s\",\"node\":", ev->resolved ? "true" : "false",
                    ev->severity[0] ? ev->severity : "error");
        sl_buf_add_json_str(out, ev->node, strlen(ev->node));
        sl_buf_adds(out, ",\"incident_key\":");
        sl_buf_add_json_str(out, ev->incident_key, strlen(ev->incident_key));
        sl_buf_adds(out, ",\"message\":");
        sl_buf_add_json_str(out, ev->message, strlen(ev->message));
        sl_buf_adds(out, ",\"details\":");
        if (ev->details)
            sl_buf_add_json_str(out, ev->details, strlen(ev->details));
        else
            sl_buf_adds(out, "null");
    }
    sl_buf_adds(out, ",\"summary\":");
    sl_buf_add_json_str(out, head, strlen(head));
    sl_buf_adds(out, ",\"text\":");
    sl_buf_add_json_str(out, body.data ? body.data : "", body.len);
    sl_buf_adds(out, "}");
    sl_buf_release(&body);
}

/* An incident for PagerDuty: trigger when it opens, resolve when it
 * clears, dedup_key = the incident key, so PagerDuty's own deduplication
 * matches ours. */
static void format_pagerduty_incident(const sl_alert_channel *c, const char *project, const sl_alert_event *ev,
                                      sl_buf *out)
{
    char head[300], host[256] = "sluice";
    headline(project, ev, head, sizeof head);
    gethostname(host, sizeof host - 1);
    sl_buf_adds(out, "{\"routing_key\":");
    sl_buf_add_json_str(out, c->routing_key, strlen(c->routing_key));
    sl_buf_addf(out, ",\"event_action\":\"%s\",\"dedup_key\":", ev->resolved ? "resolve" : "trigger");
    sl_buf_add_json_str(out, ev->incident_key, strlen(ev->incident_key));
    sl_buf_adds(out, ",\"payload\":{\"summary\":");
    sl_buf_add_json_str(out, head, strlen(head));
    sl_buf_adds(out, ",\"source\":");
    sl_buf_add_json_str(out, host, strlen(host));
    sl_buf_addf(out, ",\"severity\":\"%s\",\"component\":",
                ev->resolved ? "info" : ev->severity[0] ? ev->severity : "error");
    sl_buf_add_json_str(out, ev->node, strlen(ev->node));
    sl_buf_adds(out, ",\"group\":");
    sl_buf_add_json_str(out, project, strlen(project));
    sl_buf_addf(out, ",\"class\":\"%s\",\"custom_details\":{\"message\":", sl_alert_kind_name(ev->kind));
    sl_buf_add_json_str(out, ev->message, strlen(ev->message));
    sl_buf_adds(out, ",\"run_id\":");
    sl_buf_add_json_str(out, ev->run_id, strlen(ev->run_id));
    sl_buf_adds(out, ",\"details\":");
    if (ev->details)
        sl_buf_add_json_str(out, ev->details, strlen(ev->details));
    else
        sl_buf_adds(out, "null");
    sl_buf_adds(out, "}}}");
}

/* PagerDuty Events v2: trigger on failure, resolve on recovery, with one
 * dedup_key per pipeline so the recovery closes the incident. */
static void format_pagerduty(const sl_alert_channel *c, const char *project, const sl_alert_event *ev, sl_buf *out)
{
    if (is_incident(ev)) {
        format_pagerduty_incident(c, project, ev, out);
        return;
    }
    char head[300], host[256] = "sluice";
    headline(project, ev, head, sizeof head);
    gethostname(host, sizeof host - 1);
    sl_buf_adds(out, "{\"routing_key\":");
    sl_buf_add_json_str(out, c->routing_key, strlen(c->routing_key));
    sl_buf_addf(out, ",\"event_action\":\"%s\",\"dedup_key\":", ev->kind == SL_ALERT_RECOVERY ? "resolve" : "trigger");
    char key[300];
    snprintf(key, sizeof key, "sluice/%s/%s", project, ev->pipeline[0] ? ev->pipeline : "test");
    sl_buf_add_json_str(out, key, strlen(key));
    sl_buf_adds(out, ",\"payload\":{\"summary\":");
    sl_buf_add_json_str(out, head, strlen(head));
    sl_buf_adds(out, ",\"source\":");
    sl_buf_add_json_str(out, host, strlen(host));
    sl_buf_addf(out, ",\"severity\":\"%s\",\"component\":", ev->kind == SL_ALERT_FAILURE ? "error" : "info");
    sl_buf_add_json_str(out, ev->pipeline, strlen(ev->pipeline));
    sl_buf_adds(out, ",\"group\":");
    sl_buf_add_json_str(out, project, strlen(project));
    sl_buf_adds(out, ",\"custom_details\":{\"run_id\":");
    sl_buf_add_json_str(out, ev->run_id, strlen(ev->run_id));
    sl_buf_addf(out, ",\"status\":\"%s\",\"attempts\":%d,\"rows_loaded\":%lld,\"error\":", ev->status, ev->attempts,
                (long long)ev->counts.loaded);
    sl_buf_add_json_str(out, ev->error, strlen(ev->error));
    sl_buf_adds(out, "}}}");
}

/* ---- delivery ----------------------------------------------------------------- */

/* The http client's backoff (net/http.h), also between SMTP attempts. */
#define BACKOFF_BASE 1.0
#define BACKOFF_CAP 30.0

static int deliver_http(const sl_alert_channel *c, const char *body, _Atomic int *cancel, char *why, size_t len)
{
    sl_http h;
    sl_http_opts o = {
        .attempts = (int)c->attempts, .base = BACKOFF_BASE, .cap = BACKOFF_CAP, .timeout = (double)c->timeout,
        .concurrency = 1, .cancel = cancel,
        /* the answer is only logged: its start is enough, however much the receiver sends */
        .max_body = SL_HTTP_ERROR_BODY, .truncate_body = 1};
    sl_error err = {0};
    if (sl_http_init(&h, &o, NULL, &err) < 0) {
        snprintf(why, len, "%s", err.msg);
        return -1;
    }
    sl_http_call call = {0};
    call.method = "POST";
    call.url = c->url;
    call.body = body;
    call.body_len = strlen(body);
    call.headers = curl_slist_append(NULL, "Content-Type: application/json");
    for (size_t i = 0; i < c->headers.n; i++) {
        char *hdr = sl_printf("%s: %s", c->headers.v[i].key, c->headers.v[i].value);
        call.headers = curl_slist_append(call.headers, hdr);
        sl_free(hdr);
    }
    sl_http_call *calls[1] = {&call};
    int rc = sl_http_run(&h, calls, 1, &err);
    if (rc == 0 && !call.ok) {
        snprintf(why, len, "%s", call.error[0] ? call.error : "delivery failed");
        rc = -1;
    } else if (rc < 0) {
        snprintf(why, len, "%s", err.msg);
    }
    curl_slist_free_all(call.headers);
    sl_http_call_reset(&call);
    sl_http_release(&h);
    return rc;
}

/* The alert as an e-mail (net/smtp.h): the headline as its subject. */
static void mail_compose(const sl_alerts *a, const sl_alert_channel *c, const char *project, const sl_alert_event *ev,
                         char *head, size_t headlen, char *from, size_t fromlen, sl_buf *body, sl_smtp_message *m)
{
    headline(project, ev, head, headlen);
    snprintf(from, fromlen, "sluice <%s>", c->from);
    body_text(a, project, ev, body);
    *m = (sl_smtp_message){.from = from, .to = (const char *const *)c->to.v, .nto = c->to.n, .subject = head,
                           .body = body->data ? body->data : ""};
}

/* The RFC 5322 message (headers, CRLF lines) into msg. */
static void mail_message(const sl_alerts *a, const sl_alert_channel *c, const char *project, const sl_alert_event *ev,
                         sl_buf *msg)
{
    char head[300], from[300];
    sl_buf body;
    sl_buf_init(&body);
    sl_smtp_message m;
    mail_compose(a, c, project, ev, head, sizeof head, from, sizeof from, &body, &m);
    sl_smtp_format(&m, msg);
    sl_buf_release(&body);
}

/* Wait before attempt `tried` + 1 as the http client does (full jitter
 * under base * 2^(tried-1), capped), in steps of 0.1 s: -1 as soon as
 * *cancel is set. */
static int backoff_wait(int tried, unsigned *seed, _Atomic int *cancel)
{
    double ceiling = BACKOFF_BASE * (double)(1u << (tried - 1 > 10 ? 10 : tried - 1));
    if (ceiling > BACKOFF_CAP)
        ceiling = BACKOFF_CAP;
    double until = sl_mono_s() + ceiling * (rand_r(seed) % 10000) / 10000.0;
    for (;;) {
        if (cancel && atomic_load(cancel))
            return -1;
        double left = until - sl_mono_s();
        if (left <= 0)
            return 0;
        struct timespec ts = {0, (long)((left < 0.1 ? left : 0.1) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static int deliver_email(const sl_alerts *a, const sl_alert_channel *c, const char *project, const sl_alert_event *ev,
                         _Atomic int *cancel, char *why, size_t len)
{
    char head[300], from[300], id[300], host[128] = "localhost";
    sl_buf body;
    sl_buf_init(&body);
    sl_smtp_message m;
    mail_compose(a, c, project, ev, head, sizeof head, from, sizeof from, &body, &m);
    /* one Message-ID for every attempt of this alert */
    gethostname(host, sizeof host - 1);
    snprintf(id, sizeof id, "<%lld.%s.%d@%s>", (long long)sl_now_us(), ev->run_id[0] ? ev->run_id : "sluice",
             (int)getpid(), host);
    m.message_id = id;
    sl_smtp_server srv = {.url = c->url, .starttls = c->starttls, .ca_file = c->ca_file, .username = c->username,
                          .password = c->password, .timeout_s = (long)c->timeout};
    int rc = -1;
    unsigned seed = (unsigned)sl_now_us() ^ (unsigned)getpid();
    for (int attempt = 1; attempt <= c->attempts && rc < 0; attempt++) {
        if (attempt > 1 && backoff_wait(attempt - 1, &seed, cancel) < 0) {
            snprintf(why, len, "interrupted");
            break;
        }
        long reply = 0;
        rc = sl_smtp_send(&srv, &m, &reply, why, len);
        if (rc < 0 && sl_smtp_permanent(reply))
            break; /* a permanent refusal: do not retry */
    }
    sl_buf_release(&body);
    return rc;
}

void sl_alert_format(const sl_alerts *a, const sl_alert_channel *c, const char *project, const sl_alert_event *ev,
                     sl_buf *out)
{
    if (strcmp(c->type, "email") == 0)
        mail_message(a, c, project, ev, out);
    else if (strcmp(c->type, "slack") == 0)
        format_slack(a, project, ev, out);
    else if (c->format && strcmp(c->format, "pagerduty") == 0)
        format_pagerduty(c, project, ev, out);
    else
        format_webhook(a, project, ev, out);
}

int sl_alert_deliver(const sl_alerts *a, const sl_alert_channel *c, const char *project, const sl_alert_event *ev,
                     char *why, size_t len)
{
    return sl_alert_deliver_until(a, c, project, ev, NULL, why, len);
}

int sl_alert_deliver_until(const sl_alerts *a, const sl_alert_channel *c, const char *project,
                           const sl_alert_event *given, _Atomic int *cancel, char *why, size_t len)
{
    why[0] = 0;
    /* what the event says (a run's error, the summary table) may hold a
     * secret in any encoding: every payload is built from a redacted copy */
    sl_alert_event red = *given;
    const sl_alert_event *ev = &red;
    sl_redact_str(red.error);
    sl_redact_str(red.pipeline);
    sl_redact_str(red.message);
    sl_redact_str(red.node);
    red.summary = given->summary ? sl_redact_dup(given->summary, strlen(given->summary)) : NULL;
    red.details = given->details ? sl_redact_dup(given->details, strlen(given->details)) : NULL;
    int rc;
    if (strcmp(c->type, "email") == 0) {
        rc = deliver_email(a, c, project, ev, cancel, why, len);
    } else {
        sl_buf body;
        sl_buf_init(&body);
        sl_alert_format(a, c, project, ev, &body);
        /* PagerDuty's routing_key must go out as it is */
        if (!(c->format && strcmp(c->format, "pagerduty") == 0) && body.data) {
            body.len = sl_redact_span(body.data, body.len);
            body.data[body.len] = 0;
        }
        rc = deliver_http(c, body.data, cancel, why, len);
        sl_buf_release(&body);
    }
    sl_free(red.summary);
    sl_free(red.details);
    return rc;
}
