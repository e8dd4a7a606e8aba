/*
 * monitor_store_cases.h: the monitors' records in the state store
 * (state/quality_store.h "monitor points") and sl_monitor_after_run /
 * sl_monitor_freshness through them, written once and run on both stores:
 * tests/unit/test_monitor_store.c (SQLite) and
 * tests/pipeline/test_monitor_store_pg.c (PostgreSQL). The includer defines
 * ms_open() (a fresh handle on its store) and ms_tag (unique to this run,
 * so that node names of a shared database never meet another run's).
 */
#ifndef SL_TEST_MONITOR_STORE_CASES_H
#define SL_TEST_MONITOR_STORE_CASES_H
#include "config/project.h"
#include "core/mem.h"
#include "quality/monitor.h"
#include "state/quality_store.h"
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static sl_state *ms_open(void);
static char ms_tag[64];

typedef struct ms_series {
    int n;
    double value[16];
    int has_band[16];
    char status[16][16];
} ms_series;

static void ms_collect(void *ctx, const sl_monitor_point *p)
{
    ms_series *s = ctx;
    if (s->n < 16) {
        s->value[s->n] = p->value;
        s->has_band[s->n] = p->has_band;
        snprintf(s->status[s->n], sizeof s->status[0], "%s", p->status);
        s->n++;
    }
}

static void ms_points(void **st)
{
    (void)st;
    sl_state *s = ms_open();
    assert_non_null(s);
    sl_error err = {0};
    char node[128], key[160];
    snprintf(node, sizeof node, "pipeline.p%s.points", ms_tag);
    snprintf(key, sizeof key, "%s|volume", node);
    for (int i = 0; i < 5; i++) {
        sl_monitor_point p = {key, node, "volume", NULL, "run", 1000 + i, 10.0 * i, i > 0, 5, 1, 9, i ? "normal" : "training"};
        assert_int_equal(sl_state_monitor_point_add(s, &p, &err), 0);
    }
    sl_monitor_point nan = {key, node, "volume", NULL, NULL, 2000, NAN, 1, NAN, 0, 1, "normal"};
    assert_int_equal(sl_state_monitor_point_add(s, &nan, &err), 0);
    /* the last 3, oldest first; NaN kept as NULL, read back as NaN */
    ms_series got = {0};
    assert_int_equal(sl_state_monitor_series(s, key, 3, ms_collect, &got, &err), 0);
    assert_int_equal(got.n, 3);
    assert_true(got.value[0] == 30 && got.value[1] == 40 && isnan(got.value[2]));
    assert_string_equal(got.status[0], "normal");
    /* latest of each monitor, filtered by the node's last part */
    char col_key[160];
    snprintf(col_key, sizeof col_key, "%s|null_rate|email", node);
    sl_monitor_point c = {col_key, node, "null_rate", "email", "run", 3000, 0.25, 0, 0, 0, 0, "training"};
    assert_int_equal(sl_state_monitor_point_add(s, &c, &err), 0);
    sl_buf b;
    sl_buf_init(&b);
    char last[64];
    snprintf(last, sizeof last, "p%s.points", ms_tag);
    assert_int_equal(sl_state_monitors_json(s, last, &b, &err), 0);
    assert_non_null(strstr(b.data, "\"metric\":\"null_rate\",\"column\":\"email\""));
    assert_non_null(strstr(b.data, "\"value\":0.25"));
    assert_non_null(strstr(b.data, "\"metric\":\"volume\",\"column\":null"));
    assert_non_null(strstr(b.data, "\"points\":6"));
    assert_null(strstr(b.data, "\"value\":40")); /* only the latest point */
    sl_buf_reset(&b);
    assert_int_equal(sl_state_monitors_json(s, "points-of-nobody", &b, &err), 0);
    assert_string_equal(b.data, "[]");
    sl_buf_release(&b);
    sl_state_close(s);
}

static int ms_incident_open(sl_state *s, const char *key)
{
    sl_buf b;
    sl_buf_init(&b);
    sl_error err = {0};
    assert_int_equal(sl_state_incidents_json(s, "open", 0, &b, &err), 0);
    char q[300];
    snprintf(q, sizeof q, "\"%s\"", key);
    int open = strstr(b.data, q) != NULL;
    sl_buf_release(&b);
    return open;
}

/* A pipeline's volume series: training, normal, then a drop is an
 * anomaly with its band and an open incident; a normal run clears it. */
