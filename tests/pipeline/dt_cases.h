/*
 * dt_cases.h: the data-test cases (models/test.h) that test_datatests.c
 * (SQLite) and test_datatests_pg.c (PostgreSQL) both run through a real
 * adapter: counting failing rows, severities, error_if/warn_if, limit,
 * store_failures (the audit table replaced on each run), the sample of
 * failing rows, and a test whose SQL the warehouse refuses. The includer
 * defines dt_open(), which sets dt_a to an adapter on an empty warehouse
 * whose unqualified names resolve to its target schema.
 */
#ifndef SL_TEST_DT_CASES_H
#define SL_TEST_DT_CASES_H
#include "core/mem.h"
#include "models/test.h"
#include <string.h>

static sl_adapter *dt_a;
static void dt_open(void);

static void dt_x(const char *sql)
{
    sl_error err;
    if (sl_adapter_exec(dt_a, sql, &err) < 0)
        fail_msg("%s: %s", sql, err.msg);
}

static int64_t dt_int(const char *sql)
{
    sl_error err;
    int64_t v = -1;
    if (sl_adapter_scalar(dt_a, sql, &v, &err) < 0)
        fail_msg("%s: %s", sql, err.msg);
    return v;
}

/* people: ann and bob share an email, two emails are NULL */
static void dt_people(void)
{
    dt_x("CREATE TABLE people (id integer, email text, team text)");
    dt_x("INSERT INTO people VALUES (1, 'a@x.io', 'red'), (2, 'a@x.io', 'blue'), (3, NULL, 'red'),"
         " (4, NULL, 'green'), (5, 'e@x.io', 'red')");
}

static sl_node dt_node(const char *name)
{
    sl_node n;
    memset(&n, 0, sizeof n);
    n.kind = SL_NODE_TEST;
    n.name = (char *)name;
    n.unique_id = (char *)name;
    n.config.enabled = 1;
    n.config.limit = -1;
    n.config.store_failures = -1;
    n.config.full_refresh = -1;
    n.attached = (size_t)-1;
    return n;
}

#define NOT_NULL "select * from people where email is null"
#define UNIQUE "select email, count(*) as n from people where email is not null group by email having count(*) > 1"

static void dt_case_statuses(void)
{
    dt_open();
    dt_people();
    sl_test_result r;
    sl_node n = dt_node("not_null_people_email");
    /* default: error_if != 0 -> fail */
    assert_int_equal(sl_test_run(dt_a, &n, NOT_NULL, &r), -1);
    assert_string_equal(r.status, "fail");
    assert_int_equal(r.failures, 2);
    assert_string_equal(r.message, "Got 2 results, configured to fail if != 0");
    assert_non_null(r.sample_json);
    assert_non_null(strstr(r.sample_json, "\"id\":\"3\""));
    assert_non_null(strstr(r.sample_json, "\"email\":null"));
    sl_test_result_release(&r);
    /* a trailing semicolon and blanks are fine */
    n = dt_node("unique_people_email");
    assert_int_equal(sl_test_run(dt_a, &n, UNIQUE ";\n  ", &r), -1);
    assert_int_equal(r.failures, 1);
    assert_string_equal(r.message, "Got 1 result, configured to fail if != 0");
    sl_test_result_release(&r);
    /* severity warn: warns, never fails */
    n.config.severity = "warn";
    assert_int_equal(sl_test_run(dt_a, &n, UNIQUE, &r), 0);
    assert_string_equal(r.status, "warn");
    assert_string_equal(r.message, "Got 1 result, configured to warn if != 0");
    sl_test_result_release(&r);
    /* error_if >1 with 2 failures fails; warn_if >0 with 1 warns; nothing passes */
    n = dt_node("not_null_people_email");
    n.config.error_if = ">1";
    assert_int_equal(sl_test_run(dt_a, &n, NOT_NULL, &r), -1);
    assert_string_equal(r.status, "fail");
    assert_string_equal(r.message, "Got 2 results, configured to fail if >1");
    sl_test_result_release(&r);
    n.config.error_if = ">2";
    n.config.warn_if = ">0";
    assert_int_equal(sl_test_run(dt_a, &n, NOT_NULL, &r), 0);
    assert_string_equal(r.status, "warn");
    assert_string_equal(r.message, "Got 2 results, configured to warn if >0");
    sl_test_result_release(&r);
    assert_int_equal(sl_test_run(dt_a, &n, "select * from people where id > 99", &r), 0);
    assert_string_equal(r.status, "pass");
    assert_int_equal(r.failures, 0);
    assert_string_equal(r.message, "");
    assert_null(r.sample_json);
    sl_test_result_release(&r);
    /* limit caps what is counted */
    n = dt_node("not_null_people_email");
    n.config.limit = 1;
    assert_int_equal(sl_test_run(dt_a, &n, NOT_NULL, &r), -1);
    assert_int_equal(r.failures, 1);
    sl_test_result_release(&r);
    /* a condition that is not one: error, named */
    n = dt_node("not_null_people_email");
    n.config.error_if = "lots";
    assert_int_equal(sl_test_run(dt_a, &n, NOT_NULL, &r), -1);
    assert_string_equal(r.status, "error");
    assert_string_equal(r.message,
                        "error_if: condition 'lots' is not a comparison with a number (like '>10' or '!=0')");
    sl_test_result_release(&r);
    /* SQL the warehouse refuses: error with its message */
    n = dt_node("broken");
    assert_int_equal(sl_test_run(dt_a, &n, "select * from no_such_table", &r), -1);
    assert_string_equal(r.status, "error");
    assert_int_equal(r.failures, -1);
    assert_non_null(strstr(r.message, "no_such_table"));
    sl_test_result_release(&r);
    sl_adapter_close(dt_a);
}

/* store_failures: the failing rows replace the audit table's */
static void dt_case_store_failures(const char *audit)
{
    dt_open();
    dt_people();
    sl_test_result r;
    sl_node n = dt_node("not_null_people_email");
    n.config.store_failures = 1;
    assert_int_equal(sl_test_run(dt_a, &n, NOT_NULL, &r), -1);
    assert_non_null(r.stored_in);
    char *q = sl_printf("select count(*) from %s.not_null_people_email", audit);
    assert_int_equal(dt_int(q), 2);
    sl_test_result_release(&r);
    dt_x("UPDATE people SET email = 'c@x.io' WHERE id = 3");
    assert_int_equal(sl_test_run(dt_a, &n, NOT_NULL, &r), -1);
    assert_int_equal(r.failures, 1);
    assert_int_equal(dt_int(q), 1);
    sl_test_result_release(&r);
    /* passing: the table is kept, empty */
    dt_x("UPDATE people SET email = 'd@x.io' WHERE id = 4");
    assert_int_equal(sl_test_run(dt_a, &n, NOT_NULL, &r), 0);
    assert_string_equal(r.status, "pass");
    assert_int_equal(dt_int(q), 0);
    sl_test_result_release(&r);
    sl_free(q);
    sl_adapter_close(dt_a);
}

#endif
