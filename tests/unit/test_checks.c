/* test_checks.c: the checks core (quality/check.h): loading every
 * spelling of a `checks:` entry, every loading error word for word with
 * file:line:col, judging each kind, threshold texts, the failing-row
 * predicates of both dialects (values stay quoted data), the formats and
 * PCRE2's regexp() on SQLite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "config/yaml.h"
#include "core/mem.h"
#include "format_cases.h"
#include "helpers.h"
#include "quality/check.h"

/* Load the checks of yaml (as if from a file "c.yml");
 * the diagnostics as text ("" when none) into *diags (caller frees). */
static void load(const char *yaml, const char *where, sl_check_list *out, char **diags)
{
    sl_diags d;
    sl_diags_init(&d);
    struct fy_document *doc = fy_document_build_from_string(NULL, yaml, FY_NT);
    assert_non_null(doc);
    sl_checks_load(fy_document_root(doc), "c.yml", where, out, &d);
    sl_buf b;
    sl_buf_init(&b);
    sl_diags_format(&d, &b);
    *diags = sl_strdup(b.data ? b.data : "");
    sl_buf_release(&b);
    sl_diags_release(&d);
    fy_document_destroy(doc);
}

static void test_spellings(void **state)
{
    (void)state;
    sl_check_list l = {0};
    char *diags;
    load("- row_count\n"
         "- not_null: email\n"
         "- accepted_values: {column: status, values: [a, b], severity: warn}\n"
         "- {kind: null_rate, column: email, max: 5%}\n"
         "- type: unique\n"
         "  columns: [a, b]\n"
         "- regex:\n"
         "    arguments: {column: s, pattern: '^x'}\n"
         "    config: {severity: ERROR, where: \"id > 1\"}\n"
         "- freshness: {column: ts, warn_after: 6h, error_after: {count: 1, period: day}}\n"
         "- schema: {columns: {id: integer, email: text}, exact: true}\n"
         "- row_count_change: {max: 0.2, against: mean, runs: 5}\n"
         "- range: {column: n, min: -1.5, max: 10, exclusive: true, name: n_range, on_fail: quarantine}\n"
         "- accepted_values: {column: n, values: [1, 2.5, true], quote: false, max_failure_rate: 10%}\n"
         "- relationships: {column: cid, to: customers}\n"
         "- equal_aggregates: {expression: sum(amount), compare_to: orders, tolerance: 0.01}\n"
         "- not_null: [a, b]\n",
         "pipeline", &l, &diags);
    assert_string_equal(diags, "");
    assert_int_equal(l.n, 14);
    assert_string_equal(l.v[0].name, "row_count");
    assert_true(l.v[0].has_min && l.v[0].min == 1 && !l.v[0].has_max); /* not empty */
    assert_string_equal(l.v[1].name, "not_null_email");
    assert_int_equal(l.v[1].ncolumns, 1);
    assert_string_equal(l.v[2].name, "accepted_values_status");
    assert_int_equal(l.v[2].severity, SL_SEVERITY_WARN);
    assert_int_equal(sl_check_effective_on_fail(&l.v[2]), SL_ON_FAIL_ALERT);
    assert_int_equal(l.v[2].nvalues, 2);
    assert_string_equal(l.v[3].name, "null_rate_email");
    assert_true(fabs(l.v[3].max - 0.05) < 1e-12);
    assert_string_equal(l.v[4].name, "unique_a_b");
    assert_int_equal(l.v[4].kind, SL_CHECK_UNIQUE);
    assert_string_equal(l.v[5].name, "regex_s");
    assert_string_equal(l.v[5].where, "id > 1");
    assert_string_equal(l.v[5].pattern, "^x");
    assert_int_equal(l.v[5].severity, SL_SEVERITY_ERROR);
    assert_int_equal(sl_check_effective_on_fail(&l.v[5]), SL_ON_FAIL_FAIL);
    assert_int_equal(l.v[6].warn_after_s, 6 * 3600);
    assert_int_equal(l.v[6].error_after_s, 86400);
    assert_int_equal(l.v[7].nschema, 2);
    assert_string_equal(l.v[7].schema_names[1], "email");
    assert_string_equal(l.v[7].schema_types[1], "text");
    assert_true(l.v[7].exact);
    assert_string_equal(l.v[8].against, "mean");
    assert_int_equal(l.v[8].runs, 5);
    assert_string_equal(l.v[9].name, "n_range");
    assert_true(l.v[9].min == -1.5 && l.v[9].max == 10 && l.v[9].exclusive);
    assert_int_equal(sl_check_effective_on_fail(&l.v[9]), SL_ON_FAIL_QUARANTINE);
    assert_string_equal(l.v[10].name, "accepted_values_n");
    assert_int_equal(l.v[10].quote, 0);
    assert_true(l.v[10].has_max_failure_rate && fabs(l.v[10].max_failure_rate - 0.1) < 1e-12);
    assert_string_equal(l.v[11].field, "cid"); /* field defaults to the column */
    assert_string_equal(l.v[12].compare_expression, "sum(amount)");
    assert_string_equal(l.v[13].name, "not_null_a_b");
    assert_int_equal(l.v[13].ncolumns, 2);
    assert_true(sl_check_in_stream(&l.v[0]));
    assert_false(sl_check_in_stream(&l.v[11]));
    sl_checks_free(&l);
    free(diags);

    /* a column's tests: entry (models/props.c) */
    sl_check c;
    sl_diags d;
    sl_diags_init(&d);
    sl_loc loc = {"m.yml", 4, 11};
    assert_int_equal(sl_check_load_one("format", "email", NULL, "m.yml", loc, "model", &c, &d), 1);
    sl_buf b;
    sl_buf_init(&b);
    sl_diags_format(&d, &b);
    assert_string_equal(b.data, "m.yml:4:11: check format needs format:\n");
    sl_check_release(&c);
    sl_diags_release(&d);
    sl_diags_init(&d);
    assert_int_equal(sl_check_load_one("not_nul", "email", NULL, "m.yml", loc, "model", &c, &d), 1);
    sl_buf_reset(&b);
    sl_diags_format(&d, &b);
    assert_string_equal(b.data, "m.yml:4:11: unknown check kind 'not_nul'; did you mean 'not_null'?\n");
    sl_check_release(&c);
    sl_diags_release(&d);
    sl_diags_init(&d);
    assert_int_equal(sl_check_load_one("null_rate", "email", NULL, "m.yml", loc, "model", &c, &d), 1);
    sl_check_release(&c);
    sl_diags_release(&d);
    sl_buf_release(&b);
}

