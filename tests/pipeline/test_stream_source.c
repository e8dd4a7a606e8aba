/* test_stream_source.c: the stream source driver (sources/stream.c) through
 * the engine, with a test source plugin over a real spool (stream/spool.h):
 * `sluice run`-style draining, where the next run starts (the source's
 * checkpoint), exactly once after a failed run, batch cuts at ticks and
 * batch_rows, continuous runs ending at until_us and at stop, a missing
 * spool directory, lanes (split, names; lane: is tested with a real
 * stream source in tests/cli/t0109), a new lane starting where the
 * pipeline's previous layout ended. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/mem.h"
#include "core/util.h"
#include "helpers.h"
#include "sched/stream.h"
#include "sources/stream.h"
#include "stream/spool.h"

/* ---- a stream source for tests: each event's text is one column, payload ---- */

typedef struct fake_opts {
    sl_source_common common;
    sl_stream_opts s;
} fake_opts;

static const sl_option fake_options[] = {
    SL_STREAM_OPTIONS(fake_opts, s),
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

typedef struct fake_state {
    sl_stream_source base; /* first: the driver casts in->state to it */
} fake_state;

static int batches, ticked; /* batches handed out with rows, batches ended by a tick */

static int fake_row(void *ctx, const sl_spool_rec *rec, int64_t line, sl_batch *b, sl_error *err)
{
    (void)ctx;
    (void)err;
    int c = sl_batch_find(b, "payload");
    if (c < 0)
        c = (int)sl_batch_add_column(b, "payload", 7, SL_T_TEXT, 1);
    size_t r = sl_batch_add_row(b, rec->offset, line);
    if (rec->len && rec->data[0] == '!') { /* a bad event: rejected with its position */
        b->nrows--;
        sl_batch_reject_raw(b, rec->offset, line, "source", "bad event", rec->data, rec->len);
        return 0;
    }
    sl_batch_set_text(b, (size_t)c, r, rec->data, rec->len);
    return 0;
}

static int fake_open(sl_instance *in, sl_run *run, sl_resume_fn resume, sl_error *err)
{
    fake_state *st = sl_calloc(1, sizeof *st);
    st->base.o = &((fake_opts *)in->opts)->s;
    st->base.row = fake_row;
    in->state = st;
    return sl_stream_open(in, &st->base, run, resume, err);
}

static int fake_next(sl_instance *in, sl_batch *b, sl_error *err)
{
    int rc = sl_stream_next(in, b, err);
    if (rc == 1 && b->nrows)
        batches++;
    if (rc == 1 && b->clock_us)
        ticked++;
    return rc;
}

static void fake_close(sl_instance *in)
{
    sl_stream_close(in);
    sl_free(in->state);
    in->state = NULL;
}

static const struct sl_ingest_kind fake_kind = {.name = "fake"};

static const sl_source_plugin fake_plugin = {
    .version = SL_PLUGIN_VERSION,
    .name = "fake",
    .summary = "test stream",
    .options = fake_options,
    .opts_size = sizeof(fake_opts),
    .open = fake_open,
    .next = fake_next,
    .done = sl_stream_done,
    .close = fake_close,
    .ingest = &fake_kind,
};

/* Turn pipeline pl's source into the test stream source. */
static void make_stream(sl_pipeline *pl, int64_t batch_rows)
{
    sl_instance_release(&pl->source);
    pl->source.kind = SL_KIND_SOURCE;
    pl->source.plugin = &fake_plugin;
    pl->source.type = "fake";
    pl->source.id = sl_strdup("fake");
    pl->source.pipeline = pl->name;
    fake_opts *o = sl_calloc(1, sizeof *o);
    o->common.infer_types = 0;
    o->common.normalize_names = (char *)"none"; /* not in the table: never freed */
    o->s.commit_interval = sl_strdup("100ms");
    o->s.batch_rows = batch_rows;
    o->s.spool_max_mb = 64;
    pl->source.opts = o;
}

/* Append events "{"n": i}" for i in [from, to), and a tick after every `tick_every` (0: none). */
static void spool_events(const char *pipeline, int from, int to, int tick_every)
{
    char *dir = sl_printf("%s/.sluice/spool/%s", th_dir, pipeline);
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    assert_int_equal(system(cmd), 0);
    sl_spool *sp = NULL;
    sl_error err = {0};
    sl_spool_opts so = {.no_fsync = 1};
    assert_int_equal(sl_spool_open(dir, &so, &sp, &err), 0);
    int64_t ticket = 0;
    for (int i = from; i < to; i++) {
        char buf[64];
        int n = i % 100 == 99 ? snprintf(buf, sizeof buf, "!bad %d", i) : snprintf(buf, sizeof buf, "{\"n\": %d}", i);
        sl_spool_rec r = {.kind = SL_SPOOL_EVENT, .time_us = sl_now_us(), .data = buf, .len = (size_t)n};
        assert_int_equal(sl_spool_append(sp, &r, 1, &ticket, &err), 0);
        if (tick_every && (i - from) % tick_every == tick_every - 1) {
            sl_spool_rec t = {.kind = SL_SPOOL_TICK, .time_us = sl_now_us(), .data = "", .len = 0};
            assert_int_equal(sl_spool_append(sp, &t, 1, &ticket, &err), 0);
        }
    }
    assert_int_equal(sl_spool_wait(sp, ticket, &err), 0);
    sl_spool_close(sp);
    sl_free(dir);
}

/* Run pipeline `name` with the test source (recorded as `as` when not NULL). */
static sl_run_result run_stream_as(const char *name, const char *as, int64_t batch_rows,
                                   const struct sl_run_stream *stream)
{
    sl_project *p = th_project(th_dir);
    sl_pipeline *pl = sl_project_find(p, name);
    assert_non_null(pl);
    if (as) {
        sl_free(pl->name);
        pl->name = sl_strdup(as);
        for (size_t i = 0; i < pl->nsinks; i++)
            pl->sinks[i].pipeline = pl->name;
    }
    make_stream(pl, batch_rows);
    sl_state *s = NULL;
    sl_error err = {0};
    assert_int_equal(sl_state_open_project(p, &s, &err), 0);
    sl_run_options opts = {0};
    if (stream)
        opts.stream = *stream;
    sl_run_result res;
    sl_pipeline_run(p, pl, s, &opts, &res, &err);
    sl_state_close(s);
    sl_project_free(p);
    th_assert_accounting(&res);
    return res;
}

static sl_run_result run_stream(const char *name, int64_t batch_rows, const struct sl_run_stream *stream)
{
    return run_stream_as(name, NULL, batch_rows, stream);
}

static void test_drain_and_checkpoint(void **state)
{
    (void)state;
    th_write(th_dir, "pipelines/ev.yml", "source: {type: csv, path: x.csv}\nsinks: [{type: sqlite, table: ev}]\n");
    /* no spool directory yet: nothing to read, a successful empty run */
    sl_run_result r = run_stream("ev", 50, NULL);
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 0);
    spool_events("ev", 0, 250, 40);
    batches = ticked = 0;
    r = run_stream("ev", 50, NULL);
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 250);
    assert_int_equal(r.counts.rejected, 2); /* 99 and 199 */
    assert_int_equal(r.counts.loaded, 248);
    assert_int_equal(th_sql_int(th_db, "SELECT count(DISTINCT payload) FROM ev"), 248);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM dlq WHERE pipeline = 'ev' AND line = 100"), 1);
    /* ticks every 40 events cut batches (6 of them), batch_rows 50 never reached */
    assert_int_equal(ticked, 6);
    assert_true(batches >= 7);
    /* the next run starts where this one ended */
    r = run_stream("ev", 50, NULL);
    assert_int_equal(r.counts.read, 0);
    spool_events("ev", 250, 300, 0);
    batches = 0;
    r = run_stream("ev", 20, NULL);
    assert_int_equal(r.counts.read, 50);
    assert_int_equal(batches, 3); /* batch_rows 20: 20 + 20 + 10 */
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM ev"), 297);
    assert_int_equal(th_sql_int(th_db, "SELECT count(DISTINCT payload) FROM ev"), 297);
}

