/*
 * check_cases.h: every check kind through sl_check_run on a warehouse
 * relation, shared by test_checks_sql.c (SQLite) and test_checks_sql_pg.c
 * (PostgreSQL). The includer opens cc_a (an adapter on a fresh warehouse
 * whose unqualified names resolve to its target schema) and cc_st (a state
 * store), sets cc_pg, then calls the cases. Each case asserts the status,
 * the observed value, the failing rows and the sample; values, patterns
 * and names that look like SQL stay data.
 */
#ifndef SL_TEST_CHECK_CASES_H
#define SL_TEST_CHECK_CASES_H
#include "config/yaml.h"
#include "core/mem.h"
#include "format_cases.h"
#include "models/adapter.h"
#include "quality/check.h"
#include "state/state.h"
#include "state/state_int.h"
#include <math.h>
#include <string.h>

static sl_adapter *cc_a;
static sl_state *cc_st;
static int cc_pg;

static void cc_x(const char *sql)
{
    sl_error err = {0};
    if (sl_adapter_exec(cc_a, sql, &err) < 0)
        fail_msg("%s: %s", sql, err.msg);
}

static int64_t cc_int(const char *sql)
{
    int64_t v = -1;
    sl_error err = {0};
    if (sl_adapter_scalar(cc_a, sql, &v, &err) < 0)
        fail_msg("%s: %s", sql, err.msg);
    return v;
}

/* The tables every case reads. */
static void cc_tables(void)
{
    cc_x(cc_pg ? "CREATE TABLE people (id integer, email text, status text, age integer, country text, cur text, "
                 "code text, cid integer, amount numeric(10,2), ts timestamp)"
               : "CREATE TABLE people (id INTEGER, email TEXT, status TEXT, age INTEGER, country TEXT, cur TEXT, "
                 "code TEXT, cid INTEGER, amount REAL, ts TEXT)");
    cc_x("INSERT INTO people (id, email, status, age, country, cur, code, cid, amount) VALUES "
         "(1, 'a@x.com', 'active', 30, 'US', 'USD', 'AB-1', 1, 10),"
         "(2, 'bad-email', 'active', 40, 'DE', 'EUR', 'AB-2', 2, 20),"
         "(3, NULL, 'churned', 200, 'XX', 'usd', 'ab-3', 9, 30),"
         "(4, 'd@x.com', 'weird''); DROP TABLE people; --', -1, 'GB', 'JPY', 'AB-4', NULL, 40),"
         "(4, 'e@x.com', 'active', 25, 'FR', 'EUR', 'AB-5', 1, NULL)");
    /* two hours ago, in UTC */
    cc_x(cc_pg ? "UPDATE people SET ts = (now() AT TIME ZONE 'UTC') - interval '2 hours'"
               : "UPDATE people SET ts = datetime('now', '-2 hours')");
    cc_x("CREATE TABLE customers (id integer)");
    cc_x("INSERT INTO customers VALUES (1), (2), (3)");
    cc_x("CREATE TABLE orders (total integer)");
    cc_x("INSERT INTO orders VALUES (60), (40)");
    cc_x("CREATE TABLE \"od\"\"d; --\" (\"na\"\"me; --\" text)");
    cc_x("INSERT INTO \"od\"\"d; --\" VALUES ('x'), (NULL)");
}

/* Load one check from a YAML entry. */
static sl_check cc_load(const char *entry, const char *where)
{
    sl_diags d;
    sl_diags_init(&d);
    struct fy_document *doc = fy_document_build_from_string(NULL, entry, FY_NT);
    assert_non_null(doc);
    sl_check_list l = {0};
    sl_checks_load(fy_document_root(doc), "c.yml", where, &l, &d);
    if (d.n || l.n != 1)
        fail_msg("%s: %s", entry, d.n ? d.v[0].msg : "no check");
    sl_check c = l.v[0];
    sl_free(l.v);
    sl_diags_release(&d);
    fy_document_destroy(doc);
    return c;
}

/* Run entry on table (node "table.t.<table>", history_key key) and assert
 * status, observed (NAN: none; tolerance 1e-6 unless tol), failures (-2:
 * don't care) and that the message and sample hold the given text (NULL:
 * no assertion; "" for sample: no sample). */
