/* alerts.c: see alerts.h. Formatting per channel type, delivery with the
 * http client (net/http.h: retries, backoff, Retry-After) or libcurl's
 * SMTP, and the queue + thread that keeps delivery off the pipelines. */
#include "sched/alerts.h"
#include "config/yaml.h"
#include "core/log.h"
#include "core/mem.h"
#include "net/http.h"
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- configuration --------------------------------------------------------- */

static const sl_option channel_options[] = {
    {"name", SL_OPT_STRING, NULL, SL_OPT_REQUIRED, offsetof(sl_alert_channel, name), NULL,
     "channel name (for `sluice alert test NAME` and metrics)"},
    {"type", SL_OPT_ENUM, NULL, SL_OPT_REQUIRED, offsetof(sl_alert_channel, type), "slack|webhook|email",
     "where alerts go"},
    {"url", SL_OPT_STRING, NULL, SL_OPT_REQUIRED | SL_OPT_SECRET, offsetof(sl_alert_channel, url), NULL,
     "slack/webhook: the URL to POST to; email: smtp://host:port or smtps://host:port"},
    {"format", SL_OPT_ENUM, "json", 0, offsetof(sl_alert_channel, format), "json|pagerduty",
     "webhook body: sluice's JSON event, or a PagerDuty Events v2 event"},
    {"routing_key", SL_OPT_STRING, NULL, SL_OPT_SECRET, offsetof(sl_alert_channel, routing_key), NULL,
     "format: pagerduty: the integration's routing key"},
    {"headers", SL_OPT_MAP, NULL, SL_OPT_SECRET, offsetof(sl_alert_channel, headers), NULL,
     "webhook: extra request headers"},
    {"username", SL_OPT_STRING, NULL, SL_OPT_SECRET, offsetof(sl_alert_channel, username), NULL, "email: SMTP user"},
    {"password", SL_OPT_STRING, NULL, SL_OPT_SECRET, offsetof(sl_alert_channel, password), NULL,
     "email: SMTP password"},
    {"from", SL_OPT_STRING, NULL, 0, offsetof(sl_alert_channel, from), NULL, "email: sender address"},
    {"to", SL_OPT_LIST, NULL, 0, offsetof(sl_alert_channel, to), NULL, "email: recipients"},
    {"starttls", SL_OPT_BOOL, "true", 0, offsetof(sl_alert_channel, starttls), NULL,
     "email over smtp://: require STARTTLS (false: send in clear, for a local relay)"},
    {"on", SL_OPT_LIST, NULL, 0, offsetof(sl_alert_channel, on), NULL,
     "events: failure, recovery, daily_summary (default: failure and recovery)"},
    {"pipelines", SL_OPT_LIST, NULL, 0, offsetof(sl_alert_channel, pipelines), NULL,
     "only these pipelines (default: all)"},
    {"timeout", SL_OPT_DURATION, "15s", 0, offsetof(sl_alert_channel, timeout), NULL, "per delivery attempt"},
    {"attempts", SL_OPT_INT, "5", 0, offsetof(sl_alert_channel, attempts), NULL,
     "delivery attempts (backoff with jitter between them, Retry-After honoured)"},
    SL_OPT_END,
};