static void ms_after_run(void **st)
{
    (void)st;
    sl_state *s = ms_open();
    assert_non_null(s);
    sl_error err = {0};
    char node[128], key[160], ik[180];
    snprintf(node, sizeof node, "pipeline.p%s.orders", ms_tag);
    snprintf(key, sizeof key, "%s|volume", node);
    snprintf(ik, sizeof ik, "anomaly|%s", key);
    sl_monitor_config c;
    sl_monitor_config_defaults(&c);
    c.anomaly[SL_MON_VOLUME].min_history = 3;
    const int64_t loaded[6] = {100, 100, 100, 100, 10, 100};
    for (int i = 0; i < 6; i++) {
        char run[64];
        snprintf(run, sizeof run, "run-%s-%d", ms_tag, i);
        sl_monitor_run r = {node, run, 1000 + i, "success", loaded[i], loaded[i], 0, NULL, NULL, 0};
        const char *none[1] = {NULL};
        r.schema_changes = none; /* none: do not read the store */
        assert_int_equal(sl_monitor_after_run(s, NULL, &c, &r, &err), 0);
        if (i == 4)
            assert_true(ms_incident_open(s, ik));
    }
    assert_false(ms_incident_open(s, ik));
    ms_series got = {0};
    assert_int_equal(sl_state_monitor_series(s, key, 0, ms_collect, &got, &err), 0);
    assert_int_equal(got.n, 6);
    assert_string_equal(got.status[0], "training");
    assert_string_equal(got.status[2], "training");
    assert_string_equal(got.status[3], "normal");
    assert_string_equal(got.status[4], "anomaly");
    assert_string_equal(got.status[5], "normal");
    assert_false(got.has_band[0]);
    assert_true(got.has_band[4]);
    /* a failed run adds no volume point */
    sl_monitor_run f = {node, "failed-run", 2000, "failed", 5, 0, 0, NULL, NULL, 0};
    const char *none[1] = {NULL};
    f.schema_changes = none;
    assert_int_equal(sl_monitor_after_run(s, NULL, &c, &f, &err), 0);
    got.n = 0;
    assert_int_equal(sl_state_monitor_series(s, key, 0, ms_collect, &got, &err), 0);
    assert_int_equal(got.n, 6);
    sl_state_close(s);
}

/* Volume of a pipeline whose runs often load nothing: an empty run is
 * normal, a non-empty one is judged against the non-empty ones. */
static void ms_intermittent(void **st)
{
    (void)st;
    sl_state *s = ms_open();
    assert_non_null(s);
    sl_error err = {0};
    char node[128], key[160];
    snprintf(node, sizeof node, "pipeline.p%s.incremental", ms_tag);
    snprintf(key, sizeof key, "%s|volume", node);
    sl_monitor_config c;
    sl_monitor_config_defaults(&c);
    c.anomaly[SL_MON_VOLUME].min_history = 3;
    const int64_t loaded[11] = {100, 0, 100, 0, 100, 0, 100, 0, 0, 104, 10};
    for (int i = 0; i < 11; i++) {
        char run[64];
        snprintf(run, sizeof run, "inc-%s-%d", ms_tag, i);
        sl_monitor_run r = {node, run, 1000 + i, "success", loaded[i], loaded[i], 0, NULL, NULL, 0};
        const char *none[1] = {NULL};
        r.schema_changes = none;
        assert_int_equal(sl_monitor_after_run(s, NULL, &c, &r, &err), 0);
    }
    ms_series got = {0};
    assert_int_equal(sl_state_monitor_series(s, key, 3, ms_collect, &got, &err), 0);
    assert_int_equal(got.n, 3);
    assert_string_equal(got.status[0], "normal");  /* 0 */
    assert_string_equal(got.status[1], "normal");  /* 104 against 100, 100, 100, 100 */
    assert_string_equal(got.status[2], "anomaly"); /* 10 */
    sl_state_close(s);
}

/* Schema: a pipeline's recorded changes, and a model's columns against its
 * previous profile (added, type changed, dropped). */