static void cc_case_tol(const char *entry, const char *table, const char *key, const char *status, double observed,
                        double tol, int64_t failures, const char *msg_has, const char *sample_has)
{
    sl_check c = cc_load(entry, "monitor");
    char node[160];
    snprintf(node, sizeof node, "table.t.%s", table);
    sl_check_target t = {node, NULL, table, cc_st, key};
    sl_check_result r;
    int rc = sl_check_run(cc_a, &c, &t, &r);
    if (strcmp(r.status, status) != 0)
        fail_msg("%s: status %s, expected %s (%s)", entry, r.status, status, r.message);
    assert_int_equal(rc, strcmp(status, "pass") == 0 || strcmp(status, "warn") == 0 ? 0 : -1);
    if (isnan(observed)) {
        assert_false(r.has_observed);
    } else {
        if (!r.has_observed || fabs(r.observed - observed) > tol)
            fail_msg("%s: observed %g (%d), expected %g (%s)", entry, r.observed, r.has_observed, observed,
                     r.message);
    }
    if (failures != -2 && r.failures != failures)
        fail_msg("%s: failures %lld, expected %lld", entry, (long long)r.failures, (long long)failures);
    if (msg_has && !strstr(r.message, msg_has))
        fail_msg("%s: message '%s' lacks '%s'", entry, r.message, msg_has);
    if (sample_has && !*sample_has)
        assert_null(r.sample_json);
    else if (sample_has && (!r.sample_json || !strstr(r.sample_json, sample_has)))
        fail_msg("%s: sample %s lacks %s", entry, r.sample_json ? r.sample_json : "(none)", sample_has);
    assert_string_equal(r.node, node);
    assert_string_equal(r.check, c.name);
    sl_check_result_release(&r);
    sl_check_release(&c);
}

static void cc_case(const char *entry, const char *status, double observed, int64_t failures, const char *msg_has,
                    const char *sample_has)
{
    cc_case_tol(entry, "people", NULL, status, observed, 1e-6, failures, msg_has, sample_has);
}

static void cc_row_level(void)
{
    cc_case("- not_null: email\n", "fail", 1, 1, "1 failing row", "\"id\":\"3\"");
    cc_case("- not_null: {column: email, where: \"id <> 3\"}\n", "pass", 0, 0, "(of 4)", "");
    cc_case("- not_null: [email, cid]\n", "fail", 2, 2, "(of 5)", "\"id\":\"4\"");
    cc_case("- not_null: {column: email, severity: warn}\n", "warn", 1, 1, NULL, "\"id\":\"3\"");
    cc_case("- unique: id\n", "fail", 2, 2, NULL, "\"email\":\"e@x.com\"");
    cc_case("- unique: [id, email]\n", "pass", 0, 0, NULL, "");
    cc_case("- unique: {column: id, max_failures: 2}\n", "pass", 2, 2, NULL, "\"id\":\"4\"");
    /* the value that looks like SQL is only data: it fails, the table stays */
    cc_case("- accepted_values: {column: status, values: [active, churned]}\n", "fail", 1, 1, NULL,
            "weird'); DROP TABLE people; --");
    cc_case("- accepted_values: {column: status, values: [\"x'); DROP TABLE people; --\"]}\n", "fail", 5, 5, NULL,
            NULL);
    cc_case("- accepted_values: {column: age, values: [30, 40, 200, -1, 25], quote: false}\n", "pass", 0, 0, NULL,
            "");
    cc_case("- regex: {column: code, pattern: '^AB-[0-9]$'}\n", "fail", 1, 1, NULL, "\"code\":\"ab-3\"");
    cc_case("- regex: {column: code, pattern: \"'; DROP TABLE people; --\"}\n", "fail", 5, 5, NULL, NULL);
    cc_case("- range: {column: age, min: 0, max: 120}\n", "fail", 2, 2, NULL, "\"age\":\"200\"");
    cc_case("- range: {column: age, min: 25, exclusive: true}\n", "fail", 2, 2, NULL, "\"age\":\"25\"");
    cc_case("- range: {column: age, min: 0, max: 120, max_failure_rate: 50%}\n", "pass", 2, 2, NULL, NULL);
    cc_case("- length: {column: code, min: 4, max: 4}\n", "pass", 0, 0, NULL, "");
    cc_case("- length: {column: code, max: 3}\n", "fail", 5, 5, NULL, NULL);
    cc_case("- format: {column: email, format: email}\n", "fail", 1, 1, NULL, "bad-email");
    cc_case("- format: {column: country, format: iso_country}\n", "fail", 1, 1, NULL, "\"country\":\"XX\"");
    cc_case("- format: {column: cur, format: iso_currency}\n", "fail", 1, 1, NULL, "\"cur\":\"usd\"");
    cc_case("- relationships: {column: cid, to: customers, field: id}\n", "fail", 1, 1, NULL, "\"cid\":\"9\"");
    cc_case("- relationships: {column: id, to: customers}\n", "fail", 2, 2, NULL, "\"id\":\"4\"");
    cc_case("- expression: {expression: \"age < 150\"}\n", "fail", 1, 1, NULL, "\"age\":\"200\"");
    cc_case("- expression: {expression: \"amount > 0\"}\n", "fail", 1, 1, NULL, "\"email\":\"e@x.com\""); /* NULL fails */
    cc_case("- sql: {sql: \"select * from people where age < 0;\"}\n", "fail", 1, 1, NULL, "\"age\":\"-1\"");
    cc_case("- sql: {sql: \"select * from people where age > 1000\"}\n", "pass", 0, 0, NULL, "");
    /* a second statement is refused, nothing runs */
    cc_case("- sql: {sql: \"select * from people) sl_f; DROP TABLE people; select * from (select 1\"}\n", "error",
            NAN, -1, NULL, "");
    cc_case("- not_null: {column: email, where: \"1 = 1)) sl_t; DROP TABLE people; --\"}\n", "error", NAN, -1, NULL,
            "");
    cc_case("- expression: {expression: \"1)) sl_f; DROP TABLE people; --\"}\n", "error", NAN, -1, NULL, "");
    assert_int_equal(cc_int("SELECT count(*) FROM people"), 5);
    /* names that look like SQL are quoted */
    cc_case_tol("- not_null: \"na\\\"me; --\"\n", "od\"d; --", NULL, "fail", 1, 1e-6, 1, NULL, "\"na\\\"me; --\":null");
}