/* A run that fails after some batches committed: the next one resumes the
 * epoch at the sink's position; every event is loaded exactly once. */
static void test_failed_run_resumes_exactly_once(void **state)
{
    (void)state;
    th_write(th_dir, "pipelines/ev.yml", "source: {type: csv, path: x.csv}\nsinks: [{type: sqlite, table: ev}]\n");
    spool_events("ev", 0, 120, 0);
    /* SLUICE_FAILPOINTS (main): the 4th batch's write fails */
    sl_run_result r = run_stream("ev", 10, NULL);
    assert_string_equal(r.status, "failed");
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM ev"), 30);
    r = run_stream("ev", 10, NULL);
    assert_string_equal(r.status, "success");
    assert_int_equal(r.resumed, 1);
    assert_int_equal(th_sql_int(th_db, "SELECT count(*) FROM ev"), 119);
    assert_int_equal(th_sql_int(th_db, "SELECT count(DISTINCT payload) FROM ev"), 119);
}

static void *stop_later(void *arg)
{
    usleep(300 * 1000);
    atomic_store((_Atomic int *)arg, 1);
    return NULL;
}

/* Continuous: a run waits for events and ends, successfully, at until_us or at stop. */
static void test_continuous_until_and_stop(void **state)
{
    (void)state;
    th_write(th_dir, "pipelines/ev.yml", "source: {type: csv, path: x.csv}\nsinks: [{type: sqlite, table: ev}]\n");
    spool_events("ev", 0, 30, 0);
    struct sl_run_stream s = {.continuous = 1, .until_us = sl_now_us() + 400 * 1000};
    double t0 = sl_mono_s();
    sl_run_result r = run_stream("ev", 1000, &s);
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 30);
    assert_true(sl_mono_s() - t0 >= 0.35); /* it waited for more until until_us */
    _Atomic int stop = 0;
    pthread_t t;
    pthread_create(&t, NULL, stop_later, (void *)&stop);
    struct sl_run_stream s2 = {.continuous = 1, .until_us = 0, .stop = &stop};
    r = run_stream("ev", 1000, &s2);
    pthread_join(t, NULL);
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 0);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM runs WHERE status <> 'success' AND pipeline = 'ev'"), 0);
}

