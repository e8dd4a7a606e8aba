/* test_milestones.c: the milestones transform through the transform plugin
 * API with hand-made batches: each rule kind, window edges, NULL keys, out
 * of order times, derived row positions and accounting, ticks, and the
 * state saved at done and loaded at open with its tag offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "engine/component.h"
#include "engine/run.h"
#include "expr/expr.h"
#include "state/keyed.h"

#define DAY INT64_C(86400000000)
#define SEC INT64_C(1000000)

static const char *pipeline_yml =
    "source: {type: jsonl, path: data/none.jsonl}\n"
    "transforms:\n"
    "  - type: milestones\n"
    "    key: user_id\n"
    "    time: ts\n"
    "    rules:\n"
    "      - name: activated\n"
    "        first_time: \"event = '%s'\"\n"
    "      - name: team_growing\n"
    "        count: {when: \"event = 'Invite Sent'\", at_least: 3, within: 7d}\n"
    "      - name: gone_quiet\n"
    "        inactive: {when: \"event IS NOT NULL\", for: 14d}\n"
    "sinks: [{type: sqlite, table: m}]\n";

/* One transform instance, opened on a run of its own. */
typedef struct fixture {
    sl_project *p;
    sl_run run;
    sl_instance *in;
} fixture;

static void fx_open(fixture *f, const char *created, int full_refresh)
{
    char yml[2048];
    snprintf(yml, sizeof yml, pipeline_yml, created);
    th_write(th_dir, "pipelines/ms.yml", yml);
    memset(f, 0, sizeof *f);
    f->p = th_project(th_dir);
    sl_pipeline *pl = sl_project_find(f->p, "ms");
    assert_non_null(pl);
    sl_error err = {0};
    f->run.project = f->p;
    f->run.pipeline = pl;
    f->run.full_refresh = full_refresh;
    assert_int_equal(sl_state_open(th_state_db, &f->run.state, &err), 0);
    f->run.expr = sl_expr_engine_new(&err);
    assert_non_null(f->run.expr);
    f->in = &pl->transforms[0];
    f->in->run = &f->run;
    assert_int_equal(SL_TRANSFORM(f->in)->open(f->in, &f->run, &err), 0);
}

static void fx_done(fixture *f)
{
    sl_error err = {0};
    assert_int_equal(SL_TRANSFORM(f->in)->done(f->in, &f->run, &err), 0);
}

static void fx_close(fixture *f)
{
    SL_TRANSFORM(f->in)->close(f->in);
    sl_expr_engine_free(f->run.expr);
    sl_state_close(f->run.state);
    sl_project_free(f->p);
}

/* A typed batch of "spool" rows at offsets off0, off0 + 1, ...: user
 * (NULL for NULL), event, time in microseconds. */
typedef struct ev {
    const char *user, *event;
    int64_t t;
} ev;

static sl_batch *mk(int64_t off0, const ev *evs, size_t n, int64_t clock)
{
    sl_batch *b = sl_batch_new();
    size_t uc = sl_batch_add_column(b, "user_id", 7, SL_T_TEXT, 0);
    size_t ec = sl_batch_add_column(b, "event", 5, SL_T_TEXT, 0);
    size_t tc = sl_batch_add_column(b, "ts", 2, SL_T_TIMESTAMP, 0);
    for (size_t i = 0; i < n; i++) {
        size_t r = sl_batch_add_row(b, off0 + (int64_t)i, off0 + (int64_t)i + 1);
        if (evs[i].user)
            sl_batch_set_text(b, uc, r, evs[i].user, strlen(evs[i].user));
        sl_batch_set_text(b, ec, r, evs[i].event, strlen(evs[i].event));
        b->cols[tc].i64[r] = evs[i].t;
        b->cols[tc].valid[r] = 1;
    }
    b->file = "spool";
    b->nread = (int64_t)n;
    b->end_offset = off0 + (int64_t)n;
    b->end_line = off0 + (int64_t)n;
    b->clock_us = clock;
    return b;
}

static void process(fixture *f, sl_batch *b)
{
    sl_error err = {0};
    assert_int_equal(SL_TRANSFORM(f->in)->process(f->in, b, &err), 0);
    assert_int_equal(sl_batch_check_accounting(b), 0);
}