static void ms_schema(void **st)
{
    (void)st;
    sl_state *s = ms_open();
    assert_non_null(s);
    sl_error err = {0};
    char node[128], run[64], ik[180], pipeline[64];
    snprintf(pipeline, sizeof pipeline, "contacts%s", ms_tag);
    snprintf(node, sizeof node, "pipeline.p.%s", pipeline);
    snprintf(run, sizeof run, "schema-%s", ms_tag);
    snprintf(ik, sizeof ik, "schema_change|%s", node);
    assert_int_equal(sl_state_schema_change(s, pipeline, run, "email", "added to table contacts (TEXT)", &err), 0);
    sl_monitor_run r = {node, run, 1000, "success", 3, 3, 0, NULL, NULL, 0};
    sl_profile empty = {0};
    r.profile = &empty;
    assert_int_equal(sl_monitor_after_run(s, NULL, NULL, &r, &err), 0);
    assert_true(ms_incident_open(s, ik));
    ms_series got = {0};
    char key[160];
    snprintf(key, sizeof key, "%s|schema", node);
    assert_int_equal(sl_state_monitor_series(s, key, 0, ms_collect, &got, &err), 0);
    assert_int_equal(got.n, 1);
    assert_true(got.value[0] == 1);
    assert_string_equal(got.status[0], "anomaly");

    /* a model: previous profile (a INTEGER, b TEXT), now (a TEXT, c REAL) */
    char model[128], mrun1[64], mrun2[64], mik[180];
    snprintf(model, sizeof model, "model.p%s.m", ms_tag);
    snprintf(mrun1, sizeof mrun1, "m1-%s", ms_tag);
    snprintf(mrun2, sizeof mrun2, "m2-%s", ms_tag);
    snprintf(mik, sizeof mik, "schema_change|%s", model);
    sl_column_profile before[2] = {{.name = "a", .type = "INTEGER", .rows = 2}, {.name = "b", .type = "TEXT", .rows = 2}};
    sl_profile p1 = {2, before, 2};
    assert_int_equal(sl_state_profile_add(s, mrun1, model, &p1, &err), 0);
    sl_column_profile after[2] = {{.name = "a", .type = "TEXT", .rows = 2}, {.name = "c", .type = "REAL", .rows = 2, .nulls = 1}};
    sl_profile p2 = {2, after, 2};
    sl_monitor_run m = {model, mrun2, 1000, "success", -1, 2, -1, &p2, NULL, 0};
    assert_int_equal(sl_monitor_after_run(s, NULL, NULL, &m, &err), 0);
    assert_true(ms_incident_open(s, mik));
    sl_buf b;
    sl_buf_init(&b);
    assert_int_equal(sl_state_incidents_json(s, "open", 0, &b, &err), 0);
    assert_non_null(strstr(b.data, "3 columns added, widened or dropped"));
    sl_buf_release(&b);
    /* its null rate per column is a point too */
    char ckey[180];
    snprintf(ckey, sizeof ckey, "%s|null_rate|c", model);
    got.n = 0;
    assert_int_equal(sl_state_monitor_series(s, ckey, 0, ms_collect, &got, &err), 0);
    assert_int_equal(got.n, 1);
    assert_true(got.value[0] == 0.5);
    sl_state_close(s);
}

/* Freshness of a model (node_results) against the project's thresholds. */
static void ms_freshness(void **st)
{
    (void)st;
    sl_state *s = ms_open();
    assert_non_null(s);
    sl_error err = {0};
    char model[128], run[64], ik[180];
    snprintf(model, sizeof model, "model.p%s.fresh", ms_tag);
    snprintf(run, sizeof run, "fresh-%s", ms_tag);
    snprintf(ik, sizeof ik, "freshness|%s", model);
    sl_node_run nr = {run, model, "model", "success", "", NULL, "2026-01-01T00:00:00.000Z", -1, 5, 1.0};
    assert_int_equal(sl_state_node_result(s, &nr, &err), 0);
    sl_project p;
    memset(&p, 0, sizeof p);
    p.name = "p";
    sl_monitor_config_defaults(&p.monitors);
    p.monitors.error_after_s = 3600;
    const int64_t t = 1767225600 + 1; /* the model's end: 2026-01-01T00:00:01Z */
    assert_int_equal(sl_monitor_freshness(s, NULL, &p, t + 60, &err), 0);
    assert_false(ms_incident_open(s, ik));
    assert_int_equal(sl_monitor_freshness(s, NULL, &p, t + 7200, &err), 0);
    assert_true(ms_incident_open(s, ik));
    char key[160];
    snprintf(key, sizeof key, "%s|freshness", model);
    ms_series got = {0};
    assert_int_equal(sl_state_monitor_series(s, key, 0, ms_collect, &got, &err), 0);
    assert_int_equal(got.n, 2);
    assert_true(got.value[0] == 60 && got.value[1] == 7200);
    assert_string_equal(got.status[1], "stale");
    /* the same status within the hour: no new point */
    assert_int_equal(sl_monitor_freshness(s, NULL, &p, t + 7260, &err), 0);
    got.n = 0;
    assert_int_equal(sl_state_monitor_series(s, key, 0, ms_collect, &got, &err), 0);
    assert_int_equal(got.n, 2);
    sl_state_close(s);
}

#define MS_TESTS                                                                                       \
    cmocka_unit_test(ms_points), cmocka_unit_test(ms_after_run), cmocka_unit_test(ms_intermittent), cmocka_unit_test(ms_schema),          \
        cmocka_unit_test(ms_freshness)

#endif