static void cc_aggregates(void)
{
    cc_case("- null_rate: {column: email, max: 0.1}\n", "fail", 0.2, -1, "(1 of 5 rows)", NULL);
    cc_case("- null_rate: {column: email, max: 25%}\n", "pass", 0.2, -1, NULL, NULL);
    cc_case("- duplicate_rate: {column: id, max: 0.1}\n", "fail", 0.2, -1, NULL, NULL);
    cc_case("- duplicate_rate: {columns: [id, email], max: 0}\n", "pass", 0, -1, NULL, NULL);
    cc_case("- required_columns: [id, email, nope]\n", "fail", 1, -1, "missing: nope", NULL);
    cc_case("- required_columns: [id, email]\n", "pass", 0, -1, NULL, NULL);
    cc_case("- schema: {columns: {id: bigint, email: varchar, amount: double, nope: text}}\n", "fail", 1, -1,
            "missing: nope", NULL);
    cc_case("- schema: {columns: {id: int, email: integer}}\n", "fail", 1, -1, "expected integer", NULL);
    cc_case("- schema: {columns: {id: int, email: text}, exact: true}\n", "fail", 8, -1, "extra: status, age", NULL);
    cc_case("- row_count\n", "pass", 5, -1, NULL, NULL);
    cc_case("- row_count: {max: 4}\n", "fail", 5, -1, "expected <= 4 rows", NULL);
    cc_case("- row_count: {min: 1, where: \"id > 100\"}\n", "fail", 0, -1, NULL, NULL);
    cc_case("- row_count_match: {compare_to: customers}\n", "fail", 2.0 / 3, -1, "(5 vs 3 in customers)", NULL);
    cc_case("- row_count_match: {compare_to: customers, tolerance: 1}\n", "pass", 2.0 / 3, -1, NULL, NULL);
    cc_case("- equal_aggregates: {expression: sum(amount), compare_to: orders, compare_expression: sum(total)}\n",
            "pass", 0, -1, NULL, NULL);
    cc_case("- equal_aggregates: {expression: sum(amount), compare_to: orders, compare_expression: sum(total) * 2}\n",
            "fail", 0.5, -1, NULL, NULL);
    /* freshness on a column: 2 hours old (bounds wide enough for a slow machine) */
    cc_case_tol("- freshness: {column: ts, warn_after: 1h, error_after: 1d}\n", "people", NULL, "warn", 7200, 600, -1,
                "freshness 2h", NULL);
    cc_case_tol("- freshness: {column: ts, error_after: 1h}\n", "people", NULL, "fail", 7200, 600, -1, NULL, NULL);
    cc_case_tol("- freshness: {column: ts, error_after: 3h}\n", "people", NULL, "pass", 7200, 600, -1, NULL, NULL);
    cc_case("- freshness: {column: ts, error_after: 3h, where: \"id > 100\"}\n", "fail", NAN, -1, "no value in ts",
            NULL);
}