/* "row:milestone@day" for each derived row, space separated, into out. */
static const char *derived(const sl_batch *b, char *out, size_t cap)
{
    int mc = sl_batch_find(b, "milestone"), ac = sl_batch_find(b, "milestone_at"), uc = sl_batch_find(b, "user_id");
    assert_true(mc >= 0 && ac >= 0 && uc >= 0);
    size_t len = 0;
    out[0] = 0;
    for (size_t r = 0; r < b->nrows; r++) {
        if (!sl_batch_row_derived(b, r)) {
            assert_int_equal(b->cols[mc].valid[r], 0); /* ordinary rows: NULL */
            continue;
        }
        const sl_str *u = &b->cols[uc].str[r], *m = &b->cols[mc].str[r];
        len += (size_t)snprintf(out + len, cap - len, "%s%zu:%.*s:%.*s@%lld", len ? " " : "", r, (int)u->n, u->p,
                                (int)m->n, m->p, (long long)(b->cols[ac].i64[r] / SEC));
    }
    return out;
}

static void test_first_time_and_positions(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, "Project Created", 0);
    ev e[] = {{"u1", "Signed Up", 1 * SEC}, {"u1", "Project Created", 10 * SEC}, {NULL, "Project Created", 11 * SEC},
              {"u2", "Project Created", 20 * SEC}, {"u1", "Project Created", 30 * SEC}};
    sl_batch *b = mk(100, e, 5, 0);
    process(&f, b);
    char s[512];
    /* after the trigger, same position; the NULL key passed through */
    assert_string_equal(derived(b, s, sizeof s), "2:u1:activated@10 5:u2:activated@20");
    assert_int_equal(b->nrows, 7);
    assert_int_equal(b->nderived, 2);
    assert_int_equal(b->offset[2], 101);
    assert_int_equal(b->line[2], 102);
    assert_int_equal(b->offset[5], 103);
    /* the derived row copies the trigger's values */
    int ec = sl_batch_find(b, "event");
    assert_int_equal(b->cols[ec].str[2].n, strlen("Project Created"));
    assert_int_equal(b->cols[sl_batch_find(b, "ts")].i64[2], 10 * SEC);
    assert_int_equal(b->cols[sl_batch_find(b, "user_id")].valid[3], 0); /* the NULL key row, unchanged */
    sl_batch_free(b);
    fx_close(&f);
}

static void test_count_window_edges_and_late_events(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, "x", 0);
    ev e[] = {
        /* exactly 7 days between the first and the third: fires (inclusive) */
        {"a", "Invite Sent", 0}, {"a", "Invite Sent", 3 * DAY}, {"a", "Invite Sent", 7 * DAY},
        /* one microsecond more: the first leaves the window; a fourth fires */
        {"b", "Invite Sent", 0}, {"b", "Invite Sent", 3 * DAY}, {"b", "Invite Sent", 7 * DAY + 1},
        {"b", "Invite Sent", 8 * DAY},
        /* out of order: 2d is older than 10d - 7d (late, not counted); 5d is in */
        {"c", "Invite Sent", 10 * DAY}, {"c", "Invite Sent", 2 * DAY}, {"c", "Invite Sent", 5 * DAY},
        /* once fired, never again */
        {"a", "Invite Sent", 8 * DAY}, {"a", "Invite Sent", 8 * DAY},
    };
    sl_batch *b = mk(0, e, sizeof e / sizeof *e, 0);
    process(&f, b);
    char s[512];
    assert_string_equal(derived(b, s, sizeof s), "3:a:team_growing@604800 8:b:team_growing@691200");
    sl_batch_free(b);
    ev e2[] = {{"c", "Invite Sent", 9 * DAY}};
    b = mk(100, e2, 1, 0);
    process(&f, b);
    assert_string_equal(derived(b, s, sizeof s), "1:c:team_growing@777600");
    sl_batch_free(b);
    fx_close(&f);
}