static void channel_check(sl_alert_channel *c, sl_diags *d)
{
    if (c->on.n == 0)
        c->events = SL_ALERT_FAILURE | SL_ALERT_RECOVERY;
    for (size_t i = 0; i < c->on.n; i++) {
        const char *e = c->on.v[i];
        if (strcmp(e, "failure") == 0)
            c->events |= SL_ALERT_FAILURE;
        else if (strcmp(e, "recovery") == 0)
            c->events |= SL_ALERT_RECOVERY;
        else if (strcmp(e, "daily_summary") == 0)
            c->events |= SL_ALERT_SUMMARY;
        else
            sl_diags_add(d, c->on.loc, "alert channel '%s': unknown event '%s' (failure, recovery, daily_summary)",
                         c->name ? c->name : "?", e);
    }
    if (!c->type || !c->url)
        return;
    if (strcmp(c->type, "email") == 0) {
        if (!c->from || c->to.n == 0)
            sl_diags_add(d, c->loc, "alert channel '%s': email needs from: and to:", c->name);
        if (strncmp(c->url, "smtp://", 7) != 0 && strncmp(c->url, "smtps://", 8) != 0)
            sl_diags_add(d, c->loc, "alert channel '%s': an email url is smtp://host:port or smtps://host:port",
                         c->name);
    } else if (strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0) {
        sl_diags_add(d, c->loc, "alert channel '%s': url must start with http:// or https://", c->name);
    }
    if (c->format && strcmp(c->format, "pagerduty") == 0) {
        if (strcmp(c->type, "webhook") != 0)
            sl_diags_add(d, c->loc, "alert channel '%s': format: pagerduty is for type: webhook", c->name);
        if (!c->routing_key)
            sl_diags_add(d, c->loc, "alert channel '%s': format: pagerduty needs routing_key:", c->name);
        if (c->events & SL_ALERT_SUMMARY)
            sl_diags_add(d, c->on.loc, "alert channel '%s': PagerDuty takes failure and recovery, not daily_summary",
                         c->name);
    }
    if (c->attempts < 1 || c->attempts > 20)
        sl_diags_add(d, c->loc, "alert channel '%s': attempts must be 1-20", c->name);
}

sl_alerts *sl_alerts_load(struct fy_node *v, const char *file, sl_diags *d)
{
    sl_alerts *a = sl_calloc(1, sizeof *a);
    a->summary_second = -1;
    if (!fy_node_is_mapping(v)) {
        sl_diags_add(d, sl_yaml_loc(v, file), "alerts: must be a mapping (channels:, daily_summary:, dashboard_url:)");
        return a;
    }
    static const char *const keys[] = {"channels", "daily_summary", "dashboard_url", NULL};
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(v, &it)) != NULL) {
        char *k = sl_yaml_key(p);
        struct fy_node *val = fy_node_pair_value(p);
        sl_loc kloc = sl_yaml_loc(fy_node_pair_key(p), file);
        if (k && strcmp(k, "dashboard_url") == 0) {
            a->dashboard_url = sl_yaml_scalar(val, file, 0, d);
        } else if (k && strcmp(k, "daily_summary") == 0) {
            struct fy_node *at = fy_node_is_mapping(val) ? fy_node_mapping_lookup_by_string(val, "at", 2) : NULL;
            struct fy_node *tzn = fy_node_is_mapping(val) ? fy_node_mapping_lookup_by_string(val, "timezone", 8) : NULL;
            char *ats = at ? sl_yaml_scalar(at, file, 0, d) : NULL;
            char *tzs = tzn ? sl_yaml_scalar(tzn, file, 0, d) : NULL;
            int h = -1, m = -1, sec = 0, used = 0, n = ats ? sscanf(ats, "%d:%d%n:%d%n", &h, &m, &used, &sec, &used) : 0;
            if (n < 2 || ats[used] || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
                sl_diags_add(d, sl_yaml_loc(at ? at : val, file), "daily_summary: needs at: \"HH:MM\" (24-hour clock)");
            else
                a->summary_second = h * 3600 + m * 60 + sec;
            a->tz = sl_tz_open(tzs ? tzs : "UTC");
            if (!a->tz) {
                sl_diags_add(d, sl_yaml_loc(tzn, file), "daily_summary: unknown time zone '%s'", tzs);
                a->tz = sl_tz_open("UTC");
            }
            sl_free(ats);
            sl_free(tzs);
        } else if (k && strcmp(k, "channels") == 0) {
            if (!fy_node_is_sequence(val)) {
                sl_diags_add(d, sl_yaml_loc(val, file), "alerts: channels: must be a list");
            } else {
                int n = fy_node_sequence_item_count(val);
                a->ch = sl_calloc((size_t)(n > 0 ? n : 1), sizeof *a->ch);
                void *it2 = NULL;
                struct fy_node *item;
                while ((item = fy_node_sequence_iterate(val, &it2)) != NULL) {
                    sl_alert_channel *c = &a->ch[a->n++];
                    c->loc = sl_yaml_loc(item, file);
                    if (!fy_node_is_mapping(item)) {
                        sl_diags_add(d, c->loc, "an alert channel is a mapping ({name:, type:, url:, on:})");
                        sl_options_defaults(channel_options, c);
                        continue;
                    }
                    if (sl_options_load(channel_options, c, item, file, NULL, "alert channel", d) == 0)
                        channel_check(c, d);
                    for (size_t j = 0; j + 1 < a->n; j++)
                        if (c->name && a->ch[j].name && strcmp(c->name, a->ch[j].name) == 0)
                            sl_diags_add(d, c->loc, "two alert channels are named '%s'", c->name);
                }
            }
        } else {
            const char *sug = k ? sl_suggest(k, keys, 3) : NULL;
            if (sug)
                sl_diags_add(d, kloc, "unknown alerts key '%s'; did you mean '%s'?", k, sug);
            else
                sl_diags_add(d, kloc, "unknown alerts key '%s' (channels, daily_summary, dashboard_url)", k ? k : "?");
        }
        sl_free(k);
    }
    if (!a->tz)
        a->tz = sl_tz_open("UTC");
    return a;
}

