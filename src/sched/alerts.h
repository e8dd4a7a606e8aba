/*
 * alerts.h: telling people when pipelines fail, recover, and how the day
 * went, through Slack, a generic webhook (or PagerDuty Events v2), or
 * e-mail (SMTP through libcurl, STARTTLS). Configured in sluice.yml:
 *
 *   alerts:
 *     dashboard_url: http://sluice.internal:8686   # linked from messages
 *     daily_summary: {at: "08:00", timezone: Europe/Berlin}   # HH:MM[:SS]
 *     channels:
 *       - {name: ops, type: slack, url: "${SLACK_WEBHOOK_URL}", on: [failure, recovery]}
 *       - {name: pager, type: webhook, format: pagerduty, url: ..., routing_key: "${PD_KEY}"}
 *       - {name: team, type: email, url: "smtp://mail:587", starttls: true,
 *          username: "${SMTP_USER}", password: "${SMTP_PASSWORD}",
 *          from: sluice@example.com, to: [data@example.com],
 *          on: [daily_summary, check_failure, schema_change]}
 *
 * Events (`on:`): failure and recovery of a pipeline run, daily_summary,
 * and the data-quality incidents (sched/incidents.h): check_failure,
 * anomaly, freshness, schema_change. An incident is alerted once when it
 * opens and once more when it clears (`resolved`), that recovery going
 * where the alert went: to the channels whose on: has the incident's kind
 * (`recovery` is about pipeline runs: a channel that never saw the alert
 * gets no "resolved" for it).
 *
 * Which events to send is the runner's business (one failure alert per
 * failure streak, one recovery; runner.h; one alert per incident,
 * incidents.h); this module formats and delivers. Delivery runs on its own thread from a bounded queue, retried
 * with backoff (Retry-After honoured), so a slow or failing channel never
 * blocks or fails a pipeline. URLs, keys and passwords are secrets: they
 * are redacted from every log line.
 */
#ifndef SL_ALERTS_H
#define SL_ALERTS_H
#include "config/diag.h"
#include "config/options.h"
#include "sched/tz.h"
#include "state/state.h"
#include <libfyaml.h>

typedef enum sl_alert_kind {
    SL_ALERT_FAILURE = 1,
    SL_ALERT_RECOVERY = 2,
    SL_ALERT_SUMMARY = 4,
    SL_ALERT_TEST = 8,
    /* data-quality incidents (sched/incidents.h) */
    SL_ALERT_CHECK_FAILURE = 16,
    SL_ALERT_ANOMALY = 32,
    SL_ALERT_FRESHNESS = 64,
    SL_ALERT_SCHEMA_CHANGE = 128,
} sl_alert_kind;

/* The incident kinds as a mask. */
#define SL_ALERT_INCIDENTS (SL_ALERT_CHECK_FAILURE | SL_ALERT_ANOMALY | SL_ALERT_FRESHNESS | SL_ALERT_SCHEMA_CHANGE)

typedef struct sl_alert_channel {
    char *name, *type; /* slack | webhook | email */
    char *url;         /* webhook URL, or smtp[s]://host:port */
    char *format;      /* webhook: json | pagerduty */
    char *routing_key; /* pagerduty integration key */
    sl_kvlist headers; /* webhook: extra headers */
    char *username, *password, *from;
    sl_strlist to;
    int starttls;
    char *ca_file;          /* email: CA bundle for the SMTP server's certificate */
    sl_strlist on;        /* failure | recovery | daily_summary | check_failure | anomaly | freshness | schema_change */
    sl_strlist pipelines; /* only these (default: all) */
    int64_t timeout;      /* per attempt, seconds */
    int64_t attempts;
    unsigned events; /* derived from `on` */
    sl_loc loc;
} sl_alert_channel;

typedef struct sl_alerts {
    sl_alert_channel *ch;
    size_t n;
    char *dashboard_url;
    int summary_second; /* second of the day of the daily summary; -1: none */
    sl_tz *tz;          /* of the daily summary */
} sl_alerts;