static void test_inactive_at_ticks(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, "x", 0);
    ev e[] = {{"q", "Seen", 0}, {"r", "Seen", 5 * DAY}};
    sl_batch *b = mk(0, e, 2, 0);
    process(&f, b);
    assert_int_equal(b->nderived, 0);
    sl_batch_free(b);
    /* exactly 14 days: not yet (older than clock - for, strictly) */
    b = mk(2, NULL, 0, 14 * DAY);
    process(&f, b);
    assert_int_equal(b->nderived, 0);
    sl_batch_free(b);
    /* an empty tick batch: the derived row holds the key only, at the end */
    b = sl_batch_new();
    b->file = "spool";
    b->end_offset = 3;
    b->end_line = 3;
    b->clock_us = 14 * DAY + 1;
    process(&f, b);
    char s[512];
    assert_string_equal(derived(b, s, sizeof s), "0:q:gone_quiet@1209600");
    assert_int_equal(b->offset[0], 2);
    sl_batch_free(b);
    /* no second time without a new event; r's turn comes */
    ev e3[] = {{"s", "Seen", 19 * DAY}};
    b = mk(3, e3, 1, 20 * DAY);
    process(&f, b);
    assert_string_equal(derived(b, s, sizeof s), "1:r:gone_quiet@1728000");
    assert_int_equal(b->offset[1], 3); /* end_offset - 1 */
    assert_int_equal(b->cols[sl_batch_find(b, "event")].valid[1], 0);
    sl_batch_free(b);
    /* an old event (no later than the fire's clock - for) does not re-arm q; a new one does */
    ev e4[] = {{"q", "Seen", 0}};
    b = mk(4, e4, 1, 21 * DAY);
    process(&f, b);
    assert_int_equal(b->nderived, 0);
    sl_batch_free(b);
    ev e5[] = {{"q", "Seen", 22 * DAY}};
    b = mk(5, e5, 1, 37 * DAY);
    process(&f, b);
    assert_string_equal(derived(b, s, sizeof s), "1:q:gone_quiet@3196800 2:s:gone_quiet@3196800");
    sl_batch_free(b);
    fx_close(&f);
}

static int64_t keyed_rows(const char *scope_like)
{
    char q[256];
    snprintf(q, sizeof q, "SELECT count(*) FROM keyed_state WHERE pipeline = 'ms' AND scope LIKE '%s'", scope_like);
    return th_sql_int(th_state_db, q);
}

static void test_state_round_trip_with_tag_offset(void **state)
{
    (void)state;
    fixture f;
    char s[512];
    sl_error err = {0};
    /* start clean: forget what the other tests saved */
    sl_state *st;
    assert_int_equal(sl_state_open(th_state_db, &st, &err), 0);
    assert_int_equal(sl_state_keyed_reset(st, "ms", &err), 0);
    sl_state_close(st);

    fx_open(&f, "Project Created", 0);
    ev e[] = {{"u1", "Project Created", 1 * DAY}, {"u1", "Invite Sent", 1 * DAY}, {"u1", "Invite Sent", 2 * DAY}};
    sl_batch *b = mk(0, e, 3, 0);
    process(&f, b);
    assert_string_equal(derived(b, s, sizeof s), "1:u1:activated@86400");
    sl_batch_free(b);
    fx_done(&f);
    fx_close(&f);
    assert_int_equal(keyed_rows("activated#%"), 1);
    assert_int_equal(keyed_rows("team_growing#%"), 1);
    assert_int_equal(keyed_rows("gone_quiet#%"), 1);
    char *tag = th_sql_text(th_state_db, "SELECT value FROM keyed_state WHERE scope = '(offsets)' AND key = 'spool'");
    assert_string_equal(tag, "3");
    free(tag);

    /* a resumed epoch re-reads rows 0..2: in the state already, they
     * neither fire nor count; row 3 completes the count with the saved times */
    fx_open(&f, "Project Created", 0);
    ev e2[] = {{"u1", "Project Created", 1 * DAY}, {"u1", "Invite Sent", 1 * DAY}, {"u1", "Invite Sent", 2 * DAY},
               {"u1", "Invite Sent", 3 * DAY}, {"u2", "Project Created", 3 * DAY}};
    b = mk(0, e2, 5, 0);
    process(&f, b);
    assert_string_equal(derived(b, s, sizeof s), "4:u1:team_growing@259200 6:u2:activated@259200");
    sl_batch_free(b);
    /* not saved (no done: the run failed): the same replay fires the same */
    fx_close(&f);
    fx_open(&f, "Project Created", 0);
    b = mk(0, e2, 5, 0);
    process(&f, b);
    assert_string_equal(derived(b, s, sizeof s), "4:u1:team_growing@259200 6:u2:activated@259200");
    sl_batch_free(b);
    fx_done(&f);
    fx_close(&f);
    tag = th_sql_text(th_state_db, "SELECT value FROM keyed_state WHERE scope = '(offsets)' AND key = 'spool'");
    assert_string_equal(tag, "5");
    free(tag);

    /* a changed rule starts fresh: u1 activates again under the new definition */
    fx_open(&f, "Project Created ", 0);
    ev e3[] = {{"u1", "Project Created ", 4 * DAY}};
    b = mk(5, e3, 1, 0);
    process(&f, b);
    assert_string_equal(derived(b, s, sizeof s), "1:u1:activated@345600");
    sl_batch_free(b);
    fx_close(&f);

    /* --full-refresh ignores the saved state and replaces it at done */
    fx_open(&f, "Project Created", 1);
    b = mk(0, e2, 5, 0);
    process(&f, b);
    assert_string_equal(derived(b, s, sizeof s),
                        "1:u1:activated@86400 5:u1:team_growing@259200 7:u2:activated@259200");
    sl_batch_free(b);
    fx_done(&f);
    fx_close(&f);
    assert_int_equal(keyed_rows("activated#%"), 2);
    /* activated u1, u2; team_growing u1; gone_quiet u1, u2; the tag */
    assert_int_equal(keyed_rows("%"), 6);

    /* `sluice state reset` forgets it, lanes included */
    assert_int_equal(sl_state_open(th_state_db, &st, &err), 0);
    assert_int_equal(sl_state_keyed_put(st, "ms@crm", "milestones", 0, NULL, 0,
                                        &(sl_keyed_tag){"spool", 7}, 1, &err), 0);
    assert_int_equal(sl_state_keyed_put(st, "msx", "milestones", 0, NULL, 0, &(sl_keyed_tag){"spool", 7}, 1, &err),
                     0);
    assert_int_equal(sl_state_keyed_reset(st, "ms", &err), 0);
    sl_state_close(st);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM keyed_state WHERE pipeline IN ('ms', 'ms@crm')"),
                     0);
    assert_int_equal(th_sql_int(th_state_db, "SELECT count(*) FROM keyed_state WHERE pipeline = 'msx'"), 1);
}