void sl_alerts_free(sl_alerts *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        sl_options_release(channel_options, &a->ch[i]);
    sl_free(a->ch);
    sl_free(a->dashboard_url);
    sl_tz_free(a->tz);
    sl_free(a);
}

const sl_alert_channel *sl_alerts_find(const sl_alerts *a, const char *name)
{
    for (size_t i = 0; a && i < a->n; i++)
        if (a->ch[i].name && strcmp(a->ch[i].name, name) == 0)
            return &a->ch[i];
    return NULL;
}

/* ---- formatting ----------------------------------------------------------- */

static const char *kind_word(sl_alert_kind k)
{
    return k == SL_ALERT_FAILURE ? "failure" : k == SL_ALERT_RECOVERY ? "recovery" : k == SL_ALERT_SUMMARY ? "daily_summary" : "test";
}

/* One line of plain text for the event (Slack text, e-mail subject). */
static void headline(const char *project, const sl_alert_event *ev, char *out, size_t len)
{
    switch (ev->kind) {
    case SL_ALERT_FAILURE:
        snprintf(out, len, "[%s] pipeline %s %s%s", project, ev->pipeline, strcmp(ev->status, "timeout") == 0 ? "timed out" : "failed",
                 ev->attempts > 1 ? " after retries" : "");
        break;
    case SL_ALERT_RECOVERY:
        snprintf(out, len, "[%s] pipeline %s recovered", project, ev->pipeline);
        break;
    case SL_ALERT_SUMMARY:
        snprintf(out, len, "[%s] daily summary", project);
        break;
    default:
        snprintf(out, len, "[%s] test alert from sluice", project);
    }
}

