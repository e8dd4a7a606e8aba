/* test_alerts_quality.c: data-quality alerts as each channel sends them
 * (sched/alerts.h: sl_alert_format): a schema change lists the columns
 * added, widened and dropped; the webhook JSON carries the incident's
 * fields and is valid JSON; PagerDuty triggers and resolves with
 * dedup_key = the incident key; an e-mail's Subject stays one line; the
 * `on:` events load, unknown ones get "did you mean"; the daily summary
 * lists failed checks, anomalies and stale tables (sl_alert_summary on an
 * SQLite state store). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/mem.h"
#include "formats/json.h"
#include "helpers.h"
#include "sched/alerts.h"
#include "state/quality_store.h"

static sl_alerts *load(const char *yaml, sl_diags *d)
{
    struct fy_document *doc = fy_document_build_from_string(NULL, yaml, FY_NT);
    assert_non_null(doc);
    sl_alerts *a = sl_alerts_load(fy_document_root(doc), "sluice.yml", d);
    fy_document_destroy(doc);
    return a;
}

static const char channels[] =
    "channels:\n"
    "  - {name: slack, type: slack, url: 'http://127.0.0.1:1/s', on: [schema_change, check_failure]}\n"
    "  - {name: hook, type: webhook, url: 'http://127.0.0.1:1/h', on: [anomaly, freshness, schema_change]}\n"
    "  - {name: pd, type: webhook, format: pagerduty, url: 'http://127.0.0.1:1/p', routing_key: rk, on: [schema_change]}\n"
    "  - {name: mail, type: email, url: 'smtp://127.0.0.1:1', from: s@x.io, to: [d@x.io], on: [schema_change]}\n";

static sl_alert_event schema_event(int resolved)
{
    sl_alert_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = SL_ALERT_SCHEMA_CHANGE;
    ev.resolved = resolved;
    ev.time = 1767225600;
    snprintf(ev.node, sizeof ev.node, "pipeline.gtm.contacts");
    snprintf(ev.pipeline, sizeof ev.pipeline, "contacts");
    snprintf(ev.incident_key, sizeof ev.incident_key, "schema_change|pipeline.gtm.contacts");
    snprintf(ev.message, sizeof ev.message, "3 columns changed\nin contacts"); /* a line break: never in a Subject */
    snprintf(ev.severity, sizeof ev.severity, "warning");
    snprintf(ev.status, sizeof ev.status, "%s", resolved ? "resolved" : "open");
    ev.details = sl_strdup("added: phone (text)\nwidened: score int -> float\ndropped: fax\n");
    return ev;
}

static void on_events_load(void **state)
{
    (void)state;
    sl_diags d;
    sl_diags_init(&d);
    sl_alerts *a = load(channels, &d);
    assert_int_equal(d.n, 0);
    assert_int_equal(a->ch[0].events, SL_ALERT_SCHEMA_CHANGE | SL_ALERT_CHECK_FAILURE);
    assert_int_equal(a->ch[1].events, SL_ALERT_ANOMALY | SL_ALERT_FRESHNESS | SL_ALERT_SCHEMA_CHANGE);
    assert_string_equal(sl_alert_kind_name(SL_ALERT_FRESHNESS), "freshness");
    assert_string_equal(sl_alert_kind_name(SL_ALERT_CHECK_FAILURE), "check_failure");
    sl_alerts_free(a);
    a = load("channels:\n  - {name: x, type: slack, url: 'http://127.0.0.1:1/', on: [anomally, freshnes, bogus]}\n", &d);
    assert_int_equal(d.n, 3);
    assert_non_null(strstr(d.v[0].msg, "unknown event 'anomally'; did you mean 'anomaly'?"));
    assert_non_null(strstr(d.v[1].msg, "unknown event 'freshnes'; did you mean 'freshness'?"));
    assert_non_null(strstr(d.v[2].msg, "unknown event 'bogus' (failure, recovery, daily_summary, check_failure"));
    sl_alerts_free(a);
    sl_diags_release(&d);
}

