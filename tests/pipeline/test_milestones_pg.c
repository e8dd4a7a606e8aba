/* test_milestones_pg.c: the milestones transform with the state store and
 * the warehouse on PostgreSQL (the ctest fixture starts one): the keyed
 * state is saved in sluice_state.keyed_state, a second run over new files
 * continues from it (a count window cut between the runs completes, a
 * first_time never fires twice), and a reset forgets it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "state/keyed.h"

static void test_pg_milestones_across_runs(void **state)
{
    th_setup(state);
    th_pg_url();
    th_pg_exec("DROP SCHEMA IF EXISTS ms_pg CASCADE; CREATE SCHEMA ms_pg;"
               "CREATE SCHEMA IF NOT EXISTS sluice_state;"
               "CREATE TABLE IF NOT EXISTS sluice_state.keyed_state (pipeline TEXT NOT NULL, transform TEXT NOT NULL,"
               " scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT, updated_at TEXT,"
               " PRIMARY KEY(pipeline, transform, scope, key));"
               "DELETE FROM sluice_state.keyed_state WHERE pipeline LIKE 'ms_pg%'");
    th_write(th_dir, "sluice.yml",
             "name: m\n"
             "warehouse: {type: postgres, url: \"${SLUICE_TEST_PG_URL}\", schema: ms_pg}\n"
             "state: {type: postgres, url: \"${SLUICE_TEST_PG_URL}\"}\n");
    th_write(th_dir, "pipelines/ms_pg.yml",
             "source: {type: jsonl, path: in/*.jsonl, incremental: new_files}\n"
             "transforms:\n"
             "  - type: milestones\n"
             "    key: user_id\n"
             "    time: ts\n"
             "    rules:\n"
             "      - {name: activated, first_time: \"event = 'Project Created'\"}\n"
             "      - name: team_growing\n"
             "        count: {when: \"event = 'Invite Sent'\", at_least: 3, within: 7d}\n"
             "sinks: [{type: postgres, schema: ms_pg, table: ev}]\n");
    th_write(th_dir, "in/01.jsonl",
             "{\"user_id\":\"u1\",\"event\":\"Project Created\",\"ts\":\"2026-01-01T10:00:00Z\"}\n"
             "{\"user_id\":\"u1\",\"event\":\"Invite Sent\",\"ts\":\"2026-01-02T10:00:00Z\"}\n"
             "{\"user_id\":\"u2\",\"event\":\"Invite Sent\",\"ts\":\"2026-01-02T11:00:00Z\"}\n"
             "{\"user_id\":\"u1\",\"event\":\"Invite Sent\",\"ts\":\"2026-01-03T10:00:00Z\"}\n");
    sl_run_result r = th_run_dir(th_dir, "ms_pg");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.read, 4);
    assert_int_equal(r.counts.derived, 1);
    assert_int_equal(r.counts.loaded, 5);
    assert_int_equal(th_pg_int("SELECT count(*) FROM sluice_state.keyed_state WHERE pipeline = 'ms_pg' AND "
                               "transform = 'milestones' AND scope LIKE 'team_growing#%'"), 2);
    th_write(th_dir, "in/02.jsonl",
             "{\"user_id\":\"u1\",\"event\":\"Project Created\",\"ts\":\"2026-01-04T10:00:00Z\"}\n"
             "{\"user_id\":\"u1\",\"event\":\"Invite Sent\",\"ts\":\"2026-01-09T10:00:00Z\"}\n"
             "{\"user_id\":\"u2\",\"event\":\"Invite Sent\",\"ts\":\"2026-01-20T11:00:00Z\"}\n");
    r = th_run_dir(th_dir, "ms_pg");
    assert_string_equal(r.status, "success");
    assert_int_equal(r.counts.derived, 1);
    char *t = th_pg_text("SELECT string_agg(user_id || ':' || milestone || '@' || to_char(milestone_at, "
                         "'MM-DD'), ' ' ORDER BY milestone_at) FROM ms_pg.ev WHERE milestone IS NOT NULL");
    /* u1's third invite (Jan 9) is within 7 days of Jan 2: the window spans the two runs */
    assert_string_equal(t, "u1:activated@01-01 u1:team_growing@01-09");
    free(t);
    /* reset forgets the state of the pipeline and its lanes */
    sl_project *p = th_project(th_dir);
    sl_state *s;
    sl_error err = {0};
    assert_int_equal(sl_state_open_project(p, &s, &err), 0);
    assert_int_equal(sl_state_keyed_put(s, "ms_pg@crm", "milestones", 0, NULL, 0, &(sl_keyed_tag){"spool", 9}, 1,
                                        &err), 0);
    assert_int_equal(th_pg_int("SELECT count(*) FROM sluice_state.keyed_state WHERE pipeline = 'ms_pg@crm'"), 1);
    assert_int_equal(sl_state_keyed_reset(s, "ms_pg", &err), 0);
    sl_state_close(s);
    sl_project_free(p);
    assert_int_equal(th_pg_int("SELECT count(*) FROM sluice_state.keyed_state WHERE pipeline LIKE 'ms_pg%'"), 0);
    th_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pg_milestones_across_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