static void test_errors(void **state)
{
    (void)state;
    sl_check_list l = {0};
    char *diags;
    load("- not_nul: {column: a}\n"
         "- not_null: {colum: a}\n"
         "- accepted_values: {column: a}\n"
         "- range: {column: n}\n"
         "- null_rate: {column: e, max: 20}\n"
         "- regex: {column: s, pattern: \"a(b\"}\n"
         "- {kind: format, column: e, format: emial}\n"
         "- row_count: {min: 10, max: 5}\n"
         "- null_rate: {column: e, max: 0.1, on_fail: quarantine}\n"
         "- not_null: {column: a, values: [x]}\n"
         "- freshness: {column: ts, warn_after: soon}\n"
         "- {column: a, max: 3}\n"
         "- not_null: {column: a, severity: fatal}\n"
         "- row_count\n"
         "- row_count\n"
         "- accepted_values: {column: a, values: [1, x], quote: false}\n"
         "- relationships: {column: a, to: t, on_fail: quarantine}\n"
         "- 42\n"
         "- unique: {columns: [a], max_failures: -1}\n"
         "- range: {column: n, min: ten}\n"
         "- length: {column: s, max: 2.5}\n"
         "- row_count_change: {max: 0.2, runs: 3}\n"
         "- freshness: {column: ts, warn_after: 1d, error_after: 1h}\n"
         "- accepted_values: {column: [a, b], values: [x]}\n",
         "pipeline", &l, &diags);
    assert_string_equal(diags,
        "c.yml:1:3: unknown check kind 'not_nul'; did you mean 'not_null'?\n"
        "c.yml:2:14: check not_null: unknown argument 'colum'; did you mean 'column'?\n"
        "c.yml:2:3: check not_null needs column: or columns:\n"
        "c.yml:3:3: check accepted_values needs values:\n"
        "c.yml:4:3: check range needs min: or max:\n"
        "c.yml:5:31: check null_rate: max must be a share between 0 and 1 (or a percentage like 20%), not '20'\n"
        "c.yml:6:3: check regex: pattern 'a(b' is not a valid regular expression: missing closing parenthesis at "
        "offset 3\n"
        "c.yml:7:37: check format: format 'emial' is not one of email|e164|iso_country|iso_currency|url|uuid|date; "
        "did you mean 'email'?\n"
        "c.yml:8:3: check row_count: min (10) is greater than max (5)\n"
        "c.yml:9:3: check null_rate: on_fail: quarantine needs a row-level check (not_null, unique, "
        "accepted_values, regex, range, length, format, expression); null_rate is an aggregate\n"
        "c.yml:10:25: check not_null does not take 'values' (it takes column, columns, where, max_failures, "
        "max_failure_rate)\n"
        "c.yml:11:39: check freshness: warn_after: 'soon' is not a duration (30m, 6h, 1d)\n"
        "c.yml:12:4: a check with several keys needs kind: (e.g. {kind: null_rate, column: email, max: 0.05}); "
        "or write it as KIND: {arguments}\n"
        "c.yml:13:35: check not_null: severity 'fatal' is not one of error|warn\n"
        "c.yml:15:3: two checks are named 'row_count' (the other at line 14); give one a name:\n"
        "c.yml:16:3: check accepted_values: with quote: false every value must be a number, true or false; 'x' "
        "is not (remove quote: false to compare text)\n"
        "c.yml:17:3: check relationships: on_fail: quarantine needs a check evaluated on the pipeline's rows; "
        "relationships reads the warehouse after the load\n"
        "c.yml:18:3: unknown check kind '42' (`sluice help checks` lists them)\n"
        "c.yml:19:40: check unique: max_failures must be a whole number >= 0, not '-1'\n"
        "c.yml:20:27: check range: min must be a number, not 'ten'\n"
        "c.yml:21:28: check length: max must be a whole number >= 0, not '2.5'\n"
        "c.yml:22:3: check row_count_change: runs is for against: mean\n"
        "c.yml:23:3: check freshness: warn_after is longer than error_after\n"
        "c.yml:24:30: check accepted_values checks one column: give column: one name\n"
        "c.yml:24:3: check accepted_values needs column:\n");
    assert_int_equal(l.n, 1); /* the first row_count */
    sl_checks_free(&l);
    free(diags);

    /* outside pipelines */
    load("- not_null: {column: a, on_fail: quarantine}\n"
         "- row_count_match: {compare_to: source}\n"
         "- checks_are: a list\n",
         "model", &l, &diags);
    assert_string_equal(diags,
        "c.yml:1:3: check not_null: on_fail: quarantine is only for checks in pipelines (the failing rows go to "
        "the DLQ); use alert or fail here\n"
        "c.yml:2:3: check row_count_match: compare_to: source is only for pipelines; name a table\n"
        "c.yml:3:3: unknown check kind 'checks_are' (`sluice help checks` lists them)\n");
    sl_checks_free(&l);
    free(diags);
    load("not_null: a\n", "pipeline", &l, &diags);
    assert_string_equal(diags, "c.yml:1:1: checks must be a list (- not_null: {column: id})\n");
    sl_checks_free(&l);
    free(diags);
}