/* Load the `alerts:` value of sluice.yml; problems go to d. */
sl_alerts *sl_alerts_load(struct fy_node *v, const char *file, sl_diags *d);
void sl_alerts_free(sl_alerts *a);
const sl_alert_channel *sl_alerts_find(const sl_alerts *a, const char *name);

typedef struct sl_alert_event {
    sl_alert_kind kind;
    char pipeline[128];
    char run_id[40];
    char status[16];
    char error[1024];
    sl_run_counts counts;
    double duration_s;
    int attempts;
    int64_t time;  /* Unix seconds */
    char *summary; /* SL_ALERT_SUMMARY: the table (owned by the event) */
    /* incidents (kind & SL_ALERT_INCIDENTS); pipeline is then the
     * pipeline's name when node is one (pipeline.P.NAME), else "" */
    char node[256];          /* unique id: pipeline.P.N, model.P.N, table.P.<schema.table> */
    char incident_key[320];  /* "check|<node>|<check>", ...: PagerDuty's dedup_key */
    char message[1024];      /* one line: what failed, observed vs expected */
    char severity[16];       /* PagerDuty's: error | warning */
    int resolved;            /* 1: the incident cleared (the recovery message) */
    char *details;           /* more lines (schema change: columns added/widened/dropped; a check's
                              * observed value, threshold and failing rows), or NULL; owned by the event */
} sl_alert_event;

/* Free what an event owns (summary, details). */
void sl_alert_event_release(sl_alert_event *ev);

/* "failure", "recovery", "daily_summary", "test", "check_failure",
 * "anomaly", "freshness", "schema_change" */
const char *sl_alert_kind_name(sl_alert_kind k);

/* The body channel c sends for ev (Slack JSON, webhook JSON, PagerDuty
 * Events v2 JSON; for e-mail the message text, headers included), before
 * redaction. For tests and `sluice alert`. */
void sl_alert_format(const sl_alerts *a, const sl_alert_channel *c, const char *project, const sl_alert_event *ev,
                     sl_buf *out);

/* Deliver one event to one channel now, with the channel's retries
 * (alert_deliver.c).
 * 0 = delivered; -1 with why. */
int sl_alert_deliver(const sl_alerts *a, const sl_alert_channel *c, const char *project, const sl_alert_event *ev,
                     char *why, size_t len);
/* The same, given up (-1) soon after *cancel becomes non-zero (NULL:
 * never): an HTTP transfer or a wait between attempts within ~0.2 s, an
 * SMTP attempt within its timeout. */
int sl_alert_deliver_until(const sl_alerts *a, const sl_alert_channel *c, const char *project,
                           const sl_alert_event *ev, _Atomic int *cancel, char *why, size_t len);

/* The background sender. start returns NULL when no channel is set. */
typedef struct sl_alerter sl_alerter;
sl_alerter *sl_alerter_start(const sl_alerts *a, const char *project);
/* Queue ev for every channel that takes its kind and pipeline (copied;
 * never blocks: a full queue drops the oldest message, logged). */
void sl_alerter_send(sl_alerter *al, const sl_alert_event *ev);
/* Deliver what is queued within wait_s seconds, then stop: past wait_s
 * the delivery in progress is cut short (its retries too) and the rest of
 * the queue dropped, each logged, so that stopping never takes much
 * longer than wait_s whatever the channels do. Returns the number of
 * messages given up. */
int sl_alerter_stop(sl_alerter *al, double wait_s);
/* Delivered / failed counts per channel, for /metrics (i < a->n). */
void sl_alerter_counts(sl_alerter *al, size_t i, int64_t *sent, int64_t *failed);

/* When the next daily summary is due after `now` (Unix seconds); -1 none. */
int64_t sl_alerts_summary_next(const sl_alerts *a, int64_t now);
/* The daily summary of the 24 hours before `now`, from the run history. */
int sl_alert_summary(sl_state *s, int64_t now, sl_alert_event *ev, sl_error *err);

#endif
