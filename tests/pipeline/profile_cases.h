/* profile_cases.h: the case shared by test_profile_sql.c (SQLite) and
 * test_profile_sql_pg.c (PostgreSQL): a table of every kind of column,
 * profiled by sl_profile_relation (quality/profile_sql.c), with the values
 * asserted. Included once per test program. */
#ifndef SL_TEST_PROFILE_CASES_H
#define SL_TEST_PROFILE_CASES_H
#include "models/adapter.h"
#include "quality/profile.h"
#include <math.h>

static const sl_column_profile *pc_col(const sl_profile *p, const char *name)
{
    for (size_t i = 0; i < p->ncols; i++)
        if (strcmp(p->cols[i].name, name) == 0)
            return &p->cols[i];
    fail_msg("no column %s in the profile", name);
    return NULL;
}

static void pc_exec(sl_adapter *a, const char *sql)
{
    sl_error err = {0};
    if (sl_adapter_exec(a, sql, &err) < 0)
        fail_msg("%s: %s", sql, err.msg);
}

#define PC_NEAR(x, y) assert_true(fabs((x) - (y)) < 1e-9 * (fabs(y) + 1))

/* pg: the table's types are PostgreSQL's; schema: where it is (NULL: the default). */
static void pc_case(sl_adapter *a, int pg, const char *schema)
{
    pc_exec(a, pg ? "CREATE TABLE \"odd name\" (id bigint, amount double precision, price numeric, \"na\"\"me\" text,"
                    " d date, ts timestamp, ok boolean, j jsonb, empty text)"
                  : "CREATE TABLE \"odd name\" (id INTEGER, amount REAL, price DECIMAL TEXT, \"na\"\"me\" TEXT,"
                    " d DATE TEXT, ts TIMESTAMP TEXT, ok BOOLEAN, j JSON TEXT, empty TEXT)");
    pc_exec(a, "INSERT INTO \"odd name\" VALUES"
               " (1, 1.5, 10.50, 'Zoë', '2024-01-01', '2024-01-01T10:00:00', TRUE, '{\"a\":1}', NULL),"
               " (2, 2.5, 20.25, '日本語', '2023-06-30', '2024-02-01T00:00:00', FALSE, '{\"a\":1}', NULL),"
               " (3, NULL, NULL, 'al', NULL, NULL, TRUE, NULL, NULL),"
               " (4, 4.0, 5, 'al', '2025-12-31', '2023-12-31T23:59:59', NULL, '[1,2]', NULL)");
    sl_profile p;
    sl_error err = {0};
    if (sl_profile_relation(a, schema, "odd name", &p, &err) < 0)
        fail_msg("profile: %s", err.msg);
    assert_int_equal(p.rows, 4);
    assert_int_equal(p.ncols, 9);
    assert_string_equal(p.cols[0].name, "id"); /* in the table's order */

    const sl_column_profile *c = pc_col(&p, "id");
    assert_string_equal(c->type, "int");
    assert_int_equal(c->rows, 4);
    assert_int_equal(c->nulls, 0);
    assert_int_equal(c->distinct, 4);
    assert_true(c->has_num && c->min == 1 && c->max == 4);
    PC_NEAR(c->mean, 2.5);
    PC_NEAR(c->stddev, sqrt(5.0 / 3));

    c = pc_col(&p, "amount");
    assert_string_equal(c->type, "float");
    assert_int_equal(c->nulls, 1);
    assert_int_equal(c->distinct, 3);
    assert_true(c->min == 1.5 && c->max == 4);
    PC_NEAR(c->mean, 8.0 / 3);
    PC_NEAR(c->stddev, sqrt((pow(1.5 - 8.0 / 3, 2) + pow(2.5 - 8.0 / 3, 2) + pow(4 - 8.0 / 3, 2)) / 2));
    assert_false(c->has_len);

    c = pc_col(&p, "price");
    assert_string_equal(c->type, "decimal");
    assert_int_equal(c->nulls, 1);
    assert_true(c->has_num && c->min == 5 && c->max == 20.25);
    PC_NEAR(c->mean, 35.75 / 3);

    c = pc_col(&p, "na\"me");
    assert_string_equal(c->type, "text");
    assert_int_equal(c->nulls, 0);
    assert_int_equal(c->distinct, 3);
    assert_false(c->has_num);
    assert_true(c->has_len);
    assert_int_equal(c->min_len, 2);
    assert_int_equal(c->max_len, 3); /* characters, not bytes */
    assert_string_equal(c->min_text, "Zoë");
    assert_string_equal(c->max_text, "日本語");

    c = pc_col(&p, "d");
    assert_string_equal(c->type, "date");
    assert_int_equal(c->nulls, 1);
    assert_int_equal(c->distinct, 3);
    assert_string_equal(c->min_text, "2023-06-30");
    assert_string_equal(c->max_text, "2025-12-31");

    c = pc_col(&p, "ts");
    assert_string_equal(c->type, "timestamp");
    assert_string_equal(c->min_text, "2023-12-31T23:59:59");
    assert_string_equal(c->max_text, "2024-02-01T00:00:00");

    c = pc_col(&p, "ok");
    assert_string_equal(c->type, "bool");
    assert_int_equal(c->nulls, 1);
    assert_int_equal(c->distinct, 2);
    assert_true(c->has_num && c->min == 0 && c->max == 1);
    PC_NEAR(c->mean, 2.0 / 3);

    c = pc_col(&p, "j");
    assert_string_equal(c->type, "json");
    assert_int_equal(c->nulls, 1);
    assert_int_equal(c->distinct, 2);

    c = pc_col(&p, "empty");
    assert_int_equal(c->nulls, 4);
    assert_int_equal(c->distinct, 0);
    assert_false(c->has_num);
    assert_false(c->has_len);
    assert_string_equal(c->min_text, "");
    sl_profile_release(&p);

    /* an empty table: zero rows, every column all null */
    pc_exec(a, "DELETE FROM \"odd name\"");
    if (sl_profile_relation(a, schema, "odd name", &p, &err) < 0)
        fail_msg("profile: %s", err.msg);
    assert_int_equal(p.rows, 0);
    assert_int_equal(pc_col(&p, "amount")->rows, 0);
    assert_false(pc_col(&p, "amount")->has_num);
    sl_profile_release(&p);

    /* a relation that does not exist is an error naming it */
    assert_int_equal(sl_profile_relation(a, schema, "missing_table", &p, &err), -1);
}

#endif