/* A check from one YAML entry (asserting it loads). */
static sl_check one(const char *yaml)
{
    sl_check_list l = {0};
    char *diags;
    load(yaml, "pipeline", &l, &diags);
    if (*diags)
        fail_msg("%s", diags);
    free(diags);
    assert_int_equal(l.n, 1);
    sl_check c = l.v[0];
    free(l.v);
    return c;
}

static void judge(const char *yaml, double observed, int64_t failures, int64_t rows, const char *status,
                  const char *threshold, const char *message)
{
    sl_check c = one(yaml);
    sl_check_result r;
    sl_check_judge(&c, "pipeline.p.x", observed, failures, rows, &r);
    assert_string_equal(r.status, status);
    assert_string_equal(r.threshold, threshold);
    assert_string_equal(r.message, message);
    assert_string_equal(r.node, "pipeline.p.x");
    assert_string_equal(r.check, c.name);
    assert_string_equal(r.kind, sl_check_kind_name(c.kind));
    sl_check_result_release(&r);
    sl_check_release(&c);
}

static void test_judge(void **state)
{
    (void)state;
    judge("- not_null: a\n", 0, 0, 10, "pass", "= 0 failing rows", "not_null: 0 failing rows (of 10)");
    judge("- not_null: a\n", 3, 3, 10, "fail", "= 0 failing rows",
          "not_null: 3 failing rows, expected = 0 failing rows (of 10)");
    judge("- not_null: {column: a, severity: warn}\n", 1, 1, 10, "warn", "= 0 failing rows",
          "not_null: 1 failing row, expected = 0 failing rows (of 10)");
    judge("- unique: {column: a, max_failures: 2}\n", 2, 2, 10, "pass", "<= 2 failing rows",
          "unique: 2 failing rows (of 10)");
    judge("- unique: {column: a, max_failures: 2}\n", 3, 3, -1, "fail", "<= 2 failing rows",
          "unique: 3 failing rows, expected <= 2 failing rows");
    judge("- regex: {column: a, pattern: x, max_failure_rate: 0.1}\n", 10, 10, 100, "pass", "<= 10% of rows failing",
          "regex: 10 failing rows (of 100)");
    judge("- regex: {column: a, pattern: x, max_failure_rate: 0.1}\n", 11, 11, 100, "fail", "<= 10% of rows failing",
          "regex: 11 failing rows, expected <= 10% of rows failing (of 100)");
    judge("- null_rate: {column: a, max: 0.05}\n", 0.05, -1, 100, "pass", "<= 0.05", "null_rate 0.05");
    judge("- null_rate: {column: a, max: 0.05}\n", 0.12, -1, 100, "fail", "<= 0.05",
          "null_rate 0.12, expected <= 0.05");
    judge("- duplicate_rate: {column: a, max: 0.05, severity: warn}\n", 0.5, -1, 100, "warn", "<= 0.05",
          "duplicate_rate 0.5, expected <= 0.05");
    judge("- row_count: {min: 1, max: 100}\n", 0, -1, 0, "fail", "between 1 and 100 rows",
          "row_count 0, expected between 1 and 100 rows");
    judge("- row_count: {min: 1, max: 100}\n", 100, -1, 100, "pass", "between 1 and 100 rows", "row_count 100");
    judge("- row_count: {max: 5}\n", 6, -1, 6, "fail", "<= 5 rows", "row_count 6, expected <= 5 rows");
    judge("- row_count_change: {max: 20%}\n", 0.25, -1, 75, "fail", "<= 20% change vs the previous run",
          "row_count_change 0.25, expected <= 20% change vs the previous run");
    judge("- row_count_change: {max: 20%}\n", NAN, -1, 75, "pass", "<= 20% change vs the previous run",
          "row_count_change: nothing to compare with yet");
    judge("- row_count_change: {max: 0.2, against: mean}\n", 0.1, -1, 75, "pass",
          "<= 20% change vs the mean of the last 7 runs", "row_count_change 0.1");
    judge("- freshness: {column: t, warn_after: 1h, error_after: 1d}\n", 1800, -1, -1, "pass",
          "warn after 1h, error after 1d", "freshness 30m old");
    judge("- freshness: {column: t, warn_after: 1h, error_after: 1d}\n", 7200, -1, -1, "warn",
          "warn after 1h, error after 1d", "freshness 2h old, expected warn after 1h, error after 1d");
    judge("- freshness: {column: t, warn_after: 1h, error_after: 1d}\n", 90000, -1, -1, "fail",
          "warn after 1h, error after 1d", "freshness 1d1h old, expected warn after 1h, error after 1d");
    judge("- freshness: {error_after: 1d, severity: warn}\n", 90000, -1, -1, "warn", "error after 1d",
          "freshness 1d1h old, expected error after 1d");
    judge("- required_columns: [a, b]\n", 1, -1, -1, "fail", "= 0 missing columns",
          "required_columns 1, expected = 0 missing columns");
    judge("- schema: {columns: {a: int}}\n", 0, -1, -1, "pass", "= 0 mismatched columns", "schema 0");
    judge("- row_count_match: {compare_to: source, tolerance: 0.01}\n", 0.02, -1, 98, "fail",
          "within 1% of the source's rows", "row_count_match 0.02, expected within 1% of the source's rows");
    judge("- row_count_match: {compare_to: orders}\n", 0, -1, 98, "pass", "= the rows of orders",
          "row_count_match 0");
    judge("- equal_aggregates: {expression: sum(a), compare_to: o, compare_expression: sum(b)}\n", 0.5, -1, -1,
          "fail", "= sum(b) of o", "equal_aggregates 0.5, expected = sum(b) of o");
    judge("- range: {column: a, min: 0}\n", 0, 0, 3, "pass", ">= 0", "range: 0 failing rows (of 3)");
    judge("- range: {column: a, min: 0, max: 1, exclusive: true}\n", 1, 1, 3, "fail", "> 0 and < 1",
          "range: 1 failing row, expected > 0 and < 1 (of 3)");
    judge("- length: {column: a, min: 2, max: 5}\n", 0, 0, 3, "pass", "between 2 and 5 characters",
          "length: 0 failing rows (of 3)");
}