/* Lanes: warehouse sinks share one, others are their own, lane: overrides;
 * a lane's pipeline has only its sinks, under <pipeline>@<lane>. */
static void test_lanes(void **state)
{
    (void)state;
    th_write(th_dir, "pipelines/ev.yml",
             "source: {type: csv, path: x.csv}\n"
             "sinks:\n"
             "  - {type: sqlite, table: a}\n"
             "  - {type: jsonl, path: out/e.jsonl}\n"
             "  - {type: sqlite, table: c}\n");
    sl_project *p = th_project(th_dir);
    sl_pipeline *pl = sl_project_find(p, "ev");
    make_stream(pl, 100);
    assert_int_equal(sl_stream_lane_count(pl), 2);
    assert_string_equal(sl_stream_lane_key(pl, 0), "warehouse");
    assert_string_equal(sl_stream_lane_key(pl, 1), "jsonl");
    char *name = sl_stream_lane_name(pl, 1);
    assert_string_equal(name, "ev@jsonl");
    sl_free(name);
    sl_error err = {0};
    sl_pipeline *lp = sl_stream_lane_load(p, pl, 0, &err);
    assert_non_null(lp);
    assert_string_equal(lp->name, "ev@warehouse");
    assert_int_equal(lp->nsinks, 2);
    assert_string_equal(lp->sinks[0].id, "sqlite_1");
    assert_string_equal(lp->sinks[1].id, "sqlite_2");
    assert_string_equal(lp->sinks[1].pipeline, "ev@warehouse");
    sl_pipeline_free(lp);
    lp = sl_stream_lane_load(p, pl, 1, &err);
    assert_non_null(lp);
    assert_int_equal(lp->nsinks, 1);
    assert_string_equal(lp->sinks[0].type, "jsonl");
    sl_pipeline_free(lp);
    sl_project_free(p);
}

/* A new lane starts where the pipeline's single lane ended. */
static void test_new_lane_inherits_position(void **state)
{
    (void)state;
    th_write(th_dir, "pipelines/ev.yml", "source: {type: csv, path: x.csv}\nsinks: [{type: sqlite, table: ev}]\n");
    spool_events("ev", 0, 10, 0);
    sl_run_result r = run_stream("ev", 100, NULL);
    assert_int_equal(r.counts.read, 10);
    spool_events("ev", 10, 15, 0);
    /* the same sinks now run as lane ev@warehouse (recorded under that name) */
    r = run_stream_as("ev", "ev@warehouse", 100, NULL);
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 5);
    assert_int_equal(th_sql_int(th_db, "SELECT count(DISTINCT payload) || count(*) FROM ev"), 1515);
}

int main(void)
{
    /* failpoints are read once per process: the 4th sink write of the
     * process (in the first test) fails */
    setenv("SLUICE_FAILPOINTS", "sink.before_data=error@4", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_failed_run_resumes_exactly_once, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_drain_and_checkpoint, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_continuous_until_and_stop, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_lanes, th_setup, th_teardown),
        cmocka_unit_test_setup_teardown(test_new_lane_inherits_position, th_setup, th_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
