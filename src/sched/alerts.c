/* alerts.c: see alerts.h. The channel configuration, the queue + thread
 * that keeps delivery off the pipelines, and the daily summary. Formatting
 * and delivery per channel type are in alert_deliver.c. */
#include "sched/alerts.h"
#include "config/yaml.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/types.h"
#include "state/quality_store.h"
#include <pthread.h>
#include <stdatomic.h>
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
    {"ca_file", SL_OPT_STRING, NULL, 0, offsetof(sl_alert_channel, ca_file), NULL,
     "email: CA certificates (PEM) to verify the SMTP server with (default: the system's)"},
    {"on", SL_OPT_LIST, "[failure, recovery]", 0, offsetof(sl_alert_channel, on), NULL,
     "events: failure, recovery, daily_summary, check_failure, anomaly, freshness, schema_change "
     "(data-quality incidents: one alert when one opens, a recovery when it clears)"},
    {"pipelines", SL_OPT_LIST, NULL, 0, offsetof(sl_alert_channel, pipelines), NULL,
     "only these pipelines (default: all)"},
    {"timeout", SL_OPT_DURATION, "15s", 0, offsetof(sl_alert_channel, timeout), NULL, "per delivery attempt"},
    {"attempts", SL_OPT_INT, "5", 0, offsetof(sl_alert_channel, attempts), NULL,
     "delivery attempts (backoff with jitter between them, Retry-After honoured)"},
    SL_OPT_END,
};

/* The events of `on:`, in the order the help lists them. */
static const char *const event_names[] = {"failure", "recovery", "daily_summary", "check_failure",
                                          "anomaly", "freshness", "schema_change", NULL};
static const sl_alert_kind event_kinds[] = {SL_ALERT_FAILURE, SL_ALERT_RECOVERY, SL_ALERT_SUMMARY,
                                            SL_ALERT_CHECK_FAILURE, SL_ALERT_ANOMALY, SL_ALERT_FRESHNESS,
                                            SL_ALERT_SCHEMA_CHANGE};