static void test_bad_rules_are_config_errors(void **state)
{
    (void)state;
    th_write(th_dir, "pipelines/bad.yml",
             "source: {type: jsonl, path: data/none.jsonl}\n"
             "transforms:\n"
             "  - type: milestones\n"
             "    key: user_id\n"
             "    rules:\n"
             "      - {name: a, count: {when: \"x = 1\", at_least: 0, within: 7d}}\n"
             "      - {name: b, first_time: \"x = \", inactive: {when: x, for: 1d}}\n"
             "      - {name: c, inactive: {when: \"x = 1\", fro: 1d}}\n"
             "sinks: [{type: sqlite, table: m}]\n");
    sl_project *p = NULL;
    sl_diags d;
    sl_diags_init(&d);
    sl_project_load(th_dir, &p, &d);
    sl_buf all;
    sl_buf_init(&all);
    for (size_t i = 0; i < d.n; i++)
        sl_buf_addf(&all, "%s:%d: %s\n", d.v[i].file ? d.v[i].file : "", d.v[i].line, d.v[i].msg);
    assert_non_null(strstr(all.data, "bad.yml:6: milestones rule 'a': count: at_least must be a whole number"));
    assert_non_null(strstr(all.data, "bad.yml:7: milestones rule 'b': give exactly one of"));
    assert_non_null(strstr(all.data, "unknown setting 'inactive.fro'; did you mean 'inactive.for'?"));
    assert_non_null(strstr(all.data, "milestones rule 'c': inactive: for must be a duration"));
    sl_buf_release(&all);
    sl_diags_release(&d);
    if (p)
        sl_project_free(p);
    char path[4300];
    snprintf(path, sizeof path, "%s/pipelines/bad.yml", th_dir);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_time_and_positions),
        cmocka_unit_test(test_count_window_edges_and_late_events),
        cmocka_unit_test(test_inactive_at_ticks),
        cmocka_unit_test(test_state_round_trip_with_tag_offset),
        cmocka_unit_test(test_bad_rules_are_config_errors),
    };
    return cmocka_run_group_tests(tests, th_setup, th_teardown);
}
