/*
 * quality_store_cases.h: the cases of the data-quality state records
 * (state/quality_store.h: check results and incidents), written once and
 * run on both stores: tests/unit/test_quality_store.c (SQLite) and
 * tests/pipeline/test_quality_store_pg.c (PostgreSQL). The includer defines
 * qs_open(): a fresh handle on its store (every call the same store; NULL
 * on failure: it also runs in forked children, where cmocka must not), and
 * qs_tag: text unique to this run of the test, so that keys and run ids of
 * a shared PostgreSQL database never meet another run's.
 */
#ifndef SL_TEST_QUALITY_STORE_CASES_H
#define SL_TEST_QUALITY_STORE_CASES_H
#include "core/mem.h"
#include "state/quality_store.h"
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

static sl_state *qs_open(void);
static char qs_tag[64];

static sl_check_result qs_result(const char *node, const char *check, const char *status, double observed,
                                 int64_t failures, const char *sample)
{
    sl_check_result r;
    memset(&r, 0, sizeof r);
    snprintf(r.node, sizeof r.node, "%s", node);
    snprintf(r.check, sizeof r.check, "%s", check);
    r.kind = failures >= 0 ? "not_null" : "null_rate";
    snprintf(r.column, sizeof r.column, "email");
    snprintf(r.status, sizeof r.status, "%s", status);
    snprintf(r.severity, sizeof r.severity, "%s", strcmp(status, "warn") == 0 ? "warn" : "error");
    r.has_observed = 1;
    r.observed = observed;
    snprintf(r.threshold, sizeof r.threshold, "%s", failures >= 0 ? "= 0 failing rows" : "<= 0.05");
    r.failures = failures;
    r.rows = 10;
    snprintf(r.message, sizeof r.message, "%s %s: observed %g", check, status, observed);
    r.sample_json = sample ? sl_strdup(sample) : NULL;
    r.duration_s = 0.0125;
    return r;
}

static int contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

typedef struct qs_latest {
    int n;
    char status[4][8];
    int64_t failures[4], failed_total[4];
    double observed[4];
} qs_latest;

static void qs_latest_fn(void *ctx, const sl_check_latest *c)
{
    qs_latest *l = ctx;
    /* only this run's nodes: a shared PostgreSQL store holds others' too */
    if (!strstr(c->node, qs_tag) || l->n >= 4)
        return;
    snprintf(l->status[l->n], 8, "%s", c->status);
    l->failures[l->n] = c->failures;
    l->failed_total[l->n] = c->failed_total;
    l->observed[l->n] = c->observed;
    l->n++;
}

typedef struct qs_fail {
    int n;
    int64_t count;
    char message[128];
} qs_fail;

static void qs_fail_fn(void *ctx, const char *node, const char *check, int64_t count, const char *message)
{
    qs_fail *f = ctx;
    (void)check;
    if (!strstr(node, qs_tag))
        return;
    f->n++;
    f->count = count;
    snprintf(f->message, sizeof f->message, "%s", message ? message : "");
}

/* Results stored per run and handed back as JSON with the sample as JSON;
 * latest per (node, check) and the counts /metrics reads. */