/* The body as plain text (e-mail, Slack, PagerDuty custom details). */
static void body_text(const sl_alerts *a, const char *project, const sl_alert_event *ev, sl_buf *b)
{
    char ts[40];
    time_t t = (time_t)ev->time;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (ev->kind == SL_ALERT_SUMMARY) {
        sl_buf_adds(b, ev->summary ? ev->summary : "");
    } else if (ev->kind == SL_ALERT_TEST) {
        sl_buf_addf(b, "This is a test message from sluice (project %s) at %s.\n", project, ts);
    } else {
        sl_buf_addf(b, "pipeline: %s\nstatus: %s\nrun: %s\nattempts: %d\ntime: %s\n"
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
    const char *icon = ev->kind == SL_ALERT_FAILURE ? ":red_circle: " : ev->kind == SL_ALERT_RECOVERY ? ":large_green_circle: " : "";
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
    sl_buf_adds(out, kind_word(ev->kind));
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
    sl_buf_addf(out, ",\"status\":\"%s\",\"attempts\":%d,\"time\":%lld,\"rows_read\":%lld,\"rows_loaded\":%lld,"
                     "\"rows_filtered\":%lld,\"rows_rejected\":%lld,\"duration_s\":%.3f,\"error\":",
                ev->status, ev->attempts, (long long)ev->time, (long long)ev->counts.read, (long long)ev->counts.loaded,
                (long long)ev->counts.filtered, (long long)ev->counts.rejected, ev->duration_s);
    if (ev->error[0])
        sl_buf_add_json_str(out, ev->error, strlen(ev->error));
    else
        sl_buf_adds(out, "null");
    sl_buf_adds(out, ",\"summary\":");
    sl_buf_add_json_str(out, head, strlen(head));
    sl_buf_adds(out, ",\"text\":");
    sl_buf_add_json_str(out, body.data ? body.data : "", body.len);
    sl_buf_adds(out, "}");
    sl_buf_release(&body);
}

/* PagerDuty Events v2: trigger on failure, resolve on recovery, with one
 * dedup_key per pipeline so the recovery closes the incident. */
static void format_pagerduty(const sl_alert_channel *c, const char *project, const sl_alert_event *ev, sl_buf *out)
{
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

static int deliver_http(const sl_alert_channel *c, const char *body, char *why, size_t len)
{
    sl_http h;
    sl_http_opts o = {.attempts = (int)c->attempts, .base = 1, .cap = 30, .timeout = (double)c->timeout,
                      .concurrency = 1};
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

typedef struct mail_src {
    const char *data;
    size_t len, pos;
} mail_src;

static size_t mail_read(char *buf, size_t size, size_t n, void *ud)
{
    mail_src *m = ud;
    size_t want = size * n, left = m->len - m->pos;
    if (want > left)
        want = left;
    memcpy(buf, m->data + m->pos, want);
    m->pos += want;
    return want;
}

static int deliver_email(const sl_alerts *a, const sl_alert_channel *c, const char *project, const sl_alert_event *ev,
                         char *why, size_t len)
{
    char head[300], date[64], host[128] = "localhost";
    headline(project, ev, head, sizeof head);
    gethostname(host, sizeof host - 1);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    sl_buf msg, body;
    sl_buf_init(&msg);
    sl_buf_init(&body);
    body_text(a, project, ev, &body);
    sl_buf_addf(&msg, "Date: %s\r\nFrom: sluice <%s>\r\nTo: ", date, c->from);
    for (size_t i = 0; i < c->to.n; i++)
        sl_buf_addf(&msg, "%s%s", i ? ", " : "", c->to.v[i]);
    sl_buf_addf(&msg, "\r\nSubject: %s\r\nMessage-ID: <%lld.%s.%d@%s>\r\nMIME-Version: 1.0\r\n"
                      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
                head, (long long)sl_now_us(), ev->run_id[0] ? ev->run_id : "sluice", (int)getpid(), host);
    /* body lines: CRLF, and a leading '.' doubled (RFC 5321 4.5.2) */
    for (const char *p = body.data ? body.data : ""; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (*p == '.')
            sl_buf_addc(&msg, '.');
        sl_buf_add(&msg, p, n);
        sl_buf_adds(&msg, "\r\n");
        p += n + (nl ? 1 : 0);
    }
    int rc = -1;
    for (int attempt = 1; attempt <= c->attempts && rc < 0; attempt++) {
        if (attempt > 1)
            sleep((unsigned)(1u << (attempt - 2 > 4 ? 4 : attempt - 2)));
        CURL *cu = curl_easy_init();
        struct curl_slist *rcpt = NULL;
        for (size_t i = 0; i < c->to.n; i++)
            rcpt = curl_slist_append(rcpt, c->to.v[i]);
        mail_src src = {msg.data, msg.len, 0};
        curl_easy_setopt(cu, CURLOPT_URL, c->url);
        curl_easy_setopt(cu, CURLOPT_MAIL_FROM, c->from);
        curl_easy_setopt(cu, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(cu, CURLOPT_READFUNCTION, mail_read);
        curl_easy_setopt(cu, CURLOPT_READDATA, &src);
        curl_easy_setopt(cu, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(cu, CURLOPT_TIMEOUT, (long)c->timeout);
        curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
        if (strncmp(c->url, "smtp://", 7) == 0)
            curl_easy_setopt(cu, CURLOPT_USE_SSL, (long)(c->starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
        if (c->username)
            curl_easy_setopt(cu, CURLOPT_USERNAME, c->username);
        if (c->password)
            curl_easy_setopt(cu, CURLOPT_PASSWORD, c->password);
        CURLcode res = curl_easy_perform(cu);
        if (res == CURLE_OK) {
            rc = 0;
        } else {
            long code = 0;
            curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &code);
            snprintf(why, len, "SMTP: %s (reply %ld)", curl_easy_strerror(res), code);
            if (code >= 500 && code < 600 && res != CURLE_OPERATION_TIMEDOUT)
                attempt = (int)c->attempts; /* a permanent refusal: do not retry */
        }
        curl_slist_free_all(rcpt);
        curl_easy_cleanup(cu);
    }
    sl_buf_release(&msg);
    sl_buf_release(&body);
    return rc;
}

int sl_alert_deliver(const sl_alerts *a, const sl_alert_channel *c, const char *project, const sl_alert_event *ev,
                     char *why, size_t len)
{
    why[0] = 0;
    if (strcmp(c->type, "email") == 0)
        return deliver_email(a, c, project, ev, why, len);
    sl_buf body;
    sl_buf_init(&body);
    if (strcmp(c->type, "slack") == 0)
        format_slack(a, project, ev, &body);
    else if (c->format && strcmp(c->format, "pagerduty") == 0)
        format_pagerduty(c, project, ev, &body);
    else
        format_webhook(a, project, ev, &body);
    int rc = deliver_http(c, body.data, why, len);
    sl_buf_release(&body);
    return rc;
}

/* ---- the background sender --------------------------------------------------- */

#define QUEUE_MAX 1000

typedef struct queued {
    size_t channel;
    sl_alert_event ev;
} queued;

struct sl_alerter {
    const sl_alerts *a;
    char *project;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    queued *q;
    size_t head, n;
    int stopping;
    double deadline;          /* when stopping: give up after this (mono) */
    int64_t *sent, *failed;
    int given_up;
};

static void event_release(sl_alert_event *ev)
{
    sl_free(ev->summary);
    ev->summary = NULL;
}

static void *alerter_main(void *arg)
{
    sl_alerter *al = arg;
    pthread_mutex_lock(&al->lock);
    for (;;) {
        while (al->n == 0 && !al->stopping)
            pthread_cond_wait(&al->cond, &al->lock);
        if (al->n == 0 || (al->stopping && sl_mono_s() > al->deadline))
            break;
        queued item = al->q[al->head];
        al->head = (al->head + 1) % QUEUE_MAX;
        al->n--;
        pthread_mutex_unlock(&al->lock);
        const sl_alert_channel *c = &al->a->ch[item.channel];
        char why[512];
        int rc = sl_alert_deliver(al->a, c, al->project, &item.ev, why, sizeof why);
        if (rc < 0)
            sl_log_warn("alert channel %s: %s alert for %s not delivered: %s", c->name, kind_word(item.ev.kind),
                        item.ev.pipeline[0] ? item.ev.pipeline : al->project, why);
        else
            sl_log_info("alert channel %s: %s alert for %s delivered", c->name, kind_word(item.ev.kind),
                        item.ev.pipeline[0] ? item.ev.pipeline : al->project);
        event_release(&item.ev);
        pthread_mutex_lock(&al->lock);
        (rc < 0 ? al->failed : al->sent)[item.channel]++;
    }
    /* what is left when the deadline passed */
    while (al->n) {
        event_release(&al->q[al->head].ev);
        al->head = (al->head + 1) % QUEUE_MAX;
        al->n--;
        al->given_up++;
    }
    pthread_mutex_unlock(&al->lock);
    return NULL;
}

sl_alerter *sl_alerter_start(const sl_alerts *a, const char *project)
{
    if (!a || a->n == 0)
        return NULL;
    sl_alerter *al = sl_calloc(1, sizeof *al);
    al->a = a;
    al->project = sl_strdup(project);
    al->q = sl_calloc(QUEUE_MAX, sizeof *al->q);
    al->sent = sl_calloc(a->n, sizeof *al->sent);
    al->failed = sl_calloc(a->n, sizeof *al->failed);
    pthread_mutex_init(&al->lock, NULL);
    pthread_cond_init(&al->cond, NULL);
    pthread_create(&al->thread, NULL, alerter_main, al);
    return al;
}

static int wants(const sl_alert_channel *c, const sl_alert_event *ev)
{
    if (!(c->events & ev->kind))
        return 0;
    if (c->pipelines.n == 0 || !ev->pipeline[0])
        return 1;
    for (size_t i = 0; i < c->pipelines.n; i++)
        if (strcmp(c->pipelines.v[i], ev->pipeline) == 0)
            return 1;
    return 0;
}

void sl_alerter_send(sl_alerter *al, const sl_alert_event *ev)
{
    if (!al)
        return;
    pthread_mutex_lock(&al->lock);
    for (size_t i = 0; i < al->a->n; i++) {
        if (!wants(&al->a->ch[i], ev))
            continue;
        if (al->n == QUEUE_MAX) {
            sl_log_warn("alert queue full: dropping the oldest alert (channel %s)", al->a->ch[al->q[al->head].channel].name);
            event_release(&al->q[al->head].ev);
            al->head = (al->head + 1) % QUEUE_MAX;
            al->n--;
            al->given_up++;
        }
        queued *q = &al->q[(al->head + al->n) % QUEUE_MAX];
        q->channel = i;
        q->ev = *ev;
        q->ev.summary = ev->summary ? sl_strdup(ev->summary) : NULL;
        al->n++;
    }
    pthread_cond_signal(&al->cond);
    pthread_mutex_unlock(&al->lock);
}

int sl_alerter_stop(sl_alerter *al, double wait_s)
{
    if (!al)
        return 0;
    pthread_mutex_lock(&al->lock);
    al->stopping = 1;
    al->deadline = sl_mono_s() + wait_s;
    pthread_cond_signal(&al->cond);
    pthread_mutex_unlock(&al->lock);
    pthread_join(al->thread, NULL);
    int lost = al->given_up;
    pthread_mutex_destroy(&al->lock);
    pthread_cond_destroy(&al->cond);
    sl_free(al->q);
    sl_free(al->sent);
    sl_free(al->failed);
    sl_free(al->project);
    sl_free(al);
    return lost;
}

void sl_alerter_counts(sl_alerter *al, size_t i, int64_t *sent, int64_t *failed)
{
    *sent = *failed = 0;
    if (!al || i >= al->a->n)
        return;
    pthread_mutex_lock(&al->lock);
    *sent = al->sent[i];
    *failed = al->failed[i];
    pthread_mutex_unlock(&al->lock);
}

int64_t sl_alerts_summary_next(const sl_alerts *a, int64_t now)
{
    if (!a || a->summary_second < 0)
        return -1;
    /* today's wall-clock time in the zone, else tomorrow's; a time a DST
     * change skipped is sent right after the change */
    int64_t wall = sl_tz_wall(a->tz, now);
    int64_t day = (wall >= 0 ? wall / 86400 : (wall - 86399) / 86400) * 86400;
    for (int k = 0; k < 3; k++) {
        int64_t at;
        sl_tz_resolve(a->tz, day + k * 86400 + a->summary_second, &at);
        if (at > now)
            return at;
    }
    return -1;
}

/* ---- the daily summary ----------------------------------------------------------- */

typedef struct summary_row {
    char pipeline[128];
    int64_t runs, ok, failed, rows;
    double dur_sum, dur_max;
    char error[200];
} summary_row;

typedef struct summary_ctx {
    summary_row *rows;
    size_t n, cap;
} summary_ctx;

static void summary_fn(void *ctx, const sl_run_stats *st)
{
    summary_ctx *c = ctx;
    summary_row *r = NULL;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->rows[i].pipeline, st->pipeline) == 0)
            r = &c->rows[i];
    if (!r) {
        SL_GROW(c->rows, c->cap, c->n + 1);
        r = &c->rows[c->n++];
        memset(r, 0, sizeof *r);
        snprintf(r->pipeline, sizeof r->pipeline, "%s", st->pipeline);
    }
    r->runs += st->runs;
    if (strcmp(st->status, "success") == 0)
        r->ok += st->runs;
    else if (strcmp(st->status, "running") != 0)
        r->failed += st->runs;
    r->rows += st->rows.loaded;
    r->dur_sum += st->duration_sum;
    if (st->duration_max > r->dur_max)
        r->dur_max = st->duration_max;
    if (strcmp(st->status, "success") != 0 && st->last_error)
        snprintf(r->error, sizeof r->error, "%s", st->last_error);
}

int sl_alert_summary(sl_state *s, int64_t now, sl_alert_event *ev, sl_error *err)
{
    char since[40];
    time_t t = (time_t)(now - 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%S", &tm);
    summary_ctx c = {0};
    if (sl_state_run_stats(s, since, summary_fn, &c, err) < 0) {
        sl_free(c.rows);
        return -1;
    }
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_addf(&b, "Runs in the 24 hours before %s UTC:\n\n", since + 0);
    sl_buf_addf(&b, "%-28s %5s %5s %6s %12s %9s %9s\n", "pipeline", "runs", "ok", "failed", "rows loaded", "avg s", "max s");
    int64_t tr = 0, tok = 0, tf = 0;
    for (size_t i = 0; i < c.n; i++) {
        summary_row *r = &c.rows[i];
        sl_buf_addf(&b, "%-28s %5lld %5lld %6lld %12lld %9.1f %9.1f\n", r->pipeline, (long long)r->runs,
                    (long long)r->ok, (long long)r->failed, (long long)r->rows, r->runs ? r->dur_sum / (double)r->runs : 0,
                    r->dur_max);
        tr += r->runs, tok += r->ok, tf += r->failed;
    }
    if (c.n == 0)
        sl_buf_adds(&b, "(no runs)\n");
    int any = 0;
    for (size_t i = 0; i < c.n; i++)
        if (c.rows[i].error[0]) {
            sl_buf_addf(&b, "%s%s: %s\n", any++ ? "" : "\nLast errors:\n", c.rows[i].pipeline, c.rows[i].error);
        }
    sl_buf_addf(&b, "\nTotal: %lld runs, %lld succeeded, %lld failed.\n", (long long)tr, (long long)tok, (long long)tf);
    memset(ev, 0, sizeof *ev);
    ev->kind = SL_ALERT_SUMMARY;
    ev->time = now;
    snprintf(ev->status, sizeof ev->status, "%s", tf ? "failures" : "ok");
    ev->summary = sl_buf_detach(&b);
    sl_free(c.rows);
    return 0;
}