static void channel_check(sl_alert_channel *c, sl_diags *d)
{
    for (size_t i = 0; i < c->on.n; i++) {
        const char *e = c->on.v[i];
        size_t k = 0;
        while (event_names[k] && strcmp(event_names[k], e) != 0)
            k++;
        if (event_names[k]) {
            c->events |= event_kinds[k];
            continue;
        }
        const char *sug = sl_suggest(e, event_names, 7);
        if (sug)
            sl_diags_add(d, c->on.loc, "alert channel '%s': unknown event '%s'; did you mean '%s'?",
                         c->name ? c->name : "?", e, sug);
        else
            sl_diags_add(d, c->on.loc,
                         "alert channel '%s': unknown event '%s' (failure, recovery, daily_summary, check_failure, "
                         "anomaly, freshness, schema_change)",
                         c->name ? c->name : "?", e);
    }
    /* the keys and passwords, also when written in sluice.yml itself; a
     * webhook's URL is its credential (Slack's /services/T../B../XXX) */
    sl_log_secret(c->routing_key);
    sl_log_secret(c->password);
    if (!c->type || !c->url)
        return;
    if (strcmp(c->type, "email") != 0)
        sl_log_secret(c->url);
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
            sl_diags_add(d, c->on.loc,
                         "alert channel '%s': PagerDuty takes failure and recovery, not daily_summary (and the "
                         "incidents: check_failure, anomaly, freshness, schema_change)",
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
            int h = -1, m = -1, sec = 0, used = 0,
                n = ats ? sscanf(ats, "%d:%d%n:%d%n", &h, &m, &used, &sec, &used) : 0;
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
                    if (c->ca_file && c->ca_file[0] != '/') { /* relative to sluice.yml */
                        const char *slash = strrchr(file, '/');
                        char *abs = sl_printf("%.*s/%s", slash ? (int)(slash - file) : 1, slash ? file : ".", c->ca_file);
                        sl_free(c->ca_file);
                        c->ca_file = abs;
                    }
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

const char *sl_alert_kind_name(sl_alert_kind k)
{
    for (size_t i = 0; event_names[i]; i++)
        if (event_kinds[i] == k)
            return event_names[i];
    return "test";
}

void sl_alert_event_release(sl_alert_event *ev)
{
    sl_free(ev->summary);
    sl_free(ev->details);
    ev->summary = ev->details = NULL;
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
    double deadline; /* when stopping: give up after this (mono) */
    int64_t *sent, *failed;
    int given_up;
    /* set by stop when its deadline passes: the delivery in progress gives
     * up (its HTTP transfer or backoff wait within ~0.2 s; an SMTP attempt
     * within its timeout), so that exiting is never held past the wait */
    _Atomic int cancel;
    int exited; /* the thread is done (stop's timed wait) */
};

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
        int rc = sl_alert_deliver_until(al->a, c, al->project, &item.ev, &al->cancel, why, sizeof why);
        const char *about = item.ev.node[0] ? item.ev.node : item.ev.pipeline[0] ? item.ev.pipeline : al->project;
        const char *what = item.ev.resolved ? " recovery" : "";
        int cut = rc < 0 && atomic_load(&al->cancel);
        if (rc < 0)
            sl_log_warn("alert channel %s: %s%s alert for %s not delivered: %s", c->name,
                        sl_alert_kind_name(item.ev.kind), what, about,
                        cut ? "given up: the wait for alerts at exit is over" : why);
        else
            sl_log_info("alert channel %s: %s%s alert for %s delivered", c->name, sl_alert_kind_name(item.ev.kind),
                        what, about);
        sl_alert_event_release(&item.ev);
        pthread_mutex_lock(&al->lock);
        (rc < 0 ? al->failed : al->sent)[item.channel]++;
        al->given_up += cut;
    }
    /* what is left when the deadline passed */
    while (al->n) {
        sl_alert_event_release(&al->q[al->head].ev);
        al->head = (al->head + 1) % QUEUE_MAX;
        al->n--;
        al->given_up++;
    }
    al->exited = 1;
    pthread_cond_broadcast(&al->cond);
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
    /* an incident's recovery goes where its alert went: to the channels of
     * its kind (`recovery` is the pipelines' recovery) */
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
            sl_log_warn("alert queue full: dropping the oldest alert (channel %s)",
                        al->a->ch[al->q[al->head].channel].name);
            sl_alert_event_release(&al->q[al->head].ev);
            al->head = (al->head + 1) % QUEUE_MAX;
            al->n--;
            al->given_up++;
        }
        queued *q = &al->q[(al->head + al->n) % QUEUE_MAX];
        q->channel = i;
        q->ev = *ev;
        q->ev.summary = ev->summary ? sl_strdup(ev->summary) : NULL;
        q->ev.details = ev->details ? sl_strdup(ev->details) : NULL;
        al->n++;
    }
    pthread_cond_broadcast(&al->cond); /* the sender, not stop's wait on the same condition */
    pthread_mutex_unlock(&al->lock);
}

int sl_alerter_stop(sl_alerter *al, double wait_s)
{
    if (!al)
        return 0;
    pthread_mutex_lock(&al->lock);
    al->stopping = 1;
    al->deadline = sl_mono_s() + wait_s;
    pthread_cond_broadcast(&al->cond);
    /* wait for the queue to drain, at most wait_s; then cut the delivery
     * in progress short (its retries would otherwise hold the exit for
     * attempts x timeout) */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)wait_s;
    until.tv_nsec += (long)((wait_s - (double)(time_t)wait_s) * 1e9);
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (!al->exited)
        if (pthread_cond_timedwait(&al->cond, &al->lock, &until) != 0)
            break;
    if (!al->exited)
        atomic_store(&al->cancel, 1);
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

/* The data-quality part of the summary: checks that failed, anomalies and
 * stale tables (open freshness incidents). */
typedef struct quality_lines {
    sl_buf *b;
    int n;
} quality_lines;

static void failed_check_fn(void *ctx, const char *node, const char *check, int64_t count, const char *message)
{
    quality_lines *q = ctx;
    if (!q->n++)
        sl_buf_addf(q->b, "\nChecks that failed:\n%-36s %-28s %5s  %s\n", "node", "check", "times", "last message");
    sl_buf_addf(q->b, "%-36s %-28s %5lld  %.200s\n", node, check, (long long)count, message ? message : "");
}