static void qs_check_results(void **state)
{
    (void)state;
    sl_state *s = qs_open();
    assert_non_null(s);
    sl_error err = {0};
    char node[128], run1[64], run2[64];
    snprintf(node, sizeof node, "pipeline.p%s.orders", qs_tag);
    snprintf(run1, sizeof run1, "run1-%s", qs_tag);
    snprintf(run2, sizeof run2, "run2-%s", qs_tag);
    sl_check_result r1[2] = {qs_result(node, "not_null_email", "fail", 2, 2, "[{\"id\":1,\"email\":null},{\"id\":2,\"email\":null}]"),
                             qs_result(node, "null_rate_email", "pass", 0.02, -1, NULL)};
    r1[1].has_observed = 1;
    assert_int_equal(sl_state_check_results_add(s, run1, r1, 2, &err), 0);
    sl_check_result r2[2] = {qs_result(node, "not_null_email", "pass", 0, 0, "[]"),
                             qs_result(node, "null_rate_email", "warn", 0.5, -1, NULL)};
    assert_int_equal(sl_state_check_results_add(s, run2, r2, 2, &err), 0);

    sl_buf b;
    sl_buf_init(&b);
    assert_int_equal(sl_state_check_results_json(s, run1, NULL, NULL, 0, 0, &b, &err), 0);
    /* the sample is JSON, not a string holding JSON; failures null when not row-level */
    assert_true(contains(b.data, "\"sample\":[{\"id\":1,\"email\":null},{\"id\":2,\"email\":null}]"));
    assert_true(contains(b.data, "\"check\":\"not_null_email\""));
    assert_true(contains(b.data, "\"status\":\"fail\""));
    assert_true(contains(b.data, "\"failures\":2,"));
    assert_true(contains(b.data, "\"failures\":null"));
    assert_true(contains(b.data, "\"threshold\":\"= 0 failing rows\""));
    assert_true(contains(b.data, "\"column\":\"email\""));
    assert_true(contains(b.data, "\"sample\":null"));
    assert_true(contains(b.data, "\"rows\":10"));
    assert_false(contains(b.data, run2));
    /* newest first: null_rate_email was stored after not_null_email */
    assert_true(strstr(b.data, "null_rate_email") < strstr(b.data, "not_null_email"));

    /* a node by its name after the last dot; a status; the latest only */
    sl_buf_reset(&b);
    assert_int_equal(sl_state_check_results_json(s, NULL, node, "fail", 0, 0, &b, &err), 0);
    assert_true(contains(b.data, run1));
    assert_false(contains(b.data, run2));
    sl_buf_reset(&b);
    assert_int_equal(sl_state_check_results_json(s, NULL, "orders", NULL, 1, 0, &b, &err), 0);
    assert_true(contains(b.data, run2));
    assert_false(contains(b.data, run1));
    sl_buf_reset(&b);
    /* latest first, then filtered: not_null_email's latest passes, so no fail */
    assert_int_equal(sl_state_check_results_json(s, NULL, node, "fail", 1, 0, &b, &err), 0);
    assert_string_equal(b.data, "[]");
    sl_buf_reset(&b);
    assert_int_equal(sl_state_check_results_json(s, NULL, node, NULL, 0, 1, &b, &err), 0);
    assert_true(contains(b.data, "null_rate_email") && !contains(b.data, "not_null_email"));
    sl_buf_release(&b);

    qs_latest l = {0};
    assert_int_equal(sl_state_check_latest_each(s, qs_latest_fn, &l, &err), 0);
    assert_int_equal(l.n, 2);
    /* ordered by node then check: not_null_email, null_rate_email */
    assert_string_equal(l.status[0], "pass");
    assert_int_equal(l.failures[0], 0);
    assert_int_equal(l.failed_total[0], 1);
    assert_string_equal(l.status[1], "warn");
    assert_int_equal(l.failures[1], -1);
    assert_int_equal(l.failed_total[1], 0);
    assert_true(fabs(l.observed[1] - 0.5) < 1e-9);

    qs_fail f = {0};
    assert_int_equal(sl_state_check_failures_since(s, NULL, qs_fail_fn, &f, &err), 0);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.count, 1);
    assert_string_equal(f.message, "not_null_email fail: observed 2");
    for (int i = 0; i < 2; i++) {
        sl_check_result_release(&r1[i]);
        sl_check_result_release(&r2[i]);
    }
    sl_state_close(s);
}