static void formats(void **state)
{
    (void)state;
    sl_diags d;
    sl_diags_init(&d);
    sl_alerts *a = load(channels, &d);
    assert_int_equal(d.n, 0);
    sl_alert_event ev = schema_event(0);
    sl_buf b;
    sl_buf_init(&b);
    char why[200];

    /* Slack: the headline, then the columns that changed */
    sl_alert_format(a, &a->ch[0], "gtm", &ev, &b);
    assert_int_equal(sl_json_validate(b.data, b.len, why, sizeof why), 0);
    assert_non_null(strstr(b.data, ":warning: *[gtm] schema change on pipeline.gtm.contacts: 3 columns changed in contacts*"));
    assert_non_null(strstr(b.data, "added: phone (text)\\nwidened: score int -&gt; float\\ndropped: fax"));
    assert_non_null(strstr(b.data, "incident: schema_change|pipeline.gtm.contacts"));

    /* webhook JSON */
    sl_buf_reset(&b);
    sl_alert_format(a, &a->ch[1], "gtm", &ev, &b);
    assert_int_equal(sl_json_validate(b.data, b.len, why, sizeof why), 0);
    assert_non_null(strstr(b.data, "\"event\":\"schema_change\""));
    assert_non_null(strstr(b.data, "\"resolved\":false,\"severity\":\"warning\",\"node\":\"pipeline.gtm.contacts\""));
    assert_non_null(strstr(b.data, "\"incident_key\":\"schema_change|pipeline.gtm.contacts\""));
    assert_non_null(strstr(b.data, "\"details\":\"added: phone (text)\\nwidened: score int -> float\\ndropped: fax\\n\""));
    assert_non_null(strstr(b.data, "\"pipeline\":\"contacts\""));

    /* PagerDuty: trigger, then resolve, with the incident key as dedup_key */
    sl_buf_reset(&b);
    sl_alert_format(a, &a->ch[2], "gtm", &ev, &b);
    assert_int_equal(sl_json_validate(b.data, b.len, why, sizeof why), 0);
    assert_non_null(strstr(b.data, "\"event_action\":\"trigger\",\"dedup_key\":\"schema_change|pipeline.gtm.contacts\""));
    assert_non_null(strstr(b.data, "\"severity\":\"warning\",\"component\":\"pipeline.gtm.contacts\""));
    assert_non_null(strstr(b.data, "\"class\":\"schema_change\""));
    assert_non_null(strstr(b.data, "dropped: fax"));
    sl_alert_event ok = schema_event(1);
    sl_buf_reset(&b);
    sl_alert_format(a, &a->ch[2], "gtm", &ok, &b);
    assert_non_null(strstr(b.data, "\"event_action\":\"resolve\",\"dedup_key\":\"schema_change|pipeline.gtm.contacts\""));
    assert_non_null(strstr(b.data, "\"severity\":\"info\""));

    /* e-mail: one Subject line, the body lists the columns */
    sl_buf_reset(&b);
    sl_alert_format(a, &a->ch[3], "gtm", &ev, &b);
    assert_non_null(strstr(b.data, "\r\nSubject: [gtm] schema change on pipeline.gtm.contacts: 3 columns changed in contacts\r\n"));
    assert_non_null(strstr(b.data, "\r\n\r\nschema change: 3 columns changed\r\nin contacts\r\n"));
    assert_non_null(strstr(b.data, "added: phone (text)\r\nwidened: score int -> float\r\ndropped: fax\r\n"));
    sl_buf_reset(&b);
    sl_alert_format(a, &a->ch[3], "gtm", &ok, &b);
    assert_non_null(strstr(b.data, "\r\nSubject: [gtm] resolved: schema change on pipeline.gtm.contacts\r\n"));
    assert_non_null(strstr(b.data, "status: resolved\r\n"));

    sl_alert_event_release(&ev);
    sl_alert_event_release(&ok);
    sl_buf_release(&b);
    sl_alerts_free(a);
    sl_diags_release(&d);
}

static void daily_summary(void **state)
{
    (void)state;
    char *dir = th_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/state.db", dir);
    sl_state *s = NULL;
    sl_error err = {0};
    assert_int_equal(sl_state_open(path, &s, &err), 0);
    sl_check_result r[2];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 2; i++) {
        snprintf(r[i].node, sizeof r[i].node, "pipeline.gtm.orders");
        snprintf(r[i].check, sizeof r[i].check, "%s", i ? "row_count" : "not_null_email");
        r[i].kind = i ? "row_count" : "not_null";
        snprintf(r[i].status, sizeof r[i].status, "%s", i ? "pass" : "fail");
        snprintf(r[i].severity, sizeof r[i].severity, "error");
        snprintf(r[i].message, sizeof r[i].message, "%s", i ? "row_count 3" : "not_null: 2 failing rows");
        r[i].failures = i ? -1 : 2;
        r[i].rows = 3;
    }
    for (int run = 0; run < 2; run++) /* the failing check twice */
        assert_int_equal(sl_state_check_results_add(s, run ? "r2" : "r1", r, 2, &err), 0);
    int changed = 0;
    assert_int_equal(sl_state_incident(s, "anomaly|pipeline.gtm.orders|volume", "anomaly", "pipeline.gtm.orders", 1,
                                       "rows loaded 3, expected 90-110", &changed, &err), 0);
    assert_int_equal(sl_state_incident(s, "freshness|table.gtm.raw.events", "freshness", "table.gtm.raw.events", 1,
                                       "last load 3d ago, error after 1d", &changed, &err), 0);
    assert_int_equal(sl_state_incident(s, "freshness|table.gtm.raw.calls", "freshness", "table.gtm.raw.calls", 1,
                                       "stale", &changed, &err), 0);
    assert_int_equal(sl_state_incident(s, "freshness|table.gtm.raw.calls", "freshness", "table.gtm.raw.calls", 0,
                                       NULL, &changed, &err), 0); /* fresh again: not listed */
    sl_alert_event ev;
    assert_int_equal(sl_alert_summary(s, (int64_t)time(NULL) + 60, &ev, &err), 0);
    const char *t = ev.summary;
    assert_non_null(strstr(t, "\nChecks that failed:\n"));
    const char *line = strstr(t, "pipeline.gtm.orders                  not_null_email                   2  not_null: 2 failing rows\n");
    assert_non_null(line);
    assert_null(strstr(t, "row_count    ")); /* it passed */
    assert_non_null(strstr(t, "\nAnomalies:\npipeline.gtm.orders                  open   since "));
    assert_non_null(strstr(t, "rows loaded 3, expected 90-110\n"));
    assert_non_null(strstr(t, "\nStale tables:\ntable.gtm.raw.events                 open   since "));
    assert_null(strstr(t, "table.gtm.raw.calls"));
    assert_non_null(strstr(t, "Data quality: 1 check failed, 1 anomaly, 1 stale table.\n"));
    sl_alert_event_release(&ev);
    sl_state_close(s);
    th_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(on_events_load),
        cmocka_unit_test(formats),
        cmocka_unit_test(daily_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