static void test_predicates(void **state)
{
    (void)state;
    struct { const char *yaml, *sqlite, *pg; } cases[] = {
        {"- accepted_values: {column: \"st\\\"x\", values: [\"a'); DROP TABLE t; --\", b]}\n",
         "\"st\"\"x\" IS NOT NULL AND \"st\"\"x\" NOT IN ('a''); DROP TABLE t; --','b') AND CAST(\"st\"\"x\" AS "
         "TEXT) NOT IN ('a''); DROP TABLE t; --','b')",
         "\"st\"\"x\" IS NOT NULL AND \"st\"\"x\" NOT IN ('a''); DROP TABLE t; --','b')"},
        {"- accepted_values: {column: n, values: [1, 2.5, true], quote: false}\n",
         "\"n\" IS NOT NULL AND \"n\" NOT IN (1,2.5,TRUE)", "\"n\" IS NOT NULL AND \"n\" NOT IN (1,2.5,TRUE)"},
        {"- regex: {column: s, pattern: \"^a'b$\", where: \"id > 1\"}\n",
         "(id > 1) AND (\"s\" IS NOT NULL AND NOT regexp('^a''b$', \"s\"))",
         "(id > 1) AND (\"s\" IS NOT NULL AND NOT ((\"s\")::text ~ '^a''b$'))"},
        {"- not_null: [a, b]\n", "(\"a\" IS NULL OR \"b\" IS NULL)", "(\"a\" IS NULL OR \"b\" IS NULL)"},
        {"- range: {column: n, min: 0, max: 10}\n", "\"n\" IS NOT NULL AND (\"n\" < 0 OR \"n\" > 10)",
         "\"n\" IS NOT NULL AND (\"n\" < 0 OR \"n\" > 10)"},
        {"- length: {column: s, min: 2}\n", "\"s\" IS NOT NULL AND (length(CAST(\"s\" AS TEXT)) < 2)",
         "\"s\" IS NOT NULL AND (char_length((\"s\")::text) < 2)"},
        {"- format: {column: u, format: uuid}\n", "\"u\" IS NOT NULL AND NOT sl_format_valid('uuid', \"u\")",
         "\"u\" IS NOT NULL AND NOT ((\"u\")::text ~ '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
         "[0-9A-Fa-f]{12}$')"},
        {"- expression: {expression: \"a <= b\"}\n", "NOT coalesce((a <= b), 0)", "NOT coalesce((a <= b), false)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sl_check c = one(cases[i].yaml);
        sl_buf b;
        sl_buf_init(&b);
        sl_error err = {0};
        assert_int_equal(sl_check_fail_predicate(&c, SL_SQL_SQLITE, &b, &err), 0);
        assert_string_equal(b.data, cases[i].sqlite);
        sl_buf_reset(&b);
        assert_int_equal(sl_check_fail_predicate(&c, SL_SQL_POSTGRES, &b, &err), 0);
        assert_string_equal(b.data, cases[i].pg);
        sl_buf_release(&b);
        sl_check_release(&c);
    }
    /* aggregates have no row predicate */
    sl_check c = one("- null_rate: {column: a, max: 0.1}\n");
    sl_buf b;
    sl_buf_init(&b);
    sl_error err = {0};
    assert_int_equal(sl_check_fail_predicate(&c, SL_SQL_SQLITE, &b, &err), -1);
    sl_buf_release(&b);
    sl_check_release(&c);
}

static void test_formats(void **state)
{
    (void)state;
    for (size_t i = 0; i < FORMAT_NCASES; i++) {
        const format_case *f = &format_cases[i];
        int v = sl_format_valid(f->format, f->value, strlen(f->value));
        if (v != f->valid)
            fail_msg("format %s of '%s': %d, expected %d", f->format, f->value, v, f->valid);
    }
    assert_int_equal(sl_format_valid("phone", "x", 1), -1);
    assert_int_equal(sl_format_valid("email", "\xff@x.com", 7), 0); /* not UTF-8 */
    assert_int_equal(sl_format_valid("email", "a@b.com\0x", 9), 0); /* an embedded NUL */
}

/* One value of a SQL query on db, as text ("NULL" for NULL), or the error. */
static char *sql1(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return sl_printf("prepare: %s", sqlite3_errmsg(db));
    int rc = sqlite3_step(st);
    char *out = rc == SQLITE_ROW ? sl_strdup(sqlite3_column_type(st, 0) == SQLITE_NULL
                                                 ? "NULL"
                                                 : (const char *)sqlite3_column_text(st, 0))
                                 : sl_printf("error: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return out;
}

static void expect_sql(sqlite3 *db, const char *sql, const char *want)
{
    char *got = sql1(db, sql);
    if (strcmp(got, want) != 0)
        fail_msg("%s: got '%s', expected '%s'", sql, got, want);
    sl_free(got);
}

static void test_regexp(void **state)
{
    (void)state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    sl_error err = {0};
    assert_int_equal(sl_quality_register_sqlite(db, &err), 0);
    expect_sql(db, "SELECT regexp('^a.c$', 'abc')", "1");
    expect_sql(db, "SELECT regexp('^a.c$', 'abd')", "0");
    expect_sql(db, "SELECT 'xabcx' REGEXP 'b'", "1");
    expect_sql(db, "SELECT regexp('^.$', '\xc3\xa9')", "1"); /* UTF-8: é is one character */
    expect_sql(db, "SELECT regexp('^\\d+$', 12345)", "1");     /* numbers are matched as text */
    expect_sql(db, "SELECT regexp('a', NULL)", "NULL");
    expect_sql(db, "SELECT regexp(NULL, 'a')", "NULL");
    expect_sql(db, "SELECT regexp('a(b', 'ab')",
               "error: regexp: pattern 'a(b' is not a valid regular expression: missing closing parenthesis at "
               "offset 3");
    /* catastrophic backtracking errors out instead of hanging or passing */
    expect_sql(db, "SELECT regexp('^(a+)+$', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!')",
               "error: regexp: pattern '^(a+)+$' could not be matched against a value (match limit exceeded): "
               "simplify the pattern (nested repetition backtracks catastrophically)");
    /* many patterns: the cache replaces entries and stays right */
    for (int i = 0; i < 40; i++) {
        char q[128], want[8];
        snprintf(q, sizeof q, "SELECT regexp('^x%d$', 'x%d')", i, i % 2 ? i : i + 1);
        snprintf(want, sizeof want, "%d", i % 2);
        expect_sql(db, q, want);
    }
    /* accepted_values on columns without affinity (a pipeline's batch): 30 is accepted as '30' */
    sl_check c = one("- accepted_values: {column: a, values: ['30', x]}\n");
    sl_buf p;
    sl_buf_init(&p);
    assert_int_equal(sl_check_fail_predicate(&c, SL_SQL_SQLITE, &p, &err), 0);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE na(a); INSERT INTO na VALUES (30), ('x'), (31), (NULL)", NULL,
                                  NULL, NULL), SQLITE_OK);
    char *q = sl_printf("SELECT group_concat(a) FROM na WHERE %s", p.data);
    expect_sql(db, q, "31");
    sl_free(q);
    sl_buf_release(&p);
    sl_check_release(&c);
    expect_sql(db, "SELECT sl_format_valid('email', 'a@b.co')", "1");
    expect_sql(db, "SELECT sl_format_valid('iso_country', 'FR')", "1");
    expect_sql(db, "SELECT sl_format_valid('iso_currency', 'XYZ')", "0");
    expect_sql(db, "SELECT sl_format_valid('email', NULL)", "NULL");
    expect_sql(db, "SELECT sl_format_valid('phone', 'x')",
               "error: sl_format_valid: unknown format 'phone' (email, e164, iso_country, iso_currency, url, uuid, "
               "date)");
    sqlite3_close(db);
}

static void test_help(void **state)
{
    (void)state;
    sl_buf b;
    sl_buf_init(&b);
    sl_checks_help(&b);
    for (int k = 0; k < SL_CHECK_NKINDS; k++) {
        char line[64];
        snprintf(line, sizeof line, "\n  %-17s ", sl_check_kind_name((sl_check_kind)k));
        assert_non_null(strstr(b.data, line));
        assert_int_equal(sl_check_kind_find(sl_check_kind_name((sl_check_kind)k)), k);
    }
    assert_int_equal(sl_check_kind_find("nope"), -1);
    assert_non_null(strstr(b.data, "  max_failure_rate    row-level: fail only when the failing share exceeds"));
    sl_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spellings), cmocka_unit_test(test_errors),  cmocka_unit_test(test_judge),
        cmocka_unit_test(test_predicates), cmocka_unit_test(test_formats), cmocka_unit_test(test_regexp),
        cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