/* An incident opens once, counts while open, closes once, opens again. */
static void qs_incident_transitions(void **state)
{
    (void)state;
    sl_state *s = qs_open();
    assert_non_null(s);
    sl_error err = {0};
    char key[160], node[128];
    snprintf(node, sizeof node, "pipeline.p%s.orders", qs_tag);
    snprintf(key, sizeof key, "check|%s|not_null_email", node);
    int changed = -1;
    /* clearing what is not open changes nothing */
    assert_int_equal(sl_state_incident(s, key, "check_failure", node, 0, NULL, &changed, &err), 0);
    assert_int_equal(changed, 0);
    assert_int_equal(sl_state_incident(s, key, "check_failure", node, 1, "2 null emails", &changed, &err), 0);
    assert_int_equal(changed, 1);
    assert_int_equal(sl_state_incident(s, key, "check_failure", node, 1, "3 null emails", &changed, &err), 0);
    assert_int_equal(changed, 0);
    sl_buf b;
    sl_buf_init(&b);
    assert_int_equal(sl_state_incidents_json(s, "open", 0, &b, &err), 0);
    assert_true(contains(b.data, key));
    assert_true(contains(b.data, "\"occurrences\":2"));
    assert_true(contains(b.data, "\"message\":\"3 null emails\""));
    assert_true(contains(b.data, "\"closed_at\":null"));
    assert_int_equal(sl_state_incident(s, key, "check_failure", node, 0, NULL, &changed, &err), 0);
    assert_int_equal(changed, 1);
    assert_int_equal(sl_state_incident(s, key, "check_failure", node, 0, NULL, &changed, &err), 0);
    assert_int_equal(changed, 0);
    sl_buf_reset(&b);
    assert_int_equal(sl_state_incidents_json(s, "open", 0, &b, &err), 0);
    assert_false(contains(b.data, key));
    sl_buf_reset(&b);
    assert_int_equal(sl_state_incidents_json(s, "closed", 0, &b, &err), 0);
    assert_true(contains(b.data, key));
    /* failing again: a new incident, alerted again */
    assert_int_equal(sl_state_incident(s, key, "check_failure", node, 1, "1 null email", &changed, &err), 0);
    assert_int_equal(changed, 1);
    sl_buf_reset(&b);
    assert_int_equal(sl_state_incidents_json(s, NULL, 0, &b, &err), 0);
    const char *at = strstr(b.data, key);
    assert_non_null(at);
    assert_true(contains(at, "\"status\":\"open\""));
    assert_true(contains(at, "\"occurrences\":1"));
    sl_buf_release(&b);
    sl_state_close(s);
}

/* Two processes sharing the store report the same failing key 25 times
 * each, at once: one of all those reports opens the incident; then both
 * report it clear 25 times: one closes it. */
static void qs_incident_two_processes(void **state)
{
    (void)state;
    char key[160];
    snprintf(key, sizeof key, "freshness|table.p%s.raw.contacts", qs_tag);
    for (int phase = 1; phase >= 0; phase--) {
        int fds[2][2];
        pid_t pid[2];
        for (int c = 0; c < 2; c++) {
            assert_int_equal(pipe(fds[c]), 0);
            pid[c] = fork();
            assert_true(pid[c] >= 0);
            if (pid[c] == 0) {
                close(fds[c][0]);
                sl_state *s = qs_open();
                if (!s)
                    _exit(4);
                int opened = 0, failed = 0;
                for (int i = 0; i < 25; i++) {
                    sl_error err = {0};
                    int changed = 0;
                    if (sl_state_incident(s, key, "freshness", "table.x", phase, "stale", &changed, &err) < 0)
                        failed++;
                    opened += changed;
                }
                sl_state_close(s);
                char out[32];
                int n = snprintf(out, sizeof out, "%d %d", opened, failed);
                if (write(fds[c][1], out, (size_t)n) != n)
                    _exit(3);
                _exit(0);
            }
            close(fds[c][1]);
        }
        int total = 0;
        for (int c = 0; c < 2; c++) {
            char in[32] = {0};
            ssize_t n = read(fds[c][0], in, sizeof in - 1);
            assert_true(n > 0);
            int opened = -1, failed = -1;
            assert_int_equal(sscanf(in, "%d %d", &opened, &failed), 2);
            assert_int_equal(failed, 0);
            total += opened;
            close(fds[c][0]);
            int st = 0;
            assert_int_equal(waitpid(pid[c], &st, 0), pid[c]);
            assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        assert_int_equal(total, 1);
    }
    sl_state *s = qs_open();
    assert_non_null(s);
    sl_error err = {0};
    sl_buf b;
    sl_buf_init(&b);
    assert_int_equal(sl_state_incidents_json(s, "closed", 0, &b, &err), 0);
    const char *at = strstr(b.data, key);
    assert_non_null(at);
    assert_true(contains(at, "\"occurrences\":50"));
    sl_buf_release(&b);
    sl_state_close(s);
}

#define QS_TESTS                                                                                              \
    cmocka_unit_test(qs_check_results), cmocka_unit_test(qs_incident_transitions),                           \
        cmocka_unit_test(qs_incident_two_processes)

#endif