static void incident_line_fn(void *ctx, const sl_incident_row *r)
{
    quality_lines *q = ctx;
    q->n++;
    sl_buf_addf(q->b, "%-36s %-6s since %.19s  %.200s\n", r->node, r->status, r->opened_at, r->message);
}

static int summary_quality(sl_state *s, const char *since, sl_buf *b, int64_t *nchecks, int64_t *nanomalies,
                           int64_t *nstale, sl_error *err)
{
    quality_lines q = {b, 0};
    if (sl_state_check_failures_since(s, since, failed_check_fn, &q, err) < 0)
        return -1;
    *nchecks = q.n;
    sl_buf an, st;
    sl_buf_init(&an);
    sl_buf_init(&st);
    quality_lines qa = {&an, 0}, qs = {&st, 0};
    int rc = sl_state_incidents_each(s, "anomaly", NULL, since, incident_line_fn, &qa, err);
    if (rc == 0)
        rc = sl_state_incidents_each(s, "freshness", "open", NULL, incident_line_fn, &qs, err);
    if (rc == 0 && qa.n)
        sl_buf_addf(b, "\nAnomalies:\n%s", an.data);
    if (rc == 0 && qs.n)
        sl_buf_addf(b, "\nStale tables:\n%s", st.data);
    *nanomalies = qa.n;
    *nstale = qs.n;
    sl_buf_release(&an);
    sl_buf_release(&st);
    return rc;
}

int sl_alert_summary(sl_state *s, int64_t now, sl_alert_event *ev, sl_error *err)
{
    char since[40];
    sl_format_timestamp(since, (now - 86400) * 1000000);
    since[19] = 0; /* no 'Z': a prefix of every started_at in that second */
    summary_ctx c = {0};
    if (sl_state_run_stats(s, since, summary_fn, &c, err) < 0) {
        sl_free(c.rows);
        return -1;
    }
    sl_buf b;
    sl_buf_init(&b);
    sl_buf_addf(&b, "Runs in the 24 hours before %s UTC:\n\n", since + 0);
    sl_buf_addf(&b, "%-28s %5s %5s %6s %12s %9s %9s\n", "pipeline", "runs", "ok", "failed", "rows loaded", "avg s",
                "max s");
    int64_t tr = 0, tok = 0, tf = 0;
    for (size_t i = 0; i < c.n; i++) {
        summary_row *r = &c.rows[i];
        sl_buf_addf(&b, "%-28s %5lld %5lld %6lld %12lld %9.1f %9.1f\n", r->pipeline, (long long)r->runs,
                    (long long)r->ok, (long long)r->failed, (long long)r->rows,
                    r->runs ? r->dur_sum / (double)r->runs : 0, r->dur_max);
        tr += r->runs, tok += r->ok, tf += r->failed;
    }
    if (c.n == 0)
        sl_buf_adds(&b, "(no runs)\n");
    int any = 0;
    for (size_t i = 0; i < c.n; i++)
        if (c.rows[i].error[0]) {
            sl_buf_addf(&b, "%s%s: %s\n", any++ ? "" : "\nLast errors:\n", c.rows[i].pipeline, c.rows[i].error);
        }
    int64_t nchecks = 0, nanomalies = 0, nstale = 0;
    if (summary_quality(s, since, &b, &nchecks, &nanomalies, &nstale, err) < 0) {
        sl_buf_release(&b);
        sl_free(c.rows);
        return -1;
    }
    sl_buf_addf(&b, "\nTotal: %lld runs, %lld succeeded, %lld failed.\n", (long long)tr, (long long)tok, (long long)tf);
    sl_buf_addf(&b, "Data quality: %lld check%s failed, %lld anomal%s, %lld stale table%s.\n", (long long)nchecks,
                nchecks == 1 ? "" : "s", (long long)nanomalies, nanomalies == 1 ? "y" : "ies", (long long)nstale,
                nstale == 1 ? "" : "s");
    memset(ev, 0, sizeof *ev);
    ev->kind = SL_ALERT_SUMMARY;
    ev->time = now;
    snprintf(ev->status, sizeof ev->status, "%s", tf || nchecks || nanomalies || nstale ? "failures" : "ok");
    ev->summary = sl_buf_detach(&b);
    sl_free(c.rows);
    return 0;
}