/* row_count_change and freshness without a column, from the state store. */
static void cc_history(void)
{
    const char *e = "- row_count_change: {max: 0.2}\n";
    /* no history yet */
    cc_case(e, "pass", NAN, -1, "nothing to compare with yet", NULL);
    /* the previous results of this check (node, check) */
    sl_error err = {0};
    pthread_mutex_lock(&cc_st->lock);
    for (int i = 0; i < 3; i++) {
        static const int64_t rows[] = {6, 5, 4}; /* oldest first: the previous is 4 */
        if (sl_state_sql(cc_st, &err, NULL, NULL,
                         "INSERT INTO check_results (run_id, node, check_name, kind, status, severity, rows_checked, "
                         "checked_at) VALUES ('r', 'table.t.people', $1, 'row_count_change', 'pass', 'error', $2, "
                         "'2026-01-01T00:00:00Z')",
                         "si", "row_count_change", rows[i]) < 0)
            fail_msg("%s", err.msg);
    }
    if (sl_state_sql(cc_st, &err, NULL, NULL,
                     "INSERT INTO check_results (run_id, node, check_name, kind, status, severity, rows_checked, "
                     "checked_at) VALUES ('r', 'table.t.people', 'row_count_change', 'row_count_change', 'error', "
                     "'error', 1000, '2026-01-01T00:00:00Z')",
                     NULL) < 0)
        fail_msg("%s", err.msg);
    pthread_mutex_unlock(&cc_st->lock);
    cc_case(e, "fail", 0.25, -1, "(5 rows, baseline 4)", NULL);
    cc_case("- row_count_change: {max: 0.2, against: mean, runs: 3}\n", "pass", 0, -1, "baseline 5", NULL);
    cc_case_tol("- row_count_change: {max: 0.1, against: mean, runs: 2}\n", "people", NULL, "fail", 1.0 / 9, 1e-9, -1,
                "baseline 4.5", NULL);
    /* a pipeline's successful runs count first: rows_loaded */
    char run_id[40] = "";
    int64_t epoch;
    int resumed;
    sl_run_counts counts = {10, 10, 0, 0, 0, 0, 0, 0};
    if (sl_state_run_begin(cc_st, "load_people", 0, run_id, &epoch, &resumed, &err) < 0 ||
        sl_state_run_end(cc_st, run_id, "load_people", "success", NULL, &counts, &err) < 0)
        fail_msg("%s", err.msg);
    cc_case_tol(e, "people", "load_people", "fail", 0.5, 1e-6, -1, "baseline 10", NULL);
    /* freshness without a column: the last successful load of the history key */
    cc_case_tol("- freshness: {error_after: 1h}\n", "people", "load_people", "pass", 0, 600, -1, NULL, NULL);
    cc_case_tol("- freshness: {error_after: 1h}\n", "people", "never_ran", "fail", NAN, 0, -1,
                "never_ran has never loaded successfully", NULL);
    cc_case_tol("- freshness: {error_after: 1h, severity: warn}\n", "people", "never_ran", "warn", NAN, 0, -1, NULL,
                NULL);
}

static void cc_errors(void)
{
    cc_case_tol("- row_count\n", "missing_table", NULL, "error", NAN, 0, -1, "does not exist", NULL);
    cc_case("- relationships: {column: cid, to: nowhere}\n", "error", NAN, -1, "table nowhere does not exist", NULL);
    cc_case("- expression: {expression: \"no_such_column > 1\"}\n", "error", NAN, -1, "no_such_column", NULL);
}

/* SQLite's sl_format_valid() and PostgreSQL's expressions agree with the C validator on every case. */
static void cc_formats(void)
{
    cc_x("CREATE TABLE fmt (i integer, f text, v text)");
    sl_buf q;
    sl_buf_init(&q);
    for (size_t i = 0; i < FORMAT_NCASES; i++) {
        sl_buf_reset(&q);
        sl_buf_addf(&q, "INSERT INTO fmt VALUES (%zu, ", i);
        sl_sql_literal(&q, format_cases[i].format);
        sl_buf_adds(&q, ", ");
        sl_sql_literal(&q, format_cases[i].value);
        sl_buf_adds(&q, ")");
        cc_x(q.data);
    }
    static const char *const fmts[] = {"email", "e164", "iso_country", "iso_currency", "url", "uuid", "date"};
    for (size_t f = 0; f < sizeof fmts / sizeof *fmts; f++) {
        char entry[128];
        snprintf(entry, sizeof entry, "- format: {column: v, format: %s}\n", fmts[f]);
        sl_check c = cc_load(entry, "monitor");
        sl_buf pred;
        sl_buf_init(&pred);
        sl_error err = {0};
        assert_int_equal(sl_check_fail_predicate(&c, cc_pg ? SL_SQL_POSTGRES : SL_SQL_SQLITE, &pred, &err), 0);
        for (size_t i = 0; i < FORMAT_NCASES; i++) {
            if (strcmp(format_cases[i].format, fmts[f]) != 0)
                continue;
            sl_buf_reset(&q);
            sl_buf_addf(&q, "SELECT count(*) FROM fmt WHERE i = %zu AND %s", i, pred.data);
            int64_t failing = cc_int(q.data);
            if (failing != !format_cases[i].valid)
                fail_msg("%s '%s': the SQL says %s", fmts[f], format_cases[i].value, failing ? "invalid" : "valid");
        }
        sl_buf_release(&pred);
        sl_check_release(&c);
    }
    sl_buf_release(&q);
}

#endif
